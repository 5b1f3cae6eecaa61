// SPDX-License-Identifier: GPL-3.0-or-later
// DecisionEngine: rule lookup, mode fallback, lifetimes, usage counts and learning-mode proposals.
#include "decision/decision_engine.h"

#include "rules/app_id.h"
#include "util/name_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace hostgate {

namespace {

std::string ruleExplanation(const Rule& rule, std::string_view matchedHost)
{
    std::string origin(originName(rule.origin));
    if (!rule.source.empty())
        origin += ", " + rule.source;
    const auto host = rule.host.toString();
    std::string explanation = fmt::format("rule #{} ({}): {} {}", rule.id, origin, toString(rule.action), host);
    if (!matchedHost.empty() && matchedHost != host)
        explanation += fmt::format(" (matched {})", matchedHost);
    return explanation;
}

// FNV-1a steps over a rule's fields: a fingerprint, not a defence (the kernel map it guards is root's).
struct FieldHash {
    std::uint64_t value = 0xcbf29ce484222325ULL;
    void bytes(const void* data, std::size_t size)
    {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i) {
            value ^= p[i];
            value *= 0x100000001b3ULL;
        }
    }
    void text(std::string_view s)
    {
        bytes(s.data(), s.size());
        number(s.size());
    }
    void number(std::uint64_t n) { bytes(&n, sizeof n); }
};

// What decides and how long: every field but the usage counts, the note and the creation time.
std::uint64_t ruleHash(const Rule& rule)
{
    FieldHash hash;
    hash.number(rule.id);
    hash.number(static_cast<std::uint64_t>(rule.origin));
    hash.number(rule.app.has_value());
    hash.text(rule.app.value_or(""));
    hash.number(rule.script.has_value());
    hash.text(rule.script.value_or(""));
    hash.text(rule.sha256.value_or(""));
    hash.number(rule.uid.value_or(~0u) + (std::uint64_t{rule.uid.has_value()} << 32));
    hash.number(static_cast<std::uint64_t>(rule.host.kind()));
    hash.text(rule.host.name());
    hash.bytes(rule.host.cidr().base().bytes().data(), 16);
    hash.number(rule.host.cidr().prefixLength());
    for (const auto& range : rule.ports.ranges())
        hash.number((std::uint64_t{range.first} << 16) | range.last);
    hash.number(static_cast<std::uint64_t>(rule.protocol) | (static_cast<std::uint64_t>(rule.action) << 8) |
                (static_cast<std::uint64_t>(rule.lifetime.kind) << 16) | (std::uint64_t{rule.enabled} << 24));
    hash.number(rule.lifetime.until ? static_cast<std::uint64_t>(rule.lifetime.until->time_since_epoch().count()) : 0);
    hash.number(rule.lifetime.pid ? static_cast<std::uint64_t>(*rule.lifetime.pid) : ~0ULL);
    return hash.value;
}

} // namespace

namespace {

constexpr NameTable<Mode, 4> kModeNames{{{Mode::Enforce, "enforce"},
                                         {Mode::SilentAllow, "silent-allow"},
                                         {Mode::SilentDeny, "silent-deny"},
                                         {Mode::Learning, "learning"}}};
constexpr NameTable<Verdict, 3> kVerdictNames{
    {{Verdict::Ask, "ask"}, {Verdict::Allow, "allow"}, {Verdict::Deny, "deny"}}};

} // namespace

std::string_view toString(Mode mode)
{
    return nameIn(kModeNames, mode);
}

std::optional<Mode> parseMode(std::string_view text)
{
    return valueIn(kModeNames, text);
}

std::string_view toString(Verdict verdict)
{
    return nameIn(kVerdictNames, verdict);
}

void DecisionEngine::setRules(std::vector<Rule> rules)
{
    index_ = RuleIndex(std::move(rules));
    liveCount_ = 0;
    untilExitPositions_.clear();
    positions_.clear();
    positions_.reserve(index_.size());
    fingerprint_ = 0;
    appIdRules_ = 0;
    for (std::size_t position = 0; position < index_.size(); ++position)
        track(position);
}

void DecisionEngine::track(std::size_t position)
{
    const Rule& rule = index_.rules()[position];
    ++liveCount_;
    fingerprint_ += ruleHash(rule);
    if (rule.app && isAppId(*rule.app))
        ++appIdRules_;
    // Ids are unique among the rules the store and the lifecycle hand in; the last one wins a lookup.
    positions_[rule.id] = position;
    if (rule.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime.pid)
        untilExitPositions_.emplace(*rule.lifetime.pid, position);
}

void DecisionEngine::addRule(Rule rule)
{
    track(index_.add(std::move(rule)));
}

const Rule* DecisionEngine::findRule(RuleId id) const
{
    const auto it = positions_.find(id);
    return it == positions_.end() ? nullptr : &index_.rules()[it->second];
}

bool DecisionEngine::recordHits(RuleId id, std::uint64_t hits, TimePoint lastHit)
{
    const auto found = positions_.find(id);
    if (found == positions_.end())
        return false;
    index_.recordHits(found->second, hits, lastHit);
    ++hitEvents_;
    return true;
}

bool DecisionEngine::replaceRule(Rule rule)
{
    const auto it = positions_.find(rule.id);
    if (it == positions_.end())
        return false;
    removeAt(it->second);
    addRule(std::move(rule));
    rebuildIfSparse();
    return true;
}

bool DecisionEngine::removeRule(RuleId id)
{
    const auto it = positions_.find(id);
    if (it == positions_.end())
        return false;
    removeAt(it->second);
    rebuildIfSparse();
    return true;
}

void DecisionEngine::rebuildIfSparse()
{
    // Retired slots cost memory and lookup time; rebuilding is O(n log n), so only once they are the majority.
    if (index_.size() - liveCount_ <= liveCount_ + 64)
        return;
    setRules(rules());
}

bool DecisionEngine::ruleDecidesEncryptedDns(const Connection& connection, const RuleMatch& match) const
{
    if (!connection.encryptedDns)
        return true;
    // A rule for this app says otherwise than the policy; a deny for every app is never loosened by it.
    return match.rule->app.has_value() || match.rule->action == Action::Deny;
}

Decision DecisionEngine::encryptedDnsDecision(const Connection& connection) const
{
    Decision decision;
    const std::string label = "encrypted DNS, " + *connection.encryptedDns;
    switch (encryptedDnsPolicy_) {
    case EncryptedDnsPolicy::Deny:
        decision.verdict = Verdict::Deny;
        decision.explanation = label + "; encrypted_dns = deny → deny";
        break;
    case EncryptedDnsPolicy::Allow:
        decision.verdict = Verdict::Allow;
        decision.explanation = label + "; encrypted_dns = allow → allow";
        break;
    case EncryptedDnsPolicy::Ask:
        decision = modeDecision();
        decision.explanation = label + "; encrypted_dns = ask, " + decision.explanation;
        break;
    }
    return decision;
}

std::optional<Decision> DecisionEngine::listDecision(const Connection& connection) const
{
    if (!lists_ || lists_->empty() || connection.hostnames.empty())
        return std::nullopt;
    auto match = lists_->match(connection.hostnames);
    if (!match || (connection.encryptedDns && match->list->action != Action::Deny))
        return std::nullopt;
    Decision decision;
    decision.verdict = match->list->action == Action::Deny ? Verdict::Deny : Verdict::Allow;
    decision.explanation = listExplanation(*match);
    decision.matchedHost = match->host;
    return decision;
}

Decision DecisionEngine::decide(const Connection& connection, TimePoint now)
{
    auto match = index_.matchWithHost(connection, now);
    if (match && !ruleDecidesEncryptedDns(connection, match))
        match = {};
    if (!match) {
        if (auto listed = listDecision(connection))
            return std::move(*listed);
    }
    if (connection.encryptedDns && !match) {
        if (encryptedDnsPolicy_ == EncryptedDnsPolicy::Ask && mode_ == Mode::Learning)
            propose(connection, now);
        return encryptedDnsDecision(connection);
    }
    if (match) {
        index_.recordHit(match.position, now);
        ++hitEvents_;
        const auto position = match.position;
        auto decision = ruleDecision(std::move(match));
        if (decision.rule->lifetime.kind == Lifetime::Kind::Once)
            removeAt(position);
        return decision;
    }
    auto decision = modeDecision();
    if (mode_ == Mode::Learning)
        decision.explanation = fmt::format("no rule; learning mode → allow ({})", propose(connection, now));
    return decision;
}

Decision DecisionEngine::peek(const Connection& connection, TimePoint now) const
{
    auto match = index_.matchWithHost(connection, now);
    if (match && ruleDecidesEncryptedDns(connection, match))
        return ruleDecision(std::move(match));
    if (auto listed = listDecision(connection))
        return std::move(*listed);
    return connection.encryptedDns ? encryptedDnsDecision(connection) : modeDecision();
}

bool DecisionEngine::dependsOnPort(const Connection& connection) const
{
    return index_.dependsOnPortOrProtocol(connection, TimePoint::min());
}

Decision DecisionEngine::ruleDecision(RuleMatch match) const
{
    const Rule& rule = *match.rule;
    Decision decision;
    decision.verdict = rule.action == Action::Allow ? Verdict::Allow : Verdict::Deny;
    decision.explanation = ruleExplanation(rule, match.matchedHost);
    decision.matchedHost = std::move(match.matchedHost);
    decision.rule = rule;
    return decision;
}

Decision DecisionEngine::modeDecision() const
{
    Decision decision;
    switch (mode_) {
    case Mode::Enforce:
        decision.verdict = Verdict::Ask;
        decision.explanation = "no rule; mode enforce → ask";
        break;
    case Mode::SilentAllow:
        decision.verdict = Verdict::Allow;
        decision.explanation = "no rule; silent-allow mode → allow";
        break;
    case Mode::SilentDeny:
        decision.verdict = Verdict::Deny;
        decision.explanation = "no rule; silent-deny mode → deny";
        break;
    case Mode::Learning:
        decision.verdict = Verdict::Allow;
        decision.explanation = "no rule; learning mode → allow (rule proposed)";
        break;
    }
    return decision;
}

void DecisionEngine::processExited(std::int32_t pid)
{
    std::vector<std::size_t> ended;
    const auto [first, last] = untilExitPositions_.equal_range(pid);
    for (auto it = first; it != last; ++it)
        ended.push_back(it->second);
    for (const auto position : ended)
        removeAt(position); // also forgets its untilExitPositions_ entry
}

std::vector<Rule> DecisionEngine::rules() const
{
    std::vector<Rule> live;
    live.reserve(liveCount_);
    for (std::size_t position = 0; position < index_.size(); ++position) {
        if (!index_.isRetired(position))
            live.push_back(index_.rules()[position]);
    }
    return live;
}

void DecisionEngine::removeAt(std::size_t position)
{
    if (index_.isRetired(position))
        return;
    const Rule& rule = index_.rules()[position];
    fingerprint_ -= ruleHash(rule);
    if (rule.app && isAppId(*rule.app))
        --appIdRules_;
    if (const auto it = positions_.find(rule.id); it != positions_.end() && it->second == position)
        positions_.erase(it);
    if (rule.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime.pid) {
        const auto [first, last] = untilExitPositions_.equal_range(*rule.lifetime.pid);
        for (auto it = first; it != last; ++it)
            if (it->second == position) {
                untilExitPositions_.erase(it);
                break;
            }
    }
    index_.retire(position);
    --liveCount_;
}

std::string_view DecisionEngine::propose(const Connection& connection, TimePoint now)
{
    if (!proposals_)
        return "not recorded";
    Sighting sighting;
    // A sandboxed app's path means nothing outside its sandbox: its app id names it. A rule for an
    // application nobody could name would be a rule for every application: never proposed.
    if (connection.app.appId)
        sighting.app = *connection.app.appId;
    else if (!connection.app.path.empty() && connection.app.pathState == AppPathState::Known && !connection.app.ownRoot)
        sighting.app = connection.app.path;
    else
        return "not proposed: the application is unknown";
    sighting.script = connection.app.script;
    sighting.uid = connection.uid;
    if (!connection.hostnames.empty())
        sighting.host = connection.hostnames.front();
    sighting.address = connection.destination;
    sighting.port = connection.port;
    sighting.protocol = connection.protocol;
    sighting.at = now;
    switch (proposals_->observe(sighting)) {
    case ProposalBook::Outcome::Added:
        return "rule proposed";
    case ProposalBook::Outcome::Merged:
        return "counted into a proposal";
    case ProposalBook::Outcome::Ignored:
        return "a rejected proposal covers it";
    case ProposalBook::Outcome::Dropped:
        break;
    }
    return "not proposed: the proposal list is full";
}

} // namespace hostgate
