// SPDX-License-Identifier: GPL-3.0-or-later
// Finds the application behind a queued packet: sock_diag gives the socket cookie, the BPF owner map
// gives who opened the connection (recorded in connect()/sendmsg(), so no /proc race), /proc the rest.
#pragma once

#include "capture/bpf_firewall.h"
#include "capture/packet.h"
#include "capture/sock_diag.h"
#include "decision/connection.h"
#include "identity/process_info.h"
#include "util/result.h"

#include <map>
#include <memory>
#include <mutex>

namespace hostgate {

struct Attribution {
    SocketOwner owner;   // as the kernel saw it at connect()/sendmsg() time
    ProcessInfo process; // read from /proc afterwards; app.device/inode are the kernel's
};

class Attributor {
public:
    Attributor(SockDiag& sockDiag, const BpfFirewall& bpf) : sockDiag_(sockDiag), bpf_(bpf) {}

    // `outgoing` is oriented from the local socket to its peer.
    Result<Attribution> attribute(const FiveTuple& outgoing);
    // The identity behind an owner the kernel reported directly (a refused attempt's event).
    Attribution attributeOwner(const SocketOwner& owner);
    // Executables the rules name, by the kernel's key: a process that exited before its /proc could be read is
    // still known by its executable (the kernel's record names it), so its own rules decide it.
    // May be called from another thread than the one attributing (the DNS lane has an attributor of its own).
    void setKnownExecutables(std::map<AppKey, std::string> executables);

private:
    // A process's identity is read from /proc once: every DNS query and miss of a chatty app would
    // otherwise read its exe, status, cmdline, cwd and environ again. The key names one process image:
    // a reused pid has a later start time, an exec() has another executable.
    struct ProcessKey {
        std::int32_t pid = 0;
        std::uint64_t startTime = 0;
        AppKey app;
        auto operator<=>(const ProcessKey&) const = default;
    };
    static constexpr std::size_t maxCachedProcesses = 1024;

    const ProcessInfo* cachedProcess(const SocketOwner& owner);

    SockDiag& sockDiag_;
    const BpfFirewall& bpf_;
    std::map<ProcessKey, ProcessInfo> processes_;
    mutable std::mutex knownMutex_;
    std::shared_ptr<const std::map<AppKey, std::string>> knownExecutables_ =
        std::make_shared<const std::map<AppKey, std::string>>();
};

// A connection of `attribution`'s app to `outgoing`'s destination, without hostnames.
Connection connectionFor(const Attribution& attribution, const FiveTuple& outgoing);

} // namespace hostgate
