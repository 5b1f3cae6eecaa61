// SPDX-License-Identifier: GPL-3.0-or-later
// The DNS cache: which names an IP address was given for, from validated answers, bounded by TTL and size.
#pragma once

#include "dns/dns_message.h"
#include "net/ip_address.h"
#include "util/time.h"

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hostgate {

// One address a response resolved to, with the names that led to it (the name the app asked for first,
// then the CNAME targets in chain order) and when this answer stops vouching for them.
struct CachedAddress {
    IpAddress address;
    std::vector<std::string> names;
    TimePoint expires{};
    bool operator==(const CachedAddress&) const = default;
};

// Feed it only responses the DnsQueryTracker matched to a query. Only A/AAAA records reachable from the
// question name through CNAMEs of the answer section count: an unrelated record riding along in a response
// (the classic cache-poisoning vector) is ignored.
//
// TTLs: the expiry of an address is the smallest TTL along its chain, clamped to [minTtl, maxTtl]. A TTL of
// 0 therefore lives minTtl: the app connects right after the answer, and that connection must still find
// its name. TTLs with the top bit set count as 0 (RFC 2181 section 8).
class DnsCache {
public:
    struct Config {
        Seconds minTtl{60};
        Seconds maxTtl{86400};
        std::size_t maxAddresses = 65536;    // least recently answered addresses are evicted beyond this
        std::size_t maxNamesPerAddress = 64; // shared CDN addresses: least recently answered names dropped
        std::size_t maxChainLength = 16;     // CNAME hops followed from the question name
    };

    DnsCache();
    explicit DnsCache(Config config);

    // Adds the addresses of a NOERROR standard-query response and returns them (one entry per address).
    // For question type A only A records count, for AAAA only AAAA, for ANY both; other types add nothing.
    // A CNAME loop or a chain longer than maxChainLength adds nothing for that question.
    std::vector<CachedAddress> addResponse(const DnsMessage& validatedResponse, TimePoint now);

    // Names the address was answered for and that have not expired, most recently answered first.
    std::vector<std::string> namesFor(const IpAddress& address, TimePoint now) const;

    // When the answer that tied `name` to `address` stops vouching for it; nullopt when it does not (any
    // more). Verdicts derived from a name-based rule for this address should expire then.
    std::optional<TimePoint> expiryOf(const IpAddress& address, std::string_view name, TimePoint now) const;

    // Drops expired names, and addresses left without names.
    void expire(TimePoint now);

    // Number of addresses held (including expired ones not yet dropped by expire()).
    std::size_t size() const { return index_.size(); }
    const Config& config() const { return config_; }

private:
    struct NameEntry {
        std::string name;
        TimePoint expires{};
    };
    struct AddressEntry {
        IpAddress address;
        std::vector<NameEntry> names; // most recently answered first
    };

    void remember(const CachedAddress& answer);

    Config config_;
    std::list<AddressEntry> lru_; // most recently answered first
    std::unordered_map<IpAddress, std::list<AddressEntry>::iterator, IpAddressHash> index_;
};

} // namespace hostgate
