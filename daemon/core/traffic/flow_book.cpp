// SPDX-License-Identifier: GPL-3.0-or-later
// FlowBook: a bounded, most-recently-decided-first record of decisions per app and destination.
#include "traffic/flow_book.h"

#include <algorithm>

namespace hostgate {

FlowBook::FlowBook(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void FlowBook::record(const FlowBookKey& key, FlowDecision decision)
{
    if (auto found = entries_.find(key); found != entries_.end()) {
        order_.splice(order_.begin(), order_, found->second.position);
        found->second.decision = std::move(decision);
        return;
    }
    if (entries_.size() >= capacity_) {
        entries_.erase(order_.back());
        order_.pop_back();
    }
    order_.push_front(key);
    entries_.emplace(key, Entry{std::move(decision), order_.begin()});
}

const FlowDecision* FlowBook::find(const FlowBookKey& key) const
{
    const auto found = entries_.find(key);
    return found == entries_.end() ? nullptr : &found->second.decision;
}

std::vector<std::pair<FlowBookKey, FlowDecision>> FlowBook::recent(Outcome verdict, TimePoint since,
                                                                   std::size_t limit) const
{
    std::vector<std::pair<FlowBookKey, FlowDecision>> found;
    // The order is by recording, which is by decision time for the daemon's own clock.
    for (const auto& key : order_) {
        if (found.size() >= limit)
            break;
        const FlowDecision& decision = entries_.at(key).decision;
        if (decision.at < since)
            break;
        if (decision.verdict == verdict)
            found.emplace_back(key, decision);
    }
    return found;
}

} // namespace hostgate
