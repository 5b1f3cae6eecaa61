// SPDX-License-Identifier: GPL-3.0-or-later
// Outstanding-query bookkeeping: bounded, expiring, one-shot matching of responses to queries.
#include "dns/dns_query_tracker.h"

#include <functional>

namespace hostgate {

std::size_t DnsQueryTracker::KeyHash::operator()(const Key& key) const noexcept
{
    std::size_t hash = DnsFlowHash{}(key.flow) ^ (std::size_t{key.id} << 32);
    for (const DnsQuestion& question : key.questions) {
        hash ^=
            std::hash<std::string>{}(question.name) + question.type + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
    }
    return hash;
}

DnsQueryTracker::DnsQueryTracker() : DnsQueryTracker(Config{}) {}

DnsQueryTracker::DnsQueryTracker(Config config) : config_(config) {}

void DnsQueryTracker::onQuery(const DnsFlow& flow, const DnsMessage& query, TimePoint now)
{
    if (query.isResponse || query.opcode != 0 || query.questions.empty() || config_.maxOutstanding == 0)
        return;
    expire(now);

    Key key{flow, query.id, query.questions};
    if (auto found = index_.find(key); found != index_.end())
        erase(found->second); // a retransmission: re-added below with a fresh deadline
    while (index_.size() >= config_.maxOutstanding)
        erase(order_.begin());

    order_.push_back(Entry{key, now, now + config_.timeout});
    index_.emplace(std::move(key), std::prev(order_.end()));
}

std::optional<DnsQueryTracker::Query> DnsQueryTracker::matchResponse(const DnsFlow& flow, const DnsMessage& response,
                                                                     TimePoint now)
{
    if (!response.isResponse)
        return std::nullopt;
    auto found = index_.find(Key{flow, response.id, response.questions});
    if (found == index_.end())
        return std::nullopt;

    const auto entry = found->second;
    const bool live = now < entry->expires;
    std::optional<Query> matched;
    if (live)
        matched = Query{entry->key.flow, entry->key.id, entry->key.questions, entry->sentAt};
    erase(entry);
    return matched;
}

void DnsQueryTracker::expire(TimePoint now)
{
    while (!order_.empty() && order_.front().expires <= now)
        erase(order_.begin());
}

void DnsQueryTracker::erase(std::list<Entry>::iterator entry)
{
    index_.erase(entry->key);
    order_.erase(entry);
}

} // namespace hostgate
