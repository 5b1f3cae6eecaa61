// SPDX-License-Identifier: GPL-3.0-or-later
// File trust checks on opened descriptors (fstat), bounded reads, and private directory creation.
#include "store/file_trust.h"

#include "util/errno_error.h"
#include "util/unique_fd.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace hostgate {

namespace fs = std::filesystem;

Result<void> checkTrusted(const struct stat& status, const fs::path& shownPath, uid_t owner)
{
    std::vector<std::string> problems;
    std::vector<std::string> fixes;
    if (status.st_uid != owner) {
        problems.push_back(
            fmt::format("it is owned by uid {}, not {}", status.st_uid, owner == 0 ? "root" : std::to_string(owner)));
        fixes.push_back(fmt::format("chown {} {}", owner == 0 ? "root" : std::to_string(owner), shownPath.string()));
    }
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        const bool group = (status.st_mode & S_IWGRP) != 0;
        const bool others = (status.st_mode & S_IWOTH) != 0;
        problems.push_back(fmt::format("it is writable by {} (mode {:04o})",
                                       group && others ? "group and others"
                                       : group         ? "its group"
                                                       : "others",
                                       status.st_mode & 07777));
        fixes.push_back(fmt::format("chmod go-w {}", shownPath.string()));
    }
    if (problems.empty())
        return Ok{};
    std::string message = fmt::format("Refusing to load {}: ", shownPath.string());
    for (std::size_t i = 0; i < problems.size(); ++i)
        message += (i == 0 ? "" : " and ") + problems[i];
    message += ", so someone other than root could change what the firewall obeys; fix with: ";
    for (std::size_t i = 0; i < fixes.size(); ++i)
        message += (i == 0 ? "" : " && ") + fixes[i];
    return Error{message};
}

Result<std::string> readTrustedFile(const fs::path& path, std::size_t maxBytes, uid_t owner)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid())
        return Error{fmt::format("Failed to open {}: {}", path.string(), errnoText(errno))};
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0)
        return Error{fmt::format("Failed to examine {}: {}", path.string(), errnoText(errno))};
    if (!S_ISREG(status.st_mode))
        return Error{fmt::format("Refusing to load {}: it is not a regular file", path.string())};
    if (auto trusted = checkTrusted(status, path, owner); !trusted)
        return trusted.error();
    if (static_cast<std::uint64_t>(status.st_size) > maxBytes)
        return Error{fmt::format("Refusing to load {}: it is {} bytes, larger than the limit of {} bytes",
                                 path.string(), status.st_size, maxBytes)};

    std::string content;
    char buffer[16384];
    for (;;) {
        const ssize_t count = ::read(fd.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return Error{fmt::format("Failed to read {}: {}", path.string(), errnoText(errno))};
        if (count == 0)
            return content;
        content.append(buffer, static_cast<std::size_t>(count));
        if (content.size() > maxBytes) // grew while we read it
            return Error{
                fmt::format("Refusing to load {}: it is larger than the limit of {} bytes", path.string(), maxBytes)};
    }
}

Result<void> checkTrustedDirectory(const fs::path& path, uid_t owner)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid())
        return Error{fmt::format("Failed to open directory {}: {}", path.string(), errnoText(errno))};
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0)
        return Error{fmt::format("Failed to examine {}: {}", path.string(), errnoText(errno))};
    return checkTrusted(status, path, owner);
}

Result<void> createPrivateDirectories(const fs::path& path)
{
    if (path.empty())
        return Ok{};
    fs::path current;
    for (const fs::path& part : path) {
        current /= part;
        if (::mkdir(current.c_str(), 0700) != 0 && errno != EEXIST)
            return Error{fmt::format("Failed to create directory {}: {}", current.string(), errnoText(errno))};
    }
    return Ok{};
}

} // namespace hostgate
