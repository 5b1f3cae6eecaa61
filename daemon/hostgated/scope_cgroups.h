// SPDX-License-Identifier: GPL-3.0-or-later
// ScopeCgroups: the cgroup directories of scopes — making a run's transient cgroup below the enforced one,
// finding a unit's or a container's, moving a process in, telling which scope directory a cgroup id is in.
#pragma once

#include "util/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

class ScopeCgroups {
public:
    struct Found {
        std::string cgroup;   // path in the hierarchy, "/hg-test/hostgate-run-812-1"
        std::uint64_t id = 0; // the directory's inode: the kernel's cgroup id
    };

    // `mount`: the cgroup2 mount point; `enforced`: the directory the programs attach to, at or below it.
    ScopeCgroups(std::filesystem::path mount, std::filesystem::path enforced);

    // mkdir <enforced>/<name> (mode 0755, root's): BPF programs attached to the enforced cgroup apply there.
    Result<Found> createRun(std::string_view name) const;
    // kind "cgroup": a path in the hierarchy or under the mount point; "unit": a directory named `target`;
    // "container": docker-<id>….scope / libpod-<id>….scope with `target` a prefix of the id (12+ hex digits).
    // Always strictly below the enforced cgroup (a policy for all of it would be a global rule).
    Result<Found> find(std::string_view kind, std::string_view target) const;
    // Writes `pid` into the cgroup's cgroup.procs.
    Result<void> move(const std::string& cgroup, std::int32_t pid) const;
    // rmdir; true when the directory is gone (now or before), false while processes are left in it.
    bool removeIfEmpty(const std::string& cgroup) const;
    // Whether the directory is still the one that had `id`.
    bool exists(const Found& found) const;
    // The path of the cgroup with `id` among the directories at or below `roots` (a bounded walk); nullopt: none.
    std::optional<std::string> pathOf(std::uint64_t id, const std::vector<std::string>& roots) const;

private:
    std::filesystem::path absolute(std::string_view cgroup) const;
    std::string relative(const std::filesystem::path& path) const;
    Result<Found> below(const std::filesystem::path& path) const;

    std::filesystem::path mount_;
    std::filesystem::path enforced_;
};

} // namespace hostgate
