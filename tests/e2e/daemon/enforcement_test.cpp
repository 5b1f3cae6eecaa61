// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end: allowed, denied and unknown hosts, per-executable rules, cgroup scope, default action.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTest>

#include <cstdio>
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
const QString regexAllowedAddress = QStringLiteral("203.0.113.17");
const QString regexMissAddress = QStringLiteral("203.0.113.18");
const QString regexDeniedAddress = QStringLiteral("203.0.113.19");
const QString pinnedAddress = QStringLiteral("203.0.113.30");

// Host regexes (RE2, whole name): curl may reach the numbered image hosts of cdn.regex.test, no app the ad
// hosts. Written for a TOML basic string, so each regex backslash is doubled.
const QString regexAllowRule = QStringLiteral(R"(re:^img-[0-9]+\\.cdn\\.regex\\.test$)");
const QString regexDenyRule = QStringLiteral(R"(re:(ads|track)[0-9]*\\.regex\\.test)");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("allowed.test"), allowedAddress, {}},
                        {QStringLiteral("denied.test"), deniedAddress, {}},
                        {QStringLiteral("unknown.test"), unknownAddress, {}},
                        {QStringLiteral("per-app.test"), perAppAddress, {}},
                        {QStringLiteral("open.test"), openAddress, {}},
                        {QStringLiteral("held.test"), heldAddress, {}},
                        {QStringLiteral("img-7.cdn.regex.test"), regexAllowedAddress, {}},
                        {QStringLiteral("img-x.cdn.regex.test"), regexMissAddress, {}},
                        {QStringLiteral("ads12.regex.test"), regexDeniedAddress, {}},
                        {QStringLiteral("pinned.test"), pinnedAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress,   deniedAddress,      ipDeniedAddress, unknownAddress,
                           perAppAddress,    openAddress,        heldAddress,     regexAllowedAddress,
                           regexMissAddress, regexDeniedAddress, pinnedAddress};
    return world;
}

QString adminRules()
{
    return ruleToml(curlPath, QStringLiteral("allowed.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("denied.test"), QStringLiteral("deny")) +
           ruleToml(curlPath, ipDeniedAddress, QStringLiteral("deny")) +
           ruleToml(curlPath, QStringLiteral("per-app.test"), QStringLiteral("allow")) +
           ruleToml(wgetPath, QStringLiteral("per-app.test"), QStringLiteral("deny")) +
           ruleToml(curlPath, regexAllowRule, QStringLiteral("allow")) +
           ruleToml(QString(), regexDenyRule, QStringLiteral("deny"));
}

// Default deny; asks resolve at once because no prompt agent exists yet.
DaemonSettings enforcingDaemon()
{
    return {adminRules(),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

DaemonSettings allowingDaemon()
{
    DaemonSettings settings = enforcingDaemon();
    settings.extraArguments << QStringLiteral("--default-action") << QStringLiteral("allow");
    return settings;
}

QString url(const QString& host)
{
    return QStringLiteral("http://%1/").arg(host);
}

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
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(allowedAddress, 80));
    }

    void deniedHostNameIsNotResolvedAndFailsAtOnce()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("denied.test"))), 10s);
        QVERIFY2(result.exitCode == 6 && result.err.contains("Could not resolve host"), qPrintable(result.describe()));
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"),
                                                QStringLiteral("exe=/usr/bin/curl"), QStringLiteral("host=denied.test"),
                                                QStringLiteral("why=\"DNS query for denied.test refused: rule #")},
                                               mark));
    }

    void unknownHostFollowsTheDefaultDenyAtOnce()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("unknown.test"))), 10s);
        QVERIFY2(result.exitCode == 7 && result.err.contains("Couldn't connect"), qPrintable(result.describe()));
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/curl"),
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
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/wget"),
             QStringLiteral("host=per-app.test"), QStringLiteral("DNS query for per-app.test refused")},
            mark));

        const RunResult curl =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("per-app.test"))), 10s);
        QVERIFY2(curl.succeeded(), qPrintable(curl.describe()));
        QCOMPARE(curl.out, Servers::defaultBody(perAppAddress, 80));
    }

    void regexHostRuleAllowsTheNamesItMatchesAndNoOthers()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const RunResult allowed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("img-7.cdn.regex.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        QCOMPARE(allowed.out, Servers::defaultBody(regexAllowedAddress, 80));

        // One label that the character class refuses: no rule, so the default (deny) decides.
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult miss =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("img-x.cdn.regex.test"))), 10s);
        QVERIFY2(miss.exitCode == 7 && miss.out.isEmpty(), qPrintable(miss.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("host=img-x.cdn.regex.test"),
                                      QStringLiteral("rule=none"), QStringLiteral("default action deny")},
                                     mark));
    }

    void regexDenyRuleRefusesTheNameForEveryApp()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("ads12.regex.test"))), 10s);
        QVERIFY2(result.exitCode == 6 && result.err.contains("Could not resolve host"), qPrintable(result.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("host=ads12.regex.test"),
                                      QStringLiteral("DNS query for ads12.regex.test refused: rule #")},
                                     mark));
    }

    void copyOfCurlAtAnotherPathIsNotCoveredByCurlsRule()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const QString copy = fixture_->network().scratchPath(QStringLiteral("bin/curl"));
        QVERIFY(QDir().mkpath(QFileInfo(copy).path()));
        QVERIFY(QFile::exists(copy) || QFile::copy(curlPath, copy));
        QVERIFY(QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result =
            run(fixture_->confined(), curlCommandAs(copy, IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(result.exitCode == 7 && result.err.contains("Couldn't connect"), qPrintable(result.describe()));
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=") + copy,
                                                QStringLiteral("ip=") + allowedAddress, QStringLiteral("rule=none"),
                                                QStringLiteral("default action deny")},
                                               mark));
    }

    void pinnedRuleAllowsItsBinaryAndDeniesAReplacedOne()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const QString pinned = fixture_->network().scratchPath(QStringLiteral("pinned/curl"));
        QVERIFY(QDir().mkpath(QFileInfo(pinned).path()));
        QFile::remove(pinned);
        QVERIFY(QFile::copy(curlPath, pinned));
        QVERIFY(QFile::setPermissions(pinned, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QFile original(pinned);
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QByteArray digest = QCryptographicHash::hash(original.readAll(), QCryptographicHash::Sha256).toHex();
        original.close();

        qint64 mark = fixture_->daemonLogSize();
        HG_E2E_VERIFY(fixture_->writeAdminRuleFile(
            QStringLiteral("50-pinned.toml"),
            QStringLiteral("[[rule]]\napp = \"%1\"\nsha256 = \"%2\"\nhost = \"pinned.test\"\naction = \"allow\"\n")
                .arg(pinned, QString::fromLatin1(digest))));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded")}, mark));
        const RunResult allowed =
            run(fixture_->confined(), curlCommandAs(pinned, IpFamily::V4, url(QStringLiteral("pinned.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        QCOMPARE(allowed.out, Servers::defaultBody(pinnedAddress, 80));

        // Another program at that path, installed as installers do (a new file renamed over the old one): here
        // curl with one byte appended, so it still runs and its digest differs.
        const QString replacement = pinned + QStringLiteral(".new");
        QFile::remove(replacement);
        QVERIFY(QFile::copy(curlPath, replacement));
        QFile changed(replacement);
        QVERIFY(changed.open(QIODevice::Append));
        QCOMPARE(changed.write("\n", 1), qint64{1});
        changed.close();
        QVERIFY(QFile::setPermissions(replacement, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QCOMPARE(::rename(QFile::encodeName(replacement).constData(), QFile::encodeName(pinned).constData()), 0);

        mark = fixture_->daemonLogSize();
        const RunResult denied =
            run(fixture_->confined(), curlCommandAs(pinned, IpFamily::V4, url(QStringLiteral("pinned.test"))), 10s);
        QVERIFY2(denied.exitCode == 7 && denied.out.isEmpty(), qPrintable(denied.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Connection denied"), QStringLiteral("exe=") + pinned,
             QStringLiteral("pins ") + pinned + QStringLiteral(" to sha256 ") + QString::fromLatin1(digest.left(12)),
             QStringLiteral("denied (on_binary_change = deny)")},
            mark));
        mark = fixture_->daemonLogSize();
        HG_E2E_VERIFY(fixture_->removeAdminRuleFile(QStringLiteral("50-pinned.toml")));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded")}, mark));
    }

    void processOutsideTheChildCgroupIsNotEnforced()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult inside = run(fixture_->confined(), curlCommand(IpFamily::V4, url(ipDeniedAddress)), 10s);
        QVERIFY2(inside.exitCode == 7 && inside.elapsed < failsFast, qPrintable(inside.describe()));
        const auto denial =
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/curl"),
                                      QStringLiteral("ip=") + ipDeniedAddress},
                                     mark);
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
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("open.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(openAddress, 80));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("exe=/usr/bin/curl"),
                                      QStringLiteral("host=open.test"), QStringLiteral("default action allow")},
                                     mark));
    }

    void heldFirstPacketIsReleasedAtOnceWhenNoPromptAgentRuns()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(allowingDaemon()));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("held.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(heldAddress, 80));
        // Well inside the 2 s prompt timeout: nobody can answer, so nobody is waited for.
        QVERIFY2(result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection asked"), QStringLiteral("exe=/usr/bin/curl"),
                                                QStringLiteral("ip=") + heldAddress, QStringLiteral("rule=none")},
                                               mark));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("ip=") + heldAddress,
                                      QStringLiteral("no prompt agent"), QStringLiteral("default action allow")},
                                     mark));
    }

private:
    std::unique_ptr<DaemonFixture> fixture_;
};

QTEST_GUILESS_MAIN(EnforcementTest)
#include "enforcement_test.moc"
