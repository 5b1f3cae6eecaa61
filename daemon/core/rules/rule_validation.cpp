// SPDX-License-Identifier: GPL-3.0-or-later
// The shared rule validation: limits and lifetime checks used by every entry point that creates a rule.
#include "rules/rule_validation.h"

#include "rules/app_id.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

namespace hostgate {

namespace {

std::optional<RuleProblem> tooLong(std::string_view key, std::size_t size)
{
    if (size <= maxRuleStringBytes)
        return std::nullopt;
    return RuleProblem{std::string(key),
                       fmt::format("is {} bytes, longer than the limit of {} bytes", size, maxRuleStringBytes)};
}

} // namespace

std::optional<RuleProblem> missingRequiredKey(const std::function<bool(std::string_view)>& has)
{
    for (const std::string_view key : requiredRuleKeys) {
        if (!has(key))
            return RuleProblem{std::string(key), key == "host" ? "missing: every rule needs a host (\"*\" for any host)"
                                                               : "missing: every rule needs an action (allow or deny)"};
    }
    return std::nullopt;
}

std::optional<RuleProblem> validateRule(const Rule& rule)
{
    if (rule.app) {
        if (auto problem = tooLong("app", rule.app->size()))
            return problem;
        if (auto problem = appFieldProblem(*rule.app))
            return RuleProblem{"app", *problem};
    }
    if (rule.script)
        if (auto problem = tooLong("script", rule.script->size()))
            return problem;
    if (auto problem = tooLong("note", rule.note.size()))
        return problem;
    if (rule.sha256) {
        const auto& digest = *rule.sha256;
        const bool hex = digest.size() == 64 && std::all_of(digest.begin(), digest.end(), [](char c) {
                             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                         });
        if (!hex)
            return RuleProblem{"sha256", "must be the 64 lower-case hex digits of a SHA-256 (as sha256sum prints it)"};
        if (!rule.app)
            return RuleProblem{"sha256", "pins the binary of an application: the rule needs an 'app'"};
    }
    if (auto problem = tooLong("host", rule.host.name().size()))
        return problem;
    if (rule.ports.ranges().size() > maxRuleStringBytes / 2) // "1," is the shortest entry of a port list
        return RuleProblem{"ports", fmt::format("has {} entries, more than the limit of {}", rule.ports.ranges().size(),
                                                maxRuleStringBytes / 2)};

    switch (rule.lifetime.kind) {
    case Lifetime::Kind::UntilTime:
        if (!rule.lifetime.until)
            return RuleProblem{"until", "required by lifetime until-time"};
        if (rule.lifetime.pid)
            return RuleProblem{"pid", "only valid with lifetime until-exit"};
        break;
    case Lifetime::Kind::UntilExit:
        if (!rule.lifetime.pid || *rule.lifetime.pid <= 0)
            return RuleProblem{"pid", "lifetime until-exit needs the process id (a positive number)"};
        if (rule.lifetime.until)
            return RuleProblem{"until", "only valid with lifetime until-time"};
        break;
    case Lifetime::Kind::Once:
    case Lifetime::Kind::Forever:
        if (rule.lifetime.until)
            return RuleProblem{"until", "only valid with lifetime until-time"};
        if (rule.lifetime.pid)
            return RuleProblem{"pid", "only valid with lifetime until-exit"};
        break;
    }
    return std::nullopt;
}

std::string normalizedSha256(std::string digest)
{
    std::transform(digest.begin(), digest.end(), digest.begin(),
                   [](char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c; });
    return digest;
}

TimePoint latestRuleTime()
{
    // Whole microseconds, so what the API reports (µs) converts back to the same instant.
    return TimePoint(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration_cast<std::chrono::microseconds>(TimePoint::max().time_since_epoch())));
}

std::optional<TimePoint> timeFromUsec(std::int64_t usec)
{
    using Rep = Clock::duration::rep;
    constexpr auto ticksPerUsec = std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(1)).count();
    static_assert(ticksPerUsec >= 1);
    if (usec > std::numeric_limits<Rep>::max() / ticksPerUsec || usec < std::numeric_limits<Rep>::min() / ticksPerUsec)
        return std::nullopt;
    return TimePoint(Clock::duration(static_cast<Rep>(usec) * ticksPerUsec));
}

} // namespace hostgate
