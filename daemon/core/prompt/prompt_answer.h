// SPDX-License-Identifier: GPL-3.0-or-later
// What a user answers at a prompt, and how that answer becomes a rule.
#pragma once

#include "decision/connection.h"
#include "rules/rule.h"
#include "util/result.h"
#include "util/time.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostgate {

// A "for a while" answer without an explicit end lasts this long (the dialog's "for 1 hour" choice).
inline constexpr std::chrono::hours defaultTimedAnswerDuration{1};

struct PromptAnswer {
    enum class HostScope : std::uint8_t {
        ThisHost, // the first hostname of the connection, or its single address when no name is known
        Domain,   // "*.<domain>" of that name (see ruleFromAnswer), or the address's /24 (v4) or /64 (v6)
        AnyHost,
    };
    enum class PortScope : std::uint8_t { ThisPort, AnyPort };

    Action action = Action::Deny;
    HostScope hostScope = HostScope::ThisHost;
    PortScope portScope = PortScope::ThisPort;
    Lifetime::Kind lifetime = Lifetime::Kind::Once;
    std::optional<TimePoint> until; // UntilTime only; nullopt: now + defaultTimedAnswerDuration
    // Pin the rule to the binary the process runs (its SHA-256, taken by the daemon): a lasting rule only.
    bool pinBinary = false;

    bool operator==(const PromptAnswer&) const = default;
};

std::string_view toString(PromptAnswer::HostScope scope);
std::string_view toString(PromptAnswer::PortScope scope);

// The domain a HostScope::Domain answer covers for `normalizedName`, or nullopt when the name has to stay
// exact. Without the Public Suffix List (not available to the core) this is a heuristic:
//  - the first label is stripped from names of three or more labels:
//    "www.example.com" -> "example.com", "a.b.example.com" -> "b.example.com";
//  - names of one or two labels ("example.com", "printer") stay exact, because "*.example.com" would not
//    match example.com itself and the rule must cover the connection that was asked about;
//  - a remainder shaped like a country-code second-level suffix ("co.uk", "com.au", "ac.jp": a generic
//    label such as co/com/net/org/gov/edu/ac in front of a two-letter top-level domain) is never used,
//    so "shop.co.uk" stays exact instead of becoming "*.co.uk".
// Known limit: private suffixes (github.io, blogspot.com, cloudfront.net) are not recognized, so
// "user.github.io" widens to "*.github.io". The dialog shows the pattern before the user confirms it.
std::optional<std::string> domainScopeOf(std::string_view normalizedName);

// Builds the rule a prompt answer stands for:
//  - app: the connection's executable path, and its interpreter script when one is set; uid: the
//    connection's uid; protocol: the connection's protocol (tcp or udp);
//  - host from hostScope (see PromptAnswer::HostScope), ports from portScope;
//  - lifetime: Once, UntilExit(connection pid), UntilTime(answer.until or now + 1 h), Forever;
//  - id 0 (the rule store assigns ids), origin User, created = now, a note saying it came from a prompt.
// Fails when the answer cannot be honoured: unknown application path (a rule for "any app" would be far
// wider than what was asked), UntilTime not after `now`, UntilExit without a known pid.
Result<Rule> ruleFromAnswer(const Connection& connection, const PromptAnswer& answer, TimePoint now);

} // namespace hostgate
