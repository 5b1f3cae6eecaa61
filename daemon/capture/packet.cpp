// SPDX-License-Identifier: GPL-3.0-or-later
// Bounds-checked IPv4/IPv6 and TCP/UDP header parsing for packets handed over by nfqueue.
#include "capture/packet.h"

#include <algorithm>
#include <cstring>

namespace hostgate {

namespace {

constexpr std::uint8_t ipProtoHopByHop = 0;
constexpr std::uint8_t ipProtoTcp = 6;
constexpr std::uint8_t ipProtoUdp = 17;
constexpr std::uint8_t ipProtoRouting = 43;
constexpr std::uint8_t ipProtoFragment = 44;
constexpr std::uint8_t ipProtoAuthentication = 51;
constexpr std::uint8_t ipProtoDestinationOptions = 60;

constexpr std::size_t ipv4MinHeader = 20;
constexpr std::size_t ipv6Header = 40;
constexpr std::size_t udpHeader = 8;
constexpr std::size_t tcpMinHeader = 20;
// Bounds the extension header walk so a crafted chain cannot make us loop for long.
constexpr int maxIpv6ExtensionHeaders = 8;

std::uint16_t readU16(std::span<const std::uint8_t> bytes, std::size_t offset)
{
    return static_cast<std::uint16_t>(bytes[offset] << 8 | bytes[offset + 1]);
}

// The network layer reduced to what the transport parser needs.
struct NetworkLayer {
    IpAddress src;
    IpAddress dst;
    std::uint8_t protocol = 0;
    std::span<const std::uint8_t> transport; // from the transport header to the end of the IP datagram
    bool truncated = false;
};

Result<NetworkLayer> parseIpv4(std::span<const std::uint8_t> packet)
{
    if (packet.size() < ipv4MinHeader)
        return Error("Failed to parse IPv4 header: packet has only " + std::to_string(packet.size()) + " bytes");
    const std::size_t headerLength = (packet[0] & 0x0fu) * 4u;
    if (headerLength < ipv4MinHeader || headerLength > packet.size())
        return Error("Failed to parse IPv4 header: invalid header length " + std::to_string(headerLength));
    std::size_t totalLength = readU16(packet, 2);
    // BIG TCP / GSO super-packets beyond 64 KiB carry a zero total length.
    if (totalLength == 0 && packet.size() > 0xffff)
        totalLength = packet.size();
    if (totalLength < headerLength)
        return Error("Failed to parse IPv4 header: total length " + std::to_string(totalLength) +
                     " is shorter than the header");
    const std::uint16_t fragmentOffset = readU16(packet, 6) & 0x1fffu;
    if (fragmentOffset != 0)
        return Error("Failed to parse IPv4 packet: a non-first fragment carries no transport header");

    NetworkLayer layer;
    std::uint8_t src[4];
    std::uint8_t dst[4];
    std::memcpy(src, packet.data() + 12, 4);
    std::memcpy(dst, packet.data() + 16, 4);
    layer.src = IpAddress::fromV4Bytes(src);
    layer.dst = IpAddress::fromV4Bytes(dst);
    layer.protocol = packet[9];
    layer.truncated = totalLength > packet.size();
    layer.transport = packet.subspan(headerLength, std::min(totalLength, packet.size()) - headerLength);
    return layer;
}

Result<NetworkLayer> parseIpv6(std::span<const std::uint8_t> packet)
{
    if (packet.size() < ipv6Header)
        return Error("Failed to parse IPv6 header: packet has only " + std::to_string(packet.size()) + " bytes");
    const std::size_t payloadLength = readU16(packet, 4);
    if (payloadLength == 0)
        return Error("Failed to parse IPv6 header: jumbograms and empty payloads are not supported");

    NetworkLayer layer;
    std::uint8_t src[16];
    std::uint8_t dst[16];
    std::memcpy(src, packet.data() + 8, 16);
    std::memcpy(dst, packet.data() + 24, 16);
    layer.src = IpAddress::fromV6Bytes(src);
    layer.dst = IpAddress::fromV6Bytes(dst);
    layer.truncated = ipv6Header + payloadLength > packet.size();
    std::span<const std::uint8_t> rest =
        packet.subspan(ipv6Header, std::min(payloadLength, packet.size() - ipv6Header));

    std::uint8_t next = packet[6];
    for (int walked = 0; walked <= maxIpv6ExtensionHeaders; ++walked) {
        if (next != ipProtoHopByHop && next != ipProtoRouting && next != ipProtoFragment &&
            next != ipProtoAuthentication && next != ipProtoDestinationOptions) {
            layer.protocol = next;
            layer.transport = rest;
            return layer;
        }
        if (rest.size() < 8)
            return Error("Failed to parse IPv6 extension header: truncated");
        std::size_t length = 8;
        if (next == ipProtoFragment) {
            if ((readU16(rest, 2) & 0xfff8u) != 0)
                return Error("Failed to parse IPv6 packet: a non-first fragment carries no transport header");
        } else if (next == ipProtoAuthentication) {
            length = (rest[1] + 2u) * 4u;
        } else {
            length = (rest[1] + 1u) * 8u;
        }
        if (length > rest.size())
            return Error("Failed to parse IPv6 extension header: length exceeds the packet");
        next = rest[0];
        rest = rest.subspan(length);
    }
    return Error("Failed to parse IPv6 packet: more than " + std::to_string(maxIpv6ExtensionHeaders) +
                 " extension headers");
}

Result<ParsedPacket> parseTransport(const NetworkLayer& layer)
{
    ParsedPacket parsed;
    parsed.tuple.src = layer.src;
    parsed.tuple.dst = layer.dst;
    parsed.truncated = layer.truncated;
    const std::span<const std::uint8_t> segment = layer.transport;

    if (layer.protocol == ipProtoUdp) {
        if (segment.size() < udpHeader)
            return Error("Failed to parse UDP header: only " + std::to_string(segment.size()) + " bytes");
        const std::size_t udpLength = readU16(segment, 4);
        if (udpLength < udpHeader)
            return Error("Failed to parse UDP header: length " + std::to_string(udpLength) + " is below 8");
        if (udpLength > segment.size() && !layer.truncated)
            return Error("Failed to parse UDP header: length " + std::to_string(udpLength) + " exceeds the IP payload");
        parsed.tuple.proto = Protocol::Udp;
        parsed.tuple.sport = readU16(segment, 0);
        parsed.tuple.dport = readU16(segment, 2);
        parsed.truncated = parsed.truncated || udpLength > segment.size();
        parsed.payload = segment.subspan(udpHeader, std::min(udpLength, segment.size()) - udpHeader);
        return parsed;
    }
    if (layer.protocol == ipProtoTcp) {
        if (segment.size() < tcpMinHeader)
            return Error("Failed to parse TCP header: only " + std::to_string(segment.size()) + " bytes");
        const std::size_t headerLength = (segment[12] >> 4) * 4u;
        if (headerLength < tcpMinHeader || headerLength > segment.size())
            return Error("Failed to parse TCP header: invalid data offset " + std::to_string(headerLength));
        parsed.tuple.proto = Protocol::Tcp;
        parsed.tuple.sport = readU16(segment, 0);
        parsed.tuple.dport = readU16(segment, 2);
        parsed.tcpFlags = segment[13];
        parsed.tcpSeq = static_cast<std::uint32_t>(readU16(segment, 4)) << 16 | readU16(segment, 6);
        parsed.payload = segment.subspan(headerLength);
        return parsed;
    }
    return Error("Failed to parse transport header: IP protocol " + std::to_string(layer.protocol) +
                 " is neither TCP nor UDP");
}

} // namespace

Result<ParsedPacket> parseIpPacket(std::span<const std::uint8_t> packet)
{
    if (packet.empty())
        return Error("Failed to parse IP packet: it is empty");
    const unsigned version = packet[0] >> 4;
    Result<NetworkLayer> layer =
        version == 4   ? parseIpv4(packet)
        : version == 6 ? parseIpv6(packet)
                       : Result<NetworkLayer>(Error("Failed to parse IP packet: version " + std::to_string(version)));
    if (!layer)
        return layer.error();
    return parseTransport(*layer);
}

} // namespace hostgate
