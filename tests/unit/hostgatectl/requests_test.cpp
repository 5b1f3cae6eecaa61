// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's requests: rule fields from options, connection filters, and matching of followed events.
#include "requests.h"

#include "json_compare.h"

#include <QTest>

using namespace hostgate;
using namespace hostgate::ctl;
using nlohmann::json;

namespace {

const TimePoint now = Clock::from_time_t(1795428000); // 2026-11-23T10:00:00Z
constexpr std::int64_t nowUsec = std::int64_t{1795428000} * 1000000;

std::optional<std::uint32_t> knownUsers(std::string_view name)
{
    if (name == "nobody") {
        return 65534;
    }
    return std::nullopt;
}

json fieldsOf(const RuleOptions& options)
{
    auto fields = ruleFields(options, now, knownUsers);
    if (!fields) {
        qFatal("ruleFields failed: %s", fields.error().describe().c_str());
    }
    return *fields;
}

} // namespace

class RequestsTest : public QObject {
    Q_OBJECT

private slots:
    void onlyGivenOptionsBecomeFields()
    {
        RuleOptions options;
        options.action = "deny";
        options.host = "ads.example";
        HG_COMPARE_JSON(fieldsOf(options), json({{"action", "deny"}, {"host", "ads.example"}}));
    }

    void everyOptionMapsToItsApiKey()
    {
        RuleOptions options;
        options.action = "allow";
        options.app = "/usr/bin/curl";
        options.script = "/opt/s.py";
        options.user = "1000";
        options.host = "*.example";
        options.ports = "443";
        options.protocol = "tcp";
        options.lifetime = "forever";
        options.note = "n";
        options.disabled = true;
        const json expected = {{"action", "allow"}, {"app", "/usr/bin/curl"}, {"script", "/opt/s.py"},
                               {"user", 1000},      {"host", "*.example"},    {"ports", "443"},
                               {"protocol", "tcp"}, {"lifetime", "forever"},  {"note", "n"},
                               {"enabled", false}};
        HG_COMPARE_JSON(fieldsOf(options), expected);
    }

    void userNameIsResolvedToItsUid()
    {
        RuleOptions options;
        options.user = "nobody";
        QCOMPARE(fieldsOf(options)["user"].get<std::uint32_t>(), 65534u);
    }

    void unknownUserIsAnError()
    {
        RuleOptions options;
        options.user = "no-such-user";
        const auto fields = ruleFields(options, now, knownUsers);
        QVERIFY(!fields.ok());
        QVERIFY(fields.error().describe().find("no-such-user") != std::string::npos);
    }

    void untilImpliesUntilTimeLifetime()
    {
        RuleOptions options;
        options.until = "+1h";
        const json fields = fieldsOf(options);
        HG_COMPARE_JSON(fields["lifetime"], json("until-time"));
        QCOMPARE(fields["until_usec"].get<std::int64_t>(), nowUsec + std::int64_t{3600} * 1000000);
    }

    void contradictoryLifetimesAreErrors_data()
    {
        QTest::addColumn<QString>("lifetime");
        QTest::addColumn<QString>("until");
        QTest::newRow("until with forever") << "forever"
                                            << "+1h";
        QTest::newRow("until-time without until") << "until-time"
                                                  << "";
        QTest::newRow("until in the past") << "until-time"
                                           << "2020-01-01T00:00:00Z";
        QTest::newRow("until unparsable") << ""
                                          << "soon";
    }

    void contradictoryLifetimesAreErrors()
    {
        QFETCH(QString, lifetime);
        QFETCH(QString, until);
        RuleOptions options;
        if (!lifetime.isEmpty()) {
            options.lifetime = lifetime.toStdString();
        }
        if (!until.isEmpty()) {
            options.until = until.toStdString();
        }
        QVERIFY(!ruleFields(options, now, knownUsers).ok());
    }

    void connectionFilterHasOnlyGivenKeys()
    {
        ConnectionQuery query;
        query.host = "Example";
        query.since = "10m";
        const auto filter = connectionFilter(query, now);
        QVERIFY(filter.ok());
        HG_COMPARE_JSON(*filter, json({{"host", "Example"}, {"since_usec", nowUsec - std::int64_t{600} * 1000000}}));
    }

    void badSinceIsAnError()
    {
        ConnectionQuery query;
        query.since = "yesterday";
        QVERIFY(!connectionFilter(query, now).ok());
    }

    void eventMatchingFollowsTheDaemonsFilterSemantics_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<bool>("matches");
        QTest::newRow("empty filter") << "{}" << true;
        QTest::newRow("app substring") << R"({"app": "bin/cu"})" << true;
        QTest::newRow("other app") << R"({"app": "wget"})" << false;
        QTest::newRow("host any case") << R"({"host": "EXAMPLE"})" << true;
        QTest::newRow("other host") << R"({"host": "other"})" << false;
        QTest::newRow("same verdict") << R"({"verdict": "denied"})" << true;
        QTest::newRow("other verdict") << R"({"verdict": "allowed"})" << false;
        QTest::newRow("since inclusive") << R"({"since_usec": 1000})" << true;
        QTest::newRow("since later") << R"({"since_usec": 1001})" << false;
    }

    void eventMatchingFollowsTheDaemonsFilterSemantics()
    {
        QFETCH(QString, filter);
        QFETCH(bool, matches);
        const json event = {
            {"app", "/usr/bin/curl"}, {"host", "www.Example.test"}, {"verdict", "denied"}, {"time_usec", 1000}};
        QCOMPARE(eventMatches(event, json::parse(filter.toStdString())), matches);
    }

    void rulesForAppKeepsExactMatchesOnly()
    {
        const json rules =
            json::array({{{"id", 1}, {"app", "/usr/bin/curl"}}, {{"id", 2}, {"app", "/usr/bin/curl2"}}, {{"id", 3}}});
        HG_COMPARE_JSON(rulesForApp(rules, "/usr/bin/curl"), json::array({{{"id", 1}, {"app", "/usr/bin/curl"}}}));
        HG_COMPARE_JSON(rulesForApp(rules, ""), rules);
    }
};

QTEST_GUILESS_MAIN(RequestsTest)
#include "requests_test.moc"
