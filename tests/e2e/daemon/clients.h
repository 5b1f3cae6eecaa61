// SPDX-License-Identifier: GPL-3.0-or-later
// Client commands and rule snippets the hostgated end-to-end tests share: curl, wget, dig, UDP and DNS forgers.
#pragma once

#include <QString>
#include <QStringList>

#include <chrono>

namespace hostgate::e2e {

// Denials must be visible this fast: a reset or a refused name, never a timeout.
inline constexpr std::chrono::milliseconds failsFast{1000};

enum class IpFamily { V4, V6 };

// curl -4/-6 with a 3 s upper bound, no proxy, errors on stderr. `resolve` ("name:80:address") pins the
// address without asking DNS.
QStringList curlCommand(IpFamily family, const QString& url, const QString& resolve = {});
// The same, run from another executable (a copy of curl).
QStringList curlCommandAs(const QString& executable, IpFamily family, const QString& url);
// wget over IPv4, one try, 3 s timeout, body to stdout.
QStringList wgetCommand(const QString& url);
// dig over TCP, one try, answer addresses only (+short).
QStringList digTcpCommand(const QString& server, const QString& name);

// A python3 client that sends `datagrams` datagrams from one UNCONNECTED UDP socket to address:port and prints
// one line per send: "sent" or the errno name (e.g. "EPERM").
QStringList unconnectedUdpSendCommand(const QString& address, quint16 port, int datagrams);

// How a forged DNS answer differs from the one the resolver waits for.
enum class ForgedAnswerFlaw { WrongTransactionId, WrongDestinationPort, WrongServerAddress };

// A python3 script run inside the netns (raw sockets need root): sends a genuine A query for `name` from
// clientIpv4 to `server`:53, then injects an IP_HDRINCL UDP answer "name A address" that differs from the
// genuine answer only by `flaw` (WrongServerAddress: it comes from `impostor`). Prints "<client port> <id>"
// of the answer it injected (its destination port and transaction id), for matching the daemon's log.
QStringList forgedDnsAnswerCommand(const QString& server, const QString& impostor, const QString& name,
                                   const QString& address, ForgedAnswerFlaw flaw);

// One [[rule]] table of an admin rule file. Empty `app`/`protocol` are left out (any application/protocol).
QString ruleToml(const QString& app, const QString& host, const QString& action, const QString& protocol = {});

// The executable path the kernel reports for python3 (the symlink resolved), as rules must name it.
QString python3ExecutablePath();

// The network monitor's byte counts against what a server logged: at least that (nothing is missed) and at most
// 2 % more (TCP retransmissions carry payload twice; the veth of a test netns rarely loses any).
bool countedBytesAgree(quint64 counted, quint64 witnessed);

} // namespace hostgate::e2e
