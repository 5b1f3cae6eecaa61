// SPDX-License-Identifier: GPL-3.0-or-later
// Subscribed-list lookup at 1M domains: parse time, memory and ns/lookup (hits under an entry, misses), against
// a std::unordered_set<std::string_view> walked over the same parent domains, measured in the same run.
#include "lists/domain_set.h"
#include "lists/list_parser.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <unistd.h>

using namespace hostgate;

namespace {

using Clock = std::chrono::steady_clock;

std::size_t residentBytes()
{
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0;
    std::size_t resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

double seconds(Clock::duration duration)
{
    return std::chrono::duration<double>(duration).count();
}

// Names shaped like a blocklist's: two to four labels of 4..14 random letters under a few hundred TLD-ish
// suffixes (~22 characters on average).
std::string randomName(std::mt19937_64& random)
{
    static const char* const tlds[] = {"com", "net", "org", "io", "de", "co.uk", "ru", "info", "xyz", "online"};
    std::uniform_int_distribution<int> letter('a', 'z');
    std::uniform_int_distribution<int> length(4, 14);
    std::uniform_int_distribution<int> labels(1, 3);
    std::string name;
    for (int label = labels(random); label > 0; --label) {
        for (int i = length(random); i > 0; --i)
            name.push_back(static_cast<char>(letter(random)));
        name.push_back('.');
    }
    return name + tlds[random() % 10];
}

template <class Lookup>
double nsPerLookup(const std::vector<std::string>& queries, Lookup&& lookup, std::size_t& found)
{
    constexpr int rounds = 5;
    found = 0;
    const auto start = Clock::now();
    for (int round = 0; round < rounds; ++round)
        for (const auto& query : queries)
            found += lookup(query) ? 1 : 0;
    return seconds(Clock::now() - start) * 1e9 / static_cast<double>(queries.size() * rounds);
}

bool baselineMatch(const std::unordered_set<std::string_view>& set, std::string_view name)
{
    for (std::size_t start = 0;;) {
        if (set.count(name.substr(start)))
            return true;
        const auto dot = name.find('.', start);
        if (dot == std::string_view::npos)
            return false;
        start = dot + 1;
    }
}

} // namespace

int main(int argc, char** argv)
{
    const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    std::mt19937_64 random(15);
    std::string text;
    std::vector<std::string> names;
    names.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        names.push_back(randomName(random));
        text += "0.0.0.0 " + names.back() + "\n";
    }
    std::vector<std::string> hits;
    std::vector<std::string> misses;
    for (std::size_t i = 0; i < 200'000; ++i) {
        hits.push_back("cdn" + std::to_string(i % 10) + "." + names[random() % names.size()]); // under an entry
        misses.push_back(randomName(random) + ".absent");
    }

    const auto rssBefore = residentBytes();
    const auto loadStart = Clock::now();
    auto parsed = parseList(text, ListFormat::Hosts, "bench");
    const auto loadTime = Clock::now() - loadStart;
    const auto rssAfter = residentBytes();
    if (!parsed) {
        fmt::print(stderr, "{}\n", parsed.error().describe());
        return 1;
    }
    const DomainSet& set = parsed->domains;

    const auto baseRssBefore = residentBytes();
    const auto baseStart = Clock::now();
    std::vector<std::string> owned(names);
    std::unordered_set<std::string_view> baseline(owned.begin(), owned.end());
    const auto baseTime = Clock::now() - baseStart;
    const auto baseRssAfter = residentBytes();

    std::size_t found = 0;
    const double hitNs = nsPerLookup(
        hits, [&](const std::string& q) { return !set.matchSuffix(q).empty(); }, found);
    const auto setHits = found;
    const double missNs = nsPerLookup(
        misses, [&](const std::string& q) { return !set.matchSuffix(q).empty(); }, found);
    const auto setFalse = found;
    const double baseHitNs = nsPerLookup(
        hits, [&](const std::string& q) { return baselineMatch(baseline, q); }, found);
    const double baseMissNs = nsPerLookup(
        misses, [&](const std::string& q) { return baselineMatch(baseline, q); }, found);
    if (setHits != hits.size() * 5 || setFalse != 0) {
        fmt::print(stderr, "wrong answers: {} hits of {}, {} false hits\n", setHits, hits.size() * 5, setFalse);
        return 1;
    }

    fmt::print("{} domains ({} MB of hosts-file text), {} hit and {} miss queries, 5 rounds\n", set.size(),
               text.size() >> 20, hits.size(), misses.size());
    fmt::print("| structure | load | memory (RSS delta) | hit ns/lookup | miss ns/lookup |\n");
    fmt::print("| --- | --- | --- | --- | --- |\n");
    fmt::print("| DomainSet (parse hosts text + build) | {:.2f} s | {} MB | {:.0f} | {:.0f} |\n", seconds(loadTime),
               (rssAfter - rssBefore) >> 20, hitNs, missNs);
    fmt::print("| baseline std::unordered_set<string_view> + owned strings (build only, no parse) | {:.2f} s | {} MB | "
               "{:.0f} ({:.2f}x) | {:.0f} ({:.2f}x) |\n",
               seconds(baseTime), (baseRssAfter - baseRssBefore) >> 20, baseHitNs, baseHitNs / hitNs, baseMissNs,
               baseMissNs / missNs);
    fmt::print("DomainSet::memoryBytes() = {} MB\n", set.memoryBytes() >> 20);
    return 0;
}
