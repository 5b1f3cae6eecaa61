// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing of queued IP packets (IPv4/IPv6 carrying TCP/UDP) into a 5-tuple and the transport payload.
#pragma once

#include "net/ip_address.h"
#include "rules/rule.h"
#include "util/result.h"

#include <cstdint>
#include <span>

namespace hostgate {

// Addresses and ports as seen in the packet: src is the sender, dst the receiver. Protocol is Tcp or Udp.
struct FiveTuple {
    IpAddress src;
    IpAddress dst;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
    Protocol proto = Protocol::Tcp;

    bool operator==(const FiveTuple&) const = default;
};

namespace tcp_flags {
inline constexpr std::uint8_t Fin = 0x01;
inline constexpr std::uint8_t Syn = 0x02;
inline constexpr std::uint8_t Rst = 0x04;
inline constexpr std::uint8_t Psh = 0x08;
inline constexpr std::uint8_t Ack = 0x10;
} // namespace tcp_flags

struct ParsedPacket {
    FiveTuple tuple;
    // Bytes after the UDP header or after the TCP header including its options; points into the input.
    std::span<const std::uint8_t> payload;
    std::uint8_t tcpFlags = 0; // zero for UDP
    std::uint32_t tcpSeq = 0;  // the TCP sequence number (of the first payload byte); zero for UDP
    // The IP or UDP length fields claim more bytes than were captured; the payload is what was captured.
    bool truncated = false;
};

// Fails (never reads out of bounds) on anything that is not a complete IPv4/IPv6 + TCP/UDP header chain:
// short buffers, bad version or header lengths, lengths smaller than the headers, non-first fragments,
// and other transport protocols. IPv6 extension headers (hop-by-hop, routing, destination options,
// fragment, AH) are skipped.
Result<ParsedPacket> parseIpPacket(std::span<const std::uint8_t> packet);

} // namespace hostgate
