// SPDX-License-Identifier: GPL-3.0-or-later
// Which DNS servers the system trusts: their answers name addresses; every other server is just a peer.
#pragma once

#include "net/ip_address.h"

#include <string_view>
#include <vector>

namespace hostgate {

// The `nameserver` addresses of a resolv.conf(5) text, in order, without duplicates. Comments (# or ;),
// other options and malformed lines are ignored, as the resolver library ignores them. A zone index
// ("fe80::1%eth0") is dropped: the address itself is what packets carry.
std::vector<IpAddress> parseResolvConf(std::string_view text);

// The set of trusted resolvers, kept sorted: the union of configured and discovered sources.
class TrustedResolvers {
public:
    TrustedResolvers() = default;
    explicit TrustedResolvers(std::vector<IpAddress> resolvers);

    bool contains(const IpAddress& address) const;
    const std::vector<IpAddress>& addresses() const { return addresses_; }
    bool empty() const { return addresses_.empty(); }

    bool operator==(const TrustedResolvers&) const = default;

private:
    std::vector<IpAddress> addresses_; // sorted, unique
};

} // namespace hostgate
