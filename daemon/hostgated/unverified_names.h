// SPDX-License-Identifier: GPL-3.0-or-later
// Names answered by DNS servers that are not trusted resolvers: remembered only to be shown, never matched.
#pragma once

#include "dns/dns_cache.h"
#include "net/ip_address.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

struct UnverifiedName {
    std::vector<std::string> names;
    IpAddress resolver; // the server that answered
};

class UnverifiedNames {
public:
    explicit UnverifiedNames(DnsCache::Config config) : cache_(config) {}

    void addResponse(const DnsMessage& response, const IpAddress& resolver, TimePoint now)
    {
        for (const auto& address : cache_.addResponse(response, now)) {
            if (resolvers_.size() >= maxResolverEntries && !resolvers_.contains(address.address))
                resolvers_.clear(); // bounded: a forgotten resolver only makes a hint less precise
            resolvers_[address.address] = resolver;
        }
    }

    std::optional<UnverifiedName> lookup(const IpAddress& address, TimePoint now) const
    {
        auto names = cache_.namesFor(address, now);
        if (names.empty())
            return std::nullopt;
        const auto resolver = resolvers_.find(address);
        return UnverifiedName{std::move(names), resolver == resolvers_.end() ? IpAddress() : resolver->second};
    }

    void expire(TimePoint now) { cache_.expire(now); }

private:
    static constexpr std::size_t maxResolverEntries = 16384;
    DnsCache cache_;
    std::map<IpAddress, IpAddress> resolvers_;
};

} // namespace hostgate
