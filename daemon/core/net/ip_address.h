// SPDX-License-Identifier: GPL-3.0-or-later
// IPv4/IPv6 addresses and CIDR networks, as values the rules, DNS cache and kernel adapters share.
#pragma once

// <string> first: Qt 6.4 moc cannot parse <compare> when it is the first standard header it meets.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostgate {

enum class IpFamily : std::uint8_t { V4 = 4, V6 = 6 };

// An IP address in network byte order. IPv4-mapped IPv6 (::ffff:a.b.c.d) is normalized to IPv4 on parse
// and by fromV6Bytes(), because the kernel reports a v4 connection on a v6 socket that way.
class IpAddress {
public:
    IpAddress() = default;

    static std::optional<IpAddress> parse(std::string_view text);
    static IpAddress fromV4Bytes(const std::uint8_t (&bytes)[4]);
    static IpAddress fromV4(std::uint32_t networkOrder);
    static IpAddress fromV6Bytes(const std::uint8_t (&bytes)[16]);

    IpFamily family() const { return family_; }
    bool isV4() const { return family_ == IpFamily::V4; }
    // Bytes in network order; only the first 4 are meaningful for IPv4, the rest are zero.
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
    unsigned bitLength() const { return isV4() ? 32 : 128; }
    bool bit(unsigned index) const { return (bytes_[index / 8] >> (7 - index % 8)) & 1; }

    std::string toString() const;

    auto operator<=>(const IpAddress&) const = default;
    bool operator==(const IpAddress&) const = default;

private:
    IpFamily family_ = IpFamily::V4;
    std::array<std::uint8_t, 16> bytes_{};
};

// A network prefix such as 203.0.113.0/24 or 2001:db8::/32; host bits are cleared on construction.
class Cidr {
public:
    Cidr() = default;
    Cidr(IpAddress base, unsigned prefixLength);

    // Accepts "addr/len" or a bare address (a host route: /32 or /128).
    static std::optional<Cidr> parse(std::string_view text);

    const IpAddress& base() const { return base_; }
    unsigned prefixLength() const { return prefix_; }
    bool isSingleHost() const { return prefix_ == base_.bitLength(); }
    bool contains(const IpAddress& address) const;

    std::string toString() const;

    auto operator<=>(const Cidr&) const = default;
    bool operator==(const Cidr&) const = default;

private:
    IpAddress base_;
    unsigned prefix_ = 0;
};

struct IpAddressHash {
    std::size_t operator()(const IpAddress& address) const noexcept;
};

} // namespace hostgate
