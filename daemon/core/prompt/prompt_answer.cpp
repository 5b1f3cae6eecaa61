// SPDX-License-Identifier: GPL-3.0-or-later
// Turns a user's prompt answer into the rule it stands for (host/port scope, lifetime, provenance).
#include "prompt/prompt_answer.h"

#include "rules/rule_validation.h"
#include "util/name_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace hostgate {

namespace {

// Networks a Domain answer covers when only the address is known: a typical provider allocation.
constexpr unsigned domainScopeV4Prefix = 24;
constexpr unsigned domainScopeV6Prefix = 64;

std::vector<std::string_view> labelsOf(std::string_view name)
{
    std::vector<std::string_view> labels;
    std::size_t start = 0;
    while (true) {
        const auto dot = name.find('.', start);
        labels.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos)
            return labels;
        start = dot + 1;
    }
}

// "co.uk", "com.au", "ac.jp": registries sell names one level below these, so they must never become a
// "*.suffix" rule. Catches the common country-code layouts; the Public Suffix List would catch all.
bool looksLikeCountryCodeSecondLevel(const std::vector<std::string_view>& labels)
{
    static constexpr std::array<std::string_view, 18> genericSecondLevel = {"ac",  "co",  "com", "edu", "go",  "gob",
                                                                            "gov", "gv",  "ltd", "mil", "ne",  "net",
                                                                            "nic", "nom", "or",  "org", "plc", "sch"};
    if (labels.size() != 2)
        return false;
    const auto topLevel = labels[1];
    const bool countryCode = topLevel.size() == 2 &&
                             std::all_of(topLevel.begin(), topLevel.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    return countryCode &&
           std::find(genericSecondLevel.begin(), genericSecondLevel.end(), labels[0]) != genericSecondLevel.end();
}

HostPattern hostFor(const Connection& connection, PromptAnswer::HostScope scope)
{
    const bool hasName = !connection.hostnames.empty() && !connection.hostnames.front().empty();
    switch (scope) {
    case PromptAnswer::HostScope::AnyHost:
        return HostPattern::any();
    case PromptAnswer::HostScope::Domain:
        if (hasName) {
            if (auto domain = domainScopeOf(connection.hostnames.front()))
                return HostPattern::suffix(std::move(*domain));
            return HostPattern::exact(connection.hostnames.front());
        }
        return HostPattern::network(
            Cidr(connection.destination, connection.destination.isV4() ? domainScopeV4Prefix : domainScopeV6Prefix));
    case PromptAnswer::HostScope::ThisHost:
        break;
    }
    if (hasName)
        return HostPattern::exact(connection.hostnames.front());
    return HostPattern::network(Cidr(connection.destination, connection.destination.bitLength()));
}

Result<Lifetime> lifetimeFor(const Connection& connection, const PromptAnswer& answer, TimePoint now)
{
    switch (answer.lifetime) {
    case Lifetime::Kind::Once:
        return Lifetime::once();
    case Lifetime::Kind::UntilExit:
        if (connection.pid <= 0)
            return Error{"Failed to build a rule from the answer: \"until the process exits\" needs the "
                         "process id, which is unknown for this connection"};
        return Lifetime::untilExit(connection.pid);
    case Lifetime::Kind::UntilTime: {
        const TimePoint until = answer.until.value_or(now + defaultTimedAnswerDuration);
        if (until <= now)
            return Error{"Failed to build a rule from the answer: its end time is not in the future"};
        return Lifetime::untilTime(until);
    }
    case Lifetime::Kind::Forever:
        break;
    }
    return Lifetime::permanent();
}

std::string noteFor(const Connection& connection)
{
    std::string app = displayPath(connection.app);
    if (connection.app.script)
        app += " " + *connection.app.script;
    const std::string destination = connection.hostnames.empty() ? connection.destination.toString()
                                                                 : fmt::format("{} ({})", connection.hostnames.front(),
                                                                               connection.destination.toString());
    return fmt::format("Answered at a prompt: {} (pid {}, uid {}) connecting to {} {}/{}", app, connection.pid,
                       connection.uid, destination, toString(connection.protocol), connection.port);
}

} // namespace

namespace {

constexpr NameTable<PromptAnswer::HostScope, 3> kHostScopeNames{{{PromptAnswer::HostScope::AnyHost, "any-host"},
                                                                 {PromptAnswer::HostScope::ThisHost, "this-host"},
                                                                 {PromptAnswer::HostScope::Domain, "domain"}}};
constexpr NameTable<PromptAnswer::PortScope, 2> kPortScopeNames{
    {{PromptAnswer::PortScope::AnyPort, "any-port"}, {PromptAnswer::PortScope::ThisPort, "this-port"}}};

} // namespace

std::string_view toString(PromptAnswer::HostScope scope)
{
    return nameIn(kHostScopeNames, scope);
}

std::string_view toString(PromptAnswer::PortScope scope)
{
    return nameIn(kPortScopeNames, scope);
}

std::optional<std::string> domainScopeOf(std::string_view normalizedName)
{
    const auto labels = labelsOf(normalizedName);
    if (labels.size() < 3)
        return std::nullopt;
    const std::vector<std::string_view> remainder(labels.begin() + 1, labels.end());
    if (looksLikeCountryCodeSecondLevel(remainder))
        return std::nullopt;
    return std::string(normalizedName.substr(labels.front().size() + 1));
}

Result<Rule> ruleFromAnswer(const Connection& connection, const PromptAnswer& answer, TimePoint now)
{
    if (connection.app.path.empty())
        return Error{"Failed to build a rule from the answer: the connection's application is unknown, and a "
                     "rule for any application would allow far more than was asked"};
    if (answer.portScope == PromptAnswer::PortScope::ThisPort && connection.port == 0)
        return Error{"Failed to build a rule from the answer: the connection has no destination port to limit "
                     "the rule to"};
    auto lifetime = lifetimeFor(connection, answer, now);
    if (!lifetime)
        return lifetime.error();

    Rule rule;
    rule.origin = RuleOrigin::User;
    // A sandboxed app is named by its app id: its path is the sandbox's own ("/app/bin/..." in every Flatpak).
    // A process with a root of its own and no app id (a container) by its unit (scope), if it has one.
    if (connection.app.appId)
        rule.app = connection.app.appId;
    else if (connection.app.ownRoot && connection.app.unit)
        rule.app = connection.app.unit;
    else if (connection.app.ownRoot)
        return Error{
            "Failed to build a rule from the answer: the process has a root directory of its own and no app id "
            "or unit, so no rule could name it (its path means something else outside its root)"};
    else
        rule.app = connection.app.path;
    rule.script = connection.app.script;
    rule.uid = connection.uid;
    rule.host = hostFor(connection, answer.hostScope);
    rule.ports =
        answer.portScope == PromptAnswer::PortScope::ThisPort ? PortSet::single(connection.port) : PortSet::any();
    rule.protocol = connection.protocol;
    rule.action = answer.action;
    rule.lifetime = *lifetime;
    rule.note = noteFor(connection);
    rule.created = now;
    // The same validation as every other way a rule is born (e.g. a 5 KiB script path is refused here too).
    if (auto problem = validateRule(rule))
        return Error{fmt::format("Failed to build a rule from the answer: '{}' {}", problem->key, problem->reason)};
    return rule;
}

} // namespace hostgate
