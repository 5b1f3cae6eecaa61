// SPDX-License-Identifier: GPL-3.0-or-later
// Outstanding DNS queries, so that only a response to a query we saw leave can fill the DNS cache.
#pragma once

#include "dns/dns_flow.h"
#include "dns/dns_message.h"
#include "util/time.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace hostgate {

// A response is accepted only when client address/port, server address/port, protocol, transaction id and
// question section all equal those of an outstanding query; a match consumes the query, so a second
// (duplicate or spoofed) response to it is rejected. An off-path spoofer must guess the id and the
// client's source port, as against the resolver itself.
class DnsQueryTracker {
public:
    struct Config {
        Seconds timeout{10};               // resolvers retry after ~5 s; later answers are not trusted
        std::size_t maxOutstanding = 4096; // when full, the oldest query is forgotten
    };

    struct Query {
        DnsFlow flow;
        std::uint16_t id = 0;
        std::vector<DnsQuestion> questions;
        TimePoint sentAt{};
        bool operator==(const Query&) const = default;
    };

    DnsQueryTracker();
    explicit DnsQueryTracker(Config config);

    // Records a standard query (QR=0, opcode QUERY, at least one question); anything else is ignored.
    // A retransmission of the same query refreshes it instead of adding a second entry.
    void onQuery(const DnsFlow& flow, const DnsMessage& query, TimePoint now);

    // `flow` is oriented like the query's (client = the response's destination). Returns the query this
    // response answers and forgets it, or nullopt when the response matches no live outstanding query.
    std::optional<Query> matchResponse(const DnsFlow& flow, const DnsMessage& response, TimePoint now);

    // Forgets queries whose timeout has passed.
    void expire(TimePoint now);

    std::size_t size() const { return index_.size(); }
    const Config& config() const { return config_; }

private:
    struct Key {
        DnsFlow flow;
        std::uint16_t id = 0;
        std::vector<DnsQuestion> questions;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& key) const noexcept;
    };
    struct Entry {
        Key key;
        TimePoint sentAt{};
        TimePoint expires{};
    };

    void erase(std::list<Entry>::iterator entry);

    Config config_;
    std::list<Entry> order_; // oldest first: expiry and eviction pop from the front
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
};

} // namespace hostgate
