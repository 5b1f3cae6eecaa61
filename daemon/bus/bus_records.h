// SPDX-License-Identifier: GPL-3.0-or-later
// The D-Bus API's a{sv} records <-> the core's types: pure conversions with strict validation of input.
#pragma once

#include "bus/firewall_control.h"
#include "decision/decision_engine.h"
#include "prompt/prompt_answer.h"
#include "prompt/prompt_broker.h"
#include "rules/rule.h"
#include "rules/rule_validation.h"
#include "store/event_log.h"
#include "util/result.h"
#include "util/time.h"

#include <sdbus-c++/Types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace hostgate {

using VariantMap = std::map<std::string, sdbus::Variant>;

// Longest string a caller may put into any record field; longer ones are refused, not truncated.
inline constexpr std::size_t maxRecordStringBytes = maxRuleStringBytes;
// ListConnections: a limit of 0 means this many; larger limits are clamped to maxConnectionLimit.
inline constexpr std::size_t defaultConnectionLimit = 100;
inline constexpr std::size_t maxConnectionLimit = 10000;

// The D-Bus error name of a failure: "org.hostgate.Firewall1.Error.<code>" for the codes the API
// documents, ".Failed" for an empty or unknown code.
std::string busErrorName(const Error& error);

// Microseconds since the Unix epoch, the API's time unit. fromUsec saturates at TimePoint's range (about
// 1678..2262) instead of wrapping; input from callers is checked with timeFromUsec (rules/rule_validation.h).
std::int64_t toUsec(TimePoint time);
TimePoint fromUsec(std::int64_t usec);
// "<usec> is out of range: ..." for a time TimePoint cannot hold.
std::string outOfRangeTime(std::int64_t usec);

VariantMap ruleToRecord(const Rule& rule);

// Applies the editable keys of `changes` (app, script, user, host, ports, protocol, action, lifetime,
// until_usec, enabled, note) to `rule`. Any other key, a wrong variant type, an invalid or oversized
// value, an "until-time" lifetime not ending after `now` or an "until-exit" lifetime is an InvalidRule
// error naming the key; the result passes validateRule. Host names in Unicode become punycode (IDNA2008).
// UpdateRule applies a record to the stored rule.
Result<Rule> applyRuleRecord(Rule rule, const VariantMap& changes, TimePoint now);
// AddRule: a new rule from a record, which must name the required keys (action and host) and is applied to a
// default Rule as applyRuleRecord does.
Result<Rule> newRuleFromRecord(const VariantMap& record, TimePoint now);

VariantMap connectionEventToRecord(const ConnectionEvent& event);
// ListTraffic: a limit of 0 means this many; larger limits are clamped to maxTrafficLimit.
inline constexpr std::size_t defaultTrafficLimit = 2000;
inline constexpr std::size_t maxTrafficLimit = 10000;
std::size_t clampTrafficLimit(std::uint32_t limit);
VariantMap trafficFlowToRecord(const TrafficFlow& flow);

// CreateRunScope / AttachScope's policy: allow as, deny as, rules s, default s, label s (see the XML). Any other
// key or type, a host that does not parse, more than maxRulesPerScope hosts: InvalidArgument.
Result<ScopeRequest> scopeRequestFromRecord(const VariantMap& policy);
VariantMap scopeToRecord(const Scope& scope);
// Filter keys: app s, host s, verdict s ("allowed" | "denied" | "asked"), since_usec x. Anything else
// is an InvalidArgument error naming the key.
Result<EventFilter> eventFilterFromRecord(const VariantMap& filter);
// 0 -> defaultConnectionLimit; at most maxConnectionLimit.
std::size_t clampConnectionLimit(std::uint32_t limit);

VariantMap statusToRecord(const FirewallStatus& status, std::size_t agents);
VariantMap appSummaryToRecord(const AppSummary& app);

// Proposal records: id t, app s (absent: unknown application), script s (absent: none), user u, host s,
// ports s ("*" = any), protocol s, examples as, connections t, first_seen_usec x, last_seen_usec x.
VariantMap proposalToRecord(const Proposal& proposal);
// Which proposals a bulk call means: key app s (only that application's; "" = those of unknown applications);
// an empty record means all. Any other key or type is an InvalidArgument error.
struct ProposalSelection {
    std::optional<std::string> app;
};
Result<ProposalSelection> proposalSelectionFromRecord(const VariantMap& selection);
// The rule accepting `proposal` makes: its allow rule with the caller's edits (the keys of applyRuleRecord, e.g.
// host, ports, protocol, action, lifetime, until_usec, note, app, script, user; not enabled).
Result<Rule> ruleFromProposalRecord(const Proposal& proposal, const VariantMap& edits, TimePoint now);

// The Ask request. `userName` and `parentApp` come from the system (see userNameOf/executableOf);
// "" when unknown.
VariantMap promptRequestToRecord(const PromptRequest& request, const std::string& userName,
                                 const std::string& parentApp);
// An agent's answer (keys: action, host_scope, port_scope, lifetime, until_usec). Strict: a missing
// action, unknown key, wrong type or invalid value is an InvalidArgument error naming the key.
Result<PromptAnswer> promptAnswerFromRecord(const VariantMap& answer);

} // namespace hostgate
