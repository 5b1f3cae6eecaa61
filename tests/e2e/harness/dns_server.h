// SPDX-License-Identifier: GPL-3.0-or-later
// dnsmasq inside the test netns: an authoritative-looking server for test names, or a forwarding stub.
#pragma once

#include "harness/process_runner.h"
#include "harness/test_addresses.h"
#include "util/result.h"

#include <QList>
#include <QString>

#include <optional>

namespace hostgate::e2e {

class TestNetwork;

// Runs `dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=ADDR
// --port 53 --user=root` (no config file, no pid file) in the netns, logging queries to a file.
class DnsServer {
public:
    // --host-record: exactly this name; either address may be empty.
    struct HostRecord {
        QString name;
        QString ipv4;
        QString ipv6;
    };
    // --address=/domain/address: the domain and every name under it.
    struct DomainRecord {
        QString domain;
        QString address;
    };
    // --cname=alias,target: the target must be a HostRecord name (a dnsmasq rule).
    struct Cname {
        QString alias;
        QString target;
    };
    struct Config {
        QString listenAddress = QLatin1String(dnsServerIpv4);
        QList<HostRecord> hosts;
        QList<DomainRecord> domains;
        QList<Cname> cnames;
        std::optional<int> ttlSeconds; // --local-ttl (host records) and the CNAME TTL; dnsmasq's default is 0
        QString upstream;              // --server=: forward names it does not know (stub mode)
    };

    // A stub resolver on 127.0.0.53 forwarding everything to `upstream`, like systemd-resolved's stub.
    static Config stubResolver(const QString& upstream = QLatin1String(dnsServerIpv4));

    DnsServer(const TestNetwork& network, Config config);
    ~DnsServer();
    DnsServer(const DnsServer&) = delete;
    DnsServer& operator=(const DnsServer&) = delete;

    // Starts dnsmasq and returns once it answers a real query (dig, bounded to 5 s in total); fails at
    // once, with dnsmasq's output, if it exits (e.g. the listen address is missing).
    Result<void> start();
    // Kills dnsmasq by PID; start() may be called again.
    void stop();

    bool isRunning() const;
    pid_t pid() const;
    const QString& address() const { return config_.listenAddress; }
    // dnsmasq's log (startup, every query and its answer) and stderr, for failure messages.
    QString log() const;

private:
    Result<QStringList> arguments() const;

    const TestNetwork& network_;
    Config config_;
    QString logPath_;
    std::optional<BackgroundProcess> process_;
};

// One answer record as `dig +noall +answer` prints it.
struct DnsAnswer {
    QString name; // without the trailing dot
    int ttl = 0;
    QString type; // "A", "AAAA", "CNAME", ...
    QString data; // address or target name (without the trailing dot)
};

// Asks `server` for `name`/`type` from inside the placement (dig +time=1 +tries=1) and returns the
// answer section; fails when no reply came (timeout, refused). An NXDOMAIN reply is an empty list.
Result<QList<DnsAnswer>> queryDns(const Placement& placement, const QString& server, const QString& name,
                                  const QString& type = QStringLiteral("A"));

} // namespace hostgate::e2e
