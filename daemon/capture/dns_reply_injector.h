// SPDX-License-Identifier: GPL-3.0-or-later
// Answers a DNS query locally: sends a UDP datagram that appears to come from the queried server.
#pragma once

#include "capture/packet.h"
#include "util/result.h"
#include "util/unique_fd.h"

#include <cstdint>
#include <span>

namespace hostgate {

// The DNS gate drops a denied query (NfQueue::drop) and hands the synthesized answer (NXDOMAIN/REFUSED)
// to sendSpoofedUdpReply(). It builds the IP and UDP headers itself and sends them through a raw socket
// (IPPROTO_RAW, header included) in the daemon's network namespace: the answer goes from the query's
// destination ip:port to its source ip:port, so the application's socket accepts it as the server's reply,
// without a timeout. The packet carries `replyMark` (SO_MARK); the firewall's input chain lets packets
// with that bit pass its DNS response queue, so the daemon does not inspect its own answers.
// Gated TCP queries are not answered here: they are reset (NfQueue::repeatWithMark with the reject bit).
class DnsReplyInjector {
public:
    static Result<DnsReplyInjector> open(std::uint32_t replyMark);

    // `query` is the tuple of the UDP query packet as queued (src = the application).
    Result<void> sendSpoofedUdpReply(const FiveTuple& query, std::span<const std::uint8_t> payload);

private:
    DnsReplyInjector(UniqueFd ipv4Socket, UniqueFd ipv6Socket)
        : ipv4Socket_(std::move(ipv4Socket)), ipv6Socket_(std::move(ipv6Socket))
    {}

    UniqueFd ipv4Socket_;
    UniqueFd ipv6Socket_; // invalid when the namespace has no IPv6
};

} // namespace hostgate
