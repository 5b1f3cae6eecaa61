// SPDX-License-Identifier: GPL-3.0-or-later
// The only addresses end-to-end tests may use, and the checks that refuse everything else.
#pragma once

#include "util/result.h"

#include <QString>
#include <QStringList>

namespace hostgate::e2e {

// Addresses every TestNetwork carries (all on its own interfaces, so all are local to the namespace).
inline constexpr char clientIpv4[] = "198.51.100.1";
inline constexpr char dnsServerIpv4[] = "198.51.100.53";
inline constexpr char stubResolverIpv4[] = "127.0.0.53";
inline constexpr char webServer1Ipv4[] = "203.0.113.10";
inline constexpr char webServer2Ipv4[] = "203.0.113.11";
inline constexpr char webServer3Ipv4[] = "203.0.113.12";
inline constexpr char clientIpv6[] = "2001:db8::1";
inline constexpr char webServer1Ipv6[] = "2001:db8::10";
inline constexpr char webServer2Ipv6[] = "2001:db8::11";
inline constexpr char webServer3Ipv6[] = "2001:db8::12";

// Accepts an address in 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 127.0.0.0/8 or ::1 (the loopback
// ranges only make sense inside the namespace, which is the only place the harness uses addresses).
Result<void> checkTestAddress(const QString& address);

// Like checkTestAddress() for "address/prefix"; the prefix must keep the whole subnet inside the allowed
// range, so no route the harness creates can cover a real network.
Result<void> checkTestSubnet(const QString& cidr);

bool isIpv6(const QString& address);
bool isLoopback(const QString& address);

// "http://203.0.113.10:80/path" or "http://[2001:db8::10]:80/path".
QString httpUrl(const QString& address, quint16 port = 80, const QString& path = QStringLiteral("/"));

// Refuses firewall tools (iptables, nft, ...) anywhere in argv, including inside "sh -c" scripts: used for
// commands that would run in the host's network namespace, where rules must never be added.
Result<void> checkNoFirewallCommand(const QStringList& argv);

} // namespace hostgate::e2e
