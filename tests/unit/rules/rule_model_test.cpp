// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the rule model's text forms: host patterns, port sets, enums and rule descriptions.
#include "rules/rule.h"

#include <QTest>

using namespace hostgate;

namespace {

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

} // namespace

class RuleModelTest : public QObject {
    Q_OBJECT

private slots:
    void hostPatternsParseToTheirKindAndCanonicalText_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("canonical");
        const auto any = static_cast<int>(HostPattern::Kind::Any);
        const auto exact = static_cast<int>(HostPattern::Kind::Exact);
        const auto suffix = static_cast<int>(HostPattern::Kind::Suffix);
        const auto network = static_cast<int>(HostPattern::Kind::Network);
        const auto regex = static_cast<int>(HostPattern::Kind::Regex);
        QTest::newRow("star") << "*" << any << "*";
        QTest::newRow("any word") << "ANY" << any << "*";
        QTest::newRow("host named any") << "any." << exact << "any."; // found by host_pattern_fuzz
        QTest::newRow("exact") << "www.example.com" << exact << "www.example.com";
        QTest::newRow("exact upper case trailing dot") << "WWW.Example.com." << exact << "www.example.com";
        QTest::newRow("surrounding spaces") << "  example.com " << exact << "example.com";
        QTest::newRow("punycode") << "xn--bcher-kva.example" << exact << "xn--bcher-kva.example";
        QTest::newRow("suffix") << "*.Example.COM." << suffix << "*.example.com";
        QTest::newRow("suffix of a tld") << "*.example" << suffix << "*.example";
        QTest::newRow("v4 address") << "203.0.113.7" << network << "203.0.113.7";
        QTest::newRow("v4 /32 prints bare") << "203.0.113.7/32" << network << "203.0.113.7";
        QTest::newRow("v4 cidr host bits cleared") << "203.0.113.9/24" << network << "203.0.113.0/24";
        QTest::newRow("v6 address") << "2001:DB8::1" << network << "2001:db8::1";
        QTest::newRow("v6 cidr") << "2001:db8::/32" << network << "2001:db8::/32";
        QTest::newRow("v4-mapped is v4") << "::ffff:198.51.100.1" << network << "198.51.100.1";
        QTest::newRow("regex kept as written") << R"( re:^[a-z0-9-]+\.cdn\.Example\.(com|net)$ )" << regex
                                               << R"(re:^[a-z0-9-]+\.cdn\.Example\.(com|net)$)";
    }
    void hostPatternsParseToTheirKindAndCanonicalText()
    {
        QFETCH(QString, input);
        QFETCH(int, kind);
        QFETCH(QString, canonical);
        const auto pattern = HostPattern::parse(input.toStdString());
        QVERIFY2(pattern.ok(), pattern.ok() ? "" : pattern.error().message.c_str());
        QCOMPARE(static_cast<int>(pattern->kind()), kind);
        QCOMPARE(text(pattern->toString()), canonical);
        const auto reparsed = HostPattern::parse(pattern->toString());
        QVERIFY(reparsed.ok());
        QCOMPARE(*reparsed, *pattern);
    }

    void invalidHostPatternsAreRejectedWithAReason_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("empty") << QByteArray("") << "empty";
        QTest::newRow("blank") << QByteArray("   ") << "empty";
        QTest::newRow("star in the middle") << QByteArray("www.*.example.com") << "leading '*.'";
        QTest::newRow("star without dot") << QByteArray("*example.com") << "leading '*.'";
        QTest::newRow("double wildcard") << QByteArray("*.*.example.com") << "only one";
        QTest::newRow("bare star dot") << QByteArray("*.") << "empty";
        QTest::newRow("wildcard over address") << QByteArray("*.203.0.113.7") << "CIDR";
        QTest::newRow("prefix too long") << QByteArray("203.0.113.0/33") << "not a valid IP address or CIDR";
        QTest::newRow("bad v6") << QByteArray("2001:db8:::1") << "not a valid IP address or CIDR";
        QTest::newRow("short v4") << QByteArray("203.0.113") << "numeric label";
        QTest::newRow("octet overflow") << QByteArray("203.0.113.300") << "numeric label";
        QTest::newRow("unicode") << QByteArray("b\xc3\xbc"
                                               "cher.example")
                                 << "punycode";
        QTest::newRow("underscore ok but space not") << QByteArray("exa mple.com") << "invalid character";
        QTest::newRow("empty label") << QByteArray("a..example") << "empty label";
        QTest::newRow("empty regex") << QByteArray("re:") << "empty";
        QTest::newRow("regex syntax") << QByteArray("re:(a|b") << "not a valid regular expression";
        QTest::newRow("regex backreference (not linear)")
            << QByteArray(R"(re:(a)\1)") << "not a valid regular expression";
        QTest::newRow("regex lookahead (not linear)") << QByteArray("re:(?=a)a") << "not a valid regular expression";
        QTest::newRow("regex too long") << QByteArray("re:" + QByteArray(257, 'a')) << "at most 256";
        QTest::newRow("regex too big to compile")
            << QByteArray(R"(re:((((a{100}){100}){100}){100}))") << "not a valid regular expression";
        QTest::newRow("regex unicode") << QByteArray("re:b\xc3\xbc"
                                                     "cher\\.example")
                                       << "printable ASCII";
        QTest::newRow("regex control character") << QByteArray("re:a\tb") << "printable ASCII";
    }
    void invalidHostPatternsAreRejectedWithAReason()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, reasonPart);
        const auto pattern =
            HostPattern::parse(std::string_view(input.constData(), static_cast<std::size_t>(input.size())));
        QVERIFY(!pattern.ok());
        const auto message = text(pattern.error().message);
        QVERIFY2(message.contains(reasonPart), qPrintable(message));
        QVERIFY2(message.startsWith("Failed to parse host pattern"), qPrintable(message));
    }

    void hostPatternsMatchNamesAtLabelBoundaries_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("matches");
        QTest::newRow("exact equal") << "www.example.com"
                                     << "www.example.com" << true;
        QTest::newRow("exact case-insensitive rule") << "WWW.EXAMPLE.COM"
                                                     << "www.example.com" << true;
        QTest::newRow("exact rule trailing dot") << "www.example.com."
                                                 << "www.example.com" << true;
        QTest::newRow("exact is not suffix") << "example.com"
                                             << "www.example.com" << false;
        QTest::newRow("suffix child") << "*.example.com"
                                      << "www.example.com" << true;
        QTest::newRow("suffix deep child") << "*.example.com"
                                           << "a.b.example.com" << true;
        QTest::newRow("suffix never the domain itself") << "*.example.com"
                                                        << "example.com" << false;
        QTest::newRow("suffix never a lookalike") << "*.example.com"
                                                  << "badexample.com" << false;
        QTest::newRow("suffix never a lookalike child") << "*.example.com"
                                                        << "www.badexample.com" << false;
        QTest::newRow("suffix different tld") << "*.example.com"
                                              << "www.example.org" << false;
        QTest::newRow("any matches names") << "*"
                                           << "anything.example" << true;
        QTest::newRow("network never matches names") << "203.0.113.0/24"
                                                     << "203.0.113.7" << false;
        QTest::newRow("regex whole name") << R"(re:[a-z0-9-]+\.cdn\.example\.(com|net))"
                                          << "img-1.cdn.example.net" << true;
        QTest::newRow("regex never a part of the name") << R"(re:cdn\.example\.com)"
                                                        << "evil-cdn.example.com.attacker.net" << false;
        QTest::newRow("regex anchors optional") << R"(re:^cdn\.example\.com$)"
                                                << "cdn.example.com" << true;
        QTest::newRow("regex case-insensitive") << R"(re:CDN\.EXAMPLE\.COM)"
                                                << "cdn.example.com" << true;
        QTest::newRow("regex other domain") << R"(re:[a-z]+\.example\.com)"
                                            << "www.example.org" << false;
        QTest::newRow("regex dot is any character") << R"(re:a.example\.com)"
                                                    << "axexample.com" << true;
    }
    void hostPatternsMatchNamesAtLabelBoundaries()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, name);
        QFETCH(bool, matches);
        const auto parsed = HostPattern::parse(pattern.toStdString());
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->matchesName(name.toStdString()), matches);
    }

    void hostPatternsMatchAddressesByPrefix_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("matches");
        QTest::newRow("host route") << "198.51.100.7"
                                    << "198.51.100.7" << true;
        QTest::newRow("host route other") << "198.51.100.7"
                                          << "198.51.100.8" << false;
        QTest::newRow("v4 cidr") << "203.0.113.0/24"
                                 << "203.0.113.200" << true;
        QTest::newRow("v4 cidr outside") << "203.0.113.0/24"
                                         << "198.51.100.1" << false;
        QTest::newRow("v6 cidr") << "2001:db8::/32"
                                 << "2001:db8:aa::1" << true;
        QTest::newRow("v6 cidr outside") << "2001:db8::/32"
                                         << "2001:db9::1" << false;
        QTest::newRow("v6 long prefix") << "2001:db8::/126"
                                        << "2001:db8::3" << true;
        QTest::newRow("v6 long prefix outside") << "2001:db8::/126"
                                                << "2001:db8::4" << false;
        QTest::newRow("v4 rule, v6 address") << "0.0.0.0/0"
                                             << "2001:db8::1" << false;
        QTest::newRow("any matches addresses") << "*"
                                               << "2001:db8::1" << true;
        QTest::newRow("exact name never matches address") << "example.com"
                                                          << "203.0.113.1" << false;
        QTest::newRow("suffix never matches address") << "*.example.com"
                                                      << "203.0.113.1" << false;
        QTest::newRow("regex never matches address") << R"(re:.*)"
                                                     << "203.0.113.1" << false;
    }
    void hostPatternsMatchAddressesByPrefix()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, address);
        QFETCH(bool, matches);
        const auto parsed = HostPattern::parse(pattern.toStdString());
        const auto ip = IpAddress::parse(address.toStdString());
        QVERIFY(parsed.ok() && ip);
        QCOMPARE(parsed->matchesAddress(*ip), matches);
    }

    void portSetsParseMergeAndPrint_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<uint>("size");
        QTest::newRow("any") << "any"
                             << "any" << 65536u;
        QTest::newRow("star") << "*"
                              << "any" << 65536u;
        QTest::newRow("single") << "443"
                                << "443" << 1u;
        QTest::newRow("list sorted") << "443,80"
                                     << "80,443" << 2u;
        QTest::newRow("list with range") << "80, 443, 8000-8100"
                                         << "80,443,8000-8100" << 103u;
        QTest::newRow("overlap merged") << "8000-8100,8050-8200"
                                        << "8000-8200" << 201u;
        QTest::newRow("adjacent merged") << "1-10,11-20"
                                         << "1-20" << 20u;
        QTest::newRow("contained merged") << "1-100,5,50-60"
                                          << "1-100" << 100u;
        QTest::newRow("duplicate merged") << "443,443"
                                          << "443" << 1u;
        QTest::newRow("full range") << "1-65535"
                                    << "1-65535" << 65535u;
    }
    void portSetsParseMergeAndPrint()
    {
        QFETCH(QString, input);
        QFETCH(QString, canonical);
        QFETCH(uint, size);
        const auto ports = PortSet::parse(input.toStdString());
        QVERIFY2(ports.ok(), ports.ok() ? "" : ports.error().message.c_str());
        QCOMPARE(text(ports->toString()), canonical);
        QCOMPARE(ports->size(), size);
        const auto reparsed = PortSet::parse(ports->toString());
        QVERIFY(reparsed.ok());
        QCOMPARE(*reparsed, *ports);
    }

    void invalidPortSetsAreRejectedWithAReason_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("zero") << "0"
                              << "port 0";
        QTest::newRow("zero in range") << "0-10"
                                       << "port 0";
        QTest::newRow("too big") << "65536"
                                 << "out of range";
        QTest::newRow("huge") << "99999999999999999999"
                              << "out of range";
        QTest::newRow("reversed") << "100-10"
                                  << "reversed";
        QTest::newRow("garbage") << "http"
                                 << "not a port number";
        QTest::newRow("negative") << "-5"
                                  << "not a port number";
        QTest::newRow("trailing garbage") << "443x"
                                          << "not a port number";
        QTest::newRow("empty entry") << "80,,443"
                                     << "empty entry";
        QTest::newRow("trailing comma") << "80,"
                                        << "empty entry";
        QTest::newRow("open range") << "80-"
                                    << "not a port number";
    }
    void invalidPortSetsAreRejectedWithAReason()
    {
        QFETCH(QString, input);
        QFETCH(QString, reasonPart);
        const auto ports = PortSet::parse(input.toStdString());
        QVERIFY(!ports.ok());
        const auto message = text(ports.error().message);
        QVERIFY2(message.contains(reasonPart), qPrintable(message));
        QVERIFY2(message.startsWith("Failed to parse port list"), qPrintable(message));
    }

    void portSetContainsExactlyItsPorts_data()
    {
        QTest::addColumn<QString>("set");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("contained");
        QTest::newRow("any holds 1") << "any" << 1 << true;
        QTest::newRow("any holds 65535") << "any" << 65535 << true;
        QTest::newRow("single hit") << "443" << 443 << true;
        QTest::newRow("single miss") << "443" << 444 << false;
        QTest::newRow("range first") << "80,8000-8100" << 8000 << true;
        QTest::newRow("range last") << "80,8000-8100" << 8100 << true;
        QTest::newRow("after range") << "80,8000-8100" << 8101 << false;
        QTest::newRow("between entries") << "80,8000-8100" << 443 << false;
        QTest::newRow("below first") << "80,8000-8100" << 79 << false;
        QTest::newRow("top port") << "65535" << 65535 << true;
    }
    void portSetContainsExactlyItsPorts()
    {
        QFETCH(QString, set);
        QFETCH(int, port);
        QFETCH(bool, contained);
        const auto ports = PortSet::parse(set.toStdString());
        QVERIFY(ports.ok());
        QCOMPARE(ports->contains(static_cast<std::uint16_t>(port)), contained);
    }

    void singlePortSetEqualsTheParsedOne()
    {
        QCOMPARE(PortSet::single(443), *PortSet::parse("443"));
        QCOMPARE(PortSet::single(443).size(), 1u);
    }

    void enumsRoundTripThroughText()
    {
        for (const auto action : {Action::Allow, Action::Deny})
            QVERIFY(parseAction(toString(action)) == action);
        for (const auto protocol : {Protocol::Any, Protocol::Tcp, Protocol::Udp})
            QVERIFY(parseProtocol(toString(protocol)) == protocol);
        for (const auto kind :
             {Lifetime::Kind::Once, Lifetime::Kind::UntilExit, Lifetime::Kind::UntilTime, Lifetime::Kind::Forever})
            QVERIFY(parseLifetimeKind(toString(kind)) == kind);
    }

    void enumTextIsMatchedExactlyInLowerCase()
    {
        QVERIFY(!parseAction("ALLOW").has_value());
        QVERIFY(!parseAction("Deny").has_value());
        QVERIFY(!parseAction(" allow").has_value());
        QVERIFY(!parseProtocol("TCP").has_value());
        QVERIFY(!parseLifetimeKind("Forever").has_value());
    }

    void unknownEnumTextIsRejected()
    {
        QVERIFY(!parseAction("permit").has_value());
        QVERIFY(!parseProtocol("icmp").has_value());
        QVERIFY(!parseLifetimeKind("sometimes").has_value());
        QVERIFY(!parseAction("").has_value());
    }

    void untilTimeLifetimeExpiresAtItsInstant()
    {
        const auto until = TimePoint{} + std::chrono::hours(1000);
        const auto lifetime = Lifetime::untilTime(until);
        QVERIFY(!lifetime.expiredAt(until - std::chrono::seconds(1)));
        QVERIFY(lifetime.expiredAt(until));
        // Lifetime{} is forever; Qt's `forever` macro hides Lifetime::permanent() in files that include Qt.
        QVERIFY(!Lifetime{}.expiredAt(until + std::chrono::hours(1)));
    }

    void describeNamesEveryPartOfTheRule()
    {
        Rule rule;
        rule.id = 12;
        rule.app = "/usr/bin/curl";
        rule.host = *HostPattern::parse("*.example.com");
        rule.ports = PortSet::single(443);
        rule.protocol = Protocol::Tcp;
        rule.action = Action::Allow;
        QCOMPARE(text(describe(rule)), QStringLiteral("#12 allow /usr/bin/curl -> *.example.com tcp/443 (forever)"));
        rule.id = 0;
        QCOMPARE(text(describe(rule)), QStringLiteral("allow /usr/bin/curl -> *.example.com tcp/443 (forever)"));
    }

    void describeShowsAnyAppUidScriptLifetimeAndDisabled()
    {
        Rule rule;
        rule.id = 3;
        rule.script = "/home/u/fetch.py";
        rule.uid = 1000;
        rule.host = *HostPattern::parse("203.0.113.0/24");
        rule.lifetime = Lifetime::untilTime(Clock::from_time_t(1700000000));
        rule.enabled = false;
        QCOMPARE(text(describe(rule)), QStringLiteral("#3 deny any app (/home/u/fetch.py) uid 1000 -> 203.0.113.0/24 "
                                                      "any/any (until 2023-11-14 22:13:20 UTC) [disabled]"));
        rule.lifetime = Lifetime::untilExit(4242);
        QVERIFY(text(describe(rule)).contains("until pid 4242 exits"));
    }
};

QTEST_APPLESS_MAIN(RuleModelTest)
#include "rule_model_test.moc"
