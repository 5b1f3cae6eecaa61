// SPDX-License-Identifier: GPL-3.0-or-later
// TestNetwork: creation, addressing and teardown of the test network namespace.
#include "harness/test_network.h"

#include "harness/harness_result.h"
#include "harness/process_kill.h"
#include "harness/process_runner.h"
#include "harness/test_addresses.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <unistd.h>

namespace hostgate::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto ipBound = 5s;

Result<void> runIp(const QStringList& arguments)
{
    const RunResult result = run({}, QStringList{QStringLiteral("ip")} + arguments, ipBound);
    if (!result.succeeded()) {
        return harnessError(QStringLiteral("Failed to run ip %1: %2")
                                .arg(arguments.join(QLatin1Char(' ')), QString::fromLocal8Bit(result.err.trimmed())));
    }
    return Ok{};
}

bool namespaceExists(const QString& name)
{
    return QFile::exists(QStringLiteral("/run/netns/") + name);
}

QList<pid_t> pidsIn(const QString& name)
{
    QList<pid_t> pids;
    const RunResult listed =
        run({}, {QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("pids"), name}, ipBound);
    for (const QByteArray& line : listed.out.split('\n')) {
        if (!line.trimmed().isEmpty()) {
            pids.append(static_cast<pid_t>(line.trimmed().toLong()));
        }
    }
    return pids;
}

// Everything inside a namespace named after this test and this PID was started by the harness.
Result<void> destroyNamespace(const QString& name)
{
    if (!namespaceExists(name)) {
        return Ok{};
    }
    for (const pid_t pid : pidsIn(name)) {
        if (pid != getpid() && !killAndWait(pid)) {
            return harnessError(QStringLiteral("Failed to kill process %1 in netns %2").arg(pid).arg(name));
        }
    }
    return runIp({QStringLiteral("netns"), QStringLiteral("delete"), name});
}

// Namespaces of the same test from runs that died (SIGKILL, crash): their PID is gone and, thanks to the
// parent-death signal, so are their processes. Anything still populated or owned by a live PID is kept.
void removeAbandonedNamespaces(const QString& tag)
{
    const QRegularExpression sameTest(QStringLiteral("^hg-%1-(\\d+)$").arg(QRegularExpression::escape(tag)));
    for (const QString& name : QDir(QStringLiteral("/run/netns")).entryList(QDir::Files | QDir::System)) {
        const QRegularExpressionMatch match = sameTest.match(name);
        const pid_t owner = match.hasMatch() ? static_cast<pid_t>(match.captured(1).toInt()) : 0;
        if (owner > 0 && owner != getpid() && !QFile::exists(QStringLiteral("/proc/%1").arg(owner)) &&
            pidsIn(name).isEmpty()) {
            if (auto deleted = runIp({QStringLiteral("netns"), QStringLiteral("delete"), name}); !deleted) {
                qWarning("Failed to delete abandoned netns %s: %s, ignoring", qPrintable(name),
                         qPrintable(describe(deleted.error())));
            }
        }
    }
}

} // namespace

TestNetwork::TestNetwork(const QString& tag) : status_(create(tag)) {}

TestNetwork::~TestNetwork()
{
    if (!created_) {
        return;
    }
    if (auto destroyed = destroyNamespace(name_); !destroyed) {
        qWarning("%s", qPrintable(describe(destroyed.error())));
    }
}

Result<void> TestNetwork::create(const QString& tag)
{
    static const QRegularExpression validTag(QStringLiteral("^[a-z0-9-]{1,24}$"));
    if (!validTag.match(tag).hasMatch()) {
        return harnessError(QStringLiteral("Failed to create network: tag '%1' must match [a-z0-9-]{1,24}").arg(tag));
    }
    if (!scratch_.isValid()) {
        return harnessError(QStringLiteral("Failed to create scratch directory: %1").arg(scratch_.errorString()));
    }
    name_ = QStringLiteral("hg-%1-%2").arg(tag).arg(getpid());
    removeAbandonedNamespaces(tag);
    if (auto leftover = destroyNamespace(name_); !leftover) {
        return harnessError(QStringLiteral("Failed to remove leftover netns: %1").arg(describe(leftover.error())));
    }
    if (auto added = runIp({QStringLiteral("netns"), QStringLiteral("add"), name_}); !added) {
        return added;
    }
    created_ = true;
    const QList<QStringList> setup = {
        {QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"), QStringLiteral("up")},
        {QStringLiteral("link"), QStringLiteral("add"), QStringLiteral("hg0"), QStringLiteral("type"),
         QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"), QStringLiteral("hg1")},
        {QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("hg0"), QStringLiteral("up")},
        {QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("hg1"), QStringLiteral("up")},
    };
    for (const QStringList& step : setup) {
        if (auto done = runIp(QStringList{QStringLiteral("-n"), name_} + step); !done) {
            return done;
        }
    }
    const QStringList defaultSubnets = {
        QStringLiteral("%1/24").arg(QLatin1String(clientIpv4)),
        QStringLiteral("%1/24").arg(QLatin1String(dnsServerIpv4)),
        QStringLiteral("%1/24").arg(QLatin1String(webServer1Ipv4)),
        QStringLiteral("%1/24").arg(QLatin1String(webServer2Ipv4)),
        QStringLiteral("%1/24").arg(QLatin1String(webServer3Ipv4)),
        QStringLiteral("%1/64").arg(QLatin1String(clientIpv6)),
        QStringLiteral("%1/64").arg(QLatin1String(webServer1Ipv6)),
        QStringLiteral("%1/64").arg(QLatin1String(webServer2Ipv6)),
        QStringLiteral("%1/64").arg(QLatin1String(webServer3Ipv6)),
    };
    for (const QString& subnet : defaultSubnets) {
        if (auto added = addAddress(subnet); !added) {
            return added;
        }
    }
    return Ok{};
}

QString TestNetwork::namespacePath() const
{
    return QStringLiteral("/run/netns/") + name_;
}

Result<void> TestNetwork::addAddress(const QString& cidr)
{
    if (auto safe = checkTestSubnet(cidr); !safe) {
        return safe;
    }
    if (!created_) {
        return harnessError(QStringLiteral("Failed to add address %1: the network was not created").arg(cidr));
    }
    const QString address = cidr.section(QLatin1Char('/'), 0, 0);
    QStringList arguments = {QStringLiteral("-n"),
                             name_,
                             QStringLiteral("addr"),
                             QStringLiteral("replace"),
                             cidr,
                             QStringLiteral("dev"),
                             isLoopback(address) ? QStringLiteral("lo") : QStringLiteral("hg0")};
    if (isIpv6(address)) {
        arguments << QStringLiteral("nodad");
    }
    return runIp(arguments);
}

QStringList TestNetwork::addresses() const
{
    QStringList found;
    const RunResult listed = run({},
                                 {QStringLiteral("ip"), QStringLiteral("-n"), name_, QStringLiteral("-o"),
                                  QStringLiteral("addr"), QStringLiteral("show")},
                                 ipBound);
    // "2: hg0    inet 203.0.113.10/24 scope global hg0 ..."
    static const QRegularExpression addressField(QStringLiteral("\\binet6? ([0-9a-fA-F:.]+)/"));
    for (const QByteArray& line : listed.out.split('\n')) {
        const QRegularExpressionMatch match = addressField.match(QString::fromLatin1(line));
        if (match.hasMatch()) {
            found.append(match.captured(1));
        }
    }
    return found;
}

Result<QString> TestNetwork::resolvConfFor(const QString& nameserver) const
{
    if (auto safe = checkTestAddress(nameserver); !safe) {
        return safe.error();
    }
    const QString path = scratchPath(QStringLiteral("resolv.conf-%1").arg(nameserver));
    if (!QFile::exists(path)) {
        QFile file(path);
        const QByteArray contents =
            QStringLiteral("nameserver %1\noptions timeout:2 attempts:1\n").arg(nameserver).toLatin1();
        if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size()) {
            return harnessError(QStringLiteral("Failed to write %1: %2").arg(path, file.errorString()));
        }
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    }
    return path;
}

QString TestNetwork::scratchPath(const QString& fileName) const
{
    return scratch_.filePath(fileName);
}

QList<pid_t> TestNetwork::pids() const
{
    return created_ ? pidsIn(name_) : QList<pid_t>();
}

} // namespace hostgate::e2e
