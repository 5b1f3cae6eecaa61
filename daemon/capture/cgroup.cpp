// SPDX-License-Identifier: GPL-3.0-or-later
// cgroup v2 discovery from mountinfo and validation of the configured cgroup scope.
#include "capture/cgroup.h"

#include "util/errno_error.h"

#include <linux/magic.h>
#include <sys/statfs.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>

namespace hostgate {

namespace {

// mountinfo escapes space, tab, newline and backslash in paths as three octal digits.
std::string unescapeMountPath(std::string_view field)
{
    std::string path;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() &&
            std::all_of(field.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        field.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                        [](char c) { return c >= '0' && c <= '7'; })) {
            path.push_back(
                static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
            i += 3;
        } else {
            path.push_back(field[i]);
        }
    }
    return path;
}

std::vector<std::string_view> splitFields(std::string_view line)
{
    std::vector<std::string_view> fields;
    std::size_t position = 0;
    while (position < line.size()) {
        const std::size_t start = line.find_first_not_of(' ', position);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = std::min(line.find(' ', start), line.size());
        fields.push_back(line.substr(start, end - start));
        position = end;
    }
    return fields;
}

bool isWithin(const std::filesystem::path& path, const std::filesystem::path& base)
{
    return std::mismatch(base.begin(), base.end(), path.begin(), path.end()).first == base.end();
}

} // namespace

std::vector<MountInfoEntry> parseMountInfo(std::string_view text)
{
    std::vector<MountInfoEntry> entries;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);

        // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
        const std::vector<std::string_view> fields = splitFields(line);
        const auto separator = std::find(fields.begin(), fields.end(), "-");
        if (separator == fields.end() || std::distance(fields.begin(), separator) < 6 ||
            std::next(separator) == fields.end()) {
            continue;
        }
        entries.push_back(MountInfoEntry{unescapeMountPath(fields[3]), unescapeMountPath(fields[4]),
                                         std::string(*std::next(separator))});
    }
    return entries;
}

Result<std::filesystem::path> findCgroup2MountIn(std::string_view mountInfoText)
{
    const std::vector<MountInfoEntry> entries = parseMountInfo(mountInfoText);
    const auto isCgroup2 = [](const MountInfoEntry& entry) { return entry.fsType == "cgroup2"; };
    const auto rootMount = std::find_if(entries.begin(), entries.end(), [&](const MountInfoEntry& entry) {
        return isCgroup2(entry) && entry.root == "/";
    });
    if (rootMount != entries.end()) {
        return rootMount->mountPoint;
    }
    const auto anyMount = std::find_if(entries.begin(), entries.end(), isCgroup2);
    if (anyMount != entries.end()) {
        return anyMount->mountPoint;
    }
    return Error("Failed to find the cgroup2 hierarchy: no cgroup2 filesystem is mounted");
}

namespace {

Result<std::string> readMountInfo(const std::filesystem::path& mountInfo)
{
    std::ifstream stream(mountInfo);
    if (!stream) {
        return Error(fmt::format("Failed to read {}: {}", mountInfo.string(), errnoText(errno)));
    }
    std::ostringstream text;
    text << stream.rdbuf();
    return text.str();
}

} // namespace

Result<std::filesystem::path> findCgroup2Mount(const std::filesystem::path& mountInfo)
{
    auto text = readMountInfo(mountInfo);
    if (!text) {
        return text.error();
    }
    return findCgroup2MountIn(*text);
}

Result<void> validateCgroupScope(const std::filesystem::path& scope, const std::filesystem::path& mountInfo)
{
    std::error_code error;
    const std::filesystem::path canonical = std::filesystem::canonical(scope, error);
    if (error) {
        return Error(fmt::format("Failed to resolve cgroup scope {}: {}", scope.string(), error.message()));
    }
    if (!std::filesystem::is_directory(canonical, error)) {
        return Error(fmt::format("Invalid cgroup scope {}: not a directory", scope.string()));
    }
    auto text = readMountInfo(mountInfo);
    if (!text) {
        return text.error();
    }
    const std::vector<MountInfoEntry> entries = parseMountInfo(*text);
    const bool insideCgroup2 = std::any_of(entries.begin(), entries.end(), [&](const MountInfoEntry& entry) {
        return entry.fsType == "cgroup2" && isWithin(canonical, entry.mountPoint);
    });
    struct statfs filesystem {};
    if (!insideCgroup2 || ::statfs(canonical.c_str(), &filesystem) < 0 || filesystem.f_type != CGROUP2_SUPER_MAGIC) {
        return Error(fmt::format("Invalid cgroup scope {}: not inside a cgroup2 hierarchy", scope.string()));
    }
    return Ok{};
}

} // namespace hostgate
