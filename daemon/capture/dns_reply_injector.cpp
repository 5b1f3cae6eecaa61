// SPDX-License-Identifier: GPL-3.0-or-later
// Builds IPv4/IPv6 + UDP headers around a synthesized DNS answer and sends it through a raw socket.
#include "capture/dns_reply_injector.h"
#include "util/errno_error.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

namespace hostgate {

namespace {

constexpr std::size_t ipv4HeaderSize = 20;
constexpr std::size_t ipv6HeaderSize = 40;
constexpr std::size_t udpHeaderSize = 8;
constexpr std::uint8_t ipProtoUdp = 17;
constexpr std::uint8_t defaultHopLimit = 64;

void putU16(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint16_t value)
{
    bytes[offset] = static_cast<std::uint8_t>(value >> 8);
    bytes[offset + 1] = static_cast<std::uint8_t>(value & 0xffu);
}

std::uint32_t sumWords(std::span<const std::uint8_t> bytes, std::uint32_t sum)
{
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    if (bytes.size() % 2 != 0)
        sum += static_cast<std::uint32_t>(bytes.back() << 8);
    return sum;
}

// RFC 768 checksum over the pseudo header (addresses, protocol, length) and the UDP datagram.
std::uint16_t udpChecksum(const IpAddress& src, const IpAddress& dst, std::span<const std::uint8_t> datagram)
{
    const std::size_t addressLength = src.isV4() ? 4 : 16;
    std::uint32_t sum = sumWords(std::span(src.bytes().data(), addressLength), 0);
    sum = sumWords(std::span(dst.bytes().data(), addressLength), sum);
    sum += ipProtoUdp;
    sum += static_cast<std::uint32_t>(datagram.size());
    sum = sumWords(datagram, sum);
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    const auto checksum = static_cast<std::uint16_t>(~sum & 0xffffu);
    return checksum == 0 ? 0xffff : checksum; // zero means "no checksum" in UDP
}

} // namespace

Result<DnsReplyInjector> DnsReplyInjector::open(std::uint32_t replyMark)
{
    // IPPROTO_RAW implies IP_HDRINCL: we supply the IP header, so any source address is allowed.
    UniqueFd ipv4(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
    if (!ipv4)
        return errnoError("open raw IPv4 socket for DNS replies", errno);
    DnsReplyInjector injector(std::move(ipv4), UniqueFd(socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)));
    for (const int fd : {injector.ipv4Socket_.get(), injector.ipv6Socket_.get()}) {
        if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &replyMark, sizeof replyMark) < 0)
            return Error("Failed to set the mark on the DNS reply socket: " + errnoText(errno));
    }
    return injector;
}

Result<void> DnsReplyInjector::sendSpoofedUdpReply(const FiveTuple& query, std::span<const std::uint8_t> payload)
{
    if (query.proto != Protocol::Udp)
        return Error("Failed to send DNS reply: the query was not sent over UDP");
    if (query.src.family() != query.dst.family())
        return Error("Failed to send DNS reply: the query's address families differ");
    const bool v4 = query.src.isV4();
    if (!v4 && !ipv6Socket_)
        return Error("Failed to send DNS reply: IPv6 is not available in this network namespace");
    const std::size_t ipHeaderSize = v4 ? ipv4HeaderSize : ipv6HeaderSize;
    const std::size_t udpLength = udpHeaderSize + payload.size();
    if (udpLength > 0xffff - ipHeaderSize)
        return Error("Failed to send DNS reply: " + std::to_string(payload.size()) + " bytes do not fit in a datagram");

    // The reply travels the query's path backwards.
    const IpAddress& replySource = query.dst;
    const IpAddress& replyDestination = query.src;
    std::vector<std::uint8_t> packet(ipHeaderSize + udpLength);
    if (v4) {
        packet[0] = 0x45;
        putU16(packet, 2, static_cast<std::uint16_t>(packet.size()));
        packet[8] = defaultHopLimit;
        packet[9] = ipProtoUdp;
        // Identification and header checksum are left zero: with IP_HDRINCL the kernel fills them in.
        std::memcpy(&packet[12], replySource.bytes().data(), 4);
        std::memcpy(&packet[16], replyDestination.bytes().data(), 4);
    } else {
        packet[0] = 0x60;
        putU16(packet, 4, static_cast<std::uint16_t>(udpLength));
        packet[6] = ipProtoUdp;
        packet[7] = defaultHopLimit;
        std::memcpy(&packet[8], replySource.bytes().data(), 16);
        std::memcpy(&packet[24], replyDestination.bytes().data(), 16);
    }
    putU16(packet, ipHeaderSize, query.dport);
    putU16(packet, ipHeaderSize + 2, query.sport);
    putU16(packet, ipHeaderSize + 4, static_cast<std::uint16_t>(udpLength));
    std::copy(payload.begin(), payload.end(),
              packet.begin() + static_cast<std::ptrdiff_t>(ipHeaderSize + udpHeaderSize));
    const std::span<const std::uint8_t> datagram(packet.data() + ipHeaderSize, udpLength);
    putU16(packet, ipHeaderSize + 6, udpChecksum(replySource, replyDestination, datagram));

    ssize_t sent = -1;
    if (v4) {
        sockaddr_in destination{};
        destination.sin_family = AF_INET;
        std::memcpy(&destination.sin_addr, replyDestination.bytes().data(), 4);
        sent = sendto(ipv4Socket_.get(), packet.data(), packet.size(), 0,
                      reinterpret_cast<const sockaddr*>(&destination), sizeof destination);
    } else {
        sockaddr_in6 destination{};
        destination.sin6_family = AF_INET6;
        std::memcpy(&destination.sin6_addr, replyDestination.bytes().data(), 16);
        sent = sendto(ipv6Socket_.get(), packet.data(), packet.size(), 0,
                      reinterpret_cast<const sockaddr*>(&destination), sizeof destination);
    }
    if (sent < 0)
        return Error("Failed to send DNS reply to " + replyDestination.toString() + ": " + errnoText(errno));
    return {};
}

} // namespace hostgate
