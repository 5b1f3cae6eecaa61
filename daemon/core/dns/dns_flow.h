// SPDX-License-Identifier: GPL-3.0-or-later
// The 5-tuple of a DNS exchange, oriented from the client (the app or stub) to the server it asked.
#pragma once

#include "net/ip_address.h"
#include "rules/rule.h"

#include <cstdint>
#include <functional>

namespace hostgate {

// Both a query and its response are described client → server: for a response packet the caller puts the
// packet's destination in `client` and its source in `server`, so the two compare equal when they belong
// to the same exchange.
struct DnsFlow {
    IpAddress client;
    std::uint16_t clientPort = 0;
    IpAddress server;
    std::uint16_t serverPort = 0;
    Protocol protocol = Protocol::Udp; // Udp or Tcp

    bool operator==(const DnsFlow&) const = default;
};

struct DnsFlowHash {
    std::size_t operator()(const DnsFlow& flow) const noexcept
    {
        IpAddressHash addressHash;
        std::size_t hash = addressHash(flow.client);
        const auto mix = [&hash](std::size_t value) {
            hash ^= value + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
        };
        mix(addressHash(flow.server));
        mix(flow.clientPort);
        mix(std::size_t{flow.serverPort} << 16);
        mix(static_cast<std::size_t>(flow.protocol));
        return hash;
    }
};

} // namespace hostgate
