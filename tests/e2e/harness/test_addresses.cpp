// SPDX-License-Identifier: GPL-3.0-or-later
// Safety checks that keep every address and command of the harness inside the test ranges and namespace.
#include "harness/test_addresses.h"

#include "harness/harness_result.h"

#include <QRegularExpression>

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace hostgate::e2e {
namespace {

struct AllowedRange {
    int family;
    std::array<std::uint8_t, 16> base;
    int prefixLength;
};

// 198.51.100.0/24 and 203.0.113.0/24 (TEST-NET-2/3), 2001:db8::/32 (documentation), loopback in the netns.
constexpr std::array<AllowedRange, 5> allowedRanges = {{
    {AF_INET, {198, 51, 100, 0}, 24},
    {AF_INET, {203, 0, 113, 0}, 24},
    {AF_INET, {127, 0, 0, 0}, 8},
    {AF_INET6, {0x20, 0x01, 0x0d, 0xb8}, 32},
    {AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},
}};

bool prefixMatches(const std::uint8_t* address, const std::array<std::uint8_t, 16>& base, int prefixLength)
{
    for (int bit = 0; bit < prefixLength; ++bit) {
        const int mask = 0x80 >> (bit % 8);
        if ((address[bit / 8] & mask) != (base[static_cast<std::size_t>(bit / 8)] & mask)) {
            return false;
        }
    }
    return true;
}

// The allowed range containing `address`, or nullptr when it is outside all of them or unparsable.
const AllowedRange* rangeOf(const QString& address)
{
    std::uint8_t bytes[16] = {};
    const QByteArray text = address.toLatin1();
    const int family = address.contains(QLatin1Char(':')) ? AF_INET6 : AF_INET;
    if (inet_pton(family, text.constData(), bytes) != 1) {
        return nullptr;
    }
    for (const AllowedRange& range : allowedRanges) {
        if (range.family == family && prefixMatches(bytes, range.base, range.prefixLength)) {
            return &range;
        }
    }
    return nullptr;
}

const QStringList& firewallTools()
{
    static const QStringList tools = {
        QStringLiteral("iptables"),
        QStringLiteral("ip6tables"),
        QStringLiteral("iptables-nft"),
        QStringLiteral("ip6tables-nft"),
        QStringLiteral("iptables-legacy"),
        QStringLiteral("ip6tables-legacy"),
        QStringLiteral("iptables-restore"),
        QStringLiteral("ip6tables-restore"),
        QStringLiteral("iptables-nft-restore"),
        QStringLiteral("nft"),
        QStringLiteral("ebtables"),
        QStringLiteral("arptables"),
        QStringLiteral("tc"),
        QStringLiteral("xtables-nft-multi"),
        QStringLiteral("xtables-legacy-multi"),
    };
    return tools;
}

} // namespace

Result<void> checkTestAddress(const QString& address)
{
    if (rangeOf(address) == nullptr) {
        return harnessError(QStringLiteral("Refusing address %1: tests may only use 198.51.100.0/24, "
                                           "203.0.113.0/24, 2001:db8::/32 and loopback inside the test netns")
                                .arg(address));
    }
    return Ok{};
}

Result<void> checkTestSubnet(const QString& cidr)
{
    const qsizetype slash = cidr.indexOf(QLatin1Char('/'));
    const QString address = slash < 0 ? cidr : cidr.left(slash);
    const AllowedRange* range = rangeOf(address);
    if (range == nullptr) {
        return checkTestAddress(address);
    }
    if (slash >= 0) {
        bool isNumber = false;
        const int prefixLength = cidr.mid(slash + 1).toInt(&isNumber);
        const int maxLength = range->family == AF_INET ? 32 : 128;
        if (!isNumber || prefixLength < range->prefixLength || prefixLength > maxLength) {
            return harnessError(QStringLiteral("Refusing subnet %1: its prefix must stay inside the test range "
                                               "(at least /%2)")
                                    .arg(cidr)
                                    .arg(range->prefixLength));
        }
    }
    return Ok{};
}

bool isIpv6(const QString& address)
{
    return address.contains(QLatin1Char(':'));
}

bool isLoopback(const QString& address)
{
    const AllowedRange* range = rangeOf(address);
    return range != nullptr && (range->prefixLength == 8 || range->prefixLength == 128);
}

QString httpUrl(const QString& address, quint16 port, const QString& path)
{
    const QString host = isIpv6(address) ? QStringLiteral("[%1]").arg(address) : address;
    return QStringLiteral("http://%1:%2%3").arg(host).arg(port).arg(path);
}

Result<void> checkNoFirewallCommand(const QStringList& argv)
{
    // Split on shell syntax too, so "sh -c 'x; /usr/sbin/nft add rule ...'" is caught.
    static const QRegularExpression wordSeparators(QStringLiteral("[\\s;|&()`'\"<>$]+"));
    for (const QString& argument : argv) {
        for (const QString& word : argument.split(wordSeparators, Qt::SkipEmptyParts)) {
            const QString program = word.section(QLatin1Char('/'), -1);
            if (firewallTools().contains(program)) {
                return harnessError(QStringLiteral("Refusing to run '%1' outside a test network namespace: "
                                                   "firewall rules may only be changed inside a TestNetwork")
                                        .arg(argv.join(QLatin1Char(' '))));
            }
        }
    }
    return Ok{};
}

} // namespace hostgate::e2e
