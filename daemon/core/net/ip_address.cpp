// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing, printing and prefix arithmetic for IpAddress and Cidr.
#include "net/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace hostgate {

namespace {

bool isV4Mapped(const std::uint8_t (&bytes)[16])
{
    static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(bytes, prefix, sizeof prefix) == 0;
}

} // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text)
{
    // inet_pton needs a terminated string; addresses are short, so copy to a bounded buffer.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN)
        return std::nullopt;
    char buffer[INET6_ADDRSTRLEN] = {};
    std::memcpy(buffer, text.data(), text.size());

    std::uint8_t v4[4];
    if (inet_pton(AF_INET, buffer, v4) == 1)
        return fromV4Bytes(v4);
    std::uint8_t v6[16];
    if (inet_pton(AF_INET6, buffer, v6) == 1)
        return fromV6Bytes(v6);
    return std::nullopt;
}

IpAddress IpAddress::fromV4Bytes(const std::uint8_t (&bytes)[4])
{
    IpAddress address;
    address.family_ = IpFamily::V4;
    std::memcpy(address.bytes_.data(), bytes, 4);
    return address;
}

IpAddress IpAddress::fromV4(std::uint32_t networkOrder)
{
    std::uint8_t bytes[4];
    std::memcpy(bytes, &networkOrder, 4);
    return fromV4Bytes(bytes);
}

IpAddress IpAddress::fromV6Bytes(const std::uint8_t (&bytes)[16])
{
    if (isV4Mapped(bytes)) {
        const std::uint8_t v4[4] = {bytes[12], bytes[13], bytes[14], bytes[15]};
        return fromV4Bytes(v4);
    }
    IpAddress address;
    address.family_ = IpFamily::V6;
    std::memcpy(address.bytes_.data(), bytes, 16);
    return address;
}

std::string IpAddress::toString() const
{
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(isV4() ? AF_INET : AF_INET6, bytes_.data(), buffer, sizeof buffer);
    return buffer;
}

Cidr::Cidr(IpAddress base, unsigned prefixLength) : prefix_(std::min(prefixLength, base.bitLength()))
{
    std::uint8_t raw[16];
    std::memcpy(raw, base.bytes().data(), 16);
    for (unsigned bit = prefix_; bit < base.bitLength(); ++bit)
        raw[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    if (base.isV4()) {
        const std::uint8_t v4[4] = {raw[0], raw[1], raw[2], raw[3]};
        base_ = IpAddress::fromV4Bytes(v4);
    } else {
        base_ = IpAddress::fromV6Bytes(raw);
    }
}

std::optional<Cidr> Cidr::parse(std::string_view text)
{
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address)
        return std::nullopt;
    if (slash == std::string_view::npos)
        return Cidr(*address, address->bitLength());

    const auto lengthText = text.substr(slash + 1);
    unsigned length = 0;
    const auto [end, ec] = std::from_chars(lengthText.data(), lengthText.data() + lengthText.size(), length);
    if (lengthText.empty() || ec != std::errc() || end != lengthText.data() + lengthText.size() ||
        length > address->bitLength())
        return std::nullopt;
    return Cidr(*address, length);
}

bool Cidr::contains(const IpAddress& address) const
{
    if (address.family() != base_.family())
        return false;
    const auto& a = address.bytes();
    const auto& b = base_.bytes();
    const unsigned fullBytes = prefix_ / 8;
    if (std::memcmp(a.data(), b.data(), fullBytes) != 0)
        return false;
    const unsigned rest = prefix_ % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
    return (a[fullBytes] & mask) == (b[fullBytes] & mask);
}

std::string Cidr::toString() const
{
    return base_.toString() + "/" + std::to_string(prefix_);
}

std::size_t IpAddressHash::operator()(const IpAddress& address) const noexcept
{
    // FNV-1a over the significant bytes; cheap and good enough for hash maps keyed by address.
    std::size_t hash = 1469598103934665603ull;
    const auto length = address.isV4() ? 4u : 16u;
    for (unsigned i = 0; i < length; ++i) {
        hash ^= address.bytes()[i];
        hash *= 1099511628211ull;
    }
    return hash ^ static_cast<std::size_t>(address.family());
}

} // namespace hostgate
