// SPDX-License-Identifier: GPL-3.0-or-later
// PackageDatabase: dpkg's status file and file lists, indexed by a hash of each path.
#include "identity/package_db.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <system_error>

namespace hostgate {

namespace {

constexpr std::size_t maxCachedFiles = 4096;

std::uint64_t pathHash(std::string_view path)
{
    // FNV-1a, 64 bits: stable across runs and libraries, and collisions among ~10^5 paths are ~10^-9 likely.
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (const char c : path) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ull;
    }
    return hash;
}

bool installed(std::string_view status)
{
    // "install ok installed", "hold ok installed": the third word is the package's state.
    return status.ends_with(" installed");
}

// "Key: value" → {"Key", "value"}; a line without a colon has an empty key.
std::pair<std::string_view, std::string_view> splitField(std::string_view line)
{
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
        return {};
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    return {line.substr(0, colon), value};
}

} // namespace

PackageDatabase::PackageDatabase(std::filesystem::path dpkgDirectory, std::filesystem::path root,
                                 std::chrono::steady_clock::duration recheckInterval)
    : dpkg_(std::move(dpkgDirectory)), root_(std::move(root)), recheckInterval_(recheckInterval)
{}

void PackageDatabase::refreshIfChanged()
{
    const auto now = std::chrono::steady_clock::now();
    if (built_ && now - checkedAt_ < recheckInterval_)
        return;
    checkedAt_ = now;
    std::error_code error;
    const auto time = std::filesystem::last_write_time(dpkg_ / "status", error);
    if (error) {
        // No dpkg (another distribution, a container image): nothing is packaged.
        packages_.clear();
        paths_.clear();
        byFile_.clear();
        built_ = true;
        return;
    }
    if (built_ && time == statusTime_)
        return;
    statusTime_ = time;
    rebuild();
    built_ = true;
}

void PackageDatabase::rebuild()
{
    packages_.clear();
    listNames_.clear();
    paths_.clear();
    byFile_.clear();

    // Installed packages, by "name" and "name:arch" (file lists of Multi-Arch: same packages carry the arch).
    std::unordered_map<std::string, std::uint32_t> byName;
    {
        std::ifstream status(dpkg_ / "status");
        PackageInfo current;
        bool isInstalled = false;
        const auto finish = [&] {
            if (isInstalled && !current.name.empty()) {
                const auto index = static_cast<std::uint32_t>(packages_.size());
                byName.emplace(current.name, index);
                if (!current.architecture.empty())
                    byName.emplace(current.name + ":" + current.architecture, index);
                listNames_.push_back(current.name);
                packages_.push_back(std::make_shared<const PackageInfo>(std::move(current)));
            }
            current = PackageInfo{};
            isInstalled = false;
        };
        std::string line;
        while (std::getline(status, line)) {
            if (line.empty()) {
                finish();
                continue;
            }
            if (line.front() == ' ' || line.front() == '\t')
                continue; // a continuation: only the description's first line is kept
            const auto [key, value] = splitField(line);
            if (key == "Package")
                current.name = value;
            else if (key == "Status")
                isInstalled = installed(value);
            else if (key == "Architecture")
                current.architecture = value;
            else if (key == "Version")
                current.version = value;
            else if (key == "Description")
                current.summary = value;
        }
        finish();
    }

    // Top-level directories that merged /usr made symlinks ("/bin" → "usr/bin"): their files have two names.
    auto& mergedTops = mergedTops_;
    mergedTops.clear();
    for (const std::string_view top : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
        std::error_code error;
        const auto target = std::filesystem::read_symlink(root_ / top, error);
        if (!error && (target == std::filesystem::path("usr") / top || target == std::filesystem::path("/usr") / top))
            mergedTops.push_back("/" + std::string(top) + "/");
    }

    std::error_code error;
    for (std::filesystem::directory_iterator it(dpkg_ / "info", error), end; !error && it != end; it.increment(error)) {
        const auto& file = it->path();
        if (file.extension() != ".list")
            continue;
        const auto owner = byName.find(file.stem().string());
        if (owner == byName.end())
            continue;                                     // a list left by a package that is no longer installed
        listNames_[owner->second] = file.stem().string(); // the name its md5sums file carries too
        std::ifstream list(file);
        std::string path;
        while (std::getline(list, path)) {
            if (path.empty() || path.front() != '/')
                continue;
            paths_.emplace_back(pathHash(path), owner->second);
            for (const auto& top : mergedTops) {
                if (path.starts_with(top)) {
                    paths_.emplace_back(pathHash("/usr" + path), owner->second);
                    break;
                }
            }
        }
    }
    std::sort(paths_.begin(), paths_.end());
    paths_.erase(
        std::unique(paths_.begin(), paths_.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
        paths_.end());
    paths_.shrink_to_fit();
}

std::shared_ptr<const PackageInfo> PackageDatabase::lookupPath(std::string_view path)
{
    const auto owner = ownerOf(path);
    return owner ? packages_[*owner] : nullptr;
}

std::optional<std::uint32_t> PackageDatabase::ownerOf(std::string_view path)
{
    refreshIfChanged();
    const auto hash = pathHash(path);
    const auto it = std::lower_bound(paths_.begin(), paths_.end(), std::make_pair(hash, std::uint32_t{0}));
    if (it == paths_.end() || it->first != hash)
        return std::nullopt;
    return it->second;
}

std::optional<std::string> PackageDatabase::packagedMd5(std::string_view path)
{
    const auto owner = ownerOf(path);
    if (!owner)
        return std::nullopt;
    // md5sums name files relative to the root, as the package shipped them ("usr/bin/curl", "bin/bash").
    std::vector<std::string> names{std::string(path.substr(1))};
    for (const auto& top : mergedTops_) {
        if (path.starts_with("/usr" + top))
            names.push_back(std::string(path.substr(5)));
    }
    std::ifstream sums(dpkg_ / "info" / (listNames_[*owner] + ".md5sums"));
    std::string line;
    while (std::getline(sums, line)) {
        // "<32 hex digits>  <path>"
        if (line.size() < 35 || line[32] != ' ' || line[33] != ' ')
            continue;
        const std::string_view listed = std::string_view(line).substr(34);
        if (std::find(names.begin(), names.end(), listed) != names.end())
            return line.substr(0, 32);
    }
    return std::nullopt;
}

std::shared_ptr<const PackageInfo> PackageDatabase::lookup(const AppIdentity& app)
{
    if (app.script && app.script->starts_with('/'))
        return lookupPath(*app.script);
    refreshIfChanged();
    const FileKey key{app.device, app.inode};
    if (app.inode != 0) {
        if (const auto it = byFile_.find(key); it != byFile_.end())
            return it->second;
    }
    auto package = lookupPath(app.path);
    if (app.inode != 0) {
        if (byFile_.size() >= maxCachedFiles)
            byFile_.clear();
        byFile_.emplace(key, package);
    }
    return package;
}

} // namespace hostgate
