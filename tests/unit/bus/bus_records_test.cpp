// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the API records: rules, filters, status, prompts and answers as a{sv}.
#include "bus/bus_records.h"

#include <QTest>

#include <chrono>
#include <limits>
#include <string>

using namespace hostgate;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(hostgate::VariantMap)

namespace {

const TimePoint now = fromUsec(1'700'000'000'000'000);

VariantMap record(std::initializer_list<std::pair<const std::string, sdbus::Variant>> entries)
{
    return VariantMap(entries);
}

sdbus::Variant text(const char* value)
{
    return sdbus::Variant(std::string(value));
}

} // namespace

class BusRecordsTest : public QObject {
    Q_OBJECT

private slots:
    void ruleRecordCarriesEveryDocumentedKey()
    {
        Rule rule;
        rule.id = 7;
        rule.app = "/usr/bin/curl";
        rule.uid = 1000;
        rule.host = HostPattern::parse("*.example.com").value();
        rule.ports = PortSet::parse("80,443").value();
        rule.protocol = Protocol::Tcp;
        rule.action = Action::Allow;
        rule.lifetime = Lifetime::untilTime(now + 1h);
        rule.lastHit = now;
        rule.hitCount = 3;
        rule.created = now - 1h;
        const auto out = ruleToRecord(rule);
        for (const char* key :
             {"id", "origin", "read_only", "app", "script", "user", "host", "ports", "protocol", "action", "lifetime",
              "until_usec", "enabled", "note", "created_usec", "last_hit_usec", "hit_count"})
            QVERIFY2(out.count(key) == 1, key);
        QCOMPARE(out.at("id").get<std::uint64_t>(), std::uint64_t{7});
        QCOMPARE(out.at("host").get<std::string>(), std::string("*.example.com"));
        QCOMPARE(out.at("ports").get<std::string>(), std::string("80,443"));
        QCOMPARE(out.at("until_usec").get<std::int64_t>(), toUsec(now + 1h));
        QCOMPARE(out.at("origin").get<std::string>(), std::string("user"));
    }

    void ruleOfUnknownCreationHasNoCreatedKeyRatherThan1970()
    {
        QVERIFY(ruleToRecord(Rule{}).count("created_usec") == 0);
    }

    void ruleWithoutUserHasNoUserKey() { QVERIFY(ruleToRecord(Rule{}).count("user") == 0); }

    void ruleRecordRoundTripsThroughTheEditableKeys()
    {
        const auto rule = applyRuleRecord(Rule{},
                                          record({{"app", text("/usr/bin/curl")},
                                                  {"user", sdbus::Variant(std::uint32_t{1000})},
                                                  {"host", text("www.example.com")},
                                                  {"ports", text("443")},
                                                  {"protocol", text("tcp")},
                                                  {"action", text("allow")},
                                                  {"lifetime", text("until-time")},
                                                  {"until_usec", sdbus::Variant(toUsec(now + 1h))},
                                                  {"enabled", sdbus::Variant(false)},
                                                  {"note", text("work")}}),
                                          now);
        QVERIFY2(rule.ok(), rule.ok() ? "" : rule.error().describe().c_str());
        QCOMPARE(*rule->app, std::string("/usr/bin/curl"));
        QCOMPARE(*rule->uid, 1000u);
        QCOMPARE(rule->host.toString(), std::string("www.example.com"));
        QVERIFY(rule->ports.contains(443) && !rule->ports.contains(80));
        QVERIFY(rule->action == Action::Allow && rule->protocol == Protocol::Tcp && !rule->enabled);
        QVERIFY(rule->lifetime.kind == Lifetime::Kind::UntilTime && *rule->lifetime.until == now + 1h);
        QCOMPARE(rule->note, std::string("work"));
    }

    void emptyAppAndPortsMeanAny()
    {
        Rule base;
        base.app = "/usr/bin/curl";
        base.ports = PortSet::single(80);
        const auto rule = applyRuleRecord(base, record({{"app", text("")}, {"ports", text("")}}), now);
        QVERIFY(rule.ok());
        QVERIFY(!rule->app.has_value());
        QVERIFY(rule->ports.isAny());
    }

    void starAppAndScriptMeanAnyAsInRuleFiles()
    {
        Rule base;
        base.app = "/usr/bin/python3";
        base.script = "/home/u/x.py";
        const auto rule = applyRuleRecord(base, record({{"app", text("*")}, {"script", text("*")}}), now);
        QVERIFY(rule.ok());
        QVERIFY(!rule->app.has_value() && !rule->script.has_value());
    }

    void updateKeepsTheKeysItDoesNotName()
    {
        Rule base;
        base.app = "/usr/bin/curl";
        base.action = Action::Allow;
        const auto rule = applyRuleRecord(base, record({{"note", text("changed")}}), now);
        QVERIFY(rule.ok());
        QCOMPARE(*rule->app, std::string("/usr/bin/curl"));
        QVERIFY(rule->action == Action::Allow);
    }

    void invalidRuleRecordIsRefusedNamingTheKey_data()
    {
        QTest::addColumn<VariantMap>("input");
        QTest::addColumn<QString>("key");
        QTest::newRow("unknown key") << record({{"colour", text("red")}}) << "colour";
        QTest::newRow("read-only key") << record({{"id", sdbus::Variant(std::uint64_t{3})}}) << "id";
        QTest::newRow("wrong type") << record({{"user", text("1000")}}) << "user";
        QTest::newRow("bad host") << record({{"host", text("exa*mple.com")}}) << "host";
        QTest::newRow("empty host") << record({{"host", text("")}}) << "host";
        QTest::newRow("bad ports") << record({{"ports", text("80-")}}) << "ports";
        QTest::newRow("bad protocol") << record({{"protocol", text("icmp")}}) << "protocol";
        QTest::newRow("bad action") << record({{"action", text("maybe")}}) << "action";
        QTest::newRow("bad lifetime") << record({{"lifetime", text("sometimes")}}) << "lifetime";
        QTest::newRow("until-exit needs a process") << record({{"lifetime", text("until-exit")}}) << "lifetime";
        QTest::newRow("until-time without end") << record({{"lifetime", text("until-time")}}) << "until_usec";
        QTest::newRow("until-time in the past")
            << record({{"lifetime", text("until-time")}, {"until_usec", sdbus::Variant(toUsec(now - 1s))}})
            << "until_usec";
        QTest::newRow("until without until-time")
            << record({{"until_usec", sdbus::Variant(toUsec(now + 1h))}}) << "until_usec";
        QTest::newRow("relative app") << record({{"app", text("curl")}}) << "app";
        QTest::newRow("huge note") << record({{"note", sdbus::Variant(std::string(maxRecordStringBytes + 1, 'x'))}})
                                   << "note";
    }

    void invalidRuleRecordIsRefusedNamingTheKey()
    {
        QFETCH(VariantMap, input);
        QFETCH(QString, key);
        const auto rule = applyRuleRecord(Rule{}, input, now);
        QVERIFY(!rule.ok());
        QCOMPARE(rule.error().code, std::string("InvalidRule"));
        QVERIFY2(rule.error().message.find("'" + key.toStdString() + "'") != std::string::npos,
                 rule.error().message.c_str());
    }

    void newRuleRecordNeedsAnActionAndAHost_data()
    {
        QTest::addColumn<VariantMap>("input");
        QTest::addColumn<QString>("key");
        QTest::newRow("no keys") << VariantMap{} << "action";
        QTest::newRow("only a host") << record({{"host", text("a.example")}}) << "action";
        QTest::newRow("only an action") << record({{"action", text("allow")}}) << "host";
    }

    void newRuleRecordNeedsAnActionAndAHost()
    {
        QFETCH(VariantMap, input);
        QFETCH(QString, key);
        const auto rule = newRuleFromRecord(input, now);
        QVERIFY(!rule.ok());
        QCOMPARE(rule.error().code, std::string("InvalidRule"));
        QCOMPARE(busErrorName(rule.error()), std::string("org.hostgate.Firewall1.Error.InvalidRule"));
        QVERIFY2(rule.error().message.find("'" + key.toStdString() + "'") != std::string::npos,
                 rule.error().message.c_str());
        QVERIFY(newRuleFromRecord(record({{"host", text("*")}, {"action", text("deny")}}), now).ok());
    }

    void enumValuesMustBeSpelledInLowerCase()
    {
        for (const auto& [key, value] : {std::pair{"action", "ALLOW"}, {"protocol", "TCP"}, {"lifetime", "Forever"}}) {
            VariantMap input = record({{"host", text("*")}, {"action", text("allow")}});
            input[key] = text(value);
            const auto rule = newRuleFromRecord(input, now);
            QVERIFY2(!rule.ok(), value);
            QVERIFY2(rule.error().message.find(std::string("'") + key + "'") != std::string::npos,
                     rule.error().message.c_str());
        }
    }

    void unicodeHostBecomesPunycode()
    {
        const auto rule = newRuleFromRecord(record({{"host", text("bücher.example")}, {"action", text("allow")}}), now);
        QVERIFY2(rule.ok(), rule.ok() ? "" : rule.error().describe().c_str());
        QCOMPARE(rule->host.toString(), std::string("xn--bcher-kva.example"));
        QCOMPARE(ruleToRecord(*rule).at("host").get<std::string>(), std::string("xn--bcher-kva.example"));
    }

    void untilFarInTheFutureIsStoredExactlyOrRefusedNeverWrapped_data()
    {
        QTest::addColumn<qint64>("usec");
        QTest::addColumn<bool>("storable");
        QTest::newRow("2200") << qint64{7258118400LL * 1000000LL} << true;
        QTest::newRow("2300") << qint64{10413792000LL * 1000000LL} << false;
        QTest::newRow("2611") << qint64{20227968000LL * 1000000LL} << false;
        QTest::newRow("int64 max") << qint64{std::numeric_limits<std::int64_t>::max()} << false;
    }

    void untilFarInTheFutureIsStoredExactlyOrRefusedNeverWrapped()
    {
        QFETCH(qint64, usec);
        QFETCH(bool, storable);
        const auto rule = newRuleFromRecord(record({{"host", text("*")},
                                                    {"action", text("allow")},
                                                    {"lifetime", text("until-time")},
                                                    {"until_usec", sdbus::Variant(std::int64_t{usec})}}),
                                            now);
        QCOMPARE(rule.ok(), storable);
        if (storable) {
            QCOMPARE(toUsec(*rule->lifetime.until), std::int64_t{usec});
        } else {
            QCOMPARE(rule.error().code, std::string("InvalidRule"));
            QVERIFY2(rule.error().message.find("out of range") != std::string::npos, rule.error().message.c_str());
        }
    }

    void errorCodesBecomeNamedBusErrors_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("name");
        QTest::newRow("known") << "NoSuchRule"
                               << "org.hostgate.Firewall1.Error.NoSuchRule";
        QTest::newRow("not authorized") << "NotAuthorized"
                                        << "org.hostgate.Firewall1.Error.NotAuthorized";
        QTest::newRow("empty") << ""
                               << "org.hostgate.Firewall1.Error.Failed";
        QTest::newRow("unknown") << "Exploded"
                                 << "org.hostgate.Firewall1.Error.Failed";
        QTest::newRow("unpublished scope code") << "ScopeExists"
                                                << "org.hostgate.Firewall1.Error.Failed";
        for (const auto& code : control_error::all) {
            const QString name = QString::fromUtf8(code.name.data(), qsizetype(code.name.size()));
            QTest::newRow(qPrintable("table: " + name))
                << name
                << (code.published ? "org.hostgate.Firewall1.Error." + name
                                   : QStringLiteral("org.hostgate.Firewall1.Error.Failed"));
        }
    }

    void errorCodesBecomeNamedBusErrors()
    {
        QFETCH(QString, code);
        QFETCH(QString, name);
        QCOMPARE(QString::fromStdString(busErrorName(Error::named(code.toStdString(), "x"))), name);
    }

    void connectionLimitIsDefaultedAndClamped_data()
    {
        QTest::addColumn<uint>("limit");
        QTest::addColumn<qulonglong>("expected");
        QTest::newRow("zero") << 0u << qulonglong{100};
        QTest::newRow("normal") << 5u << qulonglong{5};
        QTest::newRow("maximum") << 10000u << qulonglong{10000};
        QTest::newRow("huge") << 4000000000u << qulonglong{10000};
    }

    void connectionLimitIsDefaultedAndClamped()
    {
        QFETCH(uint, limit);
        QFETCH(qulonglong, expected);
        QCOMPARE(qulonglong{clampConnectionLimit(limit)}, expected);
    }

    void eventFilterReadsEveryKey()
    {
        const auto filter = eventFilterFromRecord(record({{"app", text("curl")},
                                                          {"host", text("Example")},
                                                          {"verdict", text("denied")},
                                                          {"since_usec", sdbus::Variant(toUsec(now))}}));
        QVERIFY(filter.ok());
        QCOMPARE(filter->appContains, std::string("curl"));
        QCOMPARE(filter->hostContains, std::string("Example"));
        QVERIFY(*filter->verdict == Outcome::Denied);
        QVERIFY(*filter->since == now);
    }

    void invalidEventFilterIsAnInvalidArgument_data()
    {
        QTest::addColumn<VariantMap>("input");
        QTest::addColumn<QString>("key");
        QTest::newRow("unknown key") << record({{"pid", sdbus::Variant(std::int32_t{1})}}) << "pid";
        QTest::newRow("bad verdict") << record({{"verdict", text("blocked")}}) << "verdict";
        QTest::newRow("wrong type") << record({{"since_usec", text("yesterday")}}) << "since_usec";
    }

    void invalidEventFilterIsAnInvalidArgument()
    {
        QFETCH(VariantMap, input);
        QFETCH(QString, key);
        const auto filter = eventFilterFromRecord(input);
        QVERIFY(!filter.ok());
        QCOMPARE(filter.error().code, std::string("InvalidArgument"));
        QVERIFY(filter.error().message.find(key.toStdString()) != std::string::npos);
    }

    void scopePolicyBecomesScopedRules()
    {
        const auto request = scopeRequestFromRecord(
            record({{"allow", sdbus::Variant(std::vector<std::string>{"a.example", "*.b.example"})},
                    {"deny", sdbus::Variant(std::vector<std::string>{"203.0.113.0/24"})},
                    {"default", text("ask")},
                    {"label", text("curl http://a.example/")}}));
        QVERIFY(request.ok());
        QCOMPARE(request->rules.size(), std::size_t(3));
        QCOMPARE(request->rules[1].host.toString(), std::string("*.b.example"));
        QVERIFY(request->rules[1].action == Action::Allow);
        QVERIFY(request->rules[2].action == Action::Deny);
        QVERIFY(request->defaultAction == ScopeDefault::Ask);
        QCOMPARE(request->label, std::string("curl http://a.example/"));
        QVERIFY(scopeRequestFromRecord({})->defaultAction == ScopeDefault::Deny);
    }

    void invalidScopePolicyIsAnInvalidArgument_data()
    {
        QTest::addColumn<VariantMap>("input");
        QTest::addColumn<QString>("key");
        QTest::newRow("unknown key") << record({{"mode", text("x")}}) << "mode";
        QTest::newRow("bad host") << record({{"allow", sdbus::Variant(std::vector<std::string>{"re:("})}}) << "allow";
        QTest::newRow("hosts not a list") << record({{"deny", text("a.example")}}) << "deny";
        QTest::newRow("bad default") << record({{"default", text("maybe")}}) << "default";
    }

    void invalidScopePolicyIsAnInvalidArgument()
    {
        QFETCH(VariantMap, input);
        QFETCH(QString, key);
        const auto request = scopeRequestFromRecord(input);
        QVERIFY(!request.ok());
        QCOMPARE(request.error().code, std::string("InvalidArgument"));
        QVERIFY(request.error().message.find(key.toStdString()) != std::string::npos);
    }

    void connectionEventRecordOmitsRuleIdWhenNoRuleDecided()
    {
        ConnectionEvent event;
        event.verdict = Outcome::Denied;
        event.port = 443;
        auto out = connectionEventToRecord(event);
        QVERIFY(out.count("rule_id") == 0);
        QCOMPARE(out.at("port").get<std::uint16_t>(), std::uint16_t{443});
        event.ruleId = 4;
        QCOMPARE(connectionEventToRecord(event).at("rule_id").get<std::uint64_t>(), std::uint64_t{4});
    }

    void statusRecordCountsAgents()
    {
        FirewallStatus status;
        status.mode = Mode::Learning;
        status.promptTimeout = Seconds(30);
        const auto out = statusToRecord(status, 2);
        QCOMPARE(out.at("agents").get<std::uint32_t>(), 2u);
        QCOMPARE(out.at("api_version").get<std::uint32_t>(), 1u);
        QCOMPARE(out.at("mode").get<std::string>(), std::string("learning"));
        QCOMPARE(out.at("prompt_timeout_ms").get<std::uint32_t>(), 30000u);
    }

    void promptRequestOffersTheDomainPattern()
    {
        PromptRequest request;
        request.id = 9;
        request.connection.uid = 1000;
        request.connection.app.path = "/usr/bin/curl";
        request.connection.hostnames = {"www.example.com"};
        request.connection.destination = *IpAddress::parse("203.0.113.10");
        request.connection.port = 443;
        request.deadline = now + 30s;
        const auto out = promptRequestToRecord(request, "alice", "/usr/bin/bash");
        QCOMPARE(out.at("domain_pattern").get<std::string>(), std::string("*.example.com"));
        QCOMPARE(out.at("user").get<std::string>(), std::string("alice"));
        QCOMPARE(out.at("parent_app").get<std::string>(), std::string("/usr/bin/bash"));
        QCOMPARE(out.at("address").get<std::string>(), std::string("203.0.113.10"));
        QCOMPARE(out.at("deadline_usec").get<std::int64_t>(), toUsec(now + 30s));
    }

    void promptRequestForTwoLabelNameHasNoDomainPattern()
    {
        PromptRequest request;
        request.connection.hostnames = {"example.com"};
        QCOMPARE(promptRequestToRecord(request, "", "").at("domain_pattern").get<std::string>(), std::string());
    }

    void proposalRecordCarriesEveryDocumentedKey()
    {
        Proposal proposal;
        proposal.id = 4;
        proposal.app = "/usr/bin/curl";
        proposal.uid = 1000;
        proposal.host = HostPattern::suffix("example.com");
        proposal.ports = {80, 443};
        proposal.examples = {"a.example.com", "b.example.com"};
        proposal.connections = 3;
        proposal.firstSeen = now;
        proposal.lastSeen = now + 1s;
        const VariantMap map = proposalToRecord(proposal);
        QCOMPARE(map.at("id").get<std::uint64_t>(), std::uint64_t{4});
        QCOMPARE(map.at("app").get<std::string>(), std::string("/usr/bin/curl"));
        QVERIFY(map.count("script") == 0);
        QCOMPARE(map.at("user").get<std::uint32_t>(), 1000u);
        QCOMPARE(map.at("host").get<std::string>(), std::string("*.example.com"));
        QCOMPARE(map.at("ports").get<std::string>(), std::string("80,443"));
        QCOMPARE(map.at("protocol").get<std::string>(), std::string("tcp"));
        QCOMPARE(map.at("examples").get<std::vector<std::string>>().size(), std::size_t{2});
        QCOMPARE(map.at("connections").get<std::uint64_t>(), std::uint64_t{3});
        QCOMPARE(map.at("last_seen_usec").get<std::int64_t>(), toUsec(now) + 1000000);
        proposal.anyPort = true;
        QCOMPARE(proposalToRecord(proposal).at("ports").get<std::string>(), std::string("*"));
    }

    void acceptingAppliesTheEditsToTheProposalsRule()
    {
        Proposal proposal;
        proposal.id = 4;
        proposal.app = "/usr/bin/curl";
        proposal.uid = 1000;
        proposal.host = HostPattern::exact("a.example.com");
        proposal.ports = {443};
        auto plain = ruleFromProposalRecord(proposal, {}, now);
        QVERIFY(plain.ok());
        QVERIFY(plain->action == Action::Allow);
        QCOMPARE(plain->ports, PortSet::single(443));
        auto edited = ruleFromProposalRecord(proposal,
                                             record({{"host", text("*.example.com")},
                                                     {"action", text("deny")},
                                                     {"lifetime", text("until-time")},
                                                     {"until_usec", sdbus::Variant(toUsec(now + 1h))}}),
                                             now);
        QVERIFY2(edited.ok(), edited.ok() ? "" : edited.error().describe().c_str());
        QCOMPARE(edited->host.toString(), std::string("*.example.com"));
        QVERIFY(edited->action == Action::Deny);
        QVERIFY(edited->lifetime.kind == Lifetime::Kind::UntilTime);
        QCOMPARE(edited->app, std::optional<std::string>("/usr/bin/curl"));
        const auto bad = ruleFromProposalRecord(proposal, record({{"ports", text("0-99999")}}), now);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, std::string("InvalidRule"));
        QVERIFY(!ruleFromProposalRecord(proposal, record({{"enabled", sdbus::Variant(false)}}), now).ok());
    }

    void selectionKnowsOnlyTheAppKey()
    {
        QVERIFY(!proposalSelectionFromRecord({})->app.has_value());
        QCOMPARE(proposalSelectionFromRecord(record({{"app", text("/usr/bin/wget")}}))->app,
                 std::optional<std::string>("/usr/bin/wget"));
        const auto unknown = proposalSelectionFromRecord(record({{"colour", text("red")}}));
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().code, std::string("InvalidArgument"));
        QVERIFY(!proposalSelectionFromRecord(record({{"app", sdbus::Variant(std::uint32_t{3})}})).ok());
        QCOMPARE(busErrorName(Error::named("NoSuchProposal", "x")),
                 std::string("org.hostgate.Firewall1.Error.NoSuchProposal"));
    }

    void answerDefaultsToThisHostThisPortOnce()
    {
        const auto answer = promptAnswerFromRecord(record({{"action", text("allow")}}));
        QVERIFY(answer.ok());
        QVERIFY(answer->action == Action::Allow);
        QVERIFY(answer->hostScope == PromptAnswer::HostScope::ThisHost);
        QVERIFY(answer->portScope == PromptAnswer::PortScope::ThisPort);
        QVERIFY(answer->lifetime == Lifetime::Kind::Once);
    }

    void answerReadsEveryKey()
    {
        const auto answer = promptAnswerFromRecord(record({{"action", text("deny")},
                                                           {"host_scope", text("domain")},
                                                           {"port_scope", text("any")},
                                                           {"lifetime", text("until-time")},
                                                           {"until_usec", sdbus::Variant(toUsec(now + 1h))}}));
        QVERIFY(answer.ok());
        QVERIFY(answer->hostScope == PromptAnswer::HostScope::Domain);
        QVERIFY(answer->portScope == PromptAnswer::PortScope::AnyPort);
        QVERIFY(answer->lifetime == Lifetime::Kind::UntilTime && *answer->until == now + 1h);
    }

    void invalidAnswerIsRefusedNamingTheKey_data()
    {
        QTest::addColumn<VariantMap>("input");
        QTest::addColumn<QString>("key");
        QTest::newRow("missing action") << record({{"lifetime", text("once")}}) << "action";
        QTest::newRow("bad action") << record({{"action", text("later")}}) << "action";
        QTest::newRow("bad host scope") << record({{"action", text("allow")}, {"host_scope", text("planet")}})
                                        << "host_scope";
        QTest::newRow("bad port scope") << record({{"action", text("allow")}, {"port_scope", text("some")}})
                                        << "port_scope";
        QTest::newRow("bad lifetime") << record({{"action", text("allow")}, {"lifetime", text("ever")}}) << "lifetime";
        QTest::newRow("unknown key") << record({{"action", text("allow")}, {"remember", sdbus::Variant(true)}})
                                     << "remember";
        QTest::newRow("wrong type") << record({{"action", sdbus::Variant(true)}}) << "action";
        QTest::newRow("until without until-time")
            << record({{"action", text("allow")}, {"until_usec", sdbus::Variant(toUsec(now))}}) << "until_usec";
    }

    void invalidAnswerIsRefusedNamingTheKey()
    {
        QFETCH(VariantMap, input);
        QFETCH(QString, key);
        const auto answer = promptAnswerFromRecord(input);
        QVERIFY(!answer.ok());
        QCOMPARE(answer.error().code, std::string("InvalidArgument"));
        QVERIFY2(answer.error().message.find("'" + key.toStdString() + "'") != std::string::npos,
                 answer.error().message.c_str());
    }
};

QTEST_APPLESS_MAIN(BusRecordsTest)
#include "bus_records_test.moc"
