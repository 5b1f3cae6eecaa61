// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the TOML rule file format: every field, defaults, round trips and located errors.
#include "rules/rule_validation.h"
#include "store/rule_file.h"

#include <QtTest>

#include <chrono>

using namespace hostgate;
using namespace std::chrono;

namespace {

TimePoint utc(int y, unsigned m, unsigned d, int hh, int mm, int ss)
{
    return TimePoint{sys_days{year{y} / month{m} / day{d}}} + hours{hh} + minutes{mm} + seconds{ss};
}

Rule parseOne(const std::string& text, RuleOrigin origin = RuleOrigin::User)
{
    Result<std::vector<Rule>> rules = parseRuleFile(text, "rules.toml", origin);
    if (!rules.ok())
        qFatal("unexpected parse failure: %s", rules.error().describe().c_str());
    if (rules->size() != 1)
        qFatal("expected one rule, got %zu", rules->size());
    return rules->front();
}

Rule fullRule()
{
    Rule rule;
    rule.id = 12;
    rule.app = "/usr/bin/curl";
    rule.script = "/home/u/tool \"x\".py";
    rule.uid = 1000;
    rule.host = *HostPattern::parse("*.example.com");
    rule.ports = *PortSet::parse("80,443,8000-8100");
    rule.protocol = Protocol::Tcp;
    rule.action = Action::Allow;
    rule.lifetime = Lifetime::untilTime(utc(2026, 12, 1, 0, 0, 0));
    rule.enabled = false;
    rule.note = "line one\nline two\ttabbed \\ \x01 ünïcode";
    rule.created = utc(2026, 11, 23, 10, 0, 0) + nanoseconds{123456789};
    rule.lastHit = utc(2026, 11, 24, 8, 30, 15) + milliseconds{250};
    rule.hitCount = 3;
    return rule;
}

} // namespace

Q_DECLARE_METATYPE(hostgate::Rule)

class RuleFileTest : public QObject {
    Q_OBJECT

private slots:
    void everyFieldIsRead()
    {
        Rule rule = parseOne(R"(version = 1
[[rule]]
id = 12
app = "/usr/bin/curl"
script = "/home/u/x.py"
user = 1000
host = "*.Example.com"
ports = "443,8000-8100"
protocol = "tcp"
action = "allow"
lifetime = "until-time"
until = 2026-12-01T01:00:00+01:00
enabled = false
note = "work proxy"
created = 2026-11-23T10:00:00Z
last_hit = 2026-11-24T08:30:15.5Z
hit_count = 3
)");
        QCOMPARE(rule.id, RuleId{12});
        QCOMPARE(rule.origin, RuleOrigin::User);
        QCOMPARE(rule.app.value(), std::string("/usr/bin/curl"));
        QCOMPARE(rule.script.value(), std::string("/home/u/x.py"));
        QCOMPARE(rule.uid.value(), 1000u);
        QCOMPARE(rule.host, *HostPattern::parse("*.example.com"));
        QCOMPARE(rule.ports, *PortSet::parse("443,8000-8100"));
        QVERIFY(rule.protocol == Protocol::Tcp);
        QVERIFY(rule.action == Action::Allow);
        QCOMPARE(rule.lifetime, Lifetime::untilTime(utc(2026, 12, 1, 0, 0, 0)));
        QCOMPARE(rule.enabled, false);
        QCOMPARE(rule.note, std::string("work proxy"));
        QVERIFY(rule.created == utc(2026, 11, 23, 10, 0, 0));
        QVERIFY(rule.lastHit == utc(2026, 11, 24, 8, 30, 15) + milliseconds{500});
        QCOMPARE(rule.hitCount, std::uint64_t{3});
        QVERIFY(rule.source.empty());
    }

    void omittedFieldsTakeTheirDefaults()
    {
        Rule rule = parseOne("[[rule]]\nid = 1\naction = \"deny\"\nhost = \"*\"\n");
        Rule expected;
        expected.id = 1;
        expected.action = Action::Deny;
        QCOMPARE(rule, expected);
        QVERIFY(!rule.app && !rule.script && !rule.uid && !rule.lastHit);
        QCOMPARE(rule.host.kind(), HostPattern::Kind::Any);
        QVERIFY(rule.ports.isAny());
        QCOMPARE(rule.lifetime, Lifetime{}); // forever (Qt defines a `forever` macro)
        QVERIFY(rule.enabled);
    }

    void starMeansAnyApp()
    {
        Rule rule = parseOne("[[rule]]\nid = 1\napp = \"*\"\naction = \"allow\"\nhost = \"*\"\n");
        QVERIFY(!rule.app.has_value());
    }

    void singleIntegerPortIsAccepted()
    {
        Rule rule = parseOne("[[rule]]\nid = 1\nports = 443\naction = \"allow\"\nhost = \"*\"\n");
        QCOMPARE(rule.ports, PortSet::single(443));
    }

    void untilExitLifetimeCarriesThePid()
    {
        Rule rule =
            parseOne("[[rule]]\nid = 1\naction = \"allow\"\nlifetime = \"until-exit\"\npid = 4242\nhost = \"*\"\n");
        QCOMPARE(rule.lifetime, Lifetime::untilExit(4242));
    }

    void unicodeHostIsStoredAsPunycode()
    {
        Rule rule = parseOne("[[rule]]\nid = 1\nhost = \"*.bücher.example\"\naction = \"deny\"\n");
        QCOMPARE(QString::fromStdString(rule.host.toString()), QString("*.xn--bcher-kva.example"));
    }

    void emptyFileHasNoRules()
    {
        Result<std::vector<Rule>> rules = parseRuleFile("# nothing yet\nversion = 1\n", "rules.toml", RuleOrigin::User);
        QVERIFY(rules.ok());
        QVERIFY(rules->empty());
    }

    void serializedRulesParseBackEqual_data()
    {
        QTest::addColumn<Rule>("rule");
        QTest::newRow("every field") << fullRule();
        Rule minimal;
        minimal.id = 7;
        QTest::newRow("minimal") << minimal;
        Rule untilExit = fullRule();
        untilExit.lifetime = Lifetime::untilExit(99);
        untilExit.host = *HostPattern::parse("2001:db8::/32");
        untilExit.ports = PortSet::single(53);
        untilExit.protocol = Protocol::Udp;
        QTest::newRow("until exit, network") << untilExit;
        Rule once = fullRule();
        once.lifetime = Lifetime::once();
        once.host = *HostPattern::parse("203.0.113.7");
        once.created = utc(1970, 1, 1, 0, 0, 1);
        once.lastHit.reset();
        once.uid = 0;
        QTest::newRow("once, address, root") << once;
    }
    void serializedRulesParseBackEqual()
    {
        QFETCH(Rule, rule);
        Rule second = rule;
        second.id = rule.id + 1;
        std::string text = serializeRules({rule, second});
        Result<std::vector<Rule>> parsed = parseRuleFile(text, "rules.toml", RuleOrigin::User);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : (parsed.error().describe() + "\n" + text).c_str());
        QVERIFY2(*parsed == (std::vector<Rule>{rule, second}), text.c_str());
        QCOMPARE(serializeRules(*parsed), text);
    }

    void adminRulesGetStableIdsFromFileNameAndPosition()
    {
        const std::string text =
            "[[rule]]\naction = \"deny\"\nhost = \"*\"\n[[rule]]\naction = \"allow\"\nhost = \"*\"\n";
        Result<std::vector<Rule>> first = parseRuleFile(text, "/etc/hostgate/rules.d/10-corp.toml", RuleOrigin::Admin);
        Result<std::vector<Rule>> again = parseRuleFile(text, "/elsewhere/10-corp.toml", RuleOrigin::Admin);
        Result<std::vector<Rule>> other = parseRuleFile(text, "/etc/hostgate/rules.d/20-lab.toml", RuleOrigin::Admin);
        QVERIFY(first.ok() && again.ok() && other.ok());
        QCOMPARE((*first)[0].id, adminRuleId("10-corp.toml", 1));
        QCOMPARE((*first)[1].id, adminRuleId("10-corp.toml", 2));
        QCOMPARE((*again)[1].id, (*first)[1].id);
        QVERIFY((*other)[0].id != (*first)[0].id);
        QVERIFY(isAdminRuleId((*first)[0].id));
        QCOMPARE((*first)[0].origin, RuleOrigin::Admin);
        QCOMPARE((*first)[0].source, std::string("/etc/hostgate/rules.d/10-corp.toml"));
    }

    void adminRulesSerializeWithoutIdsAndParseBackEqual()
    {
        Rule rule = fullRule();
        rule.origin = RuleOrigin::Admin;
        rule.source = "/etc/hostgate/rules.d/10-corp.toml";
        rule.id = adminRuleId("10-corp.toml", 1);
        std::string text = serializeRules({rule});
        QVERIFY(text.find("id =") == std::string::npos);
        Result<std::vector<Rule>> parsed = parseRuleFile(text, rule.source, RuleOrigin::Admin);
        QVERIFY(parsed.ok());
        QCOMPARE(*parsed, std::vector<Rule>{rule});
    }

    void malformedFileIsRejectedAtTheProblem_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("syntax error") << "[[rule]]\nid = = 3\nhost = \"*\"\n"
                                      << "rules.toml:2:6"
                                      << "";
        QTest::newRow("unterminated string") << "[[rule]]\nid = 1\nnote = \"abc\nhost = \"*\"\n"
                                             << "rules.toml:3:"
                                             << "";
        QTest::newRow("duplicate key") << "[[rule]]\nid = 1\nid = 2\nhost = \"*\"\n"
                                       << "rules.toml:3:"
                                       << "";
        QTest::newRow("unknown key") << "[[rule]]\nid = 1\naction = \"allow\"\n  colour = \"red\"\nhost = \"*\"\n"
                                     << "rules.toml:4:3"
                                     << "unknown key 'colour'";
        QTest::newRow("unknown top-level key") << "versoin = 1\n"
                                               << "rules.toml:1:1"
                                               << "unknown top-level key";
        QTest::newRow("wrong type") << "[[rule]]\nid = \"12\"\naction = \"allow\"\nhost = \"*\"\n"
                                    << "rules.toml:2:6"
                                    << "'id' must be an integer, not a string";
        QTest::newRow("wrong type of enabled")
            << "[[rule]]\nid = 1\naction = \"allow\"\nenabled = \"yes\"\nhost = \"*\"\n"
            << "rules.toml:4:11"
            << "'enabled' must be a boolean";
        QTest::newRow("bad host") << "[[rule]]\nid = 1\nhost = \"exa mple.com\"\naction = \"allow\"\n"
                                  << "rules.toml:3:8"
                                  << "invalid host";
        QTest::newRow("bad unicode host") << "[[rule]]\nid = 1\nhost = \"☃.example\"\naction = \"allow\"\n"
                                          << "rules.toml:3:8"
                                          << "invalid host";
        QTest::newRow("bad ports") << "[[rule]]\nid = 1\nports = \"80,70000\"\naction = \"allow\"\nhost = \"*\"\n"
                                   << "rules.toml:3:9"
                                   << "invalid ports";
        QTest::newRow("port out of range") << "[[rule]]\nid = 1\nports = 0\naction = \"allow\"\nhost = \"*\"\n"
                                           << "rules.toml:3:9"
                                           << "invalid ports";
        QTest::newRow("ports as array") << "[[rule]]\nid = 1\nports = [80]\naction = \"allow\"\nhost = \"*\"\n"
                                        << "rules.toml:3:9"
                                        << "'ports' must be a string or an integer";
        QTest::newRow("missing action") << "version = 1\n\n[[rule]]\nid = 1\nhost = \"a.example\"\n"
                                        << "rules.toml:3:1"
                                        << "without 'action'";
        QTest::newRow("bad action") << "[[rule]]\nid = 1\naction = \"permit\"\nhost = \"*\"\n"
                                    << "rules.toml:3:10"
                                    << "invalid action 'permit'";
        QTest::newRow("bad protocol") << "[[rule]]\nid = 1\naction = \"deny\"\nprotocol = \"icmp\"\nhost = \"*\"\n"
                                      << "rules.toml:4:12"
                                      << "invalid protocol";
        QTest::newRow("bad lifetime") << "[[rule]]\nid = 1\naction = \"deny\"\nlifetime = \"sometimes\"\nhost = \"*\"\n"
                                      << "rules.toml:4:12"
                                      << "invalid lifetime 'sometimes'";
        QTest::newRow("until without lifetime")
            << "[[rule]]\nid = 1\naction = \"deny\"\nuntil = 2026-01-01T00:00:00Z\nhost = \"*\"\n"
            << "rules.toml:4:9"
            << "'until' is only valid";
        QTest::newRow("until-time without until")
            << "[[rule]]\nid = 1\naction = \"deny\"\nlifetime = \"until-time\"\nhost = \"*\"\n"
            << "rules.toml:4:12"
            << "needs an 'until'";
        QTest::newRow("until-exit without pid")
            << "[[rule]]\nid = 1\naction = \"deny\"\nlifetime = \"until-exit\"\nhost = \"*\"\n"
            << "rules.toml:4:12"
            << "needs the 'pid'";
        QTest::newRow("local date-time")
            << "[[rule]]\nid = 1\naction = \"deny\"\ncreated = 2026-01-01T00:00:00\nhost = \"*\"\n"
            << "rules.toml:4:11"
            << "UTC offset";
        QTest::newRow("date without time")
            << "[[rule]]\nid = 1\naction = \"deny\"\ncreated = 2026-01-01\nhost = \"*\"\n"
            << "rules.toml:4:11"
            << "must be an offset date-time, not a date";
        QTest::newRow("negative id") << "[[rule]]\nid = -4\naction = \"deny\"\nhost = \"*\"\n"
                                     << "rules.toml:2:6"
                                     << "between 1 and";
        QTest::newRow("uid too large") << "[[rule]]\nid = 1\nuser = 4294967296\naction = \"deny\"\nhost = \"*\"\n"
                                       << "rules.toml:3:8"
                                       << "'user' must be between 0 and 4294967295";
        QTest::newRow("empty app") << "[[rule]]\nid = 1\napp = \"\"\naction = \"deny\"\nhost = \"*\"\n"
                                   << "rules.toml:3:7"
                                   << "'app' must not be empty";
        QTest::newRow("missing user id") << "[[rule]]\naction = \"deny\"\nhost = \"*\"\n"
                                         << "rules.toml:1:1"
                                         << "without 'id'";
        QTest::newRow("duplicate id")
            << "[[rule]]\nid = 5\naction = \"deny\"\nhost = \"*\"\n[[rule]]\nid = 5\naction = \"allow\"\nhost = \"*\"\n"
            << "rules.toml:6:6"
            << "duplicate rule id 5";
        QTest::newRow("newer version") << "version = 2\n"
                                       << "rules.toml:1:11"
                                       << "unsupported rule file version 2";
        QTest::newRow("rule as plain table") << "[rule]\nid = 1\n"
                                             << "rules.toml:1:1"
                                             << "array of tables";
        QTest::newRow("missing host") << "[[rule]]\nid = 1\naction = \"deny\"\n"
                                      << "rules.toml:1:1"
                                      << "without 'host'";
        QTest::newRow("missing action") << "[[rule]]\nid = 1\nhost = \"*\"\n"
                                        << "rules.toml:1:1"
                                        << "without 'action'";
        QTest::newRow("upper-case action") << "[[rule]]\nid = 1\nhost = \"*\"\naction = \"ALLOW\"\n"
                                           << "rules.toml:4:10"
                                           << "invalid action 'ALLOW'";
        QTest::newRow("upper-case protocol")
            << "[[rule]]\nid = 1\nhost = \"*\"\naction = \"allow\"\nprotocol = \"TCP\"\n"
            << "rules.toml:5:12"
            << "invalid protocol";
        QTest::newRow("year 2300") << "[[rule]]\nid = 1\nhost = \"*\"\naction = \"deny\"\nlifetime = \"until-time\"\n"
                                      "until = 2300-01-01T00:00:00Z\n"
                                   << "rules.toml:6:9"
                                   << "out of range";
        QTest::newRow("note over 4 KiB")
            << QString("[[rule]]\nid = 1\nhost = \"*\"\naction = \"deny\"\nnote = \"%1\"\n").arg(QString(4097, 'n'))
            << "rules.toml:5:8"
            << "longer than the limit of 4096 bytes";
    }
    void malformedFileIsRejectedAtTheProblem()
    {
        QFETCH(QString, text);
        QFETCH(QString, where);
        QFETCH(QString, messagePart);
        Result<std::vector<Rule>> rules = parseRuleFile(text.toStdString(), "rules.toml", RuleOrigin::User);
        QVERIFY(!rules.ok());
        const Error& error = rules.error();
        QVERIFY2(QString::fromStdString(error.where).startsWith(where), error.describe().c_str());
        QVERIFY2(QString::fromStdString(error.describe()).startsWith(QString::fromStdString(error.where) + ": "),
                 error.describe().c_str());
        QVERIFY2(QString::fromStdString(error.message).contains(messagePart), error.describe().c_str());
    }

    void adminFileMayNotSetIds()
    {
        Result<std::vector<Rule>> rules =
            parseRuleFile("[[rule]]\nid = 3\naction = \"deny\"\n", "/etc/hostgate/rules.d/a.toml", RuleOrigin::Admin);
        QVERIFY(!rules.ok());
        QCOMPARE(rules.error().where, std::string("/etc/hostgate/rules.d/a.toml:2:6"));
    }

    void importedRulesDropTheirIdsSoAnExportCanBeImportedTwice()
    {
        Rule exported = fullRule();
        const std::string text = serializeRules({exported, exported});
        QVERIFY(!parseRuleFile(text, "rules.toml", RuleOrigin::User).ok()); // duplicate ids in a user file

        Result<std::vector<Rule>> imported = parseImportedRules(text, "import");
        QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().describe().c_str());
        QCOMPARE(imported->size(), std::size_t{2});
        exported.id = 0;
        QVERIFY(imported->front() == exported);
        QVERIFY(imported->back() == exported);
    }

    void importedRulesNeedNoIds()
    {
        Result<std::vector<Rule>> imported =
            parseImportedRules("[[rule]]\naction = \"allow\"\nhost = \"a.example\"\n", "import");
        QVERIFY(imported.ok());
        QCOMPARE(imported->size(), std::size_t{1});
        QCOMPARE(imported->front().id, RuleId{0});
        QVERIFY(imported->front().origin == RuleOrigin::User);
    }

    void importedRulesAreStillValidatedAtTheProblem()
    {
        Result<std::vector<Rule>> imported =
            parseImportedRules("[[rule]]\nid = -4\naction = \"allow\"\nhost = \"*\"\n", "import");
        QVERIFY(!imported.ok());
        QCOMPARE(imported.error().where, std::string("import:2:6"));
        imported = parseImportedRules("[[rule]]\naction = \"maybe\"\nhost = \"*\"\n", "import");
        QVERIFY(!imported.ok());
        QCOMPARE(imported.error().where, std::string("import:2:10"));
    }

    void unicodeHostNamesBecomePunycode()
    {
        Rule rule = parseOne("[[rule]]\nid = 1\nhost = \"bücher.example\"\naction = \"deny\"\n");
        QCOMPARE(rule.host.toString(), std::string("xn--bcher-kva.example"));
    }

    void aFileOverTheSizeLimitIsRefusedWithoutParsing()
    {
        const std::string huge(maxRuleTextBytes + 1, '#');
        Result<std::vector<Rule>> rules = parseRuleFile(huge, "big.toml", RuleOrigin::User);
        QVERIFY(!rules.ok());
        QVERIFY2(rules.error().message.find("larger than the limit of 4 MiB") != std::string::npos,
                 rules.error().describe().c_str());
        QVERIFY(!parseImportedRules(huge, "import").ok());
        QVERIFY(parseRuleFile(std::string(maxRuleTextBytes, '#'), "big.toml", RuleOrigin::User).ok());
    }

    void anImportWithANoteOver4KiBIsRefused()
    {
        const std::string text =
            "[[rule]]\nhost = \"*\"\naction = \"allow\"\nnote = \"" + std::string(3900000, 'n') + "\"\n";
        Result<std::vector<Rule>> imported = parseImportedRules(text, "import");
        QVERIFY(!imported.ok());
        QCOMPARE(imported.error().where, std::string("import:4:8"));
    }

    void aFileWithMoreRulesThanTheLimitIsRefused()
    {
        std::string text;
        for (std::size_t i = 0; i <= maxRulesPerFile; ++i)
            text += "[[rule]]\nhost=\"*\"\naction=\"deny\"\n";
        QVERIFY(text.size() <= maxRuleTextBytes);
        Result<std::vector<Rule>> rules = parseRuleFile(text, "many.toml", RuleOrigin::Admin);
        QVERIFY(!rules.ok());
        QVERIFY2(rules.error().message.find("more than the limit") != std::string::npos,
                 rules.error().describe().c_str());
    }
};

QTEST_GUILESS_MAIN(RuleFileTest)
#include "rule_file_test.moc"
