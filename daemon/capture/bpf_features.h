// SPDX-License-Identifier: GPL-3.0-or-later
// Probes whether this kernel can run hostgate's cgroup BPF programs, for status reports and degraded modes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

struct KernelFeatures {
    std::optional<std::filesystem::path> cgroup2Mount; // where the cgroup v2 hierarchy is mounted
    bool kernelBtf = false;                            // /sys/kernel/btf/vmlinux, needed for CO-RE
    bool cgroupSockPrograms = false;                   // BPF_PROG_TYPE_CGROUP_SOCK loads (UDP sockets born marked)
    bool cgroupSockAddrPrograms = false;               // BPF_PROG_TYPE_CGROUP_SOCK_ADDR loads
    bool currentTaskBtfHelper = false;                 // bpf_get_current_task_btf() usable there
    bool ringBuffer = false;                           // BPF_MAP_TYPE_RINGBUF
    bool lruHash = false;                              // BPF_MAP_TYPE_LRU_HASH

    bool usable() const { return missing().empty(); }
    // One human-readable line per missing feature, e.g. "no cgroup v2 mount in /proc/self/mountinfo".
    std::vector<std::string> missing() const;
};

// Probes the running kernel; needs the privileges the daemon has (CAP_BPF, CAP_PERFMON) for the load probes.
KernelFeatures probeKernelFeatures(const std::filesystem::path& mountInfo = "/proc/self/mountinfo");

} // namespace hostgate
