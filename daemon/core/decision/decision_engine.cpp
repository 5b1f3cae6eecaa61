// DecisionEngine: rule lookup, mode fallback, lifetimes, usage counts and learning-mode proposals.
#include "decision/decision_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace hostgate {

namespace {

std::string ruleExplanation(const Rule& rule, std::string_view matchedHost)
{
    std::string origin = rule.origin == RuleOrigin::Admin ? "admin" : "user";
    if (!rule.source.empty())
        origin += ", " + rule.source;
    const auto host = rule.host.toString();
    std::string explanation = fmt::format("rule #{} ({}): {} {}", rule.id, origin, toString(rule.action), host);
    if (!matchedHost.empty() && matchedHost != host)
        explanation += fmt::format(" (matched {})", matchedHost);
    return explanation;
}

} // namespace

std::string_view toString(Mode mode)
{
    switch (mode) {
    case Mode::SilentAllow:
        return "silent-allow";
    case Mode::SilentDeny:
        return "silent-deny";
    case Mode::Learning:
        return "learning";
    case Mode::Enforce:
        break;
    }
    return "enforce";
}

std::optional<Mode> parseMode(std::string_view text)
{
    for (const auto mode : {Mode::Enforce, Mode::SilentAllow, Mode::SilentDeny, Mode::Learning}) {
        if (text == toString(mode))
            return mode;
    }
    return std::nullopt;
}

std::string_view toString(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Allow:
        return "allow";
    case Verdict::Deny:
        return "deny";
    case Verdict::Ask:
        break;
    }
    return "ask";
}

void DecisionEngine::setRules(std::vector<Rule> rules)
{
    index_ = RuleIndex(std::move(rules));
    liveCount_ = index_.size();
    untilExitPositions_.clear();
    for (std::size_t position = 0; position < index_.size(); ++position) {
        const auto& lifetime = index_.rules()[position].lifetime;
        if (lifetime.kind == Lifetime::Kind::UntilExit && lifetime.pid)
            untilExitPositions_.emplace(*lifetime.pid, position);
    }
    proposedKeys_.clear();
}

void DecisionEngine::addRule(Rule rule)
{
    const auto lifetime = rule.lifetime;
    const auto position = index_.add(std::move(rule));
    ++liveCount_;
    if (lifetime.kind == Lifetime::Kind::UntilExit && lifetime.pid)
        untilExitPositions_.emplace(*lifetime.pid, position);
}

Decision DecisionEngine::decide(const Connection& connection, TimePoint now)
{
    auto match = index_.matchWithHost(connection, now);
    if (match) {
        index_.recordHit(match.position, now);
        const auto position = match.position;
        auto decision = ruleDecision(std::move(match));
        if (decision.rule->lifetime.kind == Lifetime::Kind::Once)
            removeAt(position);
        return decision;
    }
    if (mode_ == Mode::Learning)
        propose(connection, now);
    return modeDecision();
}

Decision DecisionEngine::peek(const Connection& connection, TimePoint now) const
{
    auto match = index_.matchWithHost(connection, now);
    return match ? ruleDecision(std::move(match)) : modeDecision();
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
    const auto [first, last] = untilExitPositions_.equal_range(pid);
    for (auto it = first; it != last; ++it)
        removeAt(it->second);
    untilExitPositions_.erase(first, last);
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

std::vector<Rule> DecisionEngine::takeProposals()
{
    return std::exchange(proposals_, {});
}

void DecisionEngine::removeAt(std::size_t position)
{
    if (index_.isRetired(position))
        return;
    index_.retire(position);
    --liveCount_;
}

void DecisionEngine::propose(const Connection& connection, TimePoint now)
{
    Rule rule;
    rule.origin = RuleOrigin::User;
    if (!connection.app.path.empty())
        rule.app = connection.app.path;
    rule.script = connection.app.script;
    rule.host = connection.hostnames.empty() ? HostPattern::network(Cidr(connection.destination,
                                                                         connection.destination.bitLength()))
                                             : HostPattern::exact(connection.hostnames.front());
    rule.ports = PortSet::single(connection.port);
    rule.protocol = connection.protocol;
    rule.action = Action::Allow;
    rule.lifetime = Lifetime::permanent();
    rule.note = "proposed in learning mode";
    rule.created = now;

    // '\n' cannot occur in paths from /proc nor in host names, so it separates the fields unambiguously.
    auto key = fmt::format("{}\n{}\n{}\n{}\n{}", rule.app.value_or(""), rule.script.value_or(""), rule.host.toString(),
                           connection.port, toString(connection.protocol));
    if (proposedKeys_.insert(std::move(key)).second)
        proposals_.push_back(std::move(rule));
}

} // namespace hostgate
