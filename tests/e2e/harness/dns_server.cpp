// SPDX-License-Identifier: GPL-3.0-or-later
// DnsServer: dnsmasq in the test netns, started and checked with real queries; plus a dig-based lookup.
#include "harness/dns_server.h"

#include "harness/harness_result.h"
#include "harness/test_network.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>
#include <QThread>

namespace hostgate::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto readinessBound = 5s;
// Between readiness queries; a query to a socket not yet bound is refused at once, so without a pause
// the loop would spawn hundreds of dig processes.
constexpr auto readinessPollInterval = 20ms;

QString readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(file.readAll()) : QString();
}

QString withoutTrailingDot(const QString& name)
{
    return name.endsWith(QLatin1Char('.')) ? name.chopped(1) : name;
}

} // namespace

DnsServer::Config DnsServer::stubResolver(const QString& upstream)
{
    Config config;
    config.listenAddress = QLatin1String(stubResolverIpv4);
    config.upstream = upstream;
    return config;
}

DnsServer::DnsServer(const TestNetwork& network, Config config)
    : network_(network), config_(std::move(config)),
      logPath_(network.scratchPath(QStringLiteral("dnsmasq-%1.log").arg(config_.listenAddress)))
{}

DnsServer::~DnsServer()
{
    stop();
}

// --group=root: switching to dnsmasq's default group "dip" would change credentials, and that clears the
// parent-death signal that makes dnsmasq die with a crashed test.
Result<QStringList> DnsServer::arguments() const
{
    QStringList checked = {config_.listenAddress};
    QStringList arguments = {
        QStringLiteral("dnsmasq"),
        QStringLiteral("--keep-in-foreground"),
        QStringLiteral("--no-resolv"),
        QStringLiteral("--no-hosts"),
        QStringLiteral("--bind-interfaces"),
        QStringLiteral("--port=53"),
        QStringLiteral("--user=root"),
        QStringLiteral("--group=root"),
        QStringLiteral("--conf-file=/dev/null"),
        QStringLiteral("--pid-file="),
        QStringLiteral("--log-queries"),
        QStringLiteral("--log-facility=%1").arg(logPath_),
        QStringLiteral("--listen-address=%1").arg(config_.listenAddress),
    };
    const QString ttl = config_.ttlSeconds ? QString::number(*config_.ttlSeconds) : QString();
    if (!ttl.isEmpty()) {
        arguments << QStringLiteral("--local-ttl=%1").arg(ttl);
    }
    for (const HostRecord& host : config_.hosts) {
        QStringList fields = {host.name};
        for (const QString& address : {host.ipv4, host.ipv6}) {
            if (!address.isEmpty()) {
                fields << address;
                checked << address;
            }
        }
        arguments << QStringLiteral("--host-record=%1").arg(fields.join(QLatin1Char(',')));
    }
    for (const DomainRecord& domain : config_.domains) {
        arguments << QStringLiteral("--address=/%1/%2").arg(domain.domain, domain.address);
        checked << domain.address;
    }
    for (const Cname& cname : config_.cnames) {
        arguments << QStringLiteral("--cname=%1,%2%3")
                         .arg(cname.alias, cname.target, ttl.isEmpty() ? QString() : QLatin1Char(',') + ttl);
    }
    if (!config_.upstream.isEmpty()) {
        arguments << QStringLiteral("--server=%1").arg(config_.upstream);
        checked << config_.upstream;
    }
    for (const QString& address : checked) {
        if (auto safe = checkTestAddress(address); !safe) {
            return safe.error();
        }
    }
    return arguments;
}

Result<void> DnsServer::start()
{
    stop();
    auto argv = arguments();
    if (!argv) {
        return argv.error();
    }
    auto started = startBackground(Placement::in(network_), *argv, logPath_ + QStringLiteral(".out"),
                                   logPath_ + QStringLiteral(".out"));
    if (!started) {
        return started.error();
    }
    process_.emplace(std::move(*started));
    QDeadlineTimer deadline(std::chrono::duration_cast<std::chrono::milliseconds>(readinessBound).count());
    const QString probeName =
        config_.hosts.isEmpty() ? QStringLiteral("readiness.probe.test") : config_.hosts.first().name;
    while (true) {
        if (!process_->isRunning()) {
            return harnessError(
                QStringLiteral("Failed to start dnsmasq on %1: it exited; log:\n%2").arg(address(), log()));
        }
        if (queryDns(Placement::in(network_), address(), probeName)) {
            return Ok{};
        }
        if (deadline.hasExpired()) {
            return harnessError(QStringLiteral("Failed to start dnsmasq on %1: no answer within %2 s; log:\n%3")
                                    .arg(address())
                                    .arg(readinessBound.count())
                                    .arg(log()));
        }
        QThread::msleep(static_cast<unsigned long>(readinessPollInterval.count()));
    }
}

void DnsServer::stop()
{
    process_.reset();
}

bool DnsServer::isRunning() const
{
    return process_ && process_->isRunning();
}

pid_t DnsServer::pid() const
{
    return process_ ? process_->pid() : 0;
}

QString DnsServer::log() const
{
    return readFile(logPath_) + readFile(logPath_ + QStringLiteral(".out"));
}

Result<QList<DnsAnswer>> queryDns(const Placement& placement, const QString& server, const QString& name,
                                  const QString& type)
{
    const RunResult dig =
        run(placement,
            {QStringLiteral("dig"), QLatin1Char('@') + server, QStringLiteral("+time=1"), QStringLiteral("+tries=1"),
             QStringLiteral("+noall"), QStringLiteral("+answer"), name, type},
            3s);
    if (!dig.succeeded()) {
        return harnessError(
            QStringLiteral("Failed to query %1 for %2 %3:\n%4").arg(server, name, type, dig.describe()));
    }
    QList<DnsAnswer> answers;
    // "alias.example.test. 30 IN CNAME web.example.test."
    for (const QByteArray& line : dig.out.split('\n')) {
        static const QRegularExpression whitespace(QStringLiteral("\\s+"));
        const QStringList fields = QString::fromLatin1(line).split(whitespace, Qt::SkipEmptyParts);
        if (fields.size() < 5 || fields[0].startsWith(QLatin1Char(';'))) {
            continue;
        }
        answers.append({withoutTrailingDot(fields[0]), fields[1].toInt(), fields[3], withoutTrailingDot(fields[4])});
    }
    return answers;
}

} // namespace hostgate::e2e
