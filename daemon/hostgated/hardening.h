// SPDX-License-Identifier: GPL-3.0-or-later
// Least privilege after start-up: drop the capabilities the daemon no longer needs, set NoNewPrivs and
// install the seccomp allow-list.
#pragma once

#include "util/result.h"

#include <string>
#include <vector>

namespace hostgate {

// The capabilities hostgated keeps once the kernel side is set up (each verified by the end-to-end tests):
// - CAP_NET_ADMIN: every nfnetlink message (nfqueue verdicts) is checked for it, and the iptables-nft/nft
//   tools the daemon runs to update and, at stop, remove its chains need it (they inherit only what the
//   daemon keeps: NoNewPrivs caps an exec'd program at the caller's permitted set).
// - CAP_BPF, CAP_PERFMON: loading, pinning and adopting BPF objects at runtime (map updates through fds
//   the daemon already holds need none).
// - CAP_SYS_PTRACE: /proc/PID/exe, cwd and environ of other users' processes (ptrace_may_access).
// Dropped, among all others: CAP_NET_RAW (the raw DNS reply sockets are opened before the drop), CAP_SYS_ADMIN,
// CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_SYS_RESOURCE, CAP_SETUID/SETGID/SETPCAP, CAP_CHOWN, CAP_FOWNER.
std::vector<std::string> keptCapabilityNames();

struct HardeningOptions {
    bool seccompLogOnly = false; // log syscalls outside the list instead of killing (debugging the list)
};

struct HardeningReport {
    std::vector<std::string> keptCapabilities; // of those above, the ones the process had
    bool boundingSetReduced = false;           // false when CAP_SETPCAP was missing (e.g. systemd reduced it)
    std::size_t allowedSyscalls = 0;           // resolved on this architecture
    std::vector<std::string> unknownSyscalls;  // listed names this architecture does not have
};

// Drops to the kept capabilities (effective, permitted; inheritable and ambient emptied; the bounding set
// too when CAP_SETPCAP allows), sets NoNewPrivs, and installs the seccomp allow-list (seccomp_allowlist.h)
// on every thread with the default action SCMP_ACT_KILL_PROCESS (or SCMP_ACT_LOG with seccompLogOnly). The
// kernel logs a killed call as "audit: type=1326 ... syscall=NR". Irreversible; call once, after start.
Result<HardeningReport> hardenProcess(const HardeningOptions& options);

} // namespace hostgate
