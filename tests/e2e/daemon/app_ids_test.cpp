// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end, app ids in rules (issue 14.3): rules naming flatpak:, snap:, appimage: and unit: apps
// decide the real processes the identity code recognises (a root of its own with /.flatpak-info, a
// snap.<name>.<app>.scope cgroup, $APPIMAGE, a .service cgroup), and a path rule never opens a sandboxed app
// that runs the same in-sandbox path. The witness of what got through is witness.py's server log.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"
#include "daemon/witness_server.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>

#include <map>
#include <memory>

#ifndef HOSTGATE_OWN_ROOT_PATH
#error "HOSTGATE_OWN_ROOT_PATH must name tests/e2e/daemon/with_own_root.sh"
#endif

using namespace hostgate::e2e;
using hostgate::Ok;
using hostgate::Result;
using namespace std::chrono_literals;

namespace {

// One destination per behaviour, so a verdict cached for one test never decides another.
const QString flatpakAllowedAddress = QStringLiteral("203.0.113.100");
const QString pathRuleAddress = QStringLiteral("203.0.113.101");
const QString snapAllowedAddress = QStringLiteral("203.0.113.102");
const QString appImageAllowedAddress = QStringLiteral("203.0.113.103");
const QString unitAllowedAddress = QStringLiteral("203.0.113.104");
constexpr quint16 port = 80;

const QString flatpakId = QStringLiteral("org.hostgate.Test");
const QString otherFlatpakId = QStringLiteral("org.hostgate.Other");
const QString snapCgroup = QStringLiteral("snap.hgtest.hgtest-1.scope");
const QString unitCgroup = QStringLiteral("hostgate-test-unit.service");

QString ownRootScript()
{
    return QStringLiteral(HOSTGATE_OWN_ROOT_PATH);
}

QString rule(const QString& app, const QString& host)
{
    return QStringLiteral("[[rule]]\napp = \"%1\"\nhost = \"%2\"\nports = %3\naction = \"allow\"\n\n")
        .arg(app, host)
        .arg(port);
}

QString adminRules()
{
    return rule(QStringLiteral("flatpak:") + flatpakId, flatpakAllowedAddress) +
           // A path rule for the interpreter as every sandbox here runs it: it must only open the host's own.
           rule(python3ExecutablePath(), pathRuleAddress) + rule(QStringLiteral("snap:hgtest"), snapAllowedAddress) +
           rule(QStringLiteral("appimage:Hostgate-Test-x86_64.AppImage"), appImageAllowedAddress) +
           rule(QStringLiteral("unit:") + unitCgroup, unitAllowedAddress);
}

DaemonSettings enforcing()
{
    return {adminRules(), QString(), {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("ready.test"), flatpakAllowedAddress, {}}};
    for (const QString& address :
         {flatpakAllowedAddress, pathRuleAddress, snapAllowedAddress, appImageAllowedAddress, unitAllowedAddress}) {
        world.extraAddresses << address + QStringLiteral("/24");
    }
    return world;
}

QString firstLine(const QByteArray& out)
{
    return QString::fromUtf8(out).section(QLatin1Char('\n'), 0, 0).trimmed();
}

bool refusedAtOnce(const RunResult& attempt)
{
    const QString result = firstLine(attempt.out);
    return (result == QStringLiteral("EPERM") || result == QStringLiteral("ECONNREFUSED")) &&
           attempt.elapsed < failsFast;
}

bool connected(const RunResult& attempt)
{
    return firstLine(attempt.out).startsWith(QStringLiteral("connected"));
}

QStringList tcpClient(const QString& address, const QString& marker)
{
    return witness({QStringLiteral("tcp-client"), address, QString::number(port), marker, QStringLiteral("--timeout"),
                    QStringLiteral("3")});
}

// `argv` run after the shell moved itself into the cgroup `directory` (below the test's child cgroup).
QStringList inCgroup(const QString& directory, const QStringList& argv)
{
    return QStringList{QStringLiteral("sh"), QStringLiteral("-c"),
                       QStringLiteral("echo $$ > \"$0/cgroup.procs\" && exec \"$@\""), directory} +
           argv;
}

} // namespace

class AppIdsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("unshare") << QStringLiteral("chroot"))) {
            return;
        }
        QVERIFY2(QFileInfo(witnessScript()).isReadable(), qPrintable(witnessScript()));
        QVERIFY2(QFileInfo(ownRootScript()).isExecutable(), qPrintable(ownRootScript()));
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-appids"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        const TestNetwork& network = fixture_->network();
        for (const QString& id : {flatpakId, otherFlatpakId}) {
            QFile info(network.scratchPath(id + QStringLiteral(".flatpak-info")));
            QVERIFY(info.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QVERIFY(
                info.write(QStringLiteral("[Application]\nname=%1\nruntime=runtime/org.hostgate.Platform/x86_64/1\n")
                               .arg(id)
                               .toUtf8()) > 0);
        }
        for (const QString& name : {snapCgroup, unitCgroup}) {
            const QString directory = fixture_->cgroup().path() + QLatin1Char('/') + name;
            QVERIFY2(QDir().mkpath(directory), qPrintable(directory));
            subCgroups_ << directory;
        }
        for (const QString& address :
             {flatpakAllowedAddress, pathRuleAddress, snapAllowedAddress, appImageAllowedAddress, unitAllowedAddress}) {
            auto server = std::make_unique<Witness>(network, address);
            HG_E2E_VERIFY(server->start({QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(address).arg(port)}));
            witnesses_.emplace(address, std::move(server));
        }
        HG_E2E_VERIFY(fixture_->startDaemon(enforcing()));
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        witnesses_.clear();
        if (fixture_) {
            HG_E2E_VERIFY(fixture_->cgroup().killAll());
        }
        for (const QString& directory : std::as_const(subCgroups_)) {
            QVERIFY2(!QFileInfo::exists(directory) || QDir().rmdir(directory), qPrintable(directory));
        }
        fixture_.reset();
    }

    void init()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcing()));
        mark_ = fixture_->daemonLogSize();
    }

    void aFlatpakRuleAllowsThatFlatpakOnly()
    {
        const RunResult allowed =
            run(fixture_->confined(),
                asFlatpak(flatpakId, tcpClient(flatpakAllowedAddress, QStringLiteral("flatpak-allowed"))), 10s);
        QVERIFY2(connected(allowed), qPrintable(allowed.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(at(flatpakAllowedAddress).waitFor(QStringLiteral("flatpak-allowed")));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection allowed"),
                                                QStringLiteral("ip=") + flatpakAllowedAddress,
                                                QStringLiteral("flatpak:") + flatpakId},
                                               mark_));

        // Another Flatpak running the very same interpreter under the very same path gets nothing from that rule.
        const RunResult other =
            run(fixture_->confined(),
                asFlatpak(otherFlatpakId, tcpClient(flatpakAllowedAddress, QStringLiteral("other-flatpak"))), 10s);
        QVERIFY2(refusedAtOnce(other), qPrintable(other.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(),
                                 tcpClient(flatpakAllowedAddress, QStringLiteral("canary-flatpak")),
                                 at(flatpakAllowedAddress), QStringLiteral("canary-flatpak")));
        const QString leaked = leaks(at(flatpakAllowedAddress), {QStringLiteral("other-flatpak")});
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
    }

    void aPathRuleNeverOpensASandboxedAppWithTheSamePath()
    {
        // Control: the rule's path, run from the host's own root, is allowed.
        const RunResult host =
            run(fixture_->confined(), tcpClient(pathRuleAddress, QStringLiteral("host-python")), 10s);
        QVERIFY2(connected(host), qPrintable(host.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(at(pathRuleAddress).waitFor(QStringLiteral("host-python")));

        const RunResult sandboxed =
            run(fixture_->confined(),
                asFlatpak(otherFlatpakId, tcpClient(pathRuleAddress, QStringLiteral("sandboxed-python"))), 10s);
        QVERIFY2(refusedAtOnce(sandboxed), qPrintable(sandboxed.describe() + fixture_->daemonLog().mid(mark_)));
        // The same path inside a root of its own with no app id (a container's python) gets nothing either.
        const RunResult container = run(
            fixture_->confined(), withOwnRoot({}, tcpClient(pathRuleAddress, QStringLiteral("container-python"))), 10s);
        QVERIFY2(refusedAtOnce(container), qPrintable(container.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(), tcpClient(pathRuleAddress, QStringLiteral("canary-path")),
                                 at(pathRuleAddress), QStringLiteral("canary-path")));
        const QString leaked =
            leaks(at(pathRuleAddress), {QStringLiteral("sandboxed-python"), QStringLiteral("container-python")});
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Connection denied"), QStringLiteral("ip=") + pathRuleAddress, QStringLiteral("rule=none")},
            mark_));
    }

    void aSnapRuleAllowsTheProcessesOfThatSnapsScope()
    {
        const QString scope = fixture_->cgroup().path() + QLatin1Char('/') + snapCgroup;
        const RunResult snap = run(fixture_->confined(),
                                   inCgroup(scope, tcpClient(snapAllowedAddress, QStringLiteral("snap-allowed"))), 10s);
        QVERIFY2(connected(snap), qPrintable(snap.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(at(snapAllowedAddress).waitFor(QStringLiteral("snap-allowed")));
        // The same program outside the snap's scope is not that snap.
        const RunResult outside =
            run(fixture_->confined(), tcpClient(snapAllowedAddress, QStringLiteral("not-the-snap")), 10s);
        QVERIFY2(refusedAtOnce(outside), qPrintable(outside.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(), tcpClient(snapAllowedAddress, QStringLiteral("canary-snap")),
                                 at(snapAllowedAddress), QStringLiteral("canary-snap")));
        const QString leaked = leaks(at(snapAllowedAddress), {QStringLiteral("not-the-snap")});
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
    }

    void anAppImageRuleAllowsTheProcessesOfThatAppImage()
    {
        const QStringList asAppImage{QStringLiteral("env"),
                                     QStringLiteral("APPIMAGE=/opt/apps/Hostgate-Test-x86_64.AppImage")};
        const RunResult appImage =
            run(fixture_->confined(),
                asAppImage + tcpClient(appImageAllowedAddress, QStringLiteral("appimage-allowed")), 10s);
        QVERIFY2(connected(appImage), qPrintable(appImage.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(at(appImageAllowedAddress).waitFor(QStringLiteral("appimage-allowed")));
        const QStringList otherAppImage{QStringLiteral("env"),
                                        QStringLiteral("APPIMAGE=/opt/apps/Other-x86_64.AppImage")};
        const RunResult other =
            run(fixture_->confined(),
                otherAppImage + tcpClient(appImageAllowedAddress, QStringLiteral("other-appimage")), 10s);
        QVERIFY2(refusedAtOnce(other), qPrintable(other.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(),
                                 tcpClient(appImageAllowedAddress, QStringLiteral("canary-appimage")),
                                 at(appImageAllowedAddress), QStringLiteral("canary-appimage")));
        const QString leaked = leaks(at(appImageAllowedAddress), {QStringLiteral("other-appimage")});
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
    }

    void aUnitRuleAllowsTheProcessesOfThatService()
    {
        const QString service = fixture_->cgroup().path() + QLatin1Char('/') + unitCgroup;
        const RunResult inService =
            run(fixture_->confined(), inCgroup(service, tcpClient(unitAllowedAddress, QStringLiteral("unit-allowed"))),
                10s);
        QVERIFY2(connected(inService), qPrintable(inService.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(at(unitAllowedAddress).waitFor(QStringLiteral("unit-allowed")));
        const RunResult outside =
            run(fixture_->confined(), tcpClient(unitAllowedAddress, QStringLiteral("not-the-unit")), 10s);
        QVERIFY2(refusedAtOnce(outside), qPrintable(outside.describe() + fixture_->daemonLog().mid(mark_)));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(), tcpClient(unitAllowedAddress, QStringLiteral("canary-unit")),
                                 at(unitAllowedAddress), QStringLiteral("canary-unit")));
        const QString leaked = leaks(at(unitAllowedAddress), {QStringLiteral("not-the-unit")});
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
    }

private:
    QStringList withOwnRoot(const QString& flatpakInfo, const QStringList& argv) const
    {
        const QString root = fixture_->network().scratchPath(QStringLiteral("root-%1").arg(++roots_));
        if (!QDir().mkpath(root)) {
            return {QStringLiteral("false")}; // fails the test's assertion on the client's output, loudly
        }
        return QStringList{ownRootScript(), root, flatpakInfo} + argv;
    }

    QStringList asFlatpak(const QString& id, const QStringList& argv) const
    {
        return withOwnRoot(fixture_->network().scratchPath(id + QStringLiteral(".flatpak-info")), argv);
    }

    const Witness& at(const QString& address) const { return *witnesses_.at(address); }

    std::unique_ptr<DaemonFixture> fixture_;
    std::map<QString, std::unique_ptr<Witness>> witnesses_;
    QStringList subCgroups_;
    qint64 mark_ = 0;
    mutable int roots_ = 0;
};

QTEST_GUILESS_MAIN(AppIdsTest)
#include "app_ids_test.moc"
