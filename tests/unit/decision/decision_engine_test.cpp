// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the decision engine: modes, lifetimes, explanations, hit counts and learning proposals.
#include "decision/decision_engine.h"
#include "learning/last_two_labels.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);

Rule makeRule(RuleId id, std::string_view host, Action action, Lifetime lifetime = {})
{
    Rule rule;
    rule.id = id;
    rule.host = *HostPattern::parse(host);
    rule.action = action;
    rule.lifetime = lifetime;
    return rule;
}

Connection makeConnection(std::int32_t pid = 100, std::vector<std::string> hostnames = {"www.example.com"},
                          std::string_view destination = "203.0.113.7", std::uint16_t port = 443)
{
    Connection connection;
    connection.app.path = "/usr/bin/curl";
    connection.pid = pid;
    connection.uid = 1000;
    connection.hostnames = std::move(hostnames);
    connection.destination = *IpAddress::parse(destination);
    connection.port = port;
    connection.protocol = Protocol::Tcp;
    return connection;
}

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

// The core's toString() overloads shadow QTest::toString() for these enums, so compare them as words.
template <class Enum>
QString name(Enum value)
{
    const std::string_view word = toString(value);
    return QString::fromUtf8(word.data(), static_cast<qsizetype>(word.size()));
}

} // namespace

class DecisionEngineTest : public QObject {
    Q_OBJECT

private slots:
    void withoutARuleTheModeDecides_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("verdict");
        QTest::addColumn<QString>("explanation");
        QTest::newRow("enforce asks") << int(Mode::Enforce) << int(Verdict::Ask) << "no rule; mode enforce → ask";
        QTest::newRow("silent-allow allows")
            << int(Mode::SilentAllow) << int(Verdict::Allow) << "no rule; silent-allow mode → allow";
        QTest::newRow("silent-deny denies")
            << int(Mode::SilentDeny) << int(Verdict::Deny) << "no rule; silent-deny mode → deny";
        QTest::newRow("learning allows") << int(Mode::Learning) << int(Verdict::Allow)
                                         << "no rule; learning mode → allow (rule proposed)";
    }
    void withoutARuleTheModeDecides()
    {
        QFETCH(int, mode);
        QFETCH(int, verdict);
        QFETCH(QString, explanation);
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setRules({makeRule(1, "other.example", Action::Deny)});
        engine.setMode(static_cast<Mode>(mode));
        const auto decision = engine.decide(makeConnection(), now);
        QCOMPARE(int(decision.verdict), verdict);
        QVERIFY(!decision.rule.has_value());
        QCOMPARE(text(decision.explanation), explanation);
    }

    void aMatchingRuleDecidesInEveryMode_data()
    {
        QTest::addColumn<int>("mode");
        QTest::newRow("enforce") << int(Mode::Enforce);
        QTest::newRow("silent-allow") << int(Mode::SilentAllow);
        QTest::newRow("silent-deny") << int(Mode::SilentDeny);
        QTest::newRow("learning") << int(Mode::Learning);
    }
    void aMatchingRuleDecidesInEveryMode()
    {
        QFETCH(int, mode);
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setRules({makeRule(1, "*.example.com", Action::Deny), makeRule(2, "api.example.org", Action::Allow)});
        engine.setMode(static_cast<Mode>(mode));
        QCOMPARE(name(engine.decide(makeConnection(), now).verdict), name(Verdict::Deny));
        QCOMPARE(name(engine.decide(makeConnection(100, {"api.example.org"}), now).verdict), name(Verdict::Allow));
        QCOMPARE(book.size(), std::size_t{0});
    }

    void explanationNamesTheRuleItsOriginAndTheMatchedHost()
    {
        Rule rule = makeRule(12, "*.tracker.example", Action::Deny);
        rule.origin = RuleOrigin::Admin;
        rule.source = "/etc/hostgate/rules.d/a.toml";
        DecisionEngine engine;
        engine.setRules({rule});
        const auto decision = engine.decide(makeConnection(100, {"ads.tracker.example"}), now);
        QCOMPARE(name(decision.verdict), name(Verdict::Deny));
        QCOMPARE(text(decision.explanation),
                 QStringLiteral("rule #12 (admin, /etc/hostgate/rules.d/a.toml): deny *.tracker.example (matched "
                                "ads.tracker.example)"));
        QCOMPARE(text(decision.matchedHost), QStringLiteral("ads.tracker.example"));
        QVERIFY(decision.rule.has_value());
        QCOMPARE(decision.rule->id, RuleId{12});
    }

    void explanationOfAUserRuleOmitsARepeatedHost()
    {
        DecisionEngine engine;
        engine.setRules({makeRule(4, "www.example.com", Action::Allow)});
        QCOMPARE(text(engine.decide(makeConnection(), now).explanation),
                 QStringLiteral("rule #4 (user): allow www.example.com"));
    }

    void everyDecisionCountsAHitOnTheRule()
    {
        DecisionEngine engine;
        engine.setRules({makeRule(1, "www.example.com", Action::Allow), makeRule(2, "*", Action::Deny)});
        engine.decide(makeConnection(), now);
        const auto second = engine.decide(makeConnection(), now + std::chrono::seconds(3));
        QCOMPARE(second.rule->hitCount, std::uint64_t{2});
        const auto rules = engine.rules();
        QCOMPARE(rules.size(), std::size_t{2});
        QCOMPARE(rules[0].hitCount, std::uint64_t{2});
        QCOMPARE(rules[0].lastHit, std::optional<TimePoint>(now + std::chrono::seconds(3)));
        QCOMPARE(rules[1].hitCount, std::uint64_t{0});
        QVERIFY(!rules[1].lastHit.has_value());
    }

    void onceRuleIsUsedUpByItsFirstDecision()
    {
        DecisionEngine engine;
        engine.setRules(
            {makeRule(1, "www.example.com", Action::Allow, Lifetime::once()), makeRule(2, "*", Action::Deny)});
        const auto first = engine.decide(makeConnection(), now);
        QCOMPARE(name(first.verdict), name(Verdict::Allow));
        QCOMPARE(first.rule->id, RuleId{1});
        const auto second = engine.decide(makeConnection(), now);
        QCOMPARE(name(second.verdict), name(Verdict::Deny));
        QCOMPARE(second.rule->id, RuleId{2});
        QCOMPARE(engine.rules().size(), std::size_t{1});
        QCOMPARE(engine.ruleCount(), std::size_t{1});
    }

    void untilExitRuleCoversTheAppUntilItsProcessExits()
    {
        DecisionEngine engine;
        engine.setRules({makeRule(1, "www.example.com", Action::Allow, Lifetime::untilExit(100))});
        QCOMPARE(name(engine.decide(makeConnection(100), now).verdict), name(Verdict::Allow));
        // A helper process of the same app is covered while the process the rule was made for lives.
        QCOMPARE(name(engine.decide(makeConnection(101), now).verdict), name(Verdict::Allow));
        engine.processExited(101);
        QCOMPARE(name(engine.decide(makeConnection(100), now).verdict), name(Verdict::Allow));
        engine.processExited(100);
        QCOMPARE(name(engine.decide(makeConnection(100), now).verdict), name(Verdict::Ask));
        QVERIFY(engine.rules().empty());
    }

    void untilExitRuleAddedLaterIsAlsoRemovedOnExit()
    {
        DecisionEngine engine;
        engine.setRules({});
        engine.addRule(makeRule(7, "www.example.com", Action::Deny, Lifetime::untilExit(300)));
        QCOMPARE(name(engine.decide(makeConnection(300), now).verdict), name(Verdict::Deny));
        engine.processExited(300);
        QCOMPARE(name(engine.decide(makeConnection(300), now).verdict), name(Verdict::Ask));
    }

    void untilTimeRuleStopsMatchingAtItsTime()
    {
        DecisionEngine engine;
        engine.setRules(
            {makeRule(1, "www.example.com", Action::Allow, Lifetime::untilTime(now + std::chrono::minutes(5)))});
        QCOMPARE(name(engine.decide(makeConnection(), now + std::chrono::minutes(4)).verdict), name(Verdict::Allow));
        QCOMPARE(name(engine.decide(makeConnection(), now + std::chrono::minutes(5)).verdict), name(Verdict::Ask));
        QCOMPARE(engine.rules().size(), std::size_t{1});
    }

    void foreverRuleSurvivesDecisionsAndExits()
    {
        DecisionEngine engine;
        engine.setRules({makeRule(1, "www.example.com", Action::Allow)});
        engine.decide(makeConnection(100), now);
        engine.processExited(100);
        QCOMPARE(name(engine.decide(makeConnection(100), now + std::chrono::hours(10000)).verdict),
                 name(Verdict::Allow));
    }

    void addedRuleDecidesWithoutARebuild()
    {
        DecisionEngine engine;
        engine.setRules({makeRule(1, "*", Action::Allow)});
        engine.addRule(makeRule(2, "www.example.com", Action::Deny));
        QCOMPARE(engine.decide(makeConnection(), now).rule->id, RuleId{2});
        QCOMPARE(engine.rules().size(), std::size_t{2});
    }

    void setRulesReplacesTheWholeSet()
    {
        DecisionEngine engine;
        engine.setRules({makeRule(1, "www.example.com", Action::Deny)});
        engine.setRules({makeRule(2, "www.example.com", Action::Allow)});
        const auto decision = engine.decide(makeConnection(), now);
        QCOMPARE(decision.rule->id, RuleId{2});
        QCOMPARE(engine.rules().size(), std::size_t{1});
    }

    void learningProposesAnAllowRuleForAppUserHostPortAndProtocol()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setMode(Mode::Learning);
        engine.decide(makeConnection(100, {"www.example.com", "cdn.example.net"}), now);
        QCOMPARE(book.size(), std::size_t{1});
        const Rule rule = ruleForProposal(book.proposals().front(), now);
        QCOMPARE(name(rule.action), name(Action::Allow));
        QCOMPARE(rule.app, std::optional<std::string>("/usr/bin/curl"));
        QCOMPARE(rule.uid, std::optional<std::uint32_t>(1000));
        QCOMPARE(text(rule.host.toString()), QStringLiteral("www.example.com"));
        QCOMPARE(rule.ports, PortSet::single(443));
        QCOMPARE(name(rule.protocol), name(Protocol::Tcp));
        QCOMPARE(name(rule.lifetime.kind), name(Lifetime::Kind::Forever));
        QCOMPARE(rule.created, now);
    }

    void learningProposesTheAddressWhenNoNameIsKnown()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setMode(Mode::Learning);
        engine.decide(makeConnection(100, {}, "2001:db8::7", 53), now);
        QCOMPARE(book.size(), std::size_t{1});
        QCOMPARE(book.proposals().front().host.kind(), HostPattern::Kind::Network);
        QCOMPARE(text(book.proposals().front().host.toString()), QStringLiteral("2001:db8::7"));
    }

    void learningCountsARepeatedDestinationIntoItsProposal()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setMode(Mode::Learning);
        engine.decide(makeConnection(100), now);
        const auto again = engine.decide(makeConnection(101), now);
        QCOMPARE(text(again.explanation), QStringLiteral("no rule; learning mode → allow (counted into a proposal)"));
        QCOMPARE(book.size(), std::size_t{1});
        QCOMPARE(book.proposals().front().connections, std::uint64_t{2});
    }

    void learningNeverProposesARuleForAnUnknownApplication()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setMode(Mode::Learning);
        auto connection = makeConnection();
        connection.app.path.clear();
        connection.app.pathState = AppPathState::Unknown;
        const auto decision = engine.decide(connection, now);
        QCOMPARE(name(decision.verdict), name(Verdict::Allow));
        QCOMPARE(text(decision.explanation),
                 QStringLiteral("no rule; learning mode → allow (not proposed: the application is unknown)"));
        QCOMPARE(book.size(), std::size_t{0});
    }

    void learningNeverProposesARuleForAProcessThatExitedBeforeItWasNamed()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setMode(Mode::Learning);
        auto connection = makeConnection();
        connection.app.path.clear();
        connection.app.pathState = AppPathState::Exited;
        connection.app.exitedCommand = "curl";
        const auto decision = engine.decide(connection, now);
        QCOMPARE(name(decision.verdict), name(Verdict::Allow));
        QCOMPARE(book.size(), std::size_t{0});
    }

    void appWithoutAPathIsShownByItsState()
    {
        AppIdentity app;
        app.path = "/usr/bin/curl";
        QCOMPARE(displayPath(app), std::string("/usr/bin/curl"));
        app.path.clear();
        app.pathState = AppPathState::Unknown;
        QCOMPARE(displayPath(app), std::string("[unknown]"));
        app.pathState = AppPathState::Exited;
        app.exitedCommand = "wget";
        QCOMPARE(displayPath(app), std::string("[exited] wget"));
        QVERIFY(pathStateOfDisplayed("[unknown]") == AppPathState::Unknown);
        QVERIFY(pathStateOfDisplayed("[exited] wget") == AppPathState::Exited);
        QVERIFY(pathStateOfDisplayed("/usr/bin/curl") == AppPathState::Known);
    }

    void learningWithoutABookStillAllows()
    {
        DecisionEngine engine;
        engine.setMode(Mode::Learning);
        const auto decision = engine.decide(makeConnection(), now);
        QCOMPARE(name(decision.verdict), name(Verdict::Allow));
        QCOMPARE(text(decision.explanation), QStringLiteral("no rule; learning mode → allow (not recorded)"));
    }

    void peekAnswersLikeDecideWithoutUsingAnything()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        DecisionEngine engine;
        engine.setProposalBook(&book);
        engine.setMode(Mode::Learning);
        engine.setRules({makeRule(1, "www.example.com", Action::Deny, Lifetime::once())});
        const auto peeked = engine.peek(makeConnection(), now);
        QCOMPARE(name(peeked.verdict), name(Verdict::Deny));
        QCOMPARE(peeked.rule->id, RuleId{1});
        QCOMPARE(engine.peek(makeConnection(), now).rule->id, RuleId{1}); // the Once rule is still there
        QCOMPARE(engine.rules().front().hitCount, std::uint64_t{0});
        QCOMPARE(name(engine.peek(makeConnection(100, {"other.example"}), now).verdict), name(Verdict::Allow));
        QCOMPARE(book.size(), std::size_t{0});
    }

    void decisionDependsOnPortOnlyWhenAReachableRuleNamesPortsOrProtocol()
    {
        DecisionEngine engine;
        Rule ssh = makeRule(1, "*", Action::Allow);
        ssh.ports = PortSet::single(22);
        ssh.app = "/usr/bin/ssh";
        Rule web = makeRule(2, "*.example.org", Action::Allow);
        web.protocol = Protocol::Tcp;
        engine.setRules({makeRule(3, "www.example.com", Action::Deny), ssh, web});
        QVERIFY(!engine.dependsOnPort(makeConnection()));                        // curl, www.example.com
        QVERIFY(engine.dependsOnPort(makeConnection(100, {"api.example.org"}))); // a tcp-only rule
        auto sshConnection = makeConnection(100, {"host.example.net"});
        sshConnection.app.path = "/usr/bin/ssh";
        QVERIFY(engine.dependsOnPort(sshConnection));                              // port 22 rule, any host
        QVERIFY(!engine.dependsOnPort(makeConnection(100, {"host.example.net"}))); // ssh's rule is not curl's
    }

    void modesRoundTripThroughText()
    {
        for (const auto mode : {Mode::Enforce, Mode::SilentAllow, Mode::SilentDeny, Mode::Learning})
            QVERIFY(parseMode(toString(mode)) == mode);
        QVERIFY(!parseMode("paranoid").has_value());
        QCOMPARE(text(std::string(toString(Verdict::Ask))), QStringLiteral("ask"));
    }

    void engineStartsInEnforceMode()
    {
        DecisionEngine engine;
        QCOMPARE(name(engine.mode()), name(Mode::Enforce));
        QCOMPARE(name(engine.decide(makeConnection(), now).verdict), name(Verdict::Ask));
    }
};

QTEST_APPLESS_MAIN(DecisionEngineTest)
#include "decision_engine_test.moc"
