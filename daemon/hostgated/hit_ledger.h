// SPDX-License-Identifier: GPL-3.0-or-later
// HitLedger: turns the kernel's per-entry hit counters into hits of the rules those entries cache.
#pragma once

#include "capture/bpf_types.h"
#include "rules/rule.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace hostgate {

// The kernel counts, per verdict-map entry, how often it decided with it; the counter only grows until the
// entry is rewritten or removed. The ledger remembers how much of each entry's count was already credited, so
// reading the map again credits only what is new, and an entry that is about to be replaced or removed can be
// credited one last time. Memory: one record per entry the map held at the last read or written since (the map
// is bounded, so is this). Pure bookkeeping, no kernel access: KernelVerdicts feeds it.
class HitLedger {
public:
    using SteadyTime = std::chrono::steady_clock::time_point;
    struct Credit {
        RuleId rule = 0;
        std::uint64_t hits = 0;
        SteadyTime lastHit{};
        bool operator==(const Credit&) const = default;
    };

    // A complete read of the map: credits what every entry counted since it was last seen (an entry the
    // ledger does not know counts from zero), then forgets entries that are no longer there. One credit per
    // rule (hits summed, the latest last hit); rule 0 (a mode default) is never credited.
    std::vector<Credit> fold(const std::vector<VerdictCounter>& counters);
    // Takes what the map holds as already credited (a daemon adopting its predecessor's map: the predecessor
    // credited and saved those hits).
    void adopt(const std::vector<VerdictCounter>& counters);
    // The same for one entry (e.g. one that stayed because rewriting it failed).
    void adoptOne(const VerdictCounter& counter)
    {
        seen_.insert_or_assign(counter.key, Seen{counter.ruleId, counter.hits});
    }
    // The entry `key` is about to be rewritten for `newRule` (its counter restarts at 0) or, with nullopt,
    // removed; `current` is what it holds now (nullopt: nothing). Returns the credit still owed for it.
    std::optional<Credit> replace(const VerdictKey& key, const std::optional<VerdictCounter>& current,
                                  std::optional<RuleId> newRule);
    // Whether the map may hold an entry for `key` that has uncredited hits (so it is worth reading first).
    bool knows(const VerdictKey& key) const { return seen_.contains(key); }
    std::size_t size() const { return seen_.size(); }
    void clear() { seen_.clear(); }

private:
    struct Seen {
        RuleId rule = 0;
        std::uint64_t hits = 0;
    };
    struct KeyLess {
        bool operator()(const VerdictKey& a, const VerdictKey& b) const
        {
            return std::tie(a.app.device, a.app.inode, a.process, a.uid, a.address, a.port, a.protocol) <
                   std::tie(b.app.device, b.app.inode, b.process, b.uid, b.address, b.port, b.protocol);
        }
    };
    // What of `counter` is not credited yet.
    std::uint64_t owed(const VerdictCounter& counter) const;

    std::map<VerdictKey, Seen, KeyLess> seen_;
};

} // namespace hostgate
