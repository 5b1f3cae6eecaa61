// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of encrypted-DNS handling: which connections the list labels, and how the engine decides them.
#include "decision/decision_engine.h"
#include "decision/encrypted_dns.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);

EncryptedDnsList exampleList()
{
    EncryptedDnsResolver cloud;
    cloud.name = "Example DoH";
    cloud.hosts = {"doh.example", "*.dns.example"};
    cloud.addresses = {*IpAddress::parse("198.51.100.100"), *IpAddress::parse("2001:db8::100")};
    EncryptedDnsResolver namesOnly;
    namesOnly.name = "Names only";
    namesOnly.hosts = {"names.example"};
    return EncryptedDnsList({cloud, namesOnly});
}

QString label(const std::optional<std::string>& value)
{
    return value ? QString::fromStdString(*value) : QStringLiteral("(none)");
}

Connection connectionTo(std::string_view address, std::uint16_t port, std::optional<std::string> encrypted,
                        std::vector<std::string> names = {})
{
    Connection connection;
    connection.app.path = "/usr/bin/firefox";
    connection.pid = 100;
    connection.uid = 1000;
    connection.destination = *IpAddress::parse(address);
    connection.port = port;
    connection.protocol = Protocol::Tcp;
    connection.hostnames = std::move(names);
    connection.encryptedDns = std::move(encrypted);
    return connection;
}

Rule rule(RuleId id, std::optional<std::string> app, std::string_view host, Action action)
{
    Rule made;
    made.id = id;
    made.app = std::move(app);
    made.host = *HostPattern::parse(host);
    made.action = action;
    return made;
}

const std::optional<std::string> dot = "DNS over TLS (port 853)";

} // namespace

class EncryptedDnsTest : public QObject {
    Q_OBJECT

private slots:
    void listLabelsEncryptedDnsConnections_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<int>("port");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QString>("expected");
        QTest::newRow("any address on 853") << "203.0.113.9" << 853 << QStringList{} << "DNS over TLS (port 853)";
        QTest::newRow("listed address on 853")
            << "198.51.100.100" << 853 << QStringList{} << "DNS over TLS (Example DoH, port 853)";
        QTest::newRow("listed address on 443")
            << "198.51.100.100" << 443 << QStringList{} << "DNS over HTTPS (Example DoH)";
        QTest::newRow("listed IPv6 address on 443")
            << "2001:db8::100" << 443 << QStringList{} << "DNS over HTTPS (Example DoH)";
        QTest::newRow("listed name on 443")
            << "203.0.113.9" << 443 << QStringList{"doh.example"} << "DNS over HTTPS (Example DoH)";
        QTest::newRow("name under a listed *.domain")
            << "203.0.113.9" << 443 << QStringList{"abc.dns.example"} << "DNS over HTTPS (Example DoH)";
        QTest::newRow("the *.domain itself is not listed")
            << "203.0.113.9" << 443 << QStringList{"dns.example"} << "(none)";
        QTest::newRow("a later name of the chain")
            << "203.0.113.9" << 443 << QStringList{"alias.test", "names.example"} << "DNS over HTTPS (Names only)";
        QTest::newRow("listed address on 80") << "198.51.100.100" << 80 << QStringList{} << "(none)";
        QTest::newRow("unlisted address on 443") << "203.0.113.9" << 443 << QStringList{"www.example"} << "(none)";
        QTest::newRow("lookalike name") << "203.0.113.9" << 443 << QStringList{"doh.example.evil"} << "(none)";
    }

    void listLabelsEncryptedDnsConnections()
    {
        QFETCH(QString, address);
        QFETCH(int, port);
        QFETCH(QStringList, names);
        QFETCH(QString, expected);
        std::vector<std::string> hostnames;
        for (const auto& name : names)
            hostnames.push_back(name.toStdString());
        const auto list = exampleList();
        QCOMPARE(
            label(list.classify(*IpAddress::parse(address.toStdString()), static_cast<std::uint16_t>(port), hostnames)),
            expected);
    }

    void policyWordsRoundTrip()
    {
        for (const auto policy : {EncryptedDnsPolicy::Deny, EncryptedDnsPolicy::Ask, EncryptedDnsPolicy::Allow})
            QVERIFY(parseEncryptedDnsPolicy(toString(policy)) == policy);
        QVERIFY(!parseEncryptedDnsPolicy("Deny"));
        QVERIFY(!parseEncryptedDnsPolicy(""));
    }

    void withoutARuleThePolicyDecides_data()
    {
        QTest::addColumn<int>("policy");
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("verdict");
        QTest::addColumn<QString>("explanation");
        QTest::newRow("deny") << int(EncryptedDnsPolicy::Deny) << int(Mode::Enforce) << int(Verdict::Deny)
                              << "encrypted DNS, DNS over TLS (port 853); encrypted_dns = deny → deny";
        QTest::newRow("allow") << int(EncryptedDnsPolicy::Allow) << int(Mode::Enforce) << int(Verdict::Allow)
                               << "encrypted DNS, DNS over TLS (port 853); encrypted_dns = allow → allow";
        QTest::newRow("ask prompts in enforce mode")
            << int(EncryptedDnsPolicy::Ask) << int(Mode::Enforce) << int(Verdict::Ask)
            << "encrypted DNS, DNS over TLS (port 853); encrypted_dns = ask, no rule; mode enforce → ask";
        QTest::newRow("ask follows silent-deny")
            << int(EncryptedDnsPolicy::Ask) << int(Mode::SilentDeny) << int(Verdict::Deny)
            << "encrypted DNS, DNS over TLS (port 853); encrypted_dns = ask, no rule; silent-deny mode → deny";
        QTest::newRow("deny even in silent-allow")
            << int(EncryptedDnsPolicy::Deny) << int(Mode::SilentAllow) << int(Verdict::Deny)
            << "encrypted DNS, DNS over TLS (port 853); encrypted_dns = deny → deny";
    }

    void withoutARuleThePolicyDecides()
    {
        QFETCH(int, policy);
        QFETCH(int, mode);
        QFETCH(int, verdict);
        QFETCH(QString, explanation);
        DecisionEngine engine;
        engine.setMode(static_cast<Mode>(mode));
        engine.setEncryptedDnsPolicy(static_cast<EncryptedDnsPolicy>(policy));
        const auto connection = connectionTo("203.0.113.9", 853, dot);
        const auto decision = engine.decide(connection, now);
        QCOMPARE(int(decision.verdict), verdict);
        QCOMPARE(QString::fromStdString(decision.explanation), explanation);
        QVERIFY(!decision.rule);
        const auto peeked = engine.peek(connection, now);
        QCOMPARE(int(peeked.verdict), verdict);
    }

    void aRuleNamingTheAppOutranksThePolicy()
    {
        DecisionEngine engine;
        engine.setEncryptedDnsPolicy(EncryptedDnsPolicy::Deny);
        engine.setRules({rule(1, "/usr/bin/firefox", "*", Action::Allow)});
        const auto decision = engine.decide(connectionTo("203.0.113.9", 853, dot), now);
        QCOMPARE(int(decision.verdict), int(Verdict::Allow));
        QVERIFY(decision.rule && decision.rule->id == 1);

        engine.setEncryptedDnsPolicy(EncryptedDnsPolicy::Allow);
        engine.setRules({rule(2, "/usr/bin/firefox", "203.0.113.9", Action::Deny)});
        QCOMPARE(int(engine.decide(connectionTo("203.0.113.9", 853, dot), now).verdict), int(Verdict::Deny));
    }

    void anAllowForEveryAppDoesNotOpenEncryptedDns()
    {
        DecisionEngine engine;
        engine.setEncryptedDnsPolicy(EncryptedDnsPolicy::Deny);
        engine.setRules({rule(1, std::nullopt, "*", Action::Allow)});
        const auto decision = engine.decide(connectionTo("203.0.113.9", 853, dot), now);
        QCOMPARE(int(decision.verdict), int(Verdict::Deny));
        QVERIFY(!decision.rule);
        // The same rule still decides what is not encrypted DNS.
        const auto plain = engine.decide(connectionTo("203.0.113.9", 443, std::nullopt), now);
        QCOMPARE(int(plain.verdict), int(Verdict::Allow));
        QVERIFY(plain.rule && plain.rule->id == 1);
    }

    void aDenyForEveryAppIsNotLoosenedByThePolicy()
    {
        DecisionEngine engine;
        engine.setEncryptedDnsPolicy(EncryptedDnsPolicy::Allow);
        engine.setRules({rule(1, std::nullopt, "203.0.113.0/24", Action::Deny)});
        const auto decision = engine.decide(connectionTo("203.0.113.9", 853, dot), now);
        QCOMPARE(int(decision.verdict), int(Verdict::Deny));
        QVERIFY(decision.rule && decision.rule->id == 1);
    }

    void theDefaultPolicyIsAsk() { QVERIFY(DecisionEngine{}.encryptedDnsPolicy() == EncryptedDnsPolicy::Ask); }
};

QTEST_APPLESS_MAIN(EncryptedDnsTest)
#include "encrypted_dns_test.moc"
