// SPDX-License-Identifier: GPL-3.0-or-later
// Kernel feature probing for the cgroup BPF programs: cgroup v2 mount, BTF, program/map/helper support.
#include "capture/bpf_features.h"

#include "capture/cgroup.h"

#include <bpf/libbpf.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace hostgate {
namespace {

bool probeHelper(bpf_prog_type type, bpf_func_id helper)
{
    return libbpf_probe_bpf_helper(type, helper, nullptr) == 1;
}

} // namespace

std::vector<std::string> KernelFeatures::missing() const
{
    std::vector<std::string> problems;
    if (!cgroup2Mount) {
        problems.emplace_back("no cgroup v2 mount in /proc/self/mountinfo");
    }
    if (!kernelBtf) {
        problems.emplace_back("no kernel BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot be relocated");
    }
    if (!cgroupSockPrograms) {
        problems.emplace_back("cgroup socket-creation BPF programs (BPF_PROG_TYPE_CGROUP_SOCK) are not supported");
    }
    if (!cgroupSockAddrPrograms) {
        problems.emplace_back("cgroup sock_addr BPF programs are not supported (or not permitted)");
    }
    if (!currentTaskBtfHelper) {
        problems.emplace_back("bpf_get_current_task_btf() is unavailable to cgroup sock_addr programs");
    }
    if (!ringBuffer) {
        problems.emplace_back("BPF ring buffer maps are not supported");
    }
    if (!lruHash) {
        problems.emplace_back("BPF LRU hash maps are not supported");
    }
    return problems;
}

KernelFeatures probeKernelFeatures(const std::filesystem::path& mountInfo)
{
    KernelFeatures features;
    if (auto mount = findCgroup2Mount(mountInfo))
        features.cgroup2Mount = std::move(*mount);
    features.kernelBtf = ::access("/sys/kernel/btf/vmlinux", R_OK) == 0;
    features.cgroupSockAddrPrograms = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, nullptr) == 1;
    features.cgroupSockPrograms = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK, nullptr) == 1;
    features.currentTaskBtfHelper = probeHelper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_get_current_task_btf);
    features.ringBuffer = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;
    features.lruHash = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LRU_HASH, nullptr) == 1;
    return features;
}

} // namespace hostgate
