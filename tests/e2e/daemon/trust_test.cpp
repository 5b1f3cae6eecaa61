// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end: least privilege (capabilities, NoNewPrivs, seccomp), untrusted rule files and crash
// leftovers, against the real daemon in a test netns.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <sys/stat.h>

#include <csignal>
#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString allowedAddress = QStringLiteral("203.0.113.20");
const QString laterAddress = QStringLiteral("203.0.113.21");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("allowed.test"), allowedAddress, {}},
                        {QStringLiteral("later.test"), laterAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress, laterAddress};
    return world;
}

QString baseRules()
{
    return ruleToml(curlPath, QStringLiteral("allowed.test"), QStringLiteral("allow"));
}

DaemonSettings enforcingDaemon()
{
    return {baseRules(),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

QString url(const QString& host)
{
    return QStringLiteral("http://%1/").arg(host);
}

// "CapEff:\t0000000000000000" -> the hex value of that line of /proc/PID/status.
QString statusField(const QByteArray& status, const QString& name)
{
    for (const QByteArray& line : status.split('\n')) {
        const QString text = QString::fromUtf8(line);
        if (text.startsWith(name + QLatin1Char(':')))
            return text.mid(name.size() + 1).trimmed();
    }
    return {};
}

// CAP_NET_ADMIN (12), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39).
constexpr quint64 keptCapabilities = (quint64{1} << 12) | (quint64{1} << 19) | (quint64{1} << 38) | (quint64{1} << 39);

} // namespace

class TrustTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools())) {
            return;
        }
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-trust"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        fixture_.reset();
    }

    void init()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Privileges dropped")}, 0));
        mark_ = fixture_->daemonLogSize();
    }

    void theRunningDaemonKeepsOnlyItsCapabilitiesWithNoNewPrivsAndSeccomp()
    {
        QFile file(QStringLiteral("/proc/%1/status").arg(fixture_->daemonPid()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray status = file.readAll();
        bool ok = false;
        for (const QString& set : {QStringLiteral("CapEff"), QStringLiteral("CapPrm"), QStringLiteral("CapBnd")}) {
            QCOMPARE(statusField(status, set).toULongLong(&ok, 16), keptCapabilities);
            QVERIFY(ok);
        }
        QCOMPARE(statusField(status, QStringLiteral("CapInh")).toULongLong(&ok, 16), quint64{0});
        QCOMPARE(statusField(status, QStringLiteral("CapAmb")).toULongLong(&ok, 16), quint64{0});
        QCOMPARE(statusField(status, QStringLiteral("NoNewPrivs")), QStringLiteral("1"));
        QCOMPARE(statusField(status, QStringLiteral("Seccomp")), QStringLiteral("2")); // filter mode
        QVERIFY2(fixture_->daemonLog().contains("capabilities=\"cap_net_admin cap_bpf cap_perfmon cap_sys_ptrace\"") ||
                     fixture_->daemonLog().contains("capabilities=cap_net_admin"),
                 fixture_->daemonLog().constData());
    }

    void theHardenedDaemonStillEnforcesReloadsAndRemovesItsChainsAtStop()
    {
        const RunResult allowed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        const RunResult denied =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("later.test"))), 10s);
        QVERIFY2(denied.exitCode == 7 && denied.elapsed < failsFast, qPrintable(denied.describe()));

        HG_E2E_VERIFY(fixture_->replaceAdminRules(
            baseRules() + ruleToml(curlPath, QStringLiteral("later.test"), QStringLiteral("allow"))));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded"), QStringLiteral("admin=2")}, mark_));
        const RunResult reloaded =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("later.test"))), 10s);
        QVERIFY2(reloaded.succeeded(), qPrintable(reloaded.describe()));

        // The stop runs iptables-nft-save/-restore with the kept capabilities under the seccomp filter.
        HG_E2E_VERIFY(fixture_->stopDaemon());
        const QByteArray log = fixture_->daemonLog();
        QVERIFY2(log.contains("Firewall chains removed"), log.constData());
        QVERIFY2(!log.contains("Failed to remove firewall chains"), log.constData());
    }

    void anAdminFileOthersCanWriteIsReportedWithTheFixAndItsLastGoodRulesStay()
    {
        const QString file = fixture_->rulesDirectory() + QStringLiteral("/10-test.toml");
        HG_E2E_VERIFY(fixture_->rewriteAdminRulesUnnoticed(
            baseRules() + ruleToml(curlPath, QStringLiteral("later.test"), QStringLiteral("allow"))));
        QCOMPARE(::chmod(QFile::encodeName(file).constData(), 0666), 0);
        HG_E2E_VERIFY(fixture_->signalDaemon(SIGHUP));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Failed to load rule file, keeping its last good rules"),
                                                QStringLiteral("chmod go-w ") + file},
                                               mark_));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded"), QStringLiteral("admin=1")}, mark_));
        const RunResult stillDenied =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("later.test"))), 10s);
        QVERIFY2(stillDenied.exitCode == 7, qPrintable(stillDenied.describe()));

        const qint64 fixed = fixture_->daemonLogSize();
        QCOMPARE(::chmod(QFile::encodeName(file).constData(), 0644), 0);
        HG_E2E_VERIFY(fixture_->signalDaemon(SIGHUP));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded"), QStringLiteral("admin=2")}, fixed));
        const RunResult allowed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("later.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        HG_E2E_VERIFY(fixture_->stopDaemon()); // its rules differ from the settings: the next test restarts it
    }

    void aSavedModeOthersCanWriteIsIgnoredWithTheFix()
    {
        HG_E2E_VERIFY(fixture_->stopDaemon());
        const QString modeFile = QDir(fixture_->stateDirectory()).filePath(QStringLiteral("mode"));
        {
            QFile file(modeFile);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("silent-allow\n");
        }
        QCOMPARE(::chmod(QFile::encodeName(modeFile).constData(), 0666), 0);
        HG_E2E_VERIFY(fixture_->startDaemon(enforcingDaemon()));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Ignoring the saved mode"), QStringLiteral("chmod go-w ") + modeFile}, 0));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("hostgated started"), QStringLiteral("mode=enforce")}, 0));
        QVERIFY(QFile::remove(modeFile));
    }

    void theDaemonStartsAndEnforcesWithOnlyTheUnitsBoundingSet()
    {
        // CapabilityBoundingSet= of daemon/hostgated/hostgated.service: what start-up may use under systemd.
        QFile unit(QStringLiteral(HOSTGATE_UNIT_FILE));
        QVERIFY(unit.open(QIODevice::ReadOnly));
        QVERIFY2(unit.readAll().contains(
                     "\nCapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_BPF CAP_PERFMON CAP_SYS_PTRACE\n"),
                 "the unit's bounding set changed: update this test");
        HG_E2E_VERIFY(fixture_->stopDaemon());
        fixture_->setLauncher({QStringLiteral("setpriv"),
                               QStringLiteral("--bounding-set=-all,+net_admin,+net_raw,+bpf,+perfmon,+sys_ptrace"),
                               QStringLiteral("--inh-caps=-all")});
        const auto started = fixture_->startDaemon(enforcingDaemon());
        fixture_->setLauncher({});
        HG_E2E_VERIFY(started);
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Privileges dropped"), QStringLiteral("bounding_set=\"as given\"")}, 0));

        QFile file(QStringLiteral("/proc/%1/status").arg(fixture_->daemonPid()));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray status = file.readAll();
        bool ok = false;
        QCOMPARE(statusField(status, QStringLiteral("CapEff")).toULongLong(&ok, 16), keptCapabilities);
        // Without CAP_SETPCAP the bounding set stays as systemd gave it; NoNewPrivs keeps exec'd tools at CapPrm.
        QCOMPARE(statusField(status, QStringLiteral("CapBnd")).toULongLong(&ok, 16),
                 keptCapabilities | (quint64{1} << 13));

        const RunResult allowed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        const RunResult denied =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("later.test"))), 10s);
        QVERIFY2(denied.exitCode == 7 && denied.elapsed < failsFast, qPrintable(denied.describe()));
        HG_E2E_VERIFY(fixture_->stopDaemon());
        QVERIFY2(fixture_->daemonLog().contains("Firewall chains removed"), fixture_->daemonLog().constData());
    }

    void temporaryFilesLeftByAKilledSaveAreRemovedAtStartAndNothingElse()
    {
        fixture_->killDaemon();
        const QDir state(fixture_->stateDirectory());
        const QStringList planted = {QStringLiteral(".rules.toml.tmp-Ab12Cd"), QStringLiteral(".mode.tmp-xY9zQ0")};
        const QStringList kept = {QStringLiteral(".rules.toml.tmp-short"), QStringLiteral("rules.toml.tmp-Ab12Cd"),
                                  QStringLiteral(".other.toml.tmp-Ab12Cd")};
        for (const QString& name : planted + kept) {
            QFile file(state.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("half a save");
        }
        HG_E2E_VERIFY(fixture_->startDaemon(enforcingDaemon()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Removed temporary files left by a crash")}, 0));
        for (const QString& name : planted)
            QVERIFY2(!state.exists(name), qPrintable(name));
        for (const QString& name : kept) {
            QVERIFY2(state.exists(name), qPrintable(name));
            QFile::remove(state.filePath(name));
        }
    }

private:
    std::unique_ptr<DaemonFixture> fixture_;
    qint64 mark_ = 0;
};

QTEST_GUILESS_MAIN(TrustTest)
#include "trust_test.moc"
