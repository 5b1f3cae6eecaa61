// SPDX-License-Identifier: GPL-3.0-or-later
// RuleIndex: bucketing of rules by app and host, and the precedence-ordered lookup over those buckets.
#include "rules/rule_index.h"

#include "rules/app_id.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace hostgate {

namespace {

constexpr std::uint32_t noPosition = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t maxPortsKeyedSeparately = 64;
constexpr int hostSourceAddress = -1;
constexpr int hostSourceAny = -2;

std::uint64_t hostSpecificity(const HostPattern& host)
{
    constexpr std::uint64_t exactTier = 3, suffixTier = 2, networkTier = 1;
    switch (host.kind()) {
    case HostPattern::Kind::Exact:
        return exactTier << 8;
    case HostPattern::Kind::Suffix:
        return suffixTier << 8 |
               static_cast<std::uint64_t>(std::count(host.name().begin(), host.name().end(), '.') + 1);
    case HostPattern::Kind::Regex:
        return suffixTier << 8; // below "*.d" of any depth (a suffix has at least one label), above networks
    case HostPattern::Kind::Network:
        if (host.cidr().isSingleHost())
            return exactTier << 8;
        return networkTier << 8 | host.cidr().prefixLength();
    case HostPattern::Kind::Any:
        break;
    }
    return 0;
}

// Packs the precedence criteria documented in the header into one integer: larger wins.
std::uint64_t precedenceRank(const Rule& rule)
{
    const auto flag = [](bool value) { return static_cast<std::uint64_t>(value ? 1 : 0); };
    const std::uint64_t portNarrowness = 65536u - rule.ports.size();
    const std::uint64_t originRank = rule.origin == RuleOrigin::Admin ? 2 : rule.origin == RuleOrigin::Base ? 1 : 0;
    return originRank << 50 | hostSpecificity(rule.host) << 40 | flag(rule.app.has_value()) << 39 |
           flag(rule.script.has_value()) << 38 | portNarrowness << 21 | flag(rule.protocol != Protocol::Any) << 20 |
           flag(rule.uid.has_value()) << 19 | flag(rule.action == Action::Deny) << 18;
}

std::uint32_t v4Value(const IpAddress& address)
{
    const auto& bytes = address.bytes();
    return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
           static_cast<std::uint32_t>(bytes[2]) << 8 | bytes[3];
}

std::uint32_t maskV4(std::uint32_t value, unsigned prefixLength)
{
    return prefixLength == 0 ? 0 : value & (~std::uint32_t{0} << (32 - prefixLength));
}

std::uint64_t maskHalf(std::uint64_t value, unsigned prefixLength)
{
    if (prefixLength == 0)
        return 0;
    return prefixLength >= 64 ? value : value & (~std::uint64_t{0} << (64 - prefixLength));
}

std::uint64_t bigEndian64(const std::uint8_t* bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
        value = value << 8 | bytes[i];
    return value;
}

template <class Level>
Level& levelFor(std::vector<Level>& levels, unsigned prefixLength)
{
    auto it = std::find_if(levels.begin(), levels.end(),
                           [&](const Level& level) { return level.prefixLength <= prefixLength; });
    if (it == levels.end() || it->prefixLength != prefixLength) {
        it = levels.insert(it, Level{});
        it->prefixLength = prefixLength;
    }
    return *it;
}

} // namespace

RuleIndex::RuleIndex(std::vector<Rule> rules) : rules_(std::move(rules))
{
    if (rules_.size() >= noPosition)
        throw std::length_error("Failed to index rules: more than 2^32 - 1 rules");
    retired_.assign(rules_.size(), 0);

    // Append everything, then sort each list once: sorted insertion would be quadratic in a big list.
    for (std::uint32_t position = 0; position < rules_.size(); ++position) {
        const auto candidate = makeCandidate(position);
        forEachListOf(position, [&](Candidates& candidates) { candidates.push_back(candidate); });
    }
    const auto sortList = [](Candidates& candidates) {
        std::sort(candidates.begin(), candidates.end(), ranksAbove);
        candidates.shrink_to_fit();
    };
    const auto sortBucket = [&](Bucket& bucket) {
        for (auto& candidates : bucket.exactNames.values())
            sortList(candidates);
        for (auto& candidates : bucket.suffixDomains.values())
            sortList(candidates);
        sortList(bucket.regexNames);
        for (auto& level : bucket.v4Levels)
            for (auto& [network, candidates] : level.networks)
                sortList(candidates);
        for (auto& level : bucket.v6Levels)
            for (auto& [network, candidates] : level.networks)
                sortList(candidates);
        for (auto& [port, candidates] : bucket.anyHostByPort)
            sortList(candidates);
        sortList(bucket.anyHostWide);
    };
    for (auto& bucket : appBuckets_.values())
        sortBucket(bucket);
    sortBucket(anyAppBucket_);
}

std::size_t RuleIndex::add(Rule rule)
{
    if (rules_.size() + 1 >= noPosition)
        throw std::length_error("Failed to add rule: the index holds 2^32 - 1 rules");
    const auto position = static_cast<std::uint32_t>(rules_.size());
    retired_.push_back(0);
    rules_.push_back(std::move(rule));
    const auto candidate = makeCandidate(position);
    forEachListOf(position, [&](Candidates& candidates) {
        candidates.insert(std::upper_bound(candidates.begin(), candidates.end(), candidate, ranksAbove), candidate);
    });
    return position;
}

void RuleIndex::retire(std::size_t position)
{
    retired_.at(position) = 1;
}

void RuleIndex::recordHit(std::size_t position, TimePoint now)
{
    auto& rule = rules_.at(position);
    ++rule.hitCount;
    rule.lastHit = now;
}

void RuleIndex::recordHits(std::size_t position, std::uint64_t hits, TimePoint lastHit)
{
    auto& rule = rules_.at(position);
    rule.hitCount = hits > std::numeric_limits<std::uint64_t>::max() - rule.hitCount
                        ? std::numeric_limits<std::uint64_t>::max()
                        : rule.hitCount + hits;
    if (!rule.lastHit || *rule.lastHit < lastHit)
        rule.lastHit = lastHit;
}

RuleIndex::Candidate RuleIndex::makeCandidate(std::uint32_t position) const
{
    const Rule& rule = rules_[position];
    Candidate candidate;
    candidate.rank = precedenceRank(rule);
    candidate.id = rule.id;
    candidate.expiresAt = rule.lifetime.kind == Lifetime::Kind::UntilTime && rule.lifetime.until
                              ? rule.lifetime.until->time_since_epoch().count()
                              : std::numeric_limits<TimePoint::rep>::max();
    candidate.position = position;
    const auto& ranges = rule.ports.ranges();
    candidate.firstPort = ranges.empty() ? 0 : ranges.front().first;
    candidate.lastPort = ranges.empty() ? 65535 : ranges.back().last;
    candidate.portsAreHull = ranges.size() <= 1;
    candidate.protocol = rule.protocol;
    candidate.checksIdentity = rule.script.has_value() || rule.uid.has_value();
    return candidate;
}

template <class Sink>
void RuleIndex::forEachListOf(std::uint32_t position, Sink&& sink)
{
    const auto& rule = rules_[position];
    if (!rule.enabled)
        return; // positions stay stable, but a disabled rule is never a candidate
    Bucket& bucket = rule.app ? appBuckets_[*rule.app] : anyAppBucket_;
    switch (rule.host.kind()) {
    case HostPattern::Kind::Exact:
        sink(bucket.exactNames[rule.host.name()]);
        break;
    case HostPattern::Kind::Suffix:
        sink(bucket.suffixDomains[rule.host.name()]);
        break;
    case HostPattern::Kind::Regex:
        sink(bucket.regexNames);
        break;
    case HostPattern::Kind::Network: {
        const auto& cidr = rule.host.cidr();
        if (cidr.base().isV4()) {
            sink(levelFor(bucket.v4Levels, cidr.prefixLength()).networks[v4Value(cidr.base())]);
        } else {
            const auto* bytes = cidr.base().bytes().data();
            const V6Key key{bigEndian64(bytes), bigEndian64(bytes + 8)};
            sink(levelFor(bucket.v6Levels, cidr.prefixLength()).networks[key]);
        }
        break;
    }
    case HostPattern::Kind::Any:
        if (rule.ports.size() > maxPortsKeyedSeparately) {
            sink(bucket.anyHostWide);
        } else {
            for (const auto& range : rule.ports.ranges())
                for (std::uint32_t port = range.first; port <= range.last; ++port)
                    sink(bucket.anyHostByPort[static_cast<std::uint16_t>(port)]);
        }
        break;
    }
}

bool RuleIndex::ranksAbove(const Candidate& a, const Candidate& b)
{
    if (a.rank != b.rank)
        return a.rank > b.rank;
    if (a.id != b.id)
        return a.id < b.id;
    return a.position < b.position;
}

bool RuleIndex::passesFilters(const Candidate& candidate, const Connection& connection, TimePoint::rep now) const
{
    if ((candidate.protocol != Protocol::Any && candidate.protocol != connection.protocol) ||
        connection.port < candidate.firstPort || connection.port > candidate.lastPort || now >= candidate.expiresAt ||
        retired_[candidate.position])
        return false;
    if (candidate.portsAreHull && !candidate.checksIdentity)
        return true;
    const Rule& rule = rules_[candidate.position];
    return rule.ports.contains(connection.port) && (!rule.uid || *rule.uid == connection.uid) &&
           (!rule.script || rule.script == connection.app.script);
}

void RuleIndex::consider(std::span<const Candidate> candidates, int hostSource, const Connection& connection,
                         TimePoint::rep now, Best& best) const
{
    for (const auto& candidate : candidates) {
        // Lists are sorted best first: once one cannot beat the best so far, none after it can.
        if (best.candidate && !ranksAbove(candidate, *best.candidate))
            return;
        if (passesFilters(candidate, connection, now)) {
            best = {&candidate, hostSource};
            return;
        }
    }
}

template <class Visit>
void RuleIndex::visitLists(const Bucket& bucket, const Connection& connection, bool everyPort, Visit&& visit) const
{
    const bool hasExact = !bucket.exactNames.empty();
    const bool hasSuffix = !bucket.suffixDomains.empty();
    if (hasExact || hasSuffix) {
        using Names = StringTable<Candidates>;
        for (std::size_t i = 0; i < connection.hostnames.size(); ++i) {
            const std::string_view name = connection.hostnames[i];
            const int source = static_cast<int>(i);
            // One pass from the end hashes every proper parent domain ("a.b.example.com" → "com",
            // "example.com", "b.example.com") on the way to the whole name.
            std::uint64_t hash = Names::seed;
            for (std::size_t at = name.size(); at-- > 0;) {
                if (hasSuffix && name[at] == '.') {
                    if (const auto* candidates = bucket.suffixDomains.find(name.substr(at + 1), hash))
                        visit(*candidates, source);
                }
                hash = Names::step(hash, name[at]);
            }
            if (hasExact) {
                if (const auto* candidates = bucket.exactNames.find(name, hash))
                    visit(*candidates, source);
            }
        }
    }
    // A regex rule is a candidate for the first of the connection's names it matches; each is offered alone,
    // best first, so the precedence order of the list is kept.
    for (const auto& candidate : bucket.regexNames) {
        const auto& host = rules_[candidate.position].host;
        for (std::size_t i = 0; i < connection.hostnames.size(); ++i) {
            if (host.matchesName(connection.hostnames[i])) {
                visit(std::span<const Candidate>(&candidate, 1), static_cast<int>(i));
                break;
            }
        }
    }

    const auto& address = connection.destination;
    if (address.isV4()) {
        if (!bucket.v4Levels.empty()) {
            const auto value = v4Value(address);
            for (const auto& level : bucket.v4Levels) {
                if (const auto it = level.networks.find(maskV4(value, level.prefixLength)); it != level.networks.end())
                    visit(it->second, hostSourceAddress);
            }
        }
    } else if (!bucket.v6Levels.empty()) {
        const auto* bytes = address.bytes().data();
        const auto high = bigEndian64(bytes);
        const auto low = bigEndian64(bytes + 8);
        for (const auto& level : bucket.v6Levels) {
            const auto length = level.prefixLength;
            const V6Key key{maskHalf(high, length), length > 64 ? maskHalf(low, length - 64) : 0};
            if (const auto it = level.networks.find(key); it != level.networks.end())
                visit(it->second, hostSourceAddress);
        }
    }

    if (everyPort) {
        for (const auto& [port, candidates] : bucket.anyHostByPort)
            visit(candidates, hostSourceAny);
    } else if (!bucket.anyHostByPort.empty()) {
        if (const auto it = bucket.anyHostByPort.find(connection.port); it != bucket.anyHostByPort.end())
            visit(it->second, hostSourceAny);
    }
    if (!bucket.anyHostWide.empty())
        visit(bucket.anyHostWide, hostSourceAny);
}

void RuleIndex::searchBucket(const Bucket& bucket, const Connection& connection, TimePoint::rep now, Best& best) const
{
    visitLists(bucket, connection, false, [&](std::span<const Candidate> candidates, int hostSource) {
        consider(candidates, hostSource, connection, now, best);
    });
}

bool RuleIndex::dependsOnPortOrProtocol(const Connection& connection, TimePoint now) const
{
    const auto ticks = now.time_since_epoch().count();
    bool depends = false;
    const auto check = [&](std::span<const Candidate> candidates, int) {
        for (const auto& candidate : candidates) {
            if (depends)
                return;
            const bool restricts = candidate.firstPort != 0 || candidate.lastPort != 65535 || !candidate.portsAreHull ||
                                   candidate.protocol != Protocol::Any;
            if (!restricts || ticks >= candidate.expiresAt || retired_[candidate.position])
                continue;
            const Rule& rule = rules_[candidate.position];
            depends =
                (!rule.uid || *rule.uid == connection.uid) && (!rule.script || rule.script == connection.app.script);
        }
    };
    for (const auto key : appKeysOf(connection.app))
        if (const auto* bucket = appBuckets_.find(key); bucket && !depends)
            visitLists(*bucket, connection, true, check);
    if (!depends)
        visitLists(anyAppBucket_, connection, true, check);
    return depends;
}

RuleIndex::Best RuleIndex::search(const Connection& connection, TimePoint now) const
{
    Best best;
    const auto ticks = now.time_since_epoch().count();
    if (!appBuckets_.empty()) {
        for (const auto key : appKeysOf(connection.app))
            if (const auto* bucket = appBuckets_.find(key))
                searchBucket(*bucket, connection, ticks, best);
    }
    searchBucket(anyAppBucket_, connection, ticks, best);
    return best;
}

const Rule* RuleIndex::match(const Connection& connection, TimePoint now) const
{
    const Best best = search(connection, now);
    return best.candidate ? &rules_[best.candidate->position] : nullptr;
}

RuleMatch RuleIndex::matchWithHost(const Connection& connection, TimePoint now) const
{
    const Best best = search(connection, now);
    RuleMatch result;
    if (!best.candidate)
        return result;
    result.rule = &rules_[best.candidate->position];
    result.position = best.candidate->position;
    if (best.hostSource >= 0)
        result.matchedHost = connection.hostnames[static_cast<std::size_t>(best.hostSource)];
    else if (best.hostSource == hostSourceAddress)
        result.matchedHost = connection.destination.toString();
    return result;
}

} // namespace hostgate
