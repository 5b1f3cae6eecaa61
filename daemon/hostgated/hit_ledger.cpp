// SPDX-License-Identifier: GPL-3.0-or-later
// HitLedger: what each verdict-map entry counted since it was last read, credited to its rule.
#include "hostgated/hit_ledger.h"

#include <algorithm>

namespace hostgate {

std::uint64_t HitLedger::owed(const VerdictCounter& counter) const
{
    const auto found = seen_.find(counter.key);
    // Unknown, or rewritten for another rule (or restarted) since it was seen: all of its count is new.
    if (found == seen_.end() || found->second.rule != counter.ruleId || counter.hits < found->second.hits)
        return counter.hits;
    return counter.hits - found->second.hits;
}

std::vector<HitLedger::Credit> HitLedger::fold(const std::vector<VerdictCounter>& counters)
{
    std::map<RuleId, Credit> byRule;
    std::map<VerdictKey, Seen, KeyLess> seen;
    for (const auto& counter : counters) {
        if (const std::uint64_t hits = owed(counter); hits > 0 && counter.ruleId != 0) {
            auto& credit = byRule[counter.ruleId];
            credit.rule = counter.ruleId;
            credit.hits += hits;
            credit.lastHit = std::max(credit.lastHit, counter.lastHit);
        }
        seen.insert_or_assign(counter.key, Seen{counter.ruleId, counter.hits});
    }
    seen_ = std::move(seen);
    std::vector<Credit> credits;
    credits.reserve(byRule.size());
    for (auto& [rule, credit] : byRule)
        credits.push_back(credit);
    return credits;
}

void HitLedger::adopt(const std::vector<VerdictCounter>& counters)
{
    seen_.clear();
    for (const auto& counter : counters)
        seen_.insert_or_assign(counter.key, Seen{counter.ruleId, counter.hits});
}

std::optional<HitLedger::Credit> HitLedger::replace(const VerdictKey& key, const std::optional<VerdictCounter>& current,
                                                    std::optional<RuleId> newRule)
{
    std::optional<Credit> credit;
    if (current) {
        if (const std::uint64_t hits = owed(*current); hits > 0 && current->ruleId != 0)
            credit = Credit{current->ruleId, hits, current->lastHit};
    }
    if (newRule)
        seen_.insert_or_assign(key, Seen{*newRule, 0});
    else
        seen_.erase(key);
    return credit;
}

} // namespace hostgate
