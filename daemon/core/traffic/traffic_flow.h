// SPDX-License-Identifier: GPL-3.0-or-later
// TrafficFlow: one line of the network monitor: what one socket of an app exchanged with one remote end (bytes
// counted by the kernel), joined with what was decided for that app and destination.
#pragma once

#include "decision/outcome.h"
#include "net/ip_address.h"
#include "rules/rule.h"
#include "util/time.h"

#include <cstdint>
#include <optional>
#include <string>

namespace hostgate {

struct TrafficFlow {
    std::uint64_t socket = 0; // the socket cookie; 0 for a refused attempt (no socket carried traffic)
    std::string app;          // the app as the connection log names it; empty: the socket's owner is unknown
    std::string script;       // an interpreter's script ("" none): python3 runs many programs
    std::string appId;        // "flatpak:ID", "snap:NAME", "appimage:FILE" or "unit:NAME" ("" none)
    std::string comm;         // the process name the kernel recorded
    std::int32_t pid = 0;
    std::uint32_t uid = 0;
    IpAddress address; // the remote end
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;
    std::string host; // the name the destination was decided for, else the DNS cache's; empty: none
    // The latest decision for this app and destination; nullopt when the daemon has not seen one (the flow was
    // decided by a verdict an earlier daemon cached, or before its record was evicted).
    std::optional<Outcome> verdict;
    std::optional<RuleId> ruleId;
    std::string explanation;
    std::string container;
    TimePoint since{};               // the flow's first packet (a refused attempt: the decision)
    TimePoint lastActive{};          // its latest packet
    std::optional<TimePoint> closed; // the socket closed
    std::uint64_t bytesSent = 0;     // L4 payload, as the peer's application reads it
    std::uint64_t bytesReceived = 0;
    std::uint64_t packetsSent = 0;
    std::uint64_t packetsReceived = 0;
};

} // namespace hostgate
