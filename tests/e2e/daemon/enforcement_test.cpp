// hostgated end to end: allowed, denied and unknown hosts, per-executable rules, cgroup scope, default action.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString wgetPath = QStringLiteral("/usr/bin/wget");

// One address per behaviour, so a verdict the kernel caches for one test can never decide another.
const QString allowedAddress = QStringLiteral("203.0.113.10");
const QString deniedAddress = QStringLiteral("203.0.113.11");
const QString ipDeniedAddress = QStringLiteral("203.0.113.12");
const QString unknownAddress = QStringLiteral("203.0.113.13");
const QString perAppAddress = QStringLiteral("203.0.113.14");
const QString openAddress = QStringLiteral("203.0.113.15");
const QString heldAddress = QStringLiteral("203.0.113.16");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("allowed.test"), allowedAddress, {}},
                        {QStringLiteral("denied.test"), deniedAddress, {}},
                        {QStringLiteral("unknown.test"), unknownAddress, {}},
                        {QStringLiteral("per-app.test"), perAppAddress, {}},
                        {QStringLiteral("open.test"), openAddress, {}},
                        {QStringLiteral("held.test"), heldAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress, deniedAddress, ipDeniedAddress, unknownAddress, perAppAddress, openAddress, heldAddress};
    return world;
}

QString adminRules()
{
    return ruleToml(curlPath, QStringLiteral("allowed.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("denied.test"), QStringLiteral("deny")) +
           ruleToml(curlPath, ipDeniedAddress, QStringLiteral("deny")) +
           ruleToml(curlPath, QStringLiteral("per-app.test"), QStringLiteral("allow")) +
           ruleToml(wgetPath, QStringLiteral("per-app.test"), QStringLiteral("deny"));
}

// Default deny; asks resolve at once because no prompt agent exists yet.
DaemonSettings enforcingDaemon()
{
    return {adminRules(), QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

DaemonSettings allowingDaemon()
{
    DaemonSettings settings = enforcingDaemon();
    settings.extraArguments << QStringLiteral("--default-action") << QStringLiteral("allow");
    return settings;
}

QString url(const QString& host) { return QStringLiteral("http://%1/").arg(host); }

} // namespace

class EnforcementTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("wget") << QStringLiteral("iptables-save"))) {
            return;
        }
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-enforce"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        fixture_.reset();
    }

    void allowedHostServesItsPage()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(allowedAddress, 80));
    }

    void deniedHostNameIsNotResolvedAndFailsAtOnce()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("denied.test"))), 10s);
        QVERIFY2(result.exitCode == 6 && result.err.contains("Could not resolve host"), qPrintable(result.describe()));
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/curl"),
                                                QStringLiteral("host=denied.test"),
                                                QStringLiteral("why=\"DNS query for denied.test refused: rule #")},
                                               mark));
    }

    void unknownHostFollowsTheDefaultDenyAtOnce()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("unknown.test"))), 10s);
        QVERIFY2(result.exitCode == 7 && result.err.contains("Couldn't connect"), qPrintable(result.describe()));
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/curl"),
                                                QStringLiteral("host=unknown.test"), QStringLiteral("ip=") + unknownAddress,
                                                QStringLiteral("rule=none"), QStringLiteral("default action deny")},
                                               mark));
    }

    void hostAllowedForCurlIsDeniedForWget()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult wget = run(fixture_->confined(), wgetCommand(url(QStringLiteral("per-app.test"))), 10s);
        QVERIFY2(wget.exitCode > 0 && wget.out.isEmpty(), qPrintable(wget.describe()));
        QVERIFY2(wget.elapsed < failsFast, qPrintable(wget.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/wget"),
                                                QStringLiteral("host=per-app.test"), QStringLiteral("DNS query for per-app.test refused")},
                                               mark));

        const RunResult curl = run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("per-app.test"))), 10s);
        QVERIFY2(curl.succeeded(), qPrintable(curl.describe()));
        QCOMPARE(curl.out, Servers::defaultBody(perAppAddress, 80));
    }

    void copyOfCurlAtAnotherPathIsNotCoveredByCurlsRule()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const QString copy = fixture_->network().scratchPath(QStringLiteral("bin/curl"));
        QVERIFY(QDir().mkpath(QFileInfo(copy).path()));
        QVERIFY(QFile::exists(copy) || QFile::copy(curlPath, copy));
        QVERIFY(QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result = run(fixture_->confined(), curlCommandAs(copy, IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(result.exitCode == 7 && result.err.contains("Couldn't connect"), qPrintable(result.describe()));
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=") + copy,
                                                QStringLiteral("ip=") + allowedAddress, QStringLiteral("rule=none"),
                                                QStringLiteral("default action deny")},
                                               mark));
    }

    void processOutsideTheChildCgroupIsNotEnforced()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult inside = run(fixture_->confined(), curlCommand(IpFamily::V4, url(ipDeniedAddress)), 10s);
        QVERIFY2(inside.exitCode == 7 && inside.elapsed < failsFast, qPrintable(inside.describe()));
        const auto denial = fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/curl"),
                                                      QStringLiteral("ip=") + ipDeniedAddress}, mark);
        HG_E2E_VERIFY(denial);
        QVERIFY2(!denial->contains(QStringLiteral("rule=none")), qPrintable(*denial));

        const RunResult outside = run(fixture_->unconfined(), curlCommand(IpFamily::V4, url(ipDeniedAddress)), 10s);
        QVERIFY2(outside.succeeded(), qPrintable(outside.describe()));
        QCOMPARE(outside.out, Servers::defaultBody(ipDeniedAddress, 80));
    }

    void unknownHostIsAllowedWhenTheDefaultActionIsAllow()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(allowingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("open.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(openAddress, 80));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("exe=/usr/bin/curl"),
                                                QStringLiteral("host=open.test"), QStringLiteral("default action allow")},
                                               mark));
    }

    void heldFirstPacketIsReleasedAtOnceWhenNoPromptAgentRuns()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(allowingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("held.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(heldAddress, 80));
        // Well inside the 2 s prompt timeout: nobody can answer, so nobody is waited for.
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection asked"), QStringLiteral("exe=/usr/bin/curl"),
                                                QStringLiteral("ip=") + heldAddress, QStringLiteral("rule=none")},
                                               mark));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("ip=") + heldAddress,
                                                QStringLiteral("no prompt agent"), QStringLiteral("default action allow")},
                                               mark));
    }

private:
    std::unique_ptr<DaemonFixture> fixture_;
};

QTEST_GUILESS_MAIN(EnforcementTest)
#include "enforcement_test.moc"
