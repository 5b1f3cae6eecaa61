// SPDX-License-Identifier: GPL-3.0-or-later
// BusService on a private system bus with a private polkitd, driven by busctl, gdbus and real agents.
#include "fake_firewall_control.h"

#include "bus/bus_service.h"
#include "harness/harness_result.h"
#include "harness/private_bus.h"
#include "harness/process_runner.h"
#include "harness/requirements.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QXmlStreamReader>

#include <chrono>
#include <memory>
#include <optional>

using namespace hostgate;
using namespace hostgate::testbus;
using namespace std::chrono_literals;

namespace {

constexpr uid_t nobodyUid = 65534; // allowed every org.hostgate.* action by the test's polkit rule
constexpr uid_t daemonUid = 1;     // denied by it
const QString sourceDir = QStringLiteral(HOSTGATE_SOURCE_DIR);
const QString agentProgram = QStringLiteral(HOSTGATE_TEST_AGENT);

const QString rulesJs = QStringLiteral(R"(polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.hostgate.") == 0)
        return subject.user == "nobody" ? polkit.Result.YES : polkit.Result.NO;
});
)");

e2e::Placement as(uid_t uid)
{
    return uid == 0 ? e2e::Placement::host() : e2e::Placement::host().asUser(uid);
}

QStringList firewallCall(const QString& method, const QStringList& args)
{
    return QStringList{"busctl",
                       "--system",
                       "call",
                       "org.hostgate.Firewall1",
                       "/org/hostgate/Firewall1",
                       "org.hostgate.Firewall1",
                       method} +
           args;
}

// gdbus prints the D-Bus error name ("GDBus.Error:org.hostgate.Firewall1.Error.X: message"); busctl does not.
QStringList gdbusCall(const QString& method, const QStringList& args)
{
    return QStringList{"gdbus",
                       "call",
                       "--system",
                       "--dest",
                       "org.hostgate.Firewall1",
                       "--object-path",
                       "/org/hostgate/Firewall1",
                       "--method",
                       "org.hostgate.Firewall1." + method} +
           args;
}

} // namespace

class BusServiceTest : public QObject {
    Q_OBJECT

private:
    FakeFirewallControl control_;
    std::optional<EventLoop> loop_;
    Logger log_{LogLevel::Debug};
    std::unique_ptr<PrivateSystemBus> bus_;
    std::unique_ptr<PrivatePolkit> polkit_;
    std::unique_ptr<BusService> service_;

    // Runs the daemon's loop and Qt's (for the clients' pipes) until `done`, at most `bound`.
    template <class Done>
    bool pumpUntil(Done done, std::chrono::milliseconds bound = 20s)
    {
        QDeadlineTimer deadline(bound.count());
        while (!done()) {
            if (deadline.hasExpired())
                return false;
            (void)loop_->runOnce(5ms);
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        }
        return true;
    }

    // Runs a client while the service keeps answering (a blocking run() would deadlock it).
    e2e::RunResult client(uid_t uid, const QStringList& argv)
    {
        auto process = e2e::startBackground(as(uid), argv);
        if (!process) {
            e2e::RunResult failed;
            failed.err = e2e::describe(process.error()).toLocal8Bit();
            return failed;
        }
        pumpUntil([&] { return !process->isRunning(); }, 60s);
        return process->finish(1s);
    }

    e2e::RunResult busctl(uid_t uid, const QString& method, const QStringList& args = {})
    {
        return client(uid, firewallCall(method, args));
    }

    e2e::RunResult gdbus(uid_t uid, const QString& method, const QStringList& args = {})
    {
        return client(uid, gdbusCall(method, args));
    }

    Result<e2e::BackgroundProcess> startAgent(uid_t uid, const QString& mode)
    {
        // The project's one test agent (tests/e2e/bus/test_agent.cpp): allow forever, never answer, or dismiss.
        QStringList arguments{agentProgram};
        if (mode == QLatin1String("allow"))
            arguments << QStringLiteral("--answer") << QStringLiteral("allow") << QStringLiteral("--lifetime")
                      << QStringLiteral("forever");
        else if (mode == QLatin1String("silent"))
            arguments << QStringLiteral("--never-answer");
        else
            arguments << QStringLiteral("--dismiss");
        auto agent = e2e::startBackground(as(uid), arguments);
        if (!agent)
            return agent;
        const bool registered = pumpUntil([&] {
            return !agentEvents(*agent, QStringLiteral("registered")).isEmpty() ||
                   !agentEvents(*agent, QStringLiteral("error")).isEmpty() || !agent->isRunning();
        });
        if (!registered || agentEvents(*agent, QStringLiteral("registered")).isEmpty())
            return e2e::harnessError("Failed to register the test agent: " +
                                     QString::fromLocal8Bit(agent->stdoutSoFar() + agent->stderrSoFar()));
        return agent;
    }

    // The agent's JSON lines whose "event" is `event`.
    static QList<QJsonObject> agentEvents(e2e::BackgroundProcess& agent, const QString& event)
    {
        QList<QJsonObject> found;
        for (const QByteArray& line : agent.stdoutSoFar().split('\n')) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            if (object.value(QStringLiteral("event")).toString() == event)
                found.append(object);
        }
        return found;
    }

    static QString uniqueNameOf(e2e::BackgroundProcess& agent)
    {
        const auto registered = agentEvents(agent, QStringLiteral("registered"));
        return registered.isEmpty() ? QString() : registered.first().value(QStringLiteral("unique_name")).toString();
    }

    // Whether the agent was asked prompt `id` for a connection of `uid`.
    static bool wasAsked(e2e::BackgroundProcess& agent, PromptId id, uid_t uid)
    {
        for (const QJsonObject& ask : agentEvents(agent, QStringLiteral("ask"))) {
            const QJsonObject request = ask.value(QStringLiteral("request")).toObject();
            if (request.value(QStringLiteral("id")).toInteger() == static_cast<qint64>(id) &&
                request.value(QStringLiteral("uid")).toInteger() == static_cast<qint64>(uid))
                return true;
        }
        return false;
    }

    static bool wasCancelled(e2e::BackgroundProcess& agent, PromptId id, const QString& reason)
    {
        for (const QJsonObject& cancel : agentEvents(agent, QStringLiteral("cancel")))
            if (cancel.value(QStringLiteral("id")).toInteger() == static_cast<qint64>(id) &&
                cancel.value(QStringLiteral("reason")).toString() == reason)
                return true;
        return false;
    }

    static PromptRequest promptFor(uid_t uid, PromptId id, std::chrono::seconds timeout = 30s)
    {
        PromptRequest request;
        request.id = id;
        request.connection.uid = uid;
        request.connection.pid = 1;
        request.connection.app.path = "/usr/bin/curl";
        request.connection.hostnames = {"www.example.com"};
        request.connection.destination = *IpAddress::parse("203.0.113.10");
        request.connection.port = 443;
        request.asked = Clock::now();
        request.deadline = request.asked + timeout;
        return request;
    }

    // A proposal in the fake's list (the daemon's book is tested on its own).
    ProposalId storeProposal(ProposalId id, const std::string& app, const std::string& host)
    {
        Proposal proposal;
        proposal.id = id;
        proposal.app = app;
        proposal.uid = 1000;
        proposal.host = HostPattern::exact(host);
        proposal.ports = {443};
        proposal.connections = 2;
        control_.waiting.push_back(proposal);
        return id;
    }

    RuleId storeRule()
    {
        Rule rule;
        rule.app = "/usr/bin/curl";
        return control_.addRule(rule).value().id;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(e2e::requireRoot());
        QVERIFY(e2e::requireTools({"dbus-daemon", "busctl", "gdbus", "setpriv", "unshare", "mount"}));
        QVERIFY2(QFileInfo::exists("/usr/lib/polkit-1/polkitd"), "polkitd (/usr/lib/polkit-1/polkitd) is missing");
        auto bus = PrivateSystemBus::start({sourceDir + "/dbus/org.hostgate.Firewall1.conf"});
        HG_E2E_VERIFY(bus);
        bus_ = std::move(bus).value();
        bus_->exportAddress();
        auto polkit = PrivatePolkit::start(*bus_, {sourceDir + "/polkit/org.hostgate.policy"}, rulesJs);
        HG_E2E_VERIFY(polkit);
        polkit_ = std::move(polkit).value();
        auto loop = EventLoop::create();
        HG_E2E_VERIFY(loop);
        loop_.emplace(std::move(loop).value());
        auto service = BusService::create(*loop_, control_, log_, BusService::Options{});
        HG_E2E_VERIFY(service);
        service_ = std::move(service).value();
    }

    void cleanupTestCase()
    {
        service_.reset();
        polkit_.reset();
        bus_.reset();
    }

    void secondServiceCannotTakeTheName()
    {
        auto second = BusService::create(*loop_, control_, log_, BusService::Options{});
        QVERIFY(!second.ok());
        QVERIFY2(second.error().message.find("Failed to claim") != std::string::npos, second.error().message.c_str());
    }

    void introspectionListsEveryMethodAndSignalOfTheXml()
    {
        const auto result = client(0, {"busctl", "--system", "introspect", "org.hostgate.Firewall1",
                                       "/org/hostgate/Firewall1", "org.hostgate.Firewall1"});
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QFile xml(sourceDir + "/dbus/org.hostgate.Firewall1.xml");
        QVERIFY(xml.open(QIODevice::ReadOnly));
        QXmlStreamReader reader(&xml);
        int members = 0;
        while (!reader.atEnd()) {
            if (reader.readNext() == QXmlStreamReader::StartElement &&
                (reader.name() == u"method" || reader.name() == u"signal")) {
                const auto name = "." + reader.attributes().value("name").toString() + " ";
                QVERIFY2(result.out.contains(name.toUtf8()), qPrintable(name + " missing in " + result.out));
                ++members;
            }
        }
        QCOMPARE(members, 37); // 28 + the three list methods + the five scope methods + ListTraffic
    }

    void readingStatusNeedsNoAuthorization()
    {
        const auto result = busctl(daemonUid, "GetStatus");
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QVERIFY(result.out.contains("\"agents\" u"));
        QVERIFY(result.out.contains("\"api_version\" u 1"));
    }

    void rootIsAuthorizedWithoutPolkit()
    {
        const auto before = control_.stored.size();
        const auto result = busctl(0, "AddRule", {"a{sv}", "2", "host", "s", "example.com", "action", "s", "allow"});
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QVERIFY(result.out.startsWith("t "));
        QCOMPARE(control_.stored.size(), before + 1);
    }

    void nobodyIsAuthorizedThroughPolkit()
    {
        const auto result = busctl(nobodyUid, "SetMode", {"s", "learning"});
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QVERIFY(control_.currentMode == Mode::Learning);
        control_.currentMode = Mode::Enforce;
    }

    void unauthorizedUserGetsNotAuthorizedForEveryMutatingMethod_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QStringList>("args");
        const auto id = QString::number(storeRule());
        QTest::newRow("SetMode") << "SetMode" << QStringList{"'silent-deny'"};
        QTest::newRow("AddRule") << "AddRule" << QStringList{"{'host': <'example.org'>, 'action': <'allow'>}"};
        QTest::newRow("UpdateRule") << "UpdateRule" << QStringList{id, "{'note': <'x'>}"};
        QTest::newRow("RemoveRule") << "RemoveRule" << QStringList{id};
        QTest::newRow("SetRuleEnabled") << "SetRuleEnabled" << QStringList{id, "false"};
        QTest::newRow("RefreshLists") << "RefreshLists" << QStringList{"''"};
        QTest::newRow("SetListEnabled") << "SetListEnabled" << QStringList{"'ads'", "false"};
        QTest::newRow("ImportRules") << "ImportRules" << QStringList{"'[[rule]]'", "false"};
        QTest::newRow("ListConnections") << "ListConnections" << QStringList{"0", "{}"};
        QTest::newRow("ListApps") << "ListApps" << QStringList{};
        QTest::newRow("RegisterAgent") << "RegisterAgent" << QStringList{"/org/hostgate/TestAgent"};
        control_.waiting.clear();
        const auto proposal = QString::number(storeProposal(7, "/usr/bin/curl", "a.example.com"));
        QTest::newRow("ListProposalsPage") << "ListProposalsPage" << QStringList{"0", "0"};
        QTest::newRow("AcceptProposal") << "AcceptProposal" << QStringList{proposal, "{}"};
        QTest::newRow("AcceptProposals") << "AcceptProposals" << QStringList{"{}"};
        QTest::newRow("RejectProposal") << "RejectProposal" << QStringList{proposal};
        QTest::newRow("RejectProposals") << "RejectProposals" << QStringList{"{}"};
        QTest::newRow("ExportProposals") << "ExportProposals" << QStringList{"{}"};
        QTest::newRow("AuditRules") << "AuditRules" << QStringList{"0"};
    }

    void unauthorizedUserGetsNotAuthorizedForEveryMutatingMethod()
    {
        QFETCH(QString, method);
        QFETCH(QStringList, args);
        const auto rulesBefore = control_.stored;
        const auto result = gdbus(daemonUid, method, args);
        QVERIFY2(result.err.contains("org.hostgate.Firewall1.Error.NotAuthorized"), qPrintable(result.describe()));
        QVERIFY(control_.stored == rulesBefore);
        QVERIFY(control_.currentMode == Mode::Enforce);
        QCOMPARE(control_.waiting.size(), std::size_t{1});
    }

    void listsAreListedAndSwitchedByAnAuthorizedCaller()
    {
        ListInfo ads;
        ads.name = "ads";
        ads.format = "hosts";
        ads.entries = 2;
        ads.lastError = "HTTP 500";
        control_.listInfos = {ads};
        const auto listed = busctl(daemonUid, "ListLists");
        QVERIFY2(listed.succeeded(), qPrintable(listed.describe()));
        QVERIFY2(listed.out.contains("\"name\" s \"ads\"") && listed.out.contains("\"last_error\" s \"HTTP 500\"") &&
                     listed.out.contains("\"entries\" t 2"),
                 qPrintable(listed.out));
        const auto switched = busctl(nobodyUid, "SetListEnabled", {"sb", "ads", "false"});
        QVERIFY2(switched.succeeded(), qPrintable(switched.describe()));
        QVERIFY(!control_.listInfos.front().enabled);
        const auto refreshed = busctl(nobodyUid, "RefreshLists", {"s", "ads"});
        QVERIFY2(refreshed.succeeded(), qPrintable(refreshed.describe()));
        QCOMPARE(control_.refreshed, std::vector<std::string>{"ads"});
        const auto unknown = gdbus(0, "SetListEnabled", {"'none'", "true"});
        QVERIFY2(unknown.err.contains("org.hostgate.Firewall1.Error.NoSuchList"), qPrintable(unknown.describe()));
        control_.listInfos.clear();
    }

    void proposalsAreListedInPagesWithTheirKeys()
    {
        control_.waiting.clear();
        storeProposal(3, "/usr/bin/curl", "a.example.com");
        storeProposal(5, "/usr/bin/wget", "b.example.net");
        const auto result = gdbus(nobodyUid, "ListProposalsPage", {"0", "1"});
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QVERIFY2(result.out.contains("'host': <'a.example.com'>") && !result.out.contains("b.example.net"),
                 qPrintable(result.out));
        QVERIFY2(result.out.contains("'ports': <'443'>") && result.out.contains("'user': <uint32 1000>"),
                 qPrintable(result.out));
        QVERIFY2(result.out.trimmed().endsWith("uint64 2, uint64 1)"),
                 qPrintable(result.out)); // total 2, next offset 1
    }

    void acceptingAProposalAddsItsRuleWithTheEdits()
    {
        control_.waiting.clear();
        control_.accepted.clear();
        storeProposal(3, "/usr/bin/curl", "a.example.com");
        const auto result = gdbus(nobodyUid, "AcceptProposal", {"3", "{'ports': <'443,8443'>, 'note': <'reviewed'>}"});
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(control_.accepted.size(), std::size_t{1});
        const Rule& rule = control_.accepted.front().second;
        QCOMPARE(QString::fromStdString(rule.host.toString()), QString("a.example.com"));
        QCOMPARE(QString::fromStdString(rule.ports.toString()), QString("443,8443"));
        QCOMPARE(rule.app, std::optional<std::string>("/usr/bin/curl"));
        QCOMPARE(rule.uid, std::optional<std::uint32_t>(1000));
        QVERIFY(rule.action == Action::Allow);
        QCOMPARE(QString::fromStdString(rule.note), QString("reviewed"));
        QVERIFY(control_.waiting.empty());
    }

    void acceptingRefusesUnknownProposalsAndInvalidEditsBeforePolkit()
    {
        control_.waiting.clear();
        storeProposal(3, "/usr/bin/curl", "a.example.com");
        const auto unknown = gdbus(daemonUid, "AcceptProposal", {"99", "{}"});
        QVERIFY2(unknown.err.contains("org.hostgate.Firewall1.Error.NoSuchProposal"), qPrintable(unknown.describe()));
        const auto invalid = gdbus(daemonUid, "AcceptProposal", {"3", "{'ports': <'99999'>}"});
        QVERIFY2(invalid.err.contains("org.hostgate.Firewall1.Error.InvalidRule"), qPrintable(invalid.describe()));
        const auto enabled = gdbus(0, "AcceptProposal", {"3", "{'enabled': <false>}"});
        QVERIFY2(enabled.err.contains("org.hostgate.Firewall1.Error.InvalidRule"), qPrintable(enabled.describe()));
        const auto selection = gdbus(0, "RejectProposals", {"{'colour': <'red'>}"});
        QVERIFY2(selection.err.contains("org.hostgate.Firewall1.Error.InvalidArgument"),
                 qPrintable(selection.describe()));
        QCOMPARE(control_.waiting.size(), std::size_t{1});
    }

    void bulkCallsSelectOneApplication()
    {
        control_.waiting.clear();
        control_.accepted.clear();
        control_.rejected.clear();
        storeProposal(1, "/usr/bin/curl", "a.example.com");
        storeProposal(2, "/usr/bin/wget", "b.example.net");
        storeProposal(3, "/usr/bin/curl", "c.example.org");
        const auto rejected = gdbus(0, "RejectProposals", {"{'app': <'/usr/bin/wget'>}"});
        QVERIFY2(rejected.succeeded() && rejected.out.contains("uint32 1"), qPrintable(rejected.describe()));
        QCOMPARE(control_.rejected, std::vector<ProposalId>{2});
        const auto accepted = gdbus(0, "AcceptProposals", {"{}"});
        QVERIFY2(accepted.succeeded(), qPrintable(accepted.describe()));
        QCOMPARE(control_.accepted.size(), std::size_t{2});
        QVERIFY(control_.waiting.empty());
    }

    void invalidRuleIsRefusedWithInvalidRuleNamingTheKey()
    {
        const auto result = gdbus(0, "AddRule", {"{'host': <'exa*mple.com'>, 'action': <'allow'>}"});
        QVERIFY2(result.err.contains("org.hostgate.Firewall1.Error.InvalidRule"), qPrintable(result.describe()));
        QVERIFY(result.err.contains("'host'"));
    }

    void unknownRuleIdIsNoSuchRule_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QStringList>("args");
        QTest::newRow("GetRule") << "GetRule" << QStringList{"999999"};
        QTest::newRow("UpdateRule") << "UpdateRule" << QStringList{"999999", "{'note': <'x'>}"};
        QTest::newRow("RemoveRule") << "RemoveRule" << QStringList{"999999"};
        QTest::newRow("SetRuleEnabled") << "SetRuleEnabled" << QStringList{"999999", "true"};
    }

    void unknownRuleIdIsNoSuchRule()
    {
        QFETCH(QString, method);
        QFETCH(QStringList, args);
        const auto result = gdbus(0, method, args);
        QVERIFY2(result.err.contains("org.hostgate.Firewall1.Error.NoSuchRule"), qPrintable(result.describe()));
    }

    void badModeAndUnknownFilterKeyAreInvalidArguments_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QStringList>("args");
        QTest::newRow("mode") << "SetMode" << QStringList{"'paranoid'"};
        QTest::newRow("filter key") << "ListConnections" << QStringList{"10", "{'colour': <'red'>}"};
    }

    void badModeAndUnknownFilterKeyAreInvalidArguments()
    {
        QFETCH(QString, method);
        QFETCH(QStringList, args);
        const auto result = gdbus(0, method, args);
        QVERIFY2(result.err.contains("org.hostgate.Firewall1.Error.InvalidArgument"), qPrintable(result.describe()));
    }

    void rulesPageGivesTheTotalAndTheNextOffset()
    {
        for (int i = 0; i < 3; ++i)
            storeRule();
        service_->emitRulesChanged(); // as the daemon does after changing rules on its own
        const auto total = control_.stored.size();
        const auto result = client(nobodyUid, QStringList{"busctl", "--system", "--json=short", "call",
                                                          "org.hostgate.Firewall1", "/org/hostgate/Firewall1",
                                                          "org.hostgate.Firewall1", "ListRulesPage", "tu", "1", "2"});
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        const QJsonArray data = QJsonDocument::fromJson(result.out).object().value("data").toArray();
        QCOMPARE(data.size(), 3);
        QCOMPARE(data.at(0).toArray().size(), 2);
        QCOMPARE(data.at(1).toInteger(), qint64(total));
        QCOMPARE(data.at(2).toInteger(), qint64(3));
        const auto past = client(nobodyUid, QStringList{"busctl", "--system", "--json=short", "call",
                                                        "org.hostgate.Firewall1", "/org/hostgate/Firewall1",
                                                        "org.hostgate.Firewall1", "ListRulesPage", "tu", "1000", "0"});
        const QJsonArray end = QJsonDocument::fromJson(past.out).object().value("data").toArray();
        QVERIFY2(end.size() == 3 && end.at(0).toArray().isEmpty() && end.at(2).toInteger() == qint64(total),
                 past.out.constData());
    }

    void hugeConnectionLimitIsClamped()
    {
        const auto result = busctl(nobodyUid, "ListConnections", {"ua{sv}", "4000000000", "0"});
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QVERIFY2(result.out.contains("limit 10000"), result.out.constData());
    }

    void promptGoesOnlyToTheAgentOfTheConnectionsUid()
    {
        auto nobodyAgent = startAgent(nobodyUid, "allow");
        HG_E2E_VERIFY(nobodyAgent);
        auto rootAgent = startAgent(0, "allow");
        HG_E2E_VERIFY(rootAgent);
        QCOMPARE(service_->agentCount(), std::size_t{2});

        service_->deliverPrompt(promptFor(nobodyUid, 101));
        QVERIFY(pumpUntil([&] { return !control_.answers.empty() && control_.answers.back().id == 101; }));
        QCOMPARE(control_.answers.back().uid, std::uint32_t{nobodyUid});
        QVERIFY(control_.answers.back().answer.action == Action::Allow);
        QVERIFY(control_.answers.back().answer.lifetime == Lifetime::Kind::Forever);
        QVERIFY(control_.delivered.back() == std::make_pair(PromptId{101}, uniqueNameOf(*nobodyAgent).toStdString()));
        QVERIFY(wasAsked(*nobodyAgent, 101, nobodyUid));
        QVERIFY(!wasAsked(*rootAgent, 101, nobodyUid) && !wasAsked(*rootAgent, 101, 0));
    }

    void promptForUidWithoutAgentIsUndeliverable()
    {
        service_->deliverPrompt(promptFor(4242, 102));
        QCOMPARE(control_.undeliverable.back(), PromptId{102});
    }

    void agentLeavingTheBusIsReportedAsGone()
    {
        auto agent = startAgent(nobodyUid, "allow");
        HG_E2E_VERIFY(agent);
        const auto name = uniqueNameOf(*agent).toStdString();
        const auto agents = service_->agentCount();
        agent->kill();
        QVERIFY(pumpUntil([&] { return !control_.gone.empty() && control_.gone.back() == name; }));
        QCOMPARE(service_->agentCount(), agents - 1);
    }

    void askTimeoutCancelsThePromptWithoutReportingItUndeliverable()
    {
        auto agent = startAgent(nobodyUid, "silent");
        HG_E2E_VERIFY(agent);
        service_->deliverPrompt(promptFor(nobodyUid, 103, 1s));
        QVERIFY(pumpUntil([&] { return wasCancelled(*agent, 103, QStringLiteral("timeout")); }, 10s));
        QVERIFY(std::count(control_.delivered.begin(), control_.delivered.end(),
                           std::make_pair(PromptId{103}, uniqueNameOf(*agent).toStdString())) == 1);
        QVERIFY(std::count(control_.undeliverable.begin(), control_.undeliverable.end(), PromptId{103}) == 0);
        agent->kill();
        QVERIFY(pumpUntil([&] { return control_.gone.back() == uniqueNameOf(*agent).toStdString(); }));
    }

    void dismissedPromptIsUndeliverable()
    {
        auto agent = startAgent(nobodyUid, "dismiss");
        HG_E2E_VERIFY(agent);
        service_->deliverPrompt(promptFor(nobodyUid, 104));
        QVERIFY(pumpUntil([&] { return !control_.undeliverable.empty() && control_.undeliverable.back() == 104; }));
        QVERIFY(
            std::none_of(control_.answers.begin(), control_.answers.end(), [](const auto& a) { return a.id == 104; }));
    }

    void unregisteringAnotherConnectionsAgentIsNoSuchAgent()
    {
        const auto result = gdbus(0, "UnregisterAgent", {"/org/hostgate/TestAgent"});
        QVERIFY2(result.err.contains("org.hostgate.Firewall1.Error.NoSuchAgent"), qPrintable(result.describe()));
    }

    // Last: it stops polkitd.
    void withoutPolkitCallsAreRefusedWithNotAuthorized()
    {
        polkit_->stop();
        const auto result = gdbus(nobodyUid, "AddRule", {"{'host': <'example.net'>, 'action': <'allow'>}"});
        QVERIFY2(result.err.contains("org.hostgate.Firewall1.Error.NotAuthorized"), qPrintable(result.describe()));
        QVERIFY(result.err.contains("polkit is unavailable"));
        const auto root = busctl(0, "SetMode", {"s", "silent-allow"});
        QVERIFY2(root.succeeded(), qPrintable(root.describe()));
    }
};

QTEST_GUILESS_MAIN(BusServiceTest)
#include "bus_service_test.moc"
