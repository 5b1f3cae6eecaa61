// SPDX-License-Identifier: GPL-3.0-or-later
// Rule matching speed and memory at 1k/10k/100k rules, against a linear scan and a hash lookup baseline.
#include "decision/decision_engine.h"
#include "rules/rule_index.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <malloc.h>

#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);
constexpr std::size_t connectionCount = 4096; // power of two: cycled with a mask

std::size_t heapInUse()
{
    const auto info = mallinfo2();
    return info.uordblks + info.hblkhd; // large blocks are mmapped and counted apart
}

// A rule set shaped like a real one: many apps, mostly exact names and suffixes, some networks, and
// any-host rules only with port lists (so unknown destinations on other ports miss).
class Workload {
public:
    explicit Workload(std::size_t ruleCount) : random_(static_cast<std::uint32_t>(ruleCount))
    {
        const std::size_t appCount = std::max<std::size_t>(50, ruleCount / 100);
        for (std::size_t i = 0; i < appCount; ++i)
            apps_.push_back(fmt::format("/usr/lib/app{0}/bin/app{0}", i));

        const auto before = heapInUse();
        for (std::size_t i = 0; i < ruleCount; ++i)
            rules.push_back(makeRule(i + 1));
        rulesBytes = heapInUse() - before;

        for (std::size_t i = 0; i < connectionCount; ++i)
            hits.push_back(connectionFor(rules[pick(rules.size())]));
        for (std::size_t i = 0; i < connectionCount; ++i)
            misses.push_back(missConnection(i));
    }

    std::vector<Rule> rules;
    std::vector<Connection> hits;
    std::vector<Connection> misses;
    std::size_t rulesBytes = 0;

private:
    std::size_t pick(std::size_t count) { return std::uniform_int_distribution<std::size_t>(0, count - 1)(random_); }
    bool chance(unsigned percent) { return pick(100) < percent; }

    // fmt::format rather than string operator+ chains: those trip a GCC 12 -Wrestrict false positive at -O3.
    std::string domain() { return fmt::format("site{}.{}", pick(5000), chance(50) ? "example" : "test"); }

    Rule makeRule(RuleId id)
    {
        Rule rule;
        rule.id = id;
        rule.origin = chance(5) ? RuleOrigin::Admin : RuleOrigin::User;
        if (!chance(5))
            rule.app = apps_[pick(apps_.size())];
        rule.action = chance(70) ? Action::Allow : Action::Deny;
        rule.protocol = chance(60) ? Protocol::Tcp : (chance(50) ? Protocol::Udp : Protocol::Any);
        static const char* const portLists[] = {"443", "80,443", "8000-8100", "22", "53", "993,995,465,587"};
        if (!chance(30))
            rule.ports = *PortSet::parse(portLists[pick(std::size(portLists))]);

        const auto kind = pick(100);
        if (kind < 45) {
            rule.host = HostPattern::exact(fmt::format("h{}.{}", pick(100), domain()));
        } else if (kind < 70) {
            rule.host = HostPattern::suffix(chance(30) ? fmt::format("cdn.{}", domain()) : domain());
        } else if (kind < 85) {
            const std::uint8_t v4[4] = {10, static_cast<std::uint8_t>(pick(256)), static_cast<std::uint8_t>(pick(256)),
                                        static_cast<std::uint8_t>(pick(256))};
            const unsigned prefixes[] = {8, 12, 16, 20, 24, 28, 32};
            if (chance(80)) {
                rule.host = HostPattern::network(Cidr(IpAddress::fromV4Bytes(v4), prefixes[pick(std::size(prefixes))]));
            } else {
                std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, v4[1], v4[2], v4[3]};
                v6[15] = static_cast<std::uint8_t>(pick(256));
                const unsigned v6Prefixes[] = {32, 48, 56, 64, 128};
                rule.host =
                    HostPattern::network(Cidr(IpAddress::fromV6Bytes(v6), v6Prefixes[pick(std::size(v6Prefixes))]));
            }
        } else {
            rule.host = HostPattern::any();
            if (rule.ports.isAny())
                rule.ports = PortSet::single(22);
        }
        return rule;
    }

    Connection baseConnection(const std::string& app)
    {
        Connection connection;
        connection.app.path = app;
        connection.pid = 1000;
        connection.uid = 1000;
        connection.protocol = Protocol::Tcp;
        return connection;
    }

    // A connection the given rule matches (a more specific rule may still win, as in real traffic).
    Connection connectionFor(const Rule& rule)
    {
        auto connection = baseConnection(rule.app.value_or(apps_[pick(apps_.size())]));
        connection.protocol = rule.protocol == Protocol::Udp ? Protocol::Udp : Protocol::Tcp;
        connection.port = rule.ports.isAny() ? 443 : rule.ports.ranges().front().first;
        const std::uint8_t unrelated[4] = {198, 51, 100, static_cast<std::uint8_t>(pick(256))};
        connection.destination = IpAddress::fromV4Bytes(unrelated);
        switch (rule.host.kind()) {
        case HostPattern::Kind::Exact:
            connection.hostnames = {rule.host.name()};
            break;
        case HostPattern::Kind::Suffix:
            connection.hostnames = {fmt::format("img.eu.{}", rule.host.name())};
            break;
        case HostPattern::Kind::Network:
            connection.destination = rule.host.cidr().base();
            connection.hostnames = {fmt::format("unnamed{}.net", pick(1000))};
            break;
        case HostPattern::Kind::Regex: // the generated rule sets hold none: a regex names no one host to aim at
        case HostPattern::Kind::Any:
            connection.hostnames = {"anything.example.org"};
            break;
        }
        return connection;
    }

    Connection missConnection(std::size_t i)
    {
        auto connection = baseConnection(apps_[pick(apps_.size())]);
        connection.port = 9999;
        connection.hostnames = {fmt::format("www.unknown{}.example.org", i)};
        const std::uint8_t address[4] = {198, 18, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
        connection.destination = IpAddress::fromV4Bytes(address);
        return connection;
    }

    std::mt19937 random_;
    std::vector<std::string> apps_;
};

struct Fixture {
    Workload workload;
    std::unique_ptr<RuleIndex> index;
    std::size_t indexBytes = 0;
    double buildMilliseconds = 0;

    explicit Fixture(std::size_t ruleCount) : workload(ruleCount)
    {
        auto copy = workload.rules;
        const auto before = heapInUse();
        const auto start = std::chrono::steady_clock::now();
        index = std::make_unique<RuleIndex>(std::move(copy)); // the copy moves in: the delta is the index alone
        buildMilliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        indexBytes = heapInUse() - before;
    }
};

// Built once per size and shared by the benchmarks of that size; building 100k rules takes a while.
Fixture& fixture(std::size_t ruleCount)
{
    static std::map<std::size_t, std::unique_ptr<Fixture>> fixtures;
    auto& slot = fixtures[ruleCount];
    if (!slot)
        slot = std::make_unique<Fixture>(ruleCount);
    return *slot;
}

void reportMemory(benchmark::State& state, const Fixture& f)
{
    const auto rules = static_cast<double>(f.workload.rules.size());
    state.counters["rules"] = rules;
    state.counters["index_bytes"] = static_cast<double>(f.indexBytes);
    state.counters["index_bytes_per_rule"] = static_cast<double>(f.indexBytes) / rules;
    state.counters["rule_input_bytes_per_rule"] = static_cast<double>(f.workload.rulesBytes) / rules;
    state.counters["build_ms"] = f.buildMilliseconds;
}

void matchLoop(benchmark::State& state, const std::vector<Connection>& connections, const RuleIndex& index)
{
    std::size_t i = 0;
    std::size_t matched = 0;
    for (auto _ : state) {
        const Rule* rule = index.match(connections[i++ & (connectionCount - 1)], now);
        matched += rule != nullptr;
        benchmark::DoNotOptimize(rule);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["matched_fraction"] = static_cast<double>(matched) / static_cast<double>(state.iterations());
}

void BM_IndexMatchHit(benchmark::State& state)
{
    auto& f = fixture(static_cast<std::size_t>(state.range(0)));
    matchLoop(state, f.workload.hits, *f.index);
    reportMemory(state, f);
}

void BM_IndexMatchMiss(benchmark::State& state)
{
    auto& f = fixture(static_cast<std::size_t>(state.range(0)));
    matchLoop(state, f.workload.misses, *f.index);
    reportMemory(state, f);
}

// The whole decision as the daemon makes it: lookup, hit count, rule copy and explanation text.
void BM_EngineDecideHit(benchmark::State& state)
{
    auto& f = fixture(static_cast<std::size_t>(state.range(0)));
    DecisionEngine engine;
    engine.setRules(f.workload.rules);
    std::size_t i = 0;
    for (auto _ : state) {
        auto decision = engine.decide(f.workload.hits[i++ & (connectionCount - 1)], now);
        benchmark::DoNotOptimize(decision);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_EngineDecideMiss(benchmark::State& state)
{
    auto& f = fixture(static_cast<std::size_t>(state.range(0)));
    DecisionEngine engine;
    engine.setRules(f.workload.rules);
    std::size_t i = 0;
    for (auto _ : state) {
        auto decision = engine.decide(f.workload.misses[i++ & (connectionCount - 1)], now);
        benchmark::DoNotOptimize(decision);
    }
    state.SetItemsProcessed(state.iterations());
}

// Baseline 1: what the index replaces, a scan of every rule keeping the best by the same precedence.
const Rule* linearMatch(const std::vector<Rule>& rules, const Connection& connection)
{
    const Rule* best = nullptr;
    const auto key = [](const Rule& rule) {
        const auto& host = rule.host;
        const int tier = host.kind() == HostPattern::Kind::Exact                                               ? 3
                         : host.kind() == HostPattern::Kind::Suffix || host.kind() == HostPattern::Kind::Regex ? 2
                         : host.kind() == HostPattern::Kind::Network ? (host.cidr().isSingleHost() ? 3 : 1)
                                                                     : 0;
        return std::make_tuple(rule.origin == RuleOrigin::Admin, tier, rule.app.has_value(), rule.script.has_value(),
                               -static_cast<std::int64_t>(rule.ports.size()), rule.protocol != Protocol::Any,
                               rule.uid.has_value(), rule.action == Action::Deny, -static_cast<std::int64_t>(rule.id));
    };
    for (const auto& rule : rules) {
        if (!rule.enabled || rule.lifetime.expiredAt(now) || (rule.app && *rule.app != connection.app.path) ||
            (rule.uid && *rule.uid != connection.uid) ||
            (rule.protocol != Protocol::Any && rule.protocol != connection.protocol) ||
            !rule.ports.contains(connection.port))
            continue;
        bool hostMatches = rule.host.matchesAddress(connection.destination);
        for (const auto& name : connection.hostnames)
            hostMatches = hostMatches || rule.host.matchesName(name);
        if (hostMatches && (!best || key(rule) > key(*best)))
            best = &rule;
    }
    return best;
}

void BM_BaselineLinearScanHit(benchmark::State& state)
{
    auto& f = fixture(static_cast<std::size_t>(state.range(0)));
    std::size_t i = 0;
    for (auto _ : state) {
        const Rule* rule = linearMatch(f.workload.rules, f.workload.hits[i++ & (connectionCount - 1)]);
        benchmark::DoNotOptimize(rule);
    }
    state.SetItemsProcessed(state.iterations());
}

// Baseline 2: the floor for any name-keyed lookup, one std::unordered_map<std::string, ...> probe.
void BM_BaselineHashLookup(benchmark::State& state)
{
    auto& f = fixture(static_cast<std::size_t>(state.range(0)));
    std::unordered_map<std::string, std::size_t> byName;
    for (std::size_t i = 0; i < f.workload.rules.size(); ++i)
        byName.emplace(f.workload.rules[i].host.toString(), i);
    std::size_t i = 0;
    for (auto _ : state) {
        auto it = byName.find(f.workload.hits[i++ & (connectionCount - 1)].hostnames.front());
        benchmark::DoNotOptimize(it);
    }
    state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(BM_BaselineHashLookup)->Arg(100000);
BENCHMARK(BM_BaselineLinearScanHit)->Arg(1000);
BENCHMARK(BM_IndexMatchHit)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_IndexMatchMiss)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_EngineDecideHit)->Arg(1000)->Arg(10000)->Arg(100000);
BENCHMARK(BM_EngineDecideMiss)->Arg(1000)->Arg(10000)->Arg(100000);

BENCHMARK_MAIN();
