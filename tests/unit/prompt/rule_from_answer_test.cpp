// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of how a prompt answer becomes a rule: host and port scope, lifetime, provenance, refusals.
#include "prompt/prompt_answer.h"
#include "prompt_test_printers.h"

#include <QStringList>
#include <QTest>

#include <chrono>

using namespace hostgate;
using HostScope = PromptAnswer::HostScope;
using PortScope = PromptAnswer::PortScope;

Q_DECLARE_METATYPE(hostgate::PromptAnswer::HostScope)
Q_DECLARE_METATYPE(hostgate::PromptAnswer::PortScope)
Q_DECLARE_METATYPE(hostgate::Lifetime::Kind)

namespace {

const TimePoint now{Seconds{1'700'000'000}};

Connection curlTo(const QStringList& hostnames, const QString& address, std::uint16_t port = 443)
{
    Connection connection;
    connection.app = AppIdentity{2049, 131, "/usr/bin/curl", std::nullopt, std::nullopt};
    connection.pid = 4242;
    connection.parentPid = 4000;
    connection.uid = 1000;
    connection.commandLine = "curl https://www.example.com/";
    connection.destination = IpAddress::parse(address.toStdString()).value();
    connection.port = port;
    connection.protocol = Protocol::Tcp;
    for (const auto& name : hostnames)
        connection.hostnames.push_back(name.toStdString());
    return connection;
}

PromptAnswer allowForever(HostScope host, PortScope port)
{
    return PromptAnswer{Action::Allow, host, port, Lifetime::Kind::Forever, std::nullopt};
}

} // namespace

class RuleFromAnswerTest : public QObject {
    Q_OBJECT

private slots:
    void hostScopeDecidesTheHostPattern_data()
    {
        QTest::addColumn<QStringList>("hostnames");
        QTest::addColumn<QString>("address");
        QTest::addColumn<HostScope>("scope");
        QTest::addColumn<QString>("expectedHost");

        const QStringList www{"www.example.com"};
        const QStringList none;
        QTest::newRow("this host is the exact name")
            << www << "203.0.113.10" << HostScope::ThisHost << "www.example.com";
        QTest::newRow("this host is the first of several names")
            << QStringList{"cdn.example.net", "www.example.com"} << "203.0.113.10" << HostScope::ThisHost
            << "cdn.example.net";
        QTest::newRow("this host without a name is the IPv4 address")
            << none << "203.0.113.10" << HostScope::ThisHost << "203.0.113.10";
        QTest::newRow("this host without a name is the IPv6 address")
            << none << "2001:db8::10" << HostScope::ThisHost << "2001:db8::10";
        QTest::newRow("domain strips the first label") << www << "203.0.113.10" << HostScope::Domain << "*.example.com";
        QTest::newRow("domain strips only one label of a deep name")
            << QStringList{"a.b.example.com"} << "203.0.113.10" << HostScope::Domain << "*.b.example.com";
        QTest::newRow("domain of a two-label name stays exact")
            << QStringList{"example.com"} << "203.0.113.10" << HostScope::Domain << "example.com";
        QTest::newRow("domain of a single-label name stays exact")
            << QStringList{"printer"} << "198.51.100.7" << HostScope::Domain << "printer";
        QTest::newRow("domain never widens to a country-code suffix")
            << QStringList{"shop.co.uk"} << "203.0.113.10" << HostScope::Domain << "shop.co.uk";
        QTest::newRow("domain below a country-code suffix keeps the registered name")
            << QStringList{"www.bbc.co.uk"} << "203.0.113.10" << HostScope::Domain << "*.bbc.co.uk";
        QTest::newRow("domain without a name is the IPv4 /24")
            << none << "203.0.113.10" << HostScope::Domain << "203.0.113.0/24";
        QTest::newRow("domain without a name is the IPv6 /64")
            << none << "2001:db8:1:2:3::10" << HostScope::Domain << "2001:db8:1:2::/64";
        QTest::newRow("any host with a name") << www << "203.0.113.10" << HostScope::AnyHost << "*";
        QTest::newRow("any host without a name over IPv6") << none << "2001:db8::10" << HostScope::AnyHost << "*";
    }

    void hostScopeDecidesTheHostPattern()
    {
        QFETCH(QStringList, hostnames);
        QFETCH(QString, address);
        QFETCH(HostScope, scope);
        QFETCH(QString, expectedHost);

        const auto connection = curlTo(hostnames, address);
        const auto rule = ruleFromAnswer(connection, allowForever(scope, PortScope::ThisPort), now);
        QVERIFY2(rule.ok(), rule.ok() ? "" : rule.error().describe().c_str());
        const auto expected = HostPattern::parse(expectedHost.toStdString());
        QVERIFY2(expected.ok(), qPrintable(expectedHost));
        QCOMPARE(QString::fromStdString(rule->host.toString()), QString::fromStdString(expected->toString()));
        QVERIFY(rule->host == *expected);
    }

    // Whatever the scope, the rule must decide the very connection the user was asked about.
    void everyHostScopeCoversTheAskingConnection_data() { hostScopeDecidesTheHostPattern_data(); }

    void everyHostScopeCoversTheAskingConnection()
    {
        QFETCH(QStringList, hostnames);
        QFETCH(QString, address);
        QFETCH(HostScope, scope);

        const auto connection = curlTo(hostnames, address);
        const auto rule = ruleFromAnswer(connection, allowForever(scope, PortScope::ThisPort), now);
        QVERIFY(rule.ok());
        const bool covered = connection.hostnames.empty() ? rule->host.matchesAddress(connection.destination)
                                                          : rule->host.matchesName(connection.hostnames.front());
        QVERIFY2(covered, rule->host.toString().c_str());
    }

    void portScopeDecidesThePorts_data()
    {
        QTest::addColumn<PortScope>("scope");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("expectedPorts");

        QTest::newRow("this port") << PortScope::ThisPort << 443 << "443";
        QTest::newRow("this high port") << PortScope::ThisPort << 65535 << "65535";
        QTest::newRow("any port") << PortScope::AnyPort << 443 << "any";
    }

    void portScopeDecidesThePorts()
    {
        QFETCH(PortScope, scope);
        QFETCH(int, port);
        QFETCH(QString, expectedPorts);

        const auto connection = curlTo({"www.example.com"}, "203.0.113.10", static_cast<std::uint16_t>(port));
        const auto rule = ruleFromAnswer(connection, allowForever(HostScope::ThisHost, scope), now);
        QVERIFY(rule.ok());
        QCOMPARE(rule->ports, PortSet::parse(expectedPorts.toStdString()).value());
        QVERIFY(rule->ports.contains(connection.port));
    }

    void lifetimeChoiceDecidesTheRuleLifetime_data()
    {
        QTest::addColumn<Lifetime::Kind>("kind");
        QTest::addColumn<int>("untilInSeconds");         // -1: no end time given by the answer
        QTest::addColumn<int>("expectedPid");            // 0: none
        QTest::addColumn<int>("expectedUntilInSeconds"); // -1: none

        QTest::newRow("once") << Lifetime::Kind::Once << -1 << 0 << -1;
        QTest::newRow("until the process exits") << Lifetime::Kind::UntilExit << -1 << 4242 << -1;
        QTest::newRow("until a given time") << Lifetime::Kind::UntilTime << 600 << 0 << 600;
        QTest::newRow("until a time defaults to one hour") << Lifetime::Kind::UntilTime << -1 << 0 << 3600;
        QTest::newRow("forever") << Lifetime::Kind::Forever << -1 << 0 << -1;
    }

    void lifetimeChoiceDecidesTheRuleLifetime()
    {
        QFETCH(Lifetime::Kind, kind);
        QFETCH(int, untilInSeconds);
        QFETCH(int, expectedPid);
        QFETCH(int, expectedUntilInSeconds);

        PromptAnswer answer = allowForever(HostScope::ThisHost, PortScope::ThisPort);
        answer.lifetime = kind;
        if (untilInSeconds >= 0)
            answer.until = now + Seconds{untilInSeconds};
        const auto rule = ruleFromAnswer(curlTo({"www.example.com"}, "203.0.113.10"), answer, now);
        QVERIFY2(rule.ok(), rule.ok() ? "" : rule.error().describe().c_str());

        QCOMPARE(nameOf(rule->lifetime.kind), nameOf(kind));
        QCOMPARE(rule->lifetime.pid, expectedPid == 0 ? std::nullopt : std::optional<std::int32_t>(expectedPid));
        QCOMPARE(rule->lifetime.until, expectedUntilInSeconds < 0
                                           ? std::nullopt
                                           : std::optional<TimePoint>(now + Seconds{expectedUntilInSeconds}));
    }

    void ruleNamesTheApplicationUserProtocolAndAction()
    {
        auto connection = curlTo({"www.example.com"}, "203.0.113.10", 53);
        connection.protocol = Protocol::Udp;
        PromptAnswer answer = allowForever(HostScope::ThisHost, PortScope::ThisPort);
        answer.action = Action::Deny;
        const auto rule = ruleFromAnswer(connection, answer, now);
        QVERIFY(rule.ok());
        QCOMPARE(rule->app, std::optional<std::string>("/usr/bin/curl"));
        QCOMPARE(rule->script, std::optional<std::string>());
        QCOMPARE(rule->uid, std::optional<std::uint32_t>(1000));
        QCOMPARE(nameOf(rule->protocol), nameOf(Protocol::Udp));
        QCOMPARE(nameOf(rule->action), nameOf(Action::Deny));
        QVERIFY(rule->enabled);
    }

    void interpreterRuleIsLimitedToTheScript()
    {
        auto connection = curlTo({"pypi.org"}, "203.0.113.20");
        connection.app.path = "/usr/bin/python3.11";
        connection.app.script = "/home/ann/bin/sync.py";
        const auto rule = ruleFromAnswer(connection, allowForever(HostScope::ThisHost, PortScope::ThisPort), now);
        QVERIFY(rule.ok());
        QCOMPARE(rule->app, std::optional<std::string>("/usr/bin/python3.11"));
        QCOMPARE(rule->script, std::optional<std::string>("/home/ann/bin/sync.py"));
    }

    void ruleRecordsThatItCameFromAPrompt()
    {
        const auto rule = ruleFromAnswer(curlTo({"www.example.com"}, "203.0.113.10"),
                                         allowForever(HostScope::ThisHost, PortScope::ThisPort), now);
        QVERIFY(rule.ok());
        QCOMPARE(rule->origin, RuleOrigin::User);
        QCOMPARE(rule->created, now);
        QCOMPARE(rule->id, RuleId{0});
        QCOMPARE(rule->hitCount, std::uint64_t{0});
        QVERIFY2(rule->note.find("prompt") != std::string::npos, rule->note.c_str());
        QVERIFY2(rule->note.find("www.example.com") != std::string::npos, rule->note.c_str());
        QVERIFY2(rule->note.find("4242") != std::string::npos, rule->note.c_str());
    }

    void unknownApplicationCannotBecomeARule()
    {
        auto connection = curlTo({"www.example.com"}, "203.0.113.10");
        connection.app.path.clear();
        const auto rule = ruleFromAnswer(connection, allowForever(HostScope::ThisHost, PortScope::ThisPort), now);
        QVERIFY(!rule.ok());
        QVERIFY2(rule.error().message.find("application is unknown") != std::string::npos,
                 rule.error().message.c_str());
    }

    // Its displayed "[exited] curl" is no path a rule could hold; a rule for it would be a rule for nobody, or
    // (were the text kept as its app) for every later process that exited as fast.
    void exitedProcessCannotBecomeARule()
    {
        auto connection = curlTo({"www.example.com"}, "203.0.113.10");
        connection.app.path.clear();
        connection.app.pathState = AppPathState::Exited;
        connection.app.exitedCommand = "curl";
        const auto rule = ruleFromAnswer(connection, allowForever(HostScope::ThisHost, PortScope::ThisPort), now);
        QVERIFY(!rule.ok());
        QVERIFY2(rule.error().message.find("application is unknown") != std::string::npos,
                 rule.error().message.c_str());
    }

    void endTimeInThePastIsRefused()
    {
        PromptAnswer answer = allowForever(HostScope::ThisHost, PortScope::ThisPort);
        answer.lifetime = Lifetime::Kind::UntilTime;
        answer.until = now - Seconds{1};
        const auto rule = ruleFromAnswer(curlTo({"www.example.com"}, "203.0.113.10"), answer, now);
        QVERIFY(!rule.ok());
        QVERIFY2(rule.error().message.find("not in the future") != std::string::npos, rule.error().message.c_str());
    }

    void untilExitWithoutAProcessIdIsRefused()
    {
        auto connection = curlTo({"www.example.com"}, "203.0.113.10");
        connection.pid = 0;
        PromptAnswer answer = allowForever(HostScope::ThisHost, PortScope::ThisPort);
        answer.lifetime = Lifetime::Kind::UntilExit;
        const auto rule = ruleFromAnswer(connection, answer, now);
        QVERIFY(!rule.ok());
        QVERIFY2(rule.error().message.find("process id") != std::string::npos, rule.error().message.c_str());
    }

    void thisPortWithoutADestinationPortIsRefused()
    {
        const auto rule = ruleFromAnswer(curlTo({"www.example.com"}, "203.0.113.10", 0),
                                         allowForever(HostScope::ThisHost, PortScope::ThisPort), now);
        QVERIFY(!rule.ok());
        QVERIFY2(rule.error().message.find("port") != std::string::npos, rule.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(RuleFromAnswerTest)
#include "rule_from_answer_test.moc"
