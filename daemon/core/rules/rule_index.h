// SPDX-License-Identifier: GPL-3.0-or-later
// RuleIndex: finds the one rule that decides a connection without scanning the rule set.
#pragma once

#include "decision/connection.h"
#include "rules/rule.h"
#include "rules/string_table.h"
#include "util/time.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hostgate {

// The rule that decided, and what on the connection it matched.
struct RuleMatch {
    const Rule* rule = nullptr; // nullptr: no rule matches
    std::size_t position = 0;   // index of the rule in RuleIndex::rules()
    // Exact/suffix rules: the connection's hostname that matched (the first such name in the connection's
    // order); network rules: the destination address as text; any-host rules: empty.
    std::string matchedHost;

    explicit operator bool() const { return rule != nullptr; }
};

// Which rule wins when several match one connection (first difference decides):
//   1. origin: every Admin rule outranks every Base rule (the shipped base policy), which outranks every User rule;
//   2. host: an exact name or single-host address (/32, /128) > a suffix "*.d" (more labels in d is more
//      specific) > a regex "re:..." (it says nothing of how much it covers, so it ranks below every suffix)
//      > a CIDR network (longer prefix is more specific) > any host. A name pattern outranks a network
//      because a name says which service was meant, while an address range only says where it is hosted
//      (CDNs and shared hosting put unrelated services in one range);
//   3. a rule for one app > a rule for any app;
//   4. a rule for one script > a rule for any script;
//   5. fewer ports > more ports (any port counts as 65536);
//   6. one protocol > any protocol;
//   7. one uid > any uid;
//   8. deny > allow;
//   9. lower rule id (so the outcome never depends on load order), then earlier position.
// Disabled rules, retired rules and rules whose UntilTime lifetime has passed never match. UntilExit and
// Once rules match like Forever rules: ending them is the owner's job (see DecisionEngine).
//
// Structure: rules are bucketed by app path (hash map) plus one bucket for any-app rules; inside a bucket,
// exact names and suffix domains are hash maps (a hostname is looked up whole, then one suffix per label),
// regex rules are one list tried name by name (cost linear in their number and the names' length: RE2 never
// backtracks), networks are one hash map per prefix length present (longest first), and any-host rules are keyed by
// port (few ports) or kept in one list (many ports). Every list is sorted by precedence and holds compact
// candidate records, so a lookup stops at the first rule that passes the remaining filters (protocol,
// ports, expiry, then script/uid) and stops early in lists that cannot beat the best found so far.
// Connection hostnames must be normalized (net/hostname.h), as Connection promises. Retired rules keep
// their slots until the next rebuild. Not thread-safe; const calls may run concurrently with each other.
class RuleIndex {
public:
    RuleIndex() = default;
    explicit RuleIndex(std::vector<Rule> rules);

    // The winning rule, or nullptr. The pointer stays valid until the next add() or assignment.
    const Rule* match(const Connection& connection, TimePoint now) const;
    RuleMatch matchWithHost(const Connection& connection, TimePoint now) const;

    // True when a rule that could match this connection on some port or protocol names ports or a protocol,
    // i.e. the decision for this app, user and destination may differ between ports or protocols (so it
    // must not be cached for every port). Conservative: an outranked port rule still counts.
    bool dependsOnPortOrProtocol(const Connection& connection, TimePoint now) const;

    // All rules given, in the order given, including disabled and retired ones (positions are stable).
    const std::vector<Rule>& rules() const { return rules_; }
    std::size_t size() const { return rules_.size(); }

    // Inserts one rule without rebuilding; returns its position. Invalidates pointers from match().
    std::size_t add(Rule rule);
    // Makes the rule at `position` never match again (e.g. a used-up Once rule), without rebuilding.
    void retire(std::size_t position);
    bool isRetired(std::size_t position) const { return retired_.at(position) != 0; }
    // Usage bookkeeping on the stored copy; never changes what matches.
    void recordHit(std::size_t position, TimePoint now);
    // `hits` more hits, the latest at `lastHit` (kept when an earlier hit is newer); hit counts saturate.
    void recordHits(std::size_t position, std::uint64_t hits, TimePoint lastHit);
    // The app paths that have a bucket (rules for them were added since the last rebuild).
    const std::vector<std::string>& appPaths() const { return appBuckets_.keys(); }

private:
    struct V6Key {
        std::uint64_t high = 0;
        std::uint64_t low = 0;
        bool operator==(const V6Key&) const = default;
    };
    struct V6KeyHash {
        std::size_t operator()(const V6Key& key) const noexcept
        {
            return static_cast<std::size_t>((key.high * 0x9e3779b97f4a7c15ull) ^ (key.low + 0x632be59bd9b4e019ull));
        }
    };

    // What a lookup needs of a rule, stored inline so most candidates are rejected without touching the Rule.
    struct Candidate {
        std::uint64_t rank = 0; // packed precedence, larger wins
        RuleId id = 0;
        TimePoint::rep expiresAt = 0; // UntilTime end in clock ticks; max when the rule has no end
        std::uint32_t position = 0;   // index in rules_
        std::uint16_t firstPort = 0;  // hull of the port set: a quick reject
        std::uint16_t lastPort = 0;
        Protocol protocol = Protocol::Any;
        bool portsAreHull = true;    // any port or one range: the hull test is exact
        bool checksIdentity = false; // has a script or uid to compare on the Rule
    };
    using Candidates = std::vector<Candidate>; // best first
    using NameMap = StringTable<Candidates>;

    template <class Key, class Hash>
    struct PrefixLevel {
        unsigned prefixLength = 0;
        std::unordered_map<Key, Candidates, Hash> networks;
    };

    struct Bucket {
        NameMap exactNames;
        NameMap suffixDomains;
        Candidates regexNames;
        std::vector<PrefixLevel<std::uint32_t, std::hash<std::uint32_t>>> v4Levels; // longest prefix first
        std::vector<PrefixLevel<V6Key, V6KeyHash>> v6Levels;                        // longest prefix first
        // Any-host rules are keyed by port when they name few ports, so "ssh anywhere" rules of one port
        // are not scanned for every connection to another port.
        std::unordered_map<std::uint16_t, Candidates> anyHostByPort;
        Candidates anyHostWide;
    };

    struct Best {
        const Candidate* candidate = nullptr;
        int hostSource = 0;
    };

    Candidate makeCandidate(std::uint32_t position) const;
    // Calls `sink(Candidates&)` for each list the rule at `position` belongs in (creating them).
    template <class Sink>
    void forEachListOf(std::uint32_t position, Sink&& sink);
    static bool ranksAbove(const Candidate& a, const Candidate& b);
    Best search(const Connection& connection, TimePoint now) const;
    template <class Visit>
    void visitLists(const Bucket& bucket, const Connection& connection, bool everyPort, Visit&& visit) const;
    void searchBucket(const Bucket& bucket, const Connection& connection, TimePoint::rep now, Best& best) const;
    void consider(std::span<const Candidate> candidates, int hostSource, const Connection& connection,
                  TimePoint::rep now, Best& best) const;
    bool passesFilters(const Candidate& candidate, const Connection& connection, TimePoint::rep now) const;

    std::vector<Rule> rules_;
    std::vector<std::uint8_t> retired_;
    StringTable<Bucket> appBuckets_;
    Bucket anyAppBucket_;
};

} // namespace hostgate
