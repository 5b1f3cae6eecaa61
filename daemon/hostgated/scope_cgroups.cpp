// SPDX-License-Identifier: GPL-3.0-or-later
// ScopeCgroups: mkdir, find, move into, rmdir and walk the cgroup directories of scopes.
#include "hostgated/scope_cgroups.h"

#include "util/errno_error.h"
#include "util/error_codes.h"
#include "util/unique_fd.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <deque>

namespace hostgate {

namespace {

// Directories visited looking for a unit, a container or a cgroup id: a bound on what one call can cost.
constexpr std::size_t maxWalk = 20000;

Error notFound(std::string message)
{
    return Error::named(std::string(control_error::noSuchCgroup), std::move(message));
}

Error invalid(std::string message)
{
    return Error::named(std::string(control_error::invalidArgument), std::move(message));
}

bool isHex(std::string_view text)
{
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

bool safeName(std::string_view name)
{
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

} // namespace

ScopeCgroups::ScopeCgroups(std::filesystem::path mount, std::filesystem::path enforced)
    : mount_(std::move(mount)), enforced_(std::move(enforced))
{}

std::filesystem::path ScopeCgroups::absolute(std::string_view cgroup) const
{
    std::string_view rest = cgroup;
    while (!rest.empty() && rest.front() == '/')
        rest.remove_prefix(1);
    return rest.empty() ? mount_ : mount_ / std::string(rest);
}

std::string ScopeCgroups::relative(const std::filesystem::path& path) const
{
    const std::string inside = path.lexically_relative(mount_).generic_string();
    return inside == "." ? "/" : "/" + inside;
}

Result<ScopeCgroups::Found> ScopeCgroups::below(const std::filesystem::path& path) const
{
    std::error_code ec;
    const auto canonical = std::filesystem::canonical(path, ec);
    if (ec)
        return notFound(fmt::format("No cgroup {}: {}", path.string(), ec.message()));
    const auto inside = canonical.lexically_relative(enforced_);
    if (inside.empty() || inside == "." || *inside.begin() == "..")
        return invalid(fmt::format("{} is not below the enforced cgroup {}", canonical.string(), enforced_.string()));
    struct stat st {};
    if (::stat(canonical.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return notFound(fmt::format("No cgroup {}: not a directory", canonical.string()));
    if (::access((canonical / "cgroup.procs").c_str(), F_OK) != 0)
        return invalid(fmt::format("{} is not a cgroup (no cgroup.procs)", canonical.string()));
    return Found{relative(canonical), static_cast<std::uint64_t>(st.st_ino)};
}

Result<ScopeCgroups::Found> ScopeCgroups::createRun(std::string_view name) const
{
    if (!safeName(name))
        return invalid(fmt::format("Invalid cgroup name '{}'", name));
    const auto path = enforced_ / std::string(name);
    if (::mkdir(path.c_str(), 0755) != 0)
        return Error(fmt::format("Failed to create cgroup {}: {}", path.string(), errnoText(errno)));
    auto found = below(path);
    if (!found)
        ::rmdir(path.c_str());
    return found;
}

Result<ScopeCgroups::Found> ScopeCgroups::find(std::string_view kind, std::string_view target) const
{
    if (kind == "cgroup") {
        std::filesystem::path path(std::string{target});
        if (!path.is_absolute())
            return invalid(fmt::format("Invalid cgroup '{}': not an absolute path", target));
        // A path under the mount point, or one as /proc/PID/cgroup shows it.
        const auto underMount = path.lexically_relative(mount_);
        const bool mounted = !underMount.empty() && *underMount.begin() != "..";
        return below(mounted ? path : absolute(target));
    }
    std::string_view id;
    if (kind == "unit") {
        if (!safeName(target))
            return invalid(fmt::format("Invalid unit name '{}'", target));
    } else if (kind == "container") {
        if (target.size() < 12 || target.size() > 64 || !isHex(target))
            return invalid(fmt::format("Invalid container id '{}': expected 12 to 64 hex digits", target));
        id = target;
    } else {
        return invalid(fmt::format("Invalid kind '{}'", kind));
    }
    const auto matches = [&](const std::string& name) {
        if (kind == "unit")
            return name == target;
        for (const std::string_view prefix : {"docker-", "libpod-"})
            if (name.starts_with(prefix) && name.ends_with(".scope") &&
                std::string_view(name).substr(prefix.size()).starts_with(id))
                return true;
        return false;
    };
    std::deque<std::filesystem::path> pending{enforced_};
    std::size_t visited = 0;
    std::vector<std::filesystem::path> hits;
    while (!pending.empty() && visited < maxWalk) {
        const auto dir = pending.front();
        pending.pop_front();
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            if (++visited > maxWalk)
                break;
            if (!entry.is_directory(ec) || entry.is_symlink(ec))
                continue;
            if (matches(entry.path().filename().string()))
                hits.push_back(entry.path());
            pending.push_back(entry.path());
        }
    }
    if (hits.empty())
        return notFound(fmt::format("No {} '{}' below {}", kind, target, enforced_.string()));
    if (hits.size() > 1)
        return invalid(fmt::format("'{}' names {} cgroups ({}, {}...); give the cgroup path", target, hits.size(),
                                   relative(hits[0]), relative(hits[1])));
    return below(hits.front());
}

Result<void> ScopeCgroups::move(const std::string& cgroup, std::int32_t pid) const
{
    const auto procs = absolute(cgroup) / "cgroup.procs";
    const UniqueFd fd(::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        return Error(fmt::format("Failed to open {}: {}", procs.string(), errnoText(errno)));
    const std::string text = std::to_string(pid);
    const bool written = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const int error = errno;
    if (!written)
        return Error(fmt::format("Failed to move pid {} into {}: {}", pid, cgroup, errnoText(error)));
    return Ok{};
}

bool ScopeCgroups::removeIfEmpty(const std::string& cgroup) const
{
    return ::rmdir(absolute(cgroup).c_str()) == 0 || errno == ENOENT;
}

bool ScopeCgroups::exists(const Found& found) const
{
    struct stat st {};
    return ::stat(absolute(found.cgroup).c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_ino) == found.id;
}

std::optional<std::string> ScopeCgroups::pathOf(std::uint64_t id, const std::vector<std::string>& roots) const
{
    std::size_t visited = 0;
    for (const std::string& root : roots) {
        std::deque<std::filesystem::path> pending{absolute(root)};
        while (!pending.empty() && visited < maxWalk) {
            const auto dir = pending.front();
            pending.pop_front();
            ++visited;
            struct stat st {};
            if (::stat(dir.c_str(), &st) != 0)
                continue;
            if (static_cast<std::uint64_t>(st.st_ino) == id)
                return relative(dir);
            std::error_code ec;
            for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
                if (entry.is_directory(ec) && !entry.is_symlink(ec))
                    pending.push_back(entry.path());
        }
    }
    return std::nullopt;
}

} // namespace hostgate
