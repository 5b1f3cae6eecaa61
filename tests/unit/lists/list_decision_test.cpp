// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of how subscribed lists decide: below every rule, above the mode, named in the explanation.
#include "decision/decision_engine.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);

std::shared_ptr<const DomainList> domainList(std::string name, Action action, std::vector<std::string> entries)
{
    auto list = std::make_shared<DomainList>();
    list->name = std::move(name);
    list->source = "/etc/hostgate/lists.d/" + list->name + ".toml";
    list->action = action;
    for (const auto& entry : entries)
        list->domains.add(entry);
    return list;
}

Connection connectionTo(std::vector<std::string> names)
{
    Connection connection;
    connection.app.path = "/usr/bin/curl";
    connection.pid = 10;
    connection.uid = 1000;
    connection.destination = *IpAddress::parse("203.0.113.10");
    connection.port = 443;
    connection.hostnames = std::move(names);
    return connection;
}

Rule rule(RuleId id, std::string_view host, Action action)
{
    Rule made;
    made.id = id;
    made.app = "/usr/bin/curl";
    made.host = *HostPattern::parse(host);
    made.action = action;
    return made;
}

DecisionEngine engineWithLists()
{
    DecisionEngine engine;
    engine.setLists(std::make_shared<ListSet>(std::vector{
        domainList("ads", Action::Deny, {"example.com", "tracker.test"}),
        domainList("fixes", Action::Allow, {"good.example.com", "cdn.test"}),
    }));
    return engine;
}

} // namespace

class ListDecisionTest : public QObject {
    Q_OBJECT

private slots:
    void aListDeniesANameUnderItsEntryAndSaysWhich()
    {
        auto engine = engineWithLists();
        const auto decision = engine.decide(connectionTo({"ads.example.com"}), now);
        QCOMPARE(int(decision.verdict), int(Verdict::Deny));
        QCOMPARE(
            QString::fromStdString(decision.explanation),
            QStringLiteral("list \"ads\" (/etc/hostgate/lists.d/ads.toml): deny ads.example.com (entry example.com)"));
        QVERIFY(!decision.rule);
    }

    void theEntryItselfIsNotRepeated()
    {
        auto engine = engineWithLists();
        QCOMPARE(QString::fromStdString(engine.decide(connectionTo({"tracker.test"}), now).explanation),
                 QStringLiteral("list \"ads\" (/etc/hostgate/lists.d/ads.toml): deny tracker.test"));
    }

    void aLongerAllowEntryBeatsAShorterDenyEntry()
    {
        auto engine = engineWithLists();
        QCOMPARE(int(engine.decide(connectionTo({"www.good.example.com"}), now).verdict), int(Verdict::Allow));
    }

    void aDenyForAnyNameOfTheChainWins()
    {
        auto engine = engineWithLists();
        const auto decision = engine.decide(connectionTo({"cdn.test", "x.tracker.test"}), now);
        QCOMPARE(int(decision.verdict), int(Verdict::Deny));
        QCOMPARE(QString::fromStdString(decision.matchedHost), QStringLiteral("x.tracker.test"));
    }

    void anUnlistedNameFallsToTheMode()
    {
        auto engine = engineWithLists();
        engine.setMode(Mode::SilentAllow);
        const auto decision = engine.decide(connectionTo({"other.test"}), now);
        QCOMPARE(int(decision.verdict), int(Verdict::Allow));
        QVERIFY(decision.explanation.find("no rule") == 0);
    }

    void anExplicitRuleBeatsAList()
    {
        auto engine = engineWithLists();
        engine.setRules({rule(1, "ads.example.com", Action::Allow)});
        const auto decision = engine.decide(connectionTo({"ads.example.com"}), now);
        QCOMPARE(int(decision.verdict), int(Verdict::Allow));
        QVERIFY(decision.rule);
        QCOMPARE(int(engine.peek(connectionTo({"ads.example.com"}), now).verdict), int(Verdict::Allow));
    }

    void peekAgreesWithDecide()
    {
        auto engine = engineWithLists();
        QCOMPARE(int(engine.peek(connectionTo({"ads.example.com"}), now).verdict), int(Verdict::Deny));
    }

    void anAllowListDoesNotLoosenEncryptedDns()
    {
        auto engine = engineWithLists();
        engine.setEncryptedDnsPolicy(EncryptedDnsPolicy::Deny);
        auto allowed = connectionTo({"cdn.test"});
        allowed.encryptedDns = "DNS over TLS (port 853)";
        QCOMPARE(int(engine.decide(allowed, now).verdict), int(Verdict::Deny));
        QVERIFY(engine.decide(allowed, now).explanation.find("encrypted DNS") == 0);
        auto denied = connectionTo({"tracker.test"});
        denied.encryptedDns = "DNS over TLS (port 853)";
        engine.setEncryptedDnsPolicy(EncryptedDnsPolicy::Allow);
        QCOMPARE(int(engine.decide(denied, now).verdict), int(Verdict::Deny));
    }
};

QTEST_APPLESS_MAIN(ListDecisionTest)
#include "list_decision_test.moc"
