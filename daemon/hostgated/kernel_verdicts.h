// SPDX-License-Identifier: GPL-3.0-or-later
// Writes decisions into the BPF verdict map so the next connect() like this one never leaves the kernel.
#pragma once

#include "capture/bpf_firewall.h"
#include "decision/connection.h"
#include "decision/decision_engine.h"
#include "enforce/verdict_cache_policy.h"
#include "hostgated/hit_ledger.h"
#include "service/log.h"

#include <functional>
#include <map>
#include <optional>
#include <tuple>

namespace hostgate {

// Used by the main thread and the DNS lane, always under the policy lock (see DnsPath).
// The hits the kernel counts on each entry are credited to the entry's rule through `onHits` (called under the
// same lock): when the map is read (foldHits, sweepExpired) and before an entry is rewritten or removed.
class KernelVerdicts {
public:
    // A rule decided `hits` more connections in the kernel, the latest at `lastHit`.
    using HitSink = std::function<void(RuleId rule, std::uint64_t hits, TimePoint lastHit)>;

    KernelVerdicts(BpfFirewall& bpf, VerdictCacheLimits limits, Logger& log, HitSink onHits = {})
        : bpf_(bpf), limits_(limits), log_(log), onHits_(std::move(onHits))
    {}

    // Caches the decision for exactly this (app, uid, address, port, protocol) when the policy allows.
    void remember(const Connection& connection, const Decision& decision, std::optional<TimePoint> nameExpiry,
                  TimePoint now);
    // Caches a decision that holds for every port and protocol of the address (port 0 entries).
    void rememberForAnyPort(const Connection& connection, const Decision& decision, std::optional<TimePoint> nameExpiry,
                            TimePoint now);
    // Rules or the mode changed: every cached verdict may be wrong now (their hits are credited first).
    void forgetAll();
    // Credits the hits counted since the last read, then removes expired entries; returns how many.
    std::size_t sweepExpired();
    // Reads the map's counters and credits what is new (one batched read of the map).
    void foldHits();
    // The map was adopted from a predecessor that credited (and saved) its hits: they are not credited again.
    void adoptHits();

private:
    void write(VerdictKey key, Action action, TimePoint expires, TimePoint now, RuleId rule);
    // Reads the counters and credits what is new; nullopt when the map could not be read.
    std::optional<std::vector<VerdictCounter>> readAndCredit();
    void credit(const HitLedger::Credit& credit);

    BpfFirewall& bpf_;
    VerdictCacheLimits limits_;
    Logger& log_;
    HitSink onHits_;
    HitLedger ledger_;

    // What was written lately, so the same entry is not rewritten for every DNS answer naming its address (a
    // map update is a syscall; a busy app resolves the same CDN names all the time). An entry is rewritten
    // once half its lifetime is spent, when it would end earlier than the one written, or after `maxSkipAge` (the kernel may have evicted it: LRU map), or
    // when the action differs. Everything that removes kernel entries forgets these too.
    struct Written {
        Action action;
        TimePoint expires;
        TimePoint at;
    };
    struct KeyLess {
        bool operator()(const VerdictKey& a, const VerdictKey& b) const
        {
            return std::tie(a.app.device, a.app.inode, a.process, a.uid, a.address, a.port, a.protocol) <
                   std::tie(b.app.device, b.app.inode, b.process, b.uid, b.address, b.port, b.protocol);
        }
    };
    static constexpr std::size_t maxWritten = 16384;
    static constexpr std::chrono::seconds maxSkipAge{30};
    std::map<VerdictKey, Written, KeyLess> written_;
};

} // namespace hostgate
