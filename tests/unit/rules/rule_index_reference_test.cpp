// SPDX-License-Identifier: GPL-3.0-or-later
// Checks RuleIndex against a plain linear matcher written from the precedence rules, on random rule sets.
#include "rules/rule_index.h"

#include <QTest>

#include <random>
#include <tuple>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);

// The documented precedence, spelled out as a tuple: larger wins.
auto precedence(const Rule& rule, std::size_t position)
{
    int tier = 0;
    int detail = 0;
    switch (rule.host.kind()) {
    case HostPattern::Kind::Exact:
        tier = 3;
        break;
    case HostPattern::Kind::Suffix:
        tier = 2;
        detail = static_cast<int>(std::count(rule.host.name().begin(), rule.host.name().end(), '.')) + 1;
        break;
    case HostPattern::Kind::Regex:
        tier = 2; // below every suffix: a suffix has at least one label
        break;
    case HostPattern::Kind::Network:
        tier = rule.host.cidr().isSingleHost() ? 3 : 1;
        detail = rule.host.cidr().isSingleHost() ? 0 : static_cast<int>(rule.host.cidr().prefixLength());
        break;
    case HostPattern::Kind::Any:
        break;
    }
    return std::make_tuple(rule.origin == RuleOrigin::Admin, tier, detail, rule.app.has_value(),
                           rule.script.has_value(), -static_cast<std::int64_t>(rule.ports.size()),
                           rule.protocol != Protocol::Any, rule.uid.has_value(), rule.action == Action::Deny,
                           -static_cast<std::int64_t>(rule.id), -static_cast<std::int64_t>(position));
}

// From the documentation of AppIdentity and rules/app_id.h, written independently of appKeysOf().
bool referenceAppMatches(const std::string& ruleApp, const AppIdentity& app)
{
    if (ruleApp.starts_with('/'))
        return !app.ownRoot && ruleApp == app.path;
    return ruleApp == app.appId || ruleApp == app.unit;
}

struct ReferenceMatch {
    const Rule* rule = nullptr;
    std::string matchedHost;
};

ReferenceMatch referenceMatch(const std::vector<Rule>& rules, const std::vector<bool>& retired,
                              const Connection& connection)
{
    ReferenceMatch best;
    std::size_t bestPosition = 0;
    for (std::size_t position = 0; position < rules.size(); ++position) {
        const Rule& rule = rules[position];
        if (!rule.enabled || retired[position] || rule.lifetime.expiredAt(now))
            continue;
        if ((rule.app && !referenceAppMatches(*rule.app, connection.app)) ||
            (rule.script && rule.script != connection.app.script) || (rule.uid && *rule.uid != connection.uid) ||
            (rule.protocol != Protocol::Any && rule.protocol != connection.protocol) ||
            !rule.ports.contains(connection.port))
            continue;

        std::string matchedHost;
        bool hostMatches = false;
        switch (rule.host.kind()) {
        case HostPattern::Kind::Any:
            hostMatches = true;
            break;
        case HostPattern::Kind::Network:
            hostMatches = rule.host.matchesAddress(connection.destination);
            matchedHost = connection.destination.toString();
            break;
        case HostPattern::Kind::Exact:
        case HostPattern::Kind::Suffix:
        case HostPattern::Kind::Regex:
            for (const auto& name : connection.hostnames) {
                if (rule.host.matchesName(name)) {
                    hostMatches = true;
                    matchedHost = name;
                    break;
                }
            }
            break;
        }
        if (!hostMatches)
            continue;
        if (!best.rule || precedence(rule, position) > precedence(*best.rule, bestPosition)) {
            best = {&rule, matchedHost};
            bestPosition = position;
        }
    }
    return best;
}

// Whether some live rule matching the connection on some port or protocol names ports or a protocol.
bool referenceDependsOnPort(const std::vector<Rule>& rules, const std::vector<bool>& retired,
                            const Connection& connection)
{
    for (std::size_t position = 0; position < rules.size(); ++position) {
        const Rule& rule = rules[position];
        if (!rule.enabled || retired[position] || rule.lifetime.expiredAt(now) ||
            (rule.ports.isAny() && rule.protocol == Protocol::Any))
            continue;
        if ((rule.app && !referenceAppMatches(*rule.app, connection.app)) ||
            (rule.script && rule.script != connection.app.script) || (rule.uid && *rule.uid != connection.uid))
            continue;
        bool hostMatches = rule.host.matchesAddress(connection.destination);
        for (const auto& name : connection.hostnames)
            hostMatches = hostMatches || rule.host.matchesName(name);
        if (hostMatches)
            return true;
    }
    return false;
}

class RandomWorld {
public:
    explicit RandomWorld(std::uint32_t seed) : random_(seed) {}

    Rule rule(RuleId id)
    {
        Rule rule;
        rule.id = id;
        rule.origin = chance(10) ? RuleOrigin::Admin : RuleOrigin::User;
        if (!chance(30))
            rule.app = chance(20) ? pick(chance(50) ? appIds_ : units_) : pick(apps_);
        if (chance(10))
            rule.script = pick(scripts_);
        if (chance(15))
            rule.uid = chance(50) ? 1000u : 1001u;
        switch (between(0, 10)) {
        case 10:
            rule.host = *HostPattern::parse(pick(regexes_));
            break;
        case 0:
            rule.host = HostPattern::any();
            break;
        case 1:
        case 2:
        case 3:
            rule.host = HostPattern::exact(name());
            break;
        case 4:
        case 5:
        case 6:
            rule.host = HostPattern::suffix(domain());
            break;
        default:
            rule.host = HostPattern::network(
                Cidr(address(), static_cast<unsigned>(between(0, 1) ? between(8, 32) : between(16, 128))));
            break;
        }
        if (!chance(40)) {
            const auto text = pick(portLists_);
            rule.ports = *PortSet::parse(text);
        }
        rule.protocol = static_cast<Protocol>(between(0, 2));
        rule.action = chance(50) ? Action::Allow : Action::Deny;
        rule.enabled = !chance(5);
        if (chance(5))
            rule.lifetime = Lifetime::untilTime(now - std::chrono::seconds(between(0, 100)));
        else if (chance(5))
            rule.lifetime = Lifetime::untilTime(now + std::chrono::seconds(between(1, 100)));
        return rule;
    }

    Connection connection()
    {
        Connection connection;
        connection.app.path = chance(90) ? pick(apps_) : "/usr/bin/unknown";
        // Sandboxed and service processes: matched by their app id or unit, by path only with the host's root.
        if (chance(15))
            connection.app.appId = pick(appIds_);
        if (chance(15))
            connection.app.unit = pick(units_);
        connection.app.ownRoot = chance(15);
        if (chance(20))
            connection.app.script = pick(scripts_);
        connection.uid = chance(50) ? 1000u : 1002u;
        const int names = between(0, 3);
        for (int i = 0; i < names; ++i)
            connection.hostnames.push_back(name());
        connection.destination = address();
        connection.port = static_cast<std::uint16_t>(pick(ports_));
        connection.protocol = chance(50) ? Protocol::Tcp : Protocol::Udp;
        return connection;
    }

    int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
    bool chance(int percent) { return between(0, 99) < percent; }

private:
    template <class T>
    const T& pick(const std::vector<T>& from)
    {
        return from[static_cast<std::size_t>(between(0, static_cast<int>(from.size()) - 1))];
    }

    std::string domain()
    {
        std::string result = pick(domains_);
        for (int depth = between(0, 2); depth > 0; --depth)
            result = pick(labels_) + "." + result;
        return result;
    }

    std::string name() { return pick(labels_) + "." + domain(); }

    IpAddress address()
    {
        // Few distinct addresses, so networks of every length overlap the ones connections go to.
        if (chance(60)) {
            const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(chance(50) ? 198 : 203),
                                           static_cast<std::uint8_t>(chance(50) ? 51 : 0),
                                           static_cast<std::uint8_t>(between(100, 101)),
                                           static_cast<std::uint8_t>(between(0, 7) * 32 + between(0, 1))};
            return IpAddress::fromV4Bytes(bytes);
        }
        std::uint8_t bytes[16] = {0x20, 0x01, 0x0d, 0xb8};
        bytes[5] = static_cast<std::uint8_t>(between(0, 2));
        bytes[8] = static_cast<std::uint8_t>(between(0, 1) * 0x80);
        bytes[15] = static_cast<std::uint8_t>(between(0, 3));
        return IpAddress::fromV6Bytes(bytes);
    }

    std::mt19937 random_;
    std::vector<std::string> appIds_{"flatpak:org.mozilla.firefox", "snap:firefox", "appimage:Tool.AppImage"};
    std::vector<std::string> units_{"unit:cups.service", "unit:docker-1.scope"};
    std::vector<std::string> apps_{"/usr/bin/curl",    "/usr/bin/wget", "/usr/lib/firefox/firefox",
                                   "/usr/bin/python3", "/usr/bin/ssh",  ""};
    std::vector<std::string> scripts_{"/home/u/a.py", "/home/u/b.py"};
    std::vector<std::string> domains_{"example.com", "example.net", "badexample.com", "com", "test"};
    std::vector<std::string> labels_{"www", "cdn", "a", "example", "api"};
    std::vector<std::string> regexes_{R"(re:^(www|cdn)\..*)", R"(re:.*example\.(com|net))", R"(re:a\.[a-z.]+)",
                                      R"(re:[a-z]+\.test$)", R"(re:API\.EXAMPLE\.COM)"};
    std::vector<std::string> portLists_{"443", "80,443", "1-1024", "8000-8100", "53", "22,443,8443"};
    std::vector<int> ports_{22, 53, 80, 443, 8080, 8443, 1024, 8000};
};

} // namespace

class RuleIndexReferenceTest : public QObject {
    Q_OBJECT

private slots:
    void indexAgreesWithLinearMatcherOnRandomRules_data()
    {
        QTest::addColumn<uint>("seed");
        QTest::addColumn<int>("ruleCount");
        QTest::addColumn<int>("minimumMatched"); // of 4000 connections; a world that never matches proves little
        for (const uint seed : {1u, 2u, 3u, 20261123u})
            QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(seed))) << seed << 3000 << 3000;
        QTest::newRow("small rule set") << 7u << 40 << 800;
    }
    void indexAgreesWithLinearMatcherOnRandomRules()
    {
        QFETCH(uint, seed);
        QFETCH(int, ruleCount);
        QFETCH(int, minimumMatched);
        RandomWorld world(seed);

        // Ids are shuffled so tie-breaking by id is exercised independently of position.
        std::vector<RuleId> ids(static_cast<std::size_t>(ruleCount));
        std::iota(ids.begin(), ids.end(), RuleId{1});
        std::shuffle(ids.begin(), ids.end(), std::mt19937(seed));
        std::vector<Rule> rules;
        for (const auto id : ids)
            rules.push_back(world.rule(id));

        // Part built at once, part added later, some retired: every way the engine changes an index.
        const auto builtCount = rules.size() - rules.size() / 10;
        RuleIndex index(std::vector<Rule>(rules.begin(), rules.begin() + static_cast<std::ptrdiff_t>(builtCount)));
        for (auto it = rules.begin() + static_cast<std::ptrdiff_t>(builtCount); it != rules.end(); ++it)
            index.add(*it);
        std::vector<bool> retired(rules.size(), false);
        for (int i = 0; i < ruleCount / 30; ++i) {
            const auto position = static_cast<std::size_t>(world.between(0, ruleCount - 1));
            retired[position] = true;
            index.retire(position);
        }

        int matched = 0;
        for (int i = 0; i < 4000; ++i) {
            const auto connection = world.connection();
            const auto expected = referenceMatch(rules, retired, connection);
            const auto actual = index.matchWithHost(connection, now);
            const auto describeCase = [&] {
                std::string text = "connection " + connection.app.path + " " + connection.destination.toString() + ":" +
                                   std::to_string(connection.port) + " names";
                for (const auto& name : connection.hostnames)
                    text += " " + name;
                text += "; expected " + (expected.rule ? describe(*expected.rule) : "none") + "; got " +
                        (actual.rule ? describe(*actual.rule) : "none");
                return text;
            };
            QVERIFY2((expected.rule == nullptr) == (actual.rule == nullptr), describeCase().c_str());
            if (!expected.rule)
                continue;
            ++matched;
            QVERIFY2(expected.rule->id == actual.rule->id, describeCase().c_str());
            QCOMPARE(QString::fromStdString(actual.matchedHost), QString::fromStdString(expected.matchedHost));
            QCOMPARE(index.match(connection, now), actual.rule);
        }

        QVERIFY2(matched >= minimumMatched,
                 qPrintable(QStringLiteral("only %1 of 4000 connections matched").arg(matched)));

        for (int i = 0; i < 500; ++i) {
            const auto connection = world.connection();
            QCOMPARE(index.dependsOnPortOrProtocol(connection, now),
                     referenceDependsOnPort(rules, retired, connection));
        }
    }
};

QTEST_APPLESS_MAIN(RuleIndexReferenceTest)
#include "rule_index_reference_test.moc"
