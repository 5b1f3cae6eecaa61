// SPDX-License-Identifier: GPL-3.0-or-later
// DecisionEngine: turns a connection into allow / deny / ask, with the rule and the words that explain it.
#pragma once

#include "decision/connection.h"
#include "decision/encrypted_dns.h"
#include "learning/proposal_book.h"
#include "lists/list_set.h"
#include "rules/rule.h"
#include "rules/rule_index.h"
#include "util/time.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hostgate {

// What happens to a connection no rule matches. A matching rule decides in every mode.
enum class Mode : std::uint8_t {
    Enforce,     // ask the user
    SilentAllow, // allow (and record)
    SilentDeny,  // deny (and record)
    Learning,    // allow and propose a rule for it
};

std::string_view toString(Mode mode); // "enforce", "silent-allow", "silent-deny", "learning"
std::optional<Mode> parseMode(std::string_view text);

enum class Verdict : std::uint8_t { Allow, Deny, Ask };

std::string_view toString(Verdict verdict); // "allow", "deny", "ask"

struct Decision {
    Verdict verdict = Verdict::Ask;
    std::optional<Rule> rule; // the rule that decided (with its updated hit count), if any
    // For people: "rule #12 (admin, /etc/hostgate/rules.d/a.toml): deny *.tracker.example (matched
    // ads.tracker.example)", "no rule; mode enforce → ask", "no rule; learning mode → allow (rule proposed)".
    std::string explanation;
    std::string matchedHost; // see RuleMatch::matchedHost
};

// Lifetimes as the engine applies them:
//  - Once: the rule decides one connection, then it is removed.
//  - UntilExit: the rule matches every connection its fields select (normally its app), for as long as it
//    exists; processExited(pid) removes every UntilExit rule whose lifetime pid is `pid`. It is not limited
//    to connections of that pid, because "until the browser quits" must also cover the helper processes a
//    multi-process app spawns; the rule's app/uid/script fields are what scope it.
//  - UntilTime: stops matching at its time (it stays in rules() so the store can show and prune it).
// Single-threaded by design: the daemon's event loop owns the engine.
class DecisionEngine {
public:
    DecisionEngine() = default;

    // Replaces the rule set and rebuilds the index (O(n log n)); decide() stays O(lookup).
    void setRules(std::vector<Rule> rules);
    // Adds one rule without rebuilding (e.g. the answer to a prompt).
    void addRule(Rule rule);
    void setMode(Mode mode) { mode_ = mode; }
    Mode mode() const { return mode_; }
    // Decides connections labelled as encrypted DNS (Connection::encryptedDns) that no rule naming their app
    // decides: a matching rule with an app decides as always, a matching deny rule for any app still denies;
    // otherwise the policy: deny, allow, or ask = what the mode does without a rule (enforce: a prompt).
    void setEncryptedDnsPolicy(EncryptedDnsPolicy policy) { encryptedDnsPolicy_ = policy; }
    EncryptedDnsPolicy encryptedDnsPolicy() const { return encryptedDnsPolicy_; }
    // The subscribed lists in force (lists/list_set.h). They decide below every rule and above the mode: a
    // connection no rule decides is decided by a list entry covering one of its names; an encrypted-DNS
    // connection only by a deny entry (an allow list does not loosen the encrypted-DNS policy).
    void setLists(std::shared_ptr<const ListSet> lists) { lists_ = std::move(lists); }
    const std::shared_ptr<const ListSet>& lists() const { return lists_; }

    Decision decide(const Connection& connection, TimePoint now);
    // What decide() would answer, without its effects: no hit counted, no Once rule used up, no proposal
    // recorded. For deciding ahead of time (e.g. when a DNS answer names a destination).
    Decision peek(const Connection& connection, TimePoint now) const;
    // True when the decision for this connection's app, user and hosts may differ between ports or
    // protocols (see RuleIndex::dependsOnPortOrProtocol); expired rules are counted too.
    bool dependsOnPort(const Connection& connection) const;
    void processExited(std::int32_t pid);

    // Finds, replaces or removes one live rule by id without rebuilding (O(1) plus the index's list insert);
    // the index is rebuilt once retired slots outnumber live rules. False when no live rule has that id.
    const Rule* findRule(RuleId id) const;
    bool replaceRule(Rule rule);
    // Credits a live rule with `hits` decisions made elsewhere (the kernel's verdict cache), the latest at
    // `lastHit`. False when no live rule has that id (it was removed meanwhile).
    bool recordHits(RuleId id, std::uint64_t hits, TimePoint lastHit);
    // Grows with every hit counted (by decide() or recordHits()): whether hit counts changed since a save.
    std::uint64_t hitEvents() const { return hitEvents_; }
    bool removeRule(RuleId id);

    // The live rules (used-up and exited ones removed) with their current hit counts and last hits.
    std::vector<Rule> rules() const;
    std::size_t ruleCount() const { return liveCount_; }
    // Calls `visit(const Rule&)` for each live rule in rules() order, without copying them.
    template <class Visit>
    void forEachRule(Visit&& visit) const
    {
        for (std::size_t position = 0; position < index_.size(); ++position)
            if (!index_.isRetired(position))
                visit(index_.rules()[position]);
    }
    // Every executable path some rule names (possibly also some whose rules are gone), each once.
    const std::vector<std::string>& appPaths() const { return index_.appPaths(); }
    // Changes whenever a live rule is added, removed or changed in what it matches or how long it lives
    // (never for hit counts); equal rule sets give equal values whatever their order. O(1): kept up to date.
    std::uint64_t rulesFingerprint() const { return fingerprint_; }
    // Whether a live rule names an app id or unit (rules/app_id.h). Then processes sharing an executable may be
    // judged differently, so verdicts are cached in the kernel per process image only (see judgedPerProcess).
    bool hasAppIdRules() const { return appIdRules_ > 0; }
    // Whether a decision for `connection` may only be cached for its process image, not for its executable.
    bool judgedPerProcess(const Connection& connection) const
    {
        return connection.app.sharedExecutable || connection.app.ownRoot || hasAppIdRules();
    }

    // Where learning mode records what no rule decided (deduplicated and generalised there); none: nothing is
    // recorded. The book must outlive the engine's use of it.
    void setProposalBook(ProposalBook* book) { proposals_ = book; }

private:
    Decision ruleDecision(RuleMatch match) const;
    Decision modeDecision() const;
    // Whether `match` decides `connection` itself, or the encrypted-DNS policy does.
    bool ruleDecidesEncryptedDns(const Connection& connection, const RuleMatch& match) const;
    Decision encryptedDnsDecision(const Connection& connection) const;
    std::optional<Decision> listDecision(const Connection& connection) const;
    void removeAt(std::size_t position);
    void track(std::size_t position);
    void rebuildIfSparse();
    // Records the connection in the proposal book; the explanation's words for what became of it.
    std::string_view propose(const Connection& connection, TimePoint now);

    RuleIndex index_;
    std::size_t liveCount_ = 0;
    Mode mode_ = Mode::Enforce;
    EncryptedDnsPolicy encryptedDnsPolicy_ = EncryptedDnsPolicy::Ask;
    std::unordered_multimap<std::int32_t, std::size_t> untilExitPositions_; // pid → index position
    std::unordered_map<RuleId, std::size_t> positions_;                     // live rules' ids → index position
    std::uint64_t fingerprint_ = 0;                                         // sum of the live rules' hashes
    std::uint64_t hitEvents_ = 0;
    std::size_t appIdRules_ = 0; // live rules whose app is an app id or unit
    ProposalBook* proposals_ = nullptr;
    std::shared_ptr<const ListSet> lists_;
};

} // namespace hostgate
