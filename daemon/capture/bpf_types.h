// SPDX-License-Identifier: GPL-3.0-or-later
// Value types of the kernel enforcement layer: what the cgroup BPF programs key on and report, in C++ terms.
#pragma once

#include "net/ip_address.h"
#include "rules/rule.h"

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>

namespace hostgate {

// An executable as the kernel identifies it. `device` uses the KERNEL's dev_t encoding
// (major << 20 | minor, what inode->i_sb->s_dev holds), not glibc's st_dev encoding: convert with
// kernelDeviceFromUser()/userDeviceFromKernel() (e.g. 254:0 is st_dev 0xfe00 but kernel 0x0fe00000).
struct AppKey {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;

    auto operator<=>(const AppKey&) const = default;
    bool operator==(const AppKey&) const = default;
};

// glibc makedev() encoding (stat's st_dev, AppIdentity::device) → kernel MKDEV encoding.
std::uint64_t kernelDeviceFromUser(std::uint64_t userDevice);
// Kernel MKDEV encoding → glibc makedev() encoding.
std::uint64_t userDeviceFromKernel(std::uint64_t kernelDevice);

// Key of one verdict-map entry. `address` follows IpAddress (IPv4-mapped addresses are IPv4), so one entry
// covers IPv4 and IPv6 sockets reaching the same IPv4 host. `port` 0 means any port; an exact port entry is
// consulted first. `protocol` must be Tcp or Udp: a kernel decision is always about one concrete protocol.
struct VerdictKey {
    AppKey app;
    // 0: every process of the app. Otherwise one process image: pid << 32 | exec id (SocketOwner::processKey),
    // for interpreters, whose scripts all share one executable.
    std::uint64_t process = 0;
    std::uint32_t uid = 0;
    IpAddress address;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;

    bool operator==(const VerdictKey&) const = default;
};

// Who made a socket, recorded by the BPF programs at its first connect()/sendmsg(), keyed by socket cookie
// (the value getsockopt(SO_COOKIE) and sock_diag report).
struct SocketOwner {
    std::uint64_t cookie = 0;
    std::int32_t pid = 0; // thread-group id
    std::int32_t tid = 0;
    std::uint32_t uid = 0; // real uid of the task
    std::uint32_t gid = 0;
    AppKey app;
    std::string command;           // the kernel's comm: at most 15 characters
    std::uint64_t netnsCookie = 0; // the socket's network namespace
    std::uint64_t cgroupId = 0;    // the task's cgroup v2 directory (inode number)
    std::uint32_t execId = 0;      // changes at every exec() of the process

    // The per-process verdict key for this owner's process image (VerdictKey::process).
    std::uint64_t processKey() const
    {
        return static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32 | execId;
    }

    bool operator==(const SocketOwner&) const = default;
};

// A connect()/sendmsg() the verdict map had no live entry for: the socket was marked (UDP sockets already
// are from birth) and allowed through, so its first packet reaches the decision queue.
struct MissEvent {
    SocketOwner owner;
    IpAddress destination;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;
    int markError = 0; // 0, or the negative errno with which setting SO_MARK failed (then it was refused)
    // The kernel refused this attempt (EPERM) because it could not be held: decide it from the event, so the
    // next attempt finds a verdict. Otherwise its first packet is held in the decision queue.
    bool refused = false;
    bool foreignNetns = false; // the socket is in another network namespace (a container)
    bool unmarked = false;     // an unconnected datagram of a socket without the mark (older than the programs)
};

// One verdict-map entry as the kernel keeps it: the rule it caches a decision of and how often it decided.
// Times are steady_clock (CLOCK_MONOTONIC, like bpf_ktime_get_ns()).
struct VerdictCounter {
    VerdictKey key;
    RuleId ruleId = 0;      // 0: a decision without a rule (the mode's default)
    std::uint64_t hits = 0; // connect()/sendmsg() calls the kernel decided with this entry since it was written
    std::chrono::steady_clock::time_point lastHit{}; // the latest of them (meaningful when hits > 0)
    std::chrono::steady_clock::time_point expires = std::chrono::steady_clock::time_point::max(); // max: never
};

// One `flows` entry (hostgate_abi.h, "Traffic accounting"): what one socket exchanged with one remote end, in
// L4 payload bytes. Times are steady_clock (CLOCK_MONOTONIC).
struct FlowCounter {
    std::uint64_t cookie = 0;
    IpAddress remote;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;
    std::uint64_t bytesOut = 0;
    std::uint64_t bytesIn = 0;
    std::uint64_t packetsOut = 0;
    std::uint64_t packetsIn = 0;
    std::chrono::steady_clock::time_point first{};
    std::chrono::steady_clock::time_point last{};
};

} // namespace hostgate
