// SPDX-License-Identifier: GPL-3.0-or-later
// BpfFirewall: loads hostgate's cgroup socket programs and manages their verdict, owner and event maps.
#pragma once

#include "capture/bpf_features.h"
#include "capture/bpf_types.h"
#include "enforce/kernel_defaults.h"
#include "rules/rule.h"
#include "util/result.h"

#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace hostgate {

// Owns the loaded programs and their attachment to one cgroup v2 directory: everything is detached and
// freed when the object is destroyed. Not thread-safe; one owner (the daemon's event loop) drives it.
// A moved-from BpfFirewall may only be destroyed or assigned to.
class BpfFirewall {
public:
    struct Options {
        // The cgroup v2 directory whose processes (and descendants') are judged. The daemon's default scope is
        // the hierarchy root; tests must use a child they created and set refuseRootCgroup.
        std::filesystem::path cgroup;
        // The one SO_MARK bit that flags a flow awaiting a decision; other bits of the socket's mark are
        // preserved. Every new UDP socket of the cgroup carries it from socket() on (the kernel reads the
        // mark of an unconnected datagram before the sendmsg hook runs), so the first datagram of every new
        // unconnected UDP flow is queued, even an allowed one; connect() to an allowed (or bypassed
        // loopback) destination clears it. TCP sockets get it only on a miss. See hostgate_abi.h.
        std::uint32_t markBit = kernel_defaults::maskOf(kernel_defaults::undecidedMarkBit);
        std::uint32_t verdictEntries = 65536;
        std::uint32_t ownerEntries = 65536;          // LRU: the oldest sockets' owners are evicted first
        std::uint32_t eventBufferBytes = 256 * 1024; // power of two, multiple of the page size
        // Count every TCP/UDP packet's payload per socket and remote end (cgroup_skb programs) and record when
        // sockets close, for the network monitor; flowEntries bounds both LRU maps.
        bool trafficAccounting = true;
        std::uint32_t flowEntries = 16384;
        // (Misses to 127.0.0.0/8 and ::1 are always allowed without marking, since no packet of theirs
        // leaves the host, and a connected UDP socket to them loses its birth mark; explicit verdicts still
        // apply to them. Unconnected UDP datagrams to loopback keep the birth mark; the firewall's chain
        // returns loopback destinations before its queue rules, so they are never held.)
        // Fail instead of attaching to the root of a cgroup v2 hierarchy (a safety net for tests).
        bool refuseRootCgroup = false;
        // A directory on a bpf filesystem (created when missing) where the links and the verdict, owner, state
        // and resolver maps are pinned, so enforcement outlives the process: a crash leaves the programs
        // attached and refusing what is undecided, and the next open() adopts them (replacing the programs in
        // the links atomically, keeping the verdicts). Empty: nothing is pinned, destruction detaches.
        std::filesystem::path pinDirectory;
        // While the daemon is gone (no heartbeat for staleAfter): refuse undecided attempts (false) or let
        // them through unmarked (true).
        bool failOpen = false;
        std::chrono::milliseconds staleAfter{3000};
        // Refuse INET sockets that are neither TCP nor UDP (raw, ping, SCTP...) at socket() and connect().
        bool denyOtherProtocols = true;
        // Misses of sockets in another network namespace than the caller's are refused (the daemon's queues
        // cannot hold them). Off: every namespace is treated as the caller's (kernel tests, whose clients run
        // in a namespace of their own while the test holds the programs).
        bool refuseForeignNetns = true;
    };

    using MissHandler = std::function<void(const MissEvent&)>;

    static KernelFeatures probe() { return probeKernelFeatures(); }

    // Opens, sizes, loads and attaches the programs (sock_create, connect4/6, sendmsg4/6, and with traffic
    // accounting egress, ingress and sock_release) to
    // options.cgroup, adopting what an earlier process pinned in options.pinDirectory. The state map says
    // "alive" from before the programs are attached; call heartbeat() more often than options.staleAfter.
    static Result<BpfFirewall> open(const Options& options);

    // Removes everything pinned in `directory` (detaching the programs) — an orderly stop of a daemon that is
    // not running (hostgated --cleanup). Succeeds when there is nothing.
    static Result<void> removePinned(const std::filesystem::path& directory);

    BpfFirewall(BpfFirewall&&) noexcept;
    BpfFirewall& operator=(BpfFirewall&&) noexcept;
    ~BpfFirewall();

    // Installs or replaces a verdict. `expires` uses steady_clock, which is CLOCK_MONOTONIC like
    // bpf_ktime_get_ns(); an expired entry acts as a miss until sweepExpired() removes it.
    // `ruleId` is stored with it so the hits the kernel counts on the entry can be credited to that rule.
    Result<void> setVerdict(const VerdictKey& key, Action action,
                            std::optional<std::chrono::steady_clock::time_point> expires = std::nullopt,
                            RuleId ruleId = 0);
    // One entry's counters (nullopt: no such entry).
    std::optional<VerdictCounter> verdictCounter(const VerdictKey& key) const;
    // Every entry's counters, read with BPF_MAP_LOOKUP_BATCH (one syscall per `batchEntries` entries; a
    // snapshot: entries may come and go meanwhile). Falls back to one lookup per key where batches are refused.
    static constexpr std::uint32_t batchEntries = 1024;
    Result<std::vector<VerdictCounter>> readVerdictCounters() const;
    Result<void> removeVerdict(const VerdictKey& key);
    Result<void> clearVerdicts();
    // Entries in the verdict map (one map walk: O(entries) syscalls) and its size.
    std::size_t verdictCount() const;
    std::size_t verdictCapacity() const;
    // Removes the verdicts `matches` selects (e.g. all of one app after its rules changed); returns how many.
    std::size_t removeVerdictsIf(const std::function<bool(const VerdictKey&)>& matches);
    // Removes entries that expired at or before `now`; returns how many.
    std::size_t sweepExpired(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

    std::optional<SocketOwner> ownerOfCookie(std::uint64_t cookie) const;

    // Traffic accounting (Options::trafficAccounting): every `flows` entry, read in batches, and when the
    // sockets that closed did (cookie → steady_clock time). Both empty when accounting is off.
    Result<std::vector<FlowCounter>> readFlows() const;
    Result<std::map<std::uint64_t, std::chrono::steady_clock::time_point>> readClosedSockets() const;
    // Forgets that these sockets closed, and those of their `flows` (as readFlows() returned them: no map walk).
    void forgetSockets(const std::set<std::uint64_t>& cookies, const std::vector<FlowCounter>& flows);
    bool accountsTraffic() const;

    // Readable (epoll) when miss events are waiting; then call pollEvents().
    int eventFd() const;
    // Hands every waiting miss event to `onMiss` without blocking; returns how many were handled.
    // An exception thrown by `onMiss` stops the consumption and propagates.
    Result<std::size_t> pollEvents(const MissHandler& onMiss);
    // Miss events the kernel could not queue because the ring buffer was full.
    std::uint64_t droppedEvents() const;

    // The daemon is alive: refreshes the state map's heartbeat.
    Result<void> heartbeat();
    // Queries to these servers on port 53 are allowed without a verdict (the DNS queue observes them).
    Result<void> setTrustedResolvers(const std::vector<IpAddress>& resolvers);
    // The cgroup ids of the scopes (hostgatectl run / attach): processes in them, or below them, are judged only
    // by verdicts keyed with scopeVerdictProcess(id) (hostgate_abi.h, "Scopes"). Replaces the whole set.
    Result<void> setScopedCgroups(const std::vector<std::uint64_t>& cgroupIds);
    // VerdictKey::process of the verdicts for the processes of the scope whose cgroup id is `cgroupId`.
    static std::uint64_t scopeVerdictProcess(std::uint64_t cgroupId);
    // Whether open() found programs an earlier process left attached (and took them over).
    bool adopted() const;
    // The fingerprint of the rules the verdict map was filled from, as the state map held it at open() (0:
    // none); the daemon keeps adopted verdicts only when its own rules have the same fingerprint.
    std::uint64_t adoptedPolicyHash() const;
    Result<void> setPolicyHash(std::uint64_t hash);
    // An orderly stop: detaches the programs and removes every pin. Without it (a crash, or destruction
    // after open() with a pin directory) the pinned programs stay attached and keep enforcing.
    void detachAndUnpin();

    // The key of the executable `st` describes (st_dev converted to the kernel's encoding).
    static AppKey appKeyFromStat(const struct stat& st);

private:
    struct Impl;
    explicit BpfFirewall(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

} // namespace hostgate
