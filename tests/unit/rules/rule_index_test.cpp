// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of RuleIndex: which rule decides a connection when several could (the precedence table).
#include "rules/rule_index.h"

#include <QStringList>
#include <QTest>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);

// "ID ORIGIN APP HOST PORTS PROTO ACTION [uid=N] [script=PATH] [disabled] [expired]"; APP "*" is any app.
Rule makeRule(const QString& spec)
{
    const auto fields = spec.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (fields.size() < 7)
        qFatal("rule spec needs at least 7 fields: %s", qPrintable(spec));
    Rule rule;
    rule.id = fields[0].toULongLong();
    rule.origin = fields[1] == "admin" ? RuleOrigin::Admin : RuleOrigin::User;
    if (fields[2] != "*")
        rule.app = fields[2].toStdString();
    const auto host = HostPattern::parse(fields[3].toStdString());
    const auto ports = PortSet::parse(fields[4].toStdString());
    if (!host || !ports)
        qFatal("bad rule spec: %s", qPrintable(spec));
    rule.host = *host;
    rule.ports = *ports;
    rule.protocol = *parseProtocol(fields[5].toStdString());
    rule.action = *parseAction(fields[6].toStdString());
    for (const auto& option : fields.mid(7)) {
        if (option.startsWith("uid="))
            rule.uid = option.mid(4).toUInt();
        else if (option.startsWith("script="))
            rule.script = option.mid(7).toStdString();
        else if (option == "disabled")
            rule.enabled = false;
        else if (option == "expired")
            rule.lifetime = Lifetime::untilTime(now - std::chrono::seconds(1));
        else if (option == "expiring")
            rule.lifetime = Lifetime::untilTime(now + std::chrono::seconds(1));
        else
            qFatal("unknown rule option: %s", qPrintable(option));
    }
    return rule;
}

Connection makeConnection(const QString& app, const QString& names, const QString& destination, int port,
                          const QString& protocol, uint uid = 1000, const QString& script = {})
{
    Connection connection;
    connection.app.path = app.toStdString();
    if (!script.isEmpty())
        connection.app.script = script.toStdString();
    for (const auto& name : names.split(QLatin1Char(','), Qt::SkipEmptyParts))
        connection.hostnames.push_back(name.toStdString());
    connection.destination = *IpAddress::parse(destination.toStdString());
    connection.port = static_cast<std::uint16_t>(port);
    connection.protocol = *parseProtocol(protocol.toStdString());
    connection.uid = uid;
    connection.pid = 4242;
    return connection;
}

std::vector<Rule> makeRules(const QStringList& specs)
{
    std::vector<Rule> rules;
    for (const auto& spec : specs)
        rules.push_back(makeRule(spec));
    return rules;
}

} // namespace

class RuleIndexTest : public QObject {
    Q_OBJECT

private slots:
    void mostSpecificRuleDecides_data()
    {
        QTest::addColumn<QStringList>("rules");
        QTest::addColumn<QString>("names");
        QTest::addColumn<QString>("destination");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("protocol");
        QTest::addColumn<uint>("uid");
        QTest::addColumn<QString>("script");
        QTest::addColumn<int>("winner"); // rule id, 0: none

        const QString www = "www.example.com";
        const QString addr = "203.0.113.7";
        auto row = [&](const char* name, const QStringList& rules, int winner, const QString& names = "www.example.com",
                       const QString& destination = "203.0.113.7", int port = 443, const QString& protocol = "tcp",
                       uint uid = 1000, const QString& script = {}) {
            QTest::newRow(name) << rules << names << destination << port << protocol << uid << script << winner;
        };

        row("admin any-host outranks user exact",
            {"1 admin * * any any deny", "2 user /usr/bin/curl www.example.com 443 tcp allow"}, 1);
        row("exact name beats suffix",
            {"1 user * *.example.com any any deny", "2 user * www.example.com any any allow"}, 2);
        row("suffix beats any host", {"1 user * * any any deny", "2 user * *.example.com any any allow"}, 2);
        row("longer suffix beats shorter",
            {"1 user * *.example.com any any deny", "2 user * *.cdn.example.com any any allow"}, 2,
            "a.cdn.example.com");
        row("suffix beats network", {"1 user * 203.0.113.0/24 any any deny", "2 user * *.example.com any any allow"},
            2);
        row("network beats any host", {"1 user * * any any deny", "2 user * 203.0.113.0/24 any any allow"}, 2);
        row("longer prefix beats shorter",
            {"1 user * 203.0.0.0/16 any any deny", "2 user * 203.0.113.0/24 any any allow"}, 2);
        row("single address ranks with exact name, deny wins",
            {"1 user * 203.0.113.7 any any allow", "2 user * www.example.com any any deny"}, 2);
        row("single address ranks with exact name, lower id wins",
            {"3 user * 203.0.113.7 any any allow", "2 user * www.example.com any any allow"}, 2);
        row("deny beats allow at equal specificity",
            {"1 user * *.example.com any any allow", "2 user * *.example.com any any deny"}, 2);
        row("lower id breaks exact ties",
            {"7 user * *.example.com any any allow", "3 user * *.example.com any any allow"}, 3);
        row("per-app beats any-app at equal host",
            {"1 user * www.example.com any any deny", "2 user /usr/bin/curl www.example.com any any allow"}, 2);
        row("host specificity outranks app",
            {"1 user * www.example.com any any deny", "2 user /usr/bin/curl *.example.com any any allow"}, 1);
        row("rule for another app never matches", {"1 user /usr/bin/wget * any any deny"}, 0);
        row("uid rule matches its user", {"1 user * * any any deny uid=1000"}, 1);
        row("uid rule ignores other users", {"1 user * * any any deny uid=1000"}, 0, www, addr, 443, "tcp", 1001);
        row("uid-specific beats any uid", {"1 user * * any any deny", "2 user * * any any allow uid=1000"}, 2);
        row("tcp rule ignores udp", {"1 user * * any tcp deny"}, 0, www, addr, 443, "udp");
        row("protocol-specific beats any protocol", {"1 user * * any any deny", "2 user * * any udp allow"}, 2, www,
            addr, 443, "udp");
        row("port rule ignores other ports", {"1 user * * 443 any deny"}, 0, www, addr, 80);
        row("port range includes its ends", {"1 user * * 8000-8100 any deny"}, 1, www, addr, 8100);
        row("fewer ports beat more", {"1 user * * 443 any allow", "2 user * * 1-1024 any deny"}, 1);
        row("any port loses to a list", {"1 user * * any any deny", "2 user * * 80,443 any allow"}, 2);
        row("ports outrank protocol", {"1 user * * any tcp deny", "2 user * * 443 any allow"}, 2);
        row("disabled rule never matches",
            {"1 user * www.example.com any any deny disabled", "2 user * * any any allow"}, 2);
        row("expired rule never matches", {"1 user * www.example.com any any deny expired", "2 user * * any any allow"},
            2);
        row("rule before its end still matches",
            {"1 user * www.example.com any any deny expiring", "2 user * * any any allow"}, 1);
        row("script rule matches its script",
            {"1 user * * any any deny", "2 user * * any any allow script=/home/u/a.py"}, 2, www, addr, 443, "tcp", 1000,
            "/home/u/a.py");
        row("script rule ignores other scripts", {"1 user * * any any allow script=/home/u/a.py"}, 0, www, addr, 443,
            "tcp", 1000, "/home/u/b.py");
        row("script rule ignores non-interpreters", {"1 user * * any any allow script=/home/u/a.py"}, 0);
        row("exact rule matches a later hostname", {"1 user * cdn.example.net any any deny"}, 1,
            "www.example.com,cdn.example.net");
        row("suffix never matches its own domain", {"1 user * *.example.com any any deny"}, 0, "example.com");
        row("suffix never matches a lookalike", {"1 user * *.example.com any any deny"}, 0, "badexample.com");
        row("rule text case and trailing dot do not matter", {"1 user * WWW.Example.COM. any any deny"}, 1);
        row("name rules need a name", {"1 user * www.example.com any any deny", "2 user * *.example.com any any deny"},
            0, "");
        row("network matches without a name", {"1 user * 203.0.113.0/24 any any deny"}, 1, "");
        row("ipv6 cidr matches inside", {"1 user * 2001:db8::/32 any any deny"}, 1, "", "2001:db8:5::7");
        row("ipv6 cidr ignores outside", {"1 user * 2001:db8::/32 any any deny"}, 0, "", "2001:db9::7");
        row("ipv6 longer prefix wins",
            {"1 user * 2001:db8::/32 any any deny", "2 user * 2001:db8:5::/48 any any allow"}, 2, "", "2001:db8:5::7");
        row("ipv6 prefix beyond 64 bits", {"1 user * 2001:db8::/120 any any deny"}, 1, "", "2001:db8::ff");
        row("ipv6 prefix beyond 64 bits outside", {"1 user * 2001:db8::/120 any any deny"}, 0, "", "2001:db8::1:ff");
        row("v4 network never matches v6", {"1 user * 0.0.0.0/0 any any deny"}, 0, "", "2001:db8::1");
        row("v4-mapped destination matches v4 rule", {"1 user * 198.51.100.0/24 any any deny"}, 1, "",
            "::ffff:198.51.100.3");
        row("zero-length prefix matches all v4", {"1 user * 0.0.0.0/0 any any deny"}, 1, "", "198.51.100.3");
        row("no rules, no match", {}, 0);
    }
    void mostSpecificRuleDecides()
    {
        QFETCH(QStringList, rules);
        QFETCH(QString, names);
        QFETCH(QString, destination);
        QFETCH(int, port);
        QFETCH(QString, protocol);
        QFETCH(uint, uid);
        QFETCH(QString, script);
        QFETCH(int, winner);

        // Same outcome whichever order the rules arrive in, and whether built at once or added one by one.
        for (const bool reversed : {false, true}) {
            auto specs = rules;
            if (reversed)
                std::reverse(specs.begin(), specs.end());
            const auto connection = makeConnection("/usr/bin/curl", names, destination, port, protocol, uid, script);

            const RuleIndex built(makeRules(specs));
            const Rule* match = built.match(connection, now);
            QCOMPARE(match ? static_cast<int>(match->id) : 0, winner);

            RuleIndex grown;
            for (auto& rule : makeRules(specs))
                grown.add(std::move(rule));
            match = grown.match(connection, now);
            QCOMPARE(match ? static_cast<int>(match->id) : 0, winner);
        }
    }

    void matchReportsTheHostnameThatMatched()
    {
        const RuleIndex index(makeRules({"1 user * *.example.net any any deny"}));
        const auto connection = makeConnection("/usr/bin/curl", "www.example.com,cdn.example.net,img.example.net",
                                               "203.0.113.7", 443, "tcp");
        const auto match = index.matchWithHost(connection, now);
        QVERIFY(match);
        QCOMPARE(match.rule->id, RuleId{1});
        QCOMPARE(QString::fromStdString(match.matchedHost), QStringLiteral("cdn.example.net"));
        QCOMPARE(match.position, std::size_t{0});
    }

    void networkMatchReportsTheDestinationAddress()
    {
        const RuleIndex index(makeRules({"1 user * 2001:db8::/32 any any deny"}));
        const auto match = index.matchWithHost(makeConnection("/usr/bin/curl", "", "2001:db8::7", 443, "tcp"), now);
        QVERIFY(match);
        QCOMPARE(QString::fromStdString(match.matchedHost), QStringLiteral("2001:db8::7"));
    }

    void anyHostMatchReportsNoHost()
    {
        const RuleIndex index(makeRules({"1 user * * any any deny"}));
        const auto match =
            index.matchWithHost(makeConnection("/usr/bin/curl", "www.example.com", "203.0.113.7", 443, "tcp"), now);
        QVERIFY(match);
        QVERIFY(match.matchedHost.empty());
    }

    void missReturnsNoRule()
    {
        const RuleIndex index(makeRules({"1 user * www.example.com any any deny"}));
        const auto connection = makeConnection("/usr/bin/curl", "www.example.org", "203.0.113.7", 443, "tcp");
        QVERIFY(!index.matchWithHost(connection, now));
        QCOMPARE(index.match(connection, now), nullptr);
    }

    void retiredRuleNoLongerMatches()
    {
        RuleIndex index(makeRules({"1 user * www.example.com any any deny", "2 user * * any any allow"}));
        const auto connection = makeConnection("/usr/bin/curl", "www.example.com", "203.0.113.7", 443, "tcp");
        QCOMPARE(index.match(connection, now)->id, RuleId{1});
        index.retire(0);
        QVERIFY(index.isRetired(0));
        QCOMPARE(index.match(connection, now)->id, RuleId{2});
        QCOMPARE(index.size(), std::size_t{2});
    }

    void recordedHitsUpdateTheStoredRule()
    {
        RuleIndex index(makeRules({"1 user * * any any deny"}));
        index.recordHit(0, now);
        index.recordHit(0, now + std::chrono::seconds(5));
        QCOMPARE(index.rules()[0].hitCount, std::uint64_t{2});
        QCOMPARE(index.rules()[0].lastHit, std::optional<TimePoint>(now + std::chrono::seconds(5)));
    }

    void addedRuleTakesPrecedenceWhenMoreSpecific()
    {
        RuleIndex index(makeRules({"5 user * *.example.com any any allow"}));
        const auto connection = makeConnection("/usr/bin/curl", "www.example.com", "203.0.113.7", 443, "tcp");
        QCOMPARE(index.match(connection, now)->id, RuleId{5});
        const auto position = index.add(makeRule("9 user /usr/bin/curl www.example.com 443 tcp deny"));
        QCOMPARE(position, std::size_t{1});
        QCOMPARE(index.match(connection, now)->id, RuleId{9});
    }
};

QTEST_APPLESS_MAIN(RuleIndexTest)
#include "rule_index_test.moc"
