// SPDX-License-Identifier: GPL-3.0-or-later
// ScopeBook: the scopes, their cgroups and how a scope's rules, its default and the global rules decide.
#include "scope/scope_book.h"

#include "rules/rule_validation.h"
#include "util/error_codes.h"
#include "util/name_table.h"

#include <fmt/format.h>

#include <algorithm>

namespace hostgate {

namespace {

constexpr NameTable<ScopeDefault, 3> kScopeDefaultNames{
    {{ScopeDefault::Deny, "deny"}, {ScopeDefault::Allow, "allow"}, {ScopeDefault::Ask, "ask"}}};
constexpr NameTable<ScopeKind, 2> kScopeKindNames{{{ScopeKind::Attach, "attach"}, {ScopeKind::Run, "run"}}};

} // namespace

std::string_view toString(ScopeDefault value)
{
    return nameIn(kScopeDefaultNames, value);
}

std::optional<ScopeDefault> parseScopeDefault(std::string_view text)
{
    return valueIn(kScopeDefaultNames, text);
}

std::string_view toString(ScopeKind kind)
{
    return nameIn(kScopeKindNames, kind);
}

bool cgroupContains(std::string_view outer, std::string_view inner)
{
    while (outer.size() > 1 && outer.back() == '/')
        outer.remove_suffix(1);
    if (outer == "/" || outer.empty())
        return !inner.empty() && inner.front() == '/';
    if (!inner.starts_with(outer))
        return false;
    return inner.size() == outer.size() || inner[outer.size()] == '/';
}

Result<ScopeId> ScopeBook::add(Scope scope, TimePoint now)
{
    const auto invalid = [](std::string message) {
        return Error::named(std::string(control_error::invalidArgument), std::move(message));
    };
    const auto limit = [](std::string message) {
        return Error::named(std::string(control_error::limitExceeded), std::move(message));
    };
    if (scopes_.size() >= maxScopes)
        return limit(fmt::format("{} scopes exist already (at most {})", scopes_.size(), maxScopes));
    if (countOfUid(scope.uid) >= maxScopesPerUid)
        return limit(fmt::format("uid {} has {} scopes already (at most {})", scope.uid, countOfUid(scope.uid),
                                 maxScopesPerUid));
    if (scope.rules.size() > maxRulesPerScope)
        return limit(fmt::format("a scope has at most {} rules, not {}", maxRulesPerScope, scope.rules.size()));
    if (scope.label.size() > maxScopeLabelBytes)
        scope.label.resize(maxScopeLabelBytes); // a label only describes; cut rather than refused
    if (scope.cgroup.empty() || scope.cgroup.front() != '/' || scope.cgroupId == 0)
        return invalid("a scope needs a cgroup path and id");
    for (const auto& [id, entry] : scopes_)
        if (entry.scope.cgroupId == scope.cgroupId)
            return Error::named(std::string(control_error::scopeExists),
                                fmt::format("cgroup {} is scope {} already", scope.cgroup, id));

    const ScopeId id = nextId_;
    RuleId ruleId = 1;
    for (Rule& rule : scope.rules) {
        rule.id = ruleId++;
        rule.scope = id;
        rule.origin = RuleOrigin::User;
        rule.source.clear();
        if (rule.lifetime.kind != Lifetime::Kind::Forever)
            return invalid(fmt::format("scoped rule {} must live as long as its scope (lifetime forever)", rule.id));
        if (!rule.enabled)
            return invalid(fmt::format("scoped rule {} is disabled", rule.id));
        if (rule.created == TimePoint{})
            rule.created = now;
        if (const auto problem = validateRule(rule))
            return Error::named(std::string(control_error::invalidRule),
                                fmt::format("scoped rule {}: {}: {}", rule.id, problem->key, problem->reason));
    }
    auto engine = std::make_unique<DecisionEngine>();
    engine->setMode(Mode::SilentAllow); // only its rules' matches are used
    engine->setEncryptedDnsPolicy(EncryptedDnsPolicy::Allow);
    engine->setRules(scope.rules);
    scope.id = id;
    scope.created = now;
    ++nextId_;
    ++generation_;
    scopes_.emplace(id, Entry{std::move(scope), std::move(engine)});
    return id;
}

bool ScopeBook::remove(ScopeId id)
{
    if (scopes_.erase(id) == 0)
        return false;
    ++generation_;
    return true;
}

const Scope* ScopeBook::find(ScopeId id) const
{
    const auto found = scopes_.find(id);
    return found == scopes_.end() ? nullptr : &found->second.scope;
}

Scope* ScopeBook::find(ScopeId id)
{
    const auto found = scopes_.find(id);
    return found == scopes_.end() ? nullptr : &found->second.scope;
}

const Scope* ScopeBook::innermostFor(std::string_view cgroupPath) const
{
    const Scope* best = nullptr;
    for (const auto& [id, entry] : scopes_)
        if (cgroupContains(entry.scope.cgroup, cgroupPath) &&
            (!best || entry.scope.cgroup.size() > best->cgroup.size()))
            best = &entry.scope;
    return best;
}

std::vector<const Scope*> ScopeBook::all() const
{
    std::vector<const Scope*> result;
    for (const auto& [id, entry] : scopes_)
        result.push_back(&entry.scope);
    return result;
}

std::size_t ScopeBook::countOfUid(std::uint32_t uid) const
{
    return static_cast<std::size_t>(std::count_if(scopes_.begin(), scopes_.end(),
                                                  [uid](const auto& entry) { return entry.second.scope.uid == uid; }));
}

Decision ScopeBook::decide(const Scope& scope, DecisionEngine& global, const Connection& connection,
                           TimePoint now) const
{
    const std::string who =
        scope.label.empty() ? fmt::format("scope #{}", scope.id) : fmt::format("scope #{} ({})", scope.id, scope.label);
    if (const auto entry = scopes_.find(scope.id); entry != scopes_.end()) {
        Decision scoped = entry->second.rules->peek(connection, now);
        if (scoped.rule) {
            const Rule& rule = *scoped.rule;
            Decision decision;
            decision.verdict = rule.action == Action::Allow ? Verdict::Allow : Verdict::Deny;
            decision.matchedHost = scoped.matchedHost;
            decision.explanation = fmt::format(
                "{}: rule {} {} {}{}", who, rule.id, toString(rule.action), rule.host.toString(),
                scoped.matchedHost.empty() ? std::string() : fmt::format(" (matched {})", scoped.matchedHost));
            return decision;
        }
    }
    switch (scope.defaultAction) {
    case ScopeDefault::Deny: {
        Decision decision;
        decision.verdict = Verdict::Deny;
        decision.explanation = fmt::format("{}: no scoped rule; scope default → deny", who);
        return decision;
    }
    case ScopeDefault::Allow: {
        if (global.peek(connection, now).rule) {
            Decision decision = global.decide(connection, now);
            decision.explanation = fmt::format("{}: no scoped rule; {}", who, decision.explanation);
            return decision;
        }
        Decision decision;
        decision.verdict = Verdict::Allow;
        decision.explanation = fmt::format("{}: no rule; scope default → allow", who);
        return decision;
    }
    case ScopeDefault::Ask:
        break;
    }
    Decision decision = global.decide(connection, now);
    decision.explanation = fmt::format("{}: no scoped rule; {}", who, decision.explanation);
    return decision;
}

} // namespace hostgate
