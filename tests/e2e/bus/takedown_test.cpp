// SPDX-License-Identifier: GPL-3.0-or-later
// "No caller can take the daemon down", end to end: a silent agent of one user fills only that user's prompt
// slots, mass agent registrations are refused after the bound, and a restarted bus daemon finds hostgated
// back on it — while connections are decided all along.
#include "bus/bus_world.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <csignal>
#include <memory>
#include <vector>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

// Long, so the silent agent's prompts stay pending while the other user is asked.
constexpr auto promptTimeout = 20s;
constexpr auto wellUnderTheTimeout = 1500ms;
// hostgated's bound of pending prompts per uid (PromptBroker::Config::maxPendingPerUid).
constexpr int promptSlotsPerUid = 32;
// hostgated's bound of agent registrations per connection (AgentRegistry::Limits::perConnection).
constexpr int registrationsPerConnection = 8;

const QString allowedAddress = QStringLiteral("203.0.113.41");
const QString slotsAddress = QStringLiteral("203.0.113.42");
const QString rootAddress = QStringLiteral("203.0.113.43");
const QString userAddress = QStringLiteral("203.0.113.44");
const QString unknownAddress = QStringLiteral("203.0.113.45");
const QString afterAddress = QStringLiteral("203.0.113.46");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {
        {QStringLiteral("allowed.test"), allowedAddress, {}}, {QStringLiteral("slots.test"), slotsAddress, {}},
        {QStringLiteral("root.test"), rootAddress, {}},       {QStringLiteral("user.test"), userAddress, {}},
        {QStringLiteral("unknown.test"), unknownAddress, {}}, {QStringLiteral("after.test"), afterAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress, slotsAddress, rootAddress, userAddress, unknownAddress, afterAddress};
    return world;
}

DaemonSettings promptingDaemon()
{
    return {ruleToml(QStringLiteral("/usr/bin/curl"), QStringLiteral("allowed.test"), QStringLiteral("allow")),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QString::number(promptTimeout.count())}};
}

QString url(const QString& host, int port = 80)
{
    return QStringLiteral("http://%1:%2/").arg(host).arg(port);
}

} // namespace

class TakedownTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("setpriv") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-takedown"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        HG_E2E_VERIFY(world_->startDaemon(promptingDaemon()));
    }

    void cleanupTestCase() { world_.reset(); }

    void silentAgentOfOneUserFillsOnlyItsOwnSlotsAndRootIsStillAsked()
    {
        auto silent = startTestAgent(allowedUid, {QStringLiteral("--never-answer")});
        QVERIFY(silent);
        // More attempts than the user's slots, each to its own port, so none merges with another.
        std::vector<BackgroundProcess> curls;
        for (int port = 2001; port <= 2000 + promptSlotsPerUid + 8; ++port) {
            auto curl = startBackground(world_->fixture().confined().asUser(allowedUid),
                                        curlCommand(IpFamily::V4, url(QStringLiteral("slots.test"), port)));
            HG_E2E_VERIFY(curl);
            curls.push_back(std::move(*curl));
        }
        QVERIFY2(
            QTest::qWaitFor(
                [&] { return agentLines(silent->stdoutSoFar(), QStringLiteral("ask")).size() >= promptSlotsPerUid; },
                20000),
            silent->stdoutSoFar().constData());
        // The attempts over the user's budget were refused (default action at once), not queued.
        for (auto& curl : curls) {
            const RunResult result = curl.finish(10s);
            QVERIFY2(!result.succeeded(), qPrintable(result.describe()));
        }
        HG_E2E_VERIFY(
            world_->fixture().waitForLogLine({QStringLiteral("prompts of uid 65534 are already pending")}, 0, 5s));
        QCOMPARE(agentLines(silent->stdoutSoFar(), QStringLiteral("ask")).size(), promptSlotsPerUid);

        // Root (another uid) is still asked, on its own agent, and its answer decides.
        auto rootAgent =
            startTestAgent(std::nullopt, {QStringLiteral("--answer"), QStringLiteral("allow"), QStringLiteral("--path"),
                                          QStringLiteral("/org/hostgate/RootAgent")});
        QVERIFY(rootAgent);
        const RunResult rootCurl =
            run(world_->fixture().confined(), curlCommand(IpFamily::V4, url(QStringLiteral("root.test"))), 15s);
        QVERIFY2(rootCurl.succeeded(), qPrintable(rootCurl.describe()));
        QCOMPARE(agentLines(stopTestAgent(*rootAgent), QStringLiteral("ask")).size(), 1);
        QVERIFY(world_->ctl(std::nullopt, {QStringLiteral("status")}).succeeded());

        // The silent agent leaving frees its user's slots at once: the next attempt is asked again.
        (void)stopTestAgent(*silent);
        auto answering = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow")});
        QVERIFY(answering);
        const RunResult again = run(world_->fixture().confined().asUser(allowedUid),
                                    curlCommand(IpFamily::V4, url(QStringLiteral("user.test"))), 15s);
        QVERIFY2(again.succeeded(), qPrintable(again.describe()));
        QCOMPARE(agentLines(stopTestAgent(*answering), QStringLiteral("ask")).size(), 1);
    }

    void massRegistrationsOnOneConnectionAreRefusedAsLimitExceededAndOthersAreStillAsked()
    {
        auto flood = startBackground(Placement::host().asUser(allowedUid),
                                     {testAgentExecutable(), QStringLiteral("--answer"), QStringLiteral("allow"),
                                      QStringLiteral("--register-many"), QStringLiteral("200")});
        HG_E2E_VERIFY(flood);
        const RunResult flooded = flood->finish(30s);
        const QList<QJsonObject> summary = agentLines(flooded.out, QStringLiteral("mass-registration"));
        QVERIFY2(summary.size() == 1, qPrintable(flooded.describe()));
        QCOMPARE(summary.first().value(QStringLiteral("accepted")).toInt(), registrationsPerConnection);
        QCOMPARE(summary.first().value(QStringLiteral("refused")).toInt(), 200 - registrationsPerConnection);
        QCOMPARE(summary.first().value(QStringLiteral("error")).toString(),
                 QStringLiteral("org.hostgate.Firewall1.Error.LimitExceeded"));
        // Its own registration was the 201st: refused too, so the agent gave up.
        QVERIFY2(flooded.exitCode == 1 && flooded.out.contains("LimitExceeded"), qPrintable(flooded.describe()));

        const RunResult status = world_->ctl(allowedUid, {QStringLiteral("--json"), QStringLiteral("status")});
        QVERIFY2(status.succeeded(), qPrintable(status.describe()));
        // The flood's connection is gone, and its registrations with it.
        QCOMPARE(QJsonDocument::fromJson(status.out).object().value(QStringLiteral("agents")).toInt(), 0);

        auto agent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow")});
        QVERIFY(agent);
        const RunResult curl = run(world_->fixture().confined().asUser(allowedUid),
                                   curlCommand(IpFamily::V4, url(QStringLiteral("user.test"), 8080)), 15s);
        // Asked (the answer allows; nothing listens on 8080, so curl fails only after the verdict).
        QCOMPARE(agentLines(stopTestAgent(*agent), QStringLiteral("ask")).size(), 1);
        QVERIFY2(!curl.err.contains("timed out"), qPrintable(curl.describe()));
    }

    void callFloodOfOneUserIsRefusedBeyondItsAuthorizationBudgetAndOthersAreStillAuthorized()
    {
        constexpr int calls = 300;
        auto flood = startBackground(Placement::host().asUser(allowedUid),
                                     {testAgentExecutable(), QStringLiteral("--answer"), QStringLiteral("allow"),
                                      QStringLiteral("--flood"), QString::number(calls)});
        HG_E2E_VERIFY(flood);
        HG_E2E_VERIFY(flood->waitForStdout("\"event\":\"registered\"", 60s));
        const QList<QJsonObject> summary = agentLines(flood->stdoutSoFar(), QStringLiteral("flood"));
        QVERIFY2(summary.size() == 1, flood->stdoutSoFar().constData());
        const int ok = summary.first().value(QStringLiteral("ok")).toInt();
        const int limited = summary.first().value(QStringLiteral("limited")).toInt();
        const int busLimited = summary.first().value(QStringLiteral("bus_limited")).toInt();
        qInfo("%d ListConnections calls at once: %d served, %d refused by hostgated (LimitExceeded), %d by the bus "
              "(LimitsExceeded)",
              calls, ok, limited, busLimited);
        // Every call got a reply: served, or refused by name by the daemon or by the bus's own per-connection bound.
        QVERIFY2(summary.first().value(QStringLiteral("other")).toInt() == 0, flood->stdoutSoFar().constData());
        QCOMPARE(ok + limited + busLimited, calls);
        QVERIFY(ok >= 16); // the budget admits at least its share
        // The flood's agent itself registered (polkit still answers), and so does another one.
        auto other = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow"),
                                                 QStringLiteral("--path"), QStringLiteral("/org/hostgate/OtherAgent")});
        QVERIFY(other);
        (void)stopTestAgent(*other);
        (void)stopTestAgent(*flood);
        QVERIFY(world_->ctl(allowedUid, {QStringLiteral("status")}).succeeded());
    }

    // Last: it restarts the bus and polkitd under the daemon.
    void daemonComesBackOnARestartedBusAndDecidesConnectionsMeanwhile()
    {
        const qint64 before = world_->fixture().daemonLogSize();
        world_->stopBus();
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Lost the D-Bus connection")}, before, 10s));
        QVERIFY(world_->fixture().daemonIsRunning());

        // Without a bus the firewall still decides: a rule allows, an unknown host gets the default at once.
        const RunResult allowed =
            run(world_->fixture().confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 15s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        const RunResult unknown =
            run(world_->fixture().confined(), curlCommand(IpFamily::V4, url(QStringLiteral("unknown.test"))), 15s);
        QVERIFY2(!unknown.succeeded() && unknown.elapsed < wellUnderTheTimeout, qPrintable(unknown.describe()));

        QElapsedTimer sinceRestart;
        sinceRestart.start();
        HG_E2E_VERIFY(world_->startBusAgain());
        HG_E2E_VERIFY(world_->waitForName(QStringLiteral("org.hostgate.Firewall1"), 15s));
        qInfo("hostgated was back on the restarted bus %lld ms after it started",
              static_cast<long long>(sinceRestart.elapsed()));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("D-Bus service back on the bus")}, before, 5s));
        const RunResult status = world_->ctl(allowedUid, {QStringLiteral("status")});
        QVERIFY2(status.succeeded(), qPrintable(status.describe()));
        QVERIFY(world_->fixture().daemonIsRunning());

        // Agents register again (as the tray does when the name reappears) and are asked again.
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow")});
        QVERIFY(agent);
        const RunResult asked = run(world_->fixture().confined().asUser(allowedUid),
                                    curlCommand(IpFamily::V4, url(QStringLiteral("after.test"))), 15s);
        QVERIFY2(asked.succeeded(), qPrintable(asked.describe()));
        QCOMPARE(agentLines(stopTestAgent(*agent), QStringLiteral("ask")).size(), 1);
    }

private:
    std::unique_ptr<BusWorld> world_;
};

QTEST_GUILESS_MAIN(TakedownTest)
#include "takedown_test.moc"
