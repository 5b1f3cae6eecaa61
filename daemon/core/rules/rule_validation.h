// SPDX-License-Identifier: GPL-3.0-or-later
// The one validation every rule passes, however it is born (D-Bus, rule file, import, prompt answer): limits,
// required keys, and times that can be stored without overflow.
#pragma once

#include "rules/rule.h"
#include "util/time.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hostgate {

// Longest string in any rule field (app, script, note, host, ports); longer ones are refused, not truncated.
inline constexpr std::size_t maxRuleStringBytes = 4096;
// Largest rule file or import text; larger ones are refused before parsing.
inline constexpr std::size_t maxRuleTextBytes = 4 * 1024 * 1024;
// Most rules in one file or import, and most lasting user rules in force (they are saved as one file).
inline constexpr std::size_t maxRulesPerFile = 50000;
// Keys every new rule must name, whatever its source: an action, and a host ("*" for any host).
inline constexpr std::string_view requiredRuleKeys[] = {"action", "host"};

// What is wrong with a rule, naming the key it comes from (the record or file key, e.g. "note", "until").
struct RuleProblem {
    std::string key;
    std::string reason;
};

// The first required key `has` does not report, if any.
std::optional<RuleProblem> missingRequiredKey(const std::function<bool(std::string_view)>& has);

// Checks a rule as the store and engine will hold it: string limits, lifetime fields that fit the kind
// (until with until-time, pid with until-exit), times inside what TimePoint can represent.
std::optional<RuleProblem> validateRule(const Rule& rule);

// A rule's sha256 as validateRule() expects it: lower case, as sha256sum prints it (upper case is the same digest).
std::string normalizedSha256(std::string digest);

// The latest instant a rule may name: TimePoint's nanosecond count ends in April 2262.
TimePoint latestRuleTime();

// Microseconds since the Unix epoch -> TimePoint, refusing (nullopt) what TimePoint cannot represent instead
// of wrapping around in the µs -> ns multiplication.
std::optional<TimePoint> timeFromUsec(std::int64_t usec);

} // namespace hostgate
