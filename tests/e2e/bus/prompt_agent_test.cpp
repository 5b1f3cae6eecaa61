// SPDX-License-Identifier: GPL-3.0-or-later
// Prompts end to end: curl in the enforced cgroup reaches an unknown host, hostgated asks the user's agent
// over the private bus, and the answer (or its absence) decides; hostgatectl follows the events.
#include "bus/bus_world.h"
#include "daemon/witness_server.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <csignal>
#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

constexpr auto promptTimeout = 3s;
// An answer, a vanished agent or a deny must decide well before the prompt would time out.
constexpr auto wellUnderTheTimeout = 1500ms;

const QString foreverAddress = QStringLiteral("203.0.113.21");
const QString denyAddress = QStringLiteral("203.0.113.22");
const QString silentAddress = QStringLiteral("203.0.113.23");
const QString killedAddress = QStringLiteral("203.0.113.24");
const QString perUserAddress = QStringLiteral("203.0.113.25");
const QString untilExitAddress = QStringLiteral("203.0.113.26");
const QString pinnedAddress = QStringLiteral("203.0.113.27");
// A system user's connections (uid 1, "daemon", has no agent): asked of nobody's agent; the test polkit rules
// let nobody answer for the system except about systemRefusedAddress.
const QString systemAllowedAddress = QStringLiteral("203.0.113.28");
const QString systemRefusedAddress = QStringLiteral("203.0.113.29");
constexpr quint16 witnessPort = 8080;

// One process, two HTTP requests to until-exit.test: the second only after a line on stdin, so the test
// decides when. Prints "first <status line>" / "second <status line>" (or the exception) and exits.
const QString twoRequestsScript = QStringLiteral(R"(
import socket, sys
def get():
    try:
        s = socket.create_connection(("until-exit.test", 80), timeout=10)
        s.sendall(b"GET / HTTP/1.0\r\nHost: until-exit.test\r\n\r\n")
        line = s.makefile("rb").readline().decode().strip()
        s.close()
        return line
    except OSError as error:
        return "error " + str(error)
print("first", get(), flush=True)
sys.stdin.readline()
print("second", get(), flush=True)
)");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("forever.test"), foreverAddress, {}},
                        {QStringLiteral("deny.test"), denyAddress, {}},
                        {QStringLiteral("silent.test"), silentAddress, {}},
                        {QStringLiteral("killed.test"), killedAddress, {}},
                        {QStringLiteral("per-user.test"), perUserAddress, {}},
                        {QStringLiteral("until-exit.test"), untilExitAddress, {}},
                        {QStringLiteral("pinned.test"), pinnedAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {foreverAddress, denyAddress,      silentAddress, killedAddress,
                           perUserAddress, untilExitAddress, pinnedAddress};
    world.extraAddresses = {systemAllowedAddress + QStringLiteral("/24"), systemRefusedAddress + QStringLiteral("/24")};
    return world;
}

// Enforce mode, default deny: unknown connections are asked about, unanswered ones denied.
DaemonSettings promptingDaemon()
{
    return {QString(),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QString::number(promptTimeout.count())}};
}

QString url(const QString& host)
{
    return QStringLiteral("http://%1/").arg(host);
}

} // namespace

class PromptAgentTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("setpriv") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-prompt"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        HG_E2E_VERIFY(world_->startDaemon(promptingDaemon()));
        auto follower = startBackground(Placement::host(), {hostgatectlExecutable(), QStringLiteral("--json"),
                                                            QStringLiteral("connections"), QStringLiteral("--follow")});
        HG_E2E_VERIFY(follower);
        follower_.emplace(std::move(*follower));
        QVERIFY2(QTest::qWaitFor(
                     [this] {
                         return follower_->stderrSoFar().contains("following connection events") ||
                                !follower_->isRunning();
                     },
                     10000),
                 qPrintable(QString::fromUtf8(follower_->stderrSoFar())));
        QVERIFY2(follower_->isRunning(), qPrintable(QString::fromUtf8(follower_->stderrSoFar())));
        for (const QString& address : {systemAllowedAddress, systemRefusedAddress}) {
            auto server = std::make_unique<Witness>(world_->fixture().network(), address);
            HG_E2E_VERIFY(
                server->start({QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(address).arg(witnessPort)}));
            witnesses_.emplace(address, std::move(server));
        }
    }

    void cleanupTestCase()
    {
        witnesses_.clear();
        follower_.reset();
        world_.reset();
    }

    void allowForeverAnswerLetsCurlThroughSavesTheRuleAndIsNotAskedAgain()
    {
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow"),
                                                 QStringLiteral("--lifetime"), QStringLiteral("forever")});
        QVERIFY(agent);
        const RunResult first = curlAs(allowedUid, QStringLiteral("forever.test"));
        QVERIFY2(first.succeeded(), qPrintable(first.describe()));
        QCOMPARE(first.out, Servers::defaultBody(foreverAddress, 80));

        HG_E2E_VERIFY(agent->waitForStdout("\"event\":\"ask\"", 5s));
        const QList<QJsonObject> asks = agentLines(agent->stdoutSoFar(), QStringLiteral("ask"));
        const QJsonObject request = asks.first().value(QStringLiteral("request")).toObject();
        QCOMPARE(request.value(QStringLiteral("app")).toString(), QStringLiteral("/usr/bin/curl"));
        QVERIFY2(request.value(QStringLiteral("hostnames")).toArray().contains(QStringLiteral("forever.test")),
                 qPrintable(QJsonDocument(request).toJson()));
        QCOMPARE(request.value(QStringLiteral("address")).toString(), foreverAddress);
        QCOMPARE(request.value(QStringLiteral("port")).toInt(), 80);
        QCOMPARE(request.value(QStringLiteral("uid")).toInt(), int(allowedUid));
        // What curl is, from dpkg's database: the same package, version and summary dpkg-query reports.
        const RunResult dpkg =
            run(Placement::host(),
                {QStringLiteral("dpkg-query"), QStringLiteral("-W"),
                 QStringLiteral("-f=${Package}\n${Version}\n${binary:Summary}"), QStringLiteral("curl")},
                10s);
        QVERIFY2(dpkg.succeeded(), qPrintable(dpkg.describe()));
        const QStringList package = QString::fromUtf8(dpkg.out).split(QLatin1Char('\n'));
        QCOMPARE(package.size(), 3);
        QCOMPARE(request.value(QStringLiteral("package")).toString(), package[0]);
        QCOMPARE(request.value(QStringLiteral("package_version")).toString(), package[1]);
        QCOMPARE(request.value(QStringLiteral("package_summary")).toString(), package[2]);

        const auto rules = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(rules);
        bool saved = false;
        for (const QJsonValue& rule : rules->array()) {
            saved = saved || (rule[QStringLiteral("host")] == QStringLiteral("forever.test") &&
                              rule[QStringLiteral("action")] == QStringLiteral("allow") &&
                              rule[QStringLiteral("origin")] == QStringLiteral("user"));
        }
        QVERIFY2(saved, rules->toJson().constData());
        // Saved on disk: a lasting answer is appended to the user file's journal (compacted into the file later).
        QFile journal(world_->userRulesFile() + QStringLiteral(".journal"));
        QVERIFY(journal.open(QIODevice::ReadOnly));
        QVERIFY2(journal.readAll().contains("forever.test"), qPrintable(journal.fileName()));

        const RunResult second = curlAs(allowedUid, QStringLiteral("forever.test"));
        QVERIFY2(second.succeeded(), qPrintable(second.describe()));
        QCOMPARE(agentLines(stopTestAgent(*agent), QStringLiteral("ask")).size(), 1);

        // The follower saw the decision of the first curl, with the API's keys.
        QVERIFY2(
            QTest::qWaitFor([this] { return follower_->stdoutSoFar().contains("\"host\":\"forever.test\""); }, 5000),
            follower_->stdoutSoFar().constData());
    }

    void pinnedAnswerStoresTheDigestOfTheBinaryThatConnected()
    {
        auto agent = startTestAgent(allowedUid,
                                    {QStringLiteral("--answer"), QStringLiteral("allow"), QStringLiteral("--lifetime"),
                                     QStringLiteral("forever"), QStringLiteral("--pin")});
        QVERIFY(agent);
        const RunResult first = curlAs(allowedUid, QStringLiteral("pinned.test"));
        QVERIFY2(first.succeeded(), qPrintable(first.describe()));
        stopTestAgent(*agent);

        QFile curl(QStringLiteral("/usr/bin/curl"));
        QVERIFY(curl.open(QIODevice::ReadOnly));
        const QString digest =
            QString::fromLatin1(QCryptographicHash::hash(curl.readAll(), QCryptographicHash::Sha256).toHex());
        const auto rules = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(rules);
        QString stored;
        for (const QJsonValue& rule : rules->array()) {
            if (rule[QStringLiteral("host")] == QStringLiteral("pinned.test"))
                stored = rule[QStringLiteral("sha256")].toString();
        }
        QCOMPARE(stored, digest);
        // The pinned rule decides the next connection of the same binary.
        const RunResult second = curlAs(allowedUid, QStringLiteral("pinned.test"));
        QVERIFY2(second.succeeded(), qPrintable(second.describe()));
    }

    void denyAnswerFailsCurlWellBeforeTheTimeout()
    {
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("deny")});
        QVERIFY(agent);
        const RunResult result = curlAs(allowedUid, QStringLiteral("deny.test"));
        QVERIFY2(!result.succeeded() && result.out.isEmpty(), qPrintable(result.describe()));
        QVERIFY2(result.elapsed < wellUnderTheTimeout, qPrintable(result.describe()));
        QCOMPARE(agentLines(stopTestAgent(*agent), QStringLiteral("ask")).size(), 1);
    }

    void unansweredPromptAppliesTheDefaultAtTheDeadlineAndIsCancelled()
    {
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--never-answer")});
        QVERIFY(agent);
        const RunResult result = curlAs(allowedUid, QStringLiteral("silent.test"));
        QVERIFY2(!result.succeeded(), qPrintable(result.describe()));
        QVERIFY2(result.elapsed >= promptTimeout - 500ms, qPrintable(result.describe()));
        HG_E2E_VERIFY(agent->waitForStdout("\"event\":\"cancel\"", 5s));
        const QList<QJsonObject> cancels = agentLines(agent->stdoutSoFar(), QStringLiteral("cancel"));
        QCOMPARE(cancels.first().value(QStringLiteral("reason")).toString(), QStringLiteral("timeout"));
        const QJsonObject ask =
            agentLines(agent->stdoutSoFar(), QStringLiteral("ask")).first().value(QStringLiteral("request")).toObject();
        QCOMPARE(cancels.first().value(QStringLiteral("id")).toInteger(), ask.value(QStringLiteral("id")).toInteger());
    }

    void agentLeavingWhileAskedAppliesTheDefaultAtOnce()
    {
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--never-answer")});
        QVERIFY(agent);
        auto curl = startBackground(world_->fixture().confined().asUser(allowedUid),
                                    curlCommand(IpFamily::V4, url(QStringLiteral("killed.test"))));
        HG_E2E_VERIFY(curl);
        HG_E2E_VERIFY(agent->waitForStdout("\"event\":\"ask\"", 5s));
        QElapsedTimer sinceKill;
        sinceKill.start();
        agent->kill();
        const RunResult result = curl->finish(10s);
        QVERIFY2(!result.succeeded(), qPrintable(result.describe()));
        QVERIFY2(sinceKill.elapsed() < std::chrono::milliseconds(wellUnderTheTimeout).count(),
                 qPrintable(result.describe()));
    }

    void promptGoesOnlyToTheAgentOfTheConnectionsUser()
    {
        // polkit denies uid 1 answer-prompts, so its agent cannot even register.
        auto refused = startBackground(Placement::host().asUser(deniedUid),
                                       {testAgentExecutable(), QStringLiteral("--answer"), QStringLiteral("allow")});
        HG_E2E_VERIFY(refused);
        const RunResult refusal = refused->finish(10s);
        QVERIFY2(refusal.exitCode == 1 && refusal.out.contains("NotAuthorized"), qPrintable(refusal.describe()));

        auto rootAgent =
            startTestAgent(std::nullopt, {QStringLiteral("--answer"), QStringLiteral("deny"), QStringLiteral("--path"),
                                          QStringLiteral("/org/hostgate/RootAgent")});
        QVERIFY(rootAgent);
        auto userAgent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow")});
        QVERIFY(userAgent);
        const RunResult result = curlAs(allowedUid, QStringLiteral("per-user.test"));
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(agentLines(stopTestAgent(*userAgent), QStringLiteral("ask")).size(), 1);
        QCOMPARE(agentLines(stopTestAgent(*rootAgent), QStringLiteral("ask")).size(), 0);
    }

    void systemUsersPromptGoesToAPersonsAgentAndCountsWithPolkit()
    {
        // uid 1 has no agent (polkit would not even let it register one): its prompt goes to nobody's agent,
        // marked as a system service's, and the answer counts because polkit authorizes answer-system-prompts.
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow")});
        QVERIFY(agent);
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult attempt =
            run(world_->fixture().confined().asUser(deniedUid),
                witness({QStringLiteral("tcp-client"), systemAllowedAddress, QString::number(witnessPort),
                         QStringLiteral("system-allowed"), QStringLiteral("--timeout"), QStringLiteral("10")}),
                15s);
        QVERIFY2(attempt.out.startsWith("connected"), qPrintable(attempt.describe()));
        HG_E2E_VERIFY(witnesses_.at(systemAllowedAddress)->waitFor(QStringLiteral("system-allowed")));
        const QList<QJsonObject> asks = agentLines(stopTestAgent(*agent), QStringLiteral("ask"));
        QCOMPARE(asks.size(), 1);
        const QJsonObject request = asks.first().value(QStringLiteral("request")).toObject();
        QCOMPARE(request.value(QStringLiteral("uid")).toInt(), int(deniedUid));
        QVERIFY2(request.value(QStringLiteral("system_service")).toBool(), qPrintable(QJsonDocument(request).toJson()));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine(
            {QStringLiteral("answered by a person"), QStringLiteral("agent_uid=65534")}, mark, 5s));
    }

    void systemUsersPromptAnswerWithoutPolkitsConsentAppliesTheDefault()
    {
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow")});
        QVERIFY(agent);
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult attempt =
            run(world_->fixture().confined().asUser(deniedUid),
                witness({QStringLiteral("tcp-client"), systemRefusedAddress, QString::number(witnessPort),
                         QStringLiteral("system-refused"), QStringLiteral("--timeout"), QStringLiteral("10")}),
                15s);
        QVERIFY2(!attempt.out.startsWith("connected"), qPrintable(attempt.describe()));
        // Decided by the refusal, not by the prompt's deadline.
        QVERIFY2(attempt.elapsed < wellUnderTheTimeout, qPrintable(attempt.describe()));
        HG_E2E_VERIFY(
            world_->fixture().waitForLogLine({QStringLiteral("not authorized, applying the default")}, mark, 5s));
        QCOMPARE(agentLines(stopTestAgent(*agent), QStringLiteral("ask")).size(), 1);
        QVERIFY2(!witnesses_.at(systemRefusedAddress)->saw(QStringLiteral("system-refused")),
                 qPrintable(witnesses_.at(systemRefusedAddress)->log()));
    }

    void untilExitAnswerLastsWhileTheProcessRunsAndEndsWithIt()
    {
        auto agent = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("allow"),
                                                 QStringLiteral("--lifetime"), QStringLiteral("until-exit")});
        QVERIFY(agent);
        auto client = startBackground(world_->fixture().confined().asUser(allowedUid),
                                      {python3ExecutablePath(), QStringLiteral("-c"), twoRequestsScript});
        HG_E2E_VERIFY(client);
        HG_E2E_VERIFY(client->waitForStdout("first ", 10s));
        HG_E2E_VERIFY(client->waitForStdout("\n", 1s));
        QVERIFY2(client->stdoutSoFar().startsWith("first HTTP/") && client->stdoutSoFar().contains(" 200"),
                 client->stdoutSoFar().constData());

        // While the process runs, its answer is a rule in memory only: listed, never written to the file.
        const auto rules = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(rules);
        bool listed = false;
        for (const QJsonValue& rule : rules->array())
            listed = listed || (rule[QStringLiteral("host")] == QStringLiteral("until-exit.test") &&
                                rule[QStringLiteral("lifetime")] == QStringLiteral("until-exit") &&
                                rule[QStringLiteral("pid")].toInt() == int(client->pid()));
        QVERIFY2(listed, rules->toJson().constData());
        QFile userRules(world_->userRulesFile());
        if (userRules.open(QIODevice::ReadOnly))
            QVERIFY(!userRules.readAll().contains("until-exit.test"));

        const qint64 beforeExit = world_->fixture().daemonLogSize();
        client->writeStdin("go\n");
        const RunResult both = client->finish(10s);
        QVERIFY2(both.out.contains("second HTTP/") && both.out.count(" 200") == 2, qPrintable(both.describe()));

        // The process is gone, so is its rule: the next process is asked again (and this time denied).
        HG_E2E_VERIFY(
            world_->fixture().waitForLogLine({QStringLiteral("Process exited, its rules ended")}, beforeExit, 5s));
        QByteArray seen = stopTestAgent(*agent);
        QCOMPARE(agentLines(seen, QStringLiteral("ask")).size(), 1);
        auto denier = startTestAgent(allowedUid, {QStringLiteral("--answer"), QStringLiteral("deny")});
        QVERIFY(denier);
        const RunResult after = curlAs(allowedUid, QStringLiteral("until-exit.test"));
        QVERIFY2(!after.succeeded(), qPrintable(after.describe()));
        QCOMPARE(agentLines(stopTestAgent(*denier), QStringLiteral("ask")).size(), 1);
    }

private:
    RunResult curlAs(uid_t uid, const QString& host)
    {
        return run(world_->fixture().confined().asUser(uid), curlCommand(IpFamily::V4, url(host)), 15s);
    }

    std::unique_ptr<BusWorld> world_;
    std::optional<BackgroundProcess> follower_;
    std::map<QString, std::unique_ptr<Witness>> witnesses_;
};

QTEST_GUILESS_MAIN(PromptAgentTest)
#include "prompt_agent_test.moc"
