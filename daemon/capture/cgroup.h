// SPDX-License-Identifier: GPL-3.0-or-later
// Finding the cgroup v2 hierarchy and checking the cgroup scope the daemon's BPF programs attach to.
#pragma once

#include "util/result.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// One line of /proc/self/mountinfo (proc(5)), with the octal escapes of paths (\040 for a space) decoded.
struct MountInfoEntry {
    std::filesystem::path root; // the path within the filesystem that is mounted
    std::filesystem::path mountPoint;
    std::string fsType;
};

// Lines that do not have the mountinfo shape are skipped; the kernel does not emit any.
std::vector<MountInfoEntry> parseMountInfo(std::string_view text);

// The mount point of the cgroup2 hierarchy in `mountInfoText`. Where cgroup2 is mounted several times,
// the first mount of the hierarchy's root wins. Hybrid systems mount it beside the v1 controllers (e.g.
// /sys/fs/cgroup/unified), unified ones at /sys/fs/cgroup; the path is always discovered, never assumed.
Result<std::filesystem::path> findCgroup2MountIn(std::string_view mountInfoText);
Result<std::filesystem::path> findCgroup2Mount(const std::filesystem::path& mountInfo = "/proc/self/mountinfo");

// Succeeds when `scope` is an existing directory inside a cgroup2 mount (checked both against the mount
// table and with statfs, so a same-named directory on another filesystem is refused).
Result<void> validateCgroupScope(const std::filesystem::path& scope,
                                 const std::filesystem::path& mountInfo = "/proc/self/mountinfo");

} // namespace hostgate
