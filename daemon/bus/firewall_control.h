// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallControl: what the D-Bus service asks of the daemon. The daemon implements it; the bus layer's
// tests fake it. Plain C++ (no sdbus types), called only on the daemon's event-loop thread.
#pragma once

#include "decision/decision_engine.h"
#include "learning/proposal_book.h"
#include "prompt/prompt_broker.h"
#include "rules/rule.h"
#include "scope/scope_book.h"
#include "store/event_log.h"
#include "traffic/traffic_flow.h"
#include "util/error_codes.h"
#include "util/result.h"
#include "util/time.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// Error codes the control may return: util/error_codes.h (control_error::...).

struct FirewallStatus {
    std::string version;
    Mode mode = Mode::Enforce;
    Action defaultAction = Action::Deny;
    Seconds promptTimeout{30};
    std::vector<std::string> kernelFeatures;  // available, e.g. "cgroup-sock-addr", "ringbuf"
    std::vector<std::string> missingFeatures; // missing, with a short reason each
    std::size_t rules = 0;
    std::size_t adminRules = 0;
    std::size_t userRules = 0;
    std::size_t runtimeRules = 0;
    std::vector<std::string> ruleErrors; // "file:line:column: message" of rule files that failed to load
    std::size_t pendingPrompts = 0;
    std::uint64_t allowed = 0; // decisions since start
    std::uint64_t denied = 0;
    std::uint64_t asked = 0;
    std::uint64_t dnsPackets = 0;             // DNS queries and answers the DNS queue passed through the daemon
    std::uint64_t dnsQueueOverflows = 0;      // times the kernel dropped DNS queue messages (socket buffer full)
    std::uint64_t decisionQueueOverflows = 0; // the same for the decision queue
    std::uint64_t verdictEntries = 0;         // kernel verdict map: entries in use
    std::uint64_t verdictCapacity = 0;        // ... and its size
    std::uint64_t missEventsDropped = 0;      // kernel miss reports lost because the ring buffer was full
    std::size_t proposals = 0;                // learning proposals waiting for review
    std::size_t proposalLimit = 0;            // ... at most this many
    std::uint64_t proposalsDropped = 0;       // destinations not proposed because the list was full
    std::string proposalsError;               // the saved proposals failed to load (empty: they did not)
    std::vector<std::string> listErrors;      // lists.d files that failed to load
    std::size_t lists = 0;                    // subscribed lists configured
    TimePoint started{};
};

// One subscribed list as the API shows it (ListLists).
struct ListInfo {
    std::string name;
    std::string description;
    std::string source;
    std::string file;
    std::string format;
    Action action = Action::Deny;
    bool enabled = true;
    std::uint64_t entries = 0;
    std::optional<TimePoint> lastFetch;
    std::optional<TimePoint> lastSuccess;
    std::string lastError;
    std::optional<TimePoint> nextRefresh;
    bool fetching = false;
};

struct AppSummary {
    std::string app;
    std::uint64_t connections = 0;
    std::uint64_t allowed = 0;
    std::uint64_t denied = 0;
    std::uint64_t asked = 0;
    std::optional<TimePoint> lastSeen; // nullopt: only a rule names the app
    std::size_t rules = 0;
};

// What CreateRunScope / AttachScope ask for, validated at the bus edge (hosts parsed) except the rule file's
// text, which the daemon parses with the rule-file reader.
struct ScopeRequest {
    std::vector<Rule> rules; // from allow / deny hosts
    std::string rulesToml;   // a rule file's text; empty: none
    ScopeDefault defaultAction = ScopeDefault::Deny;
    std::string label;
};

struct ScopeCreated {
    ScopeId id = 0;
    std::string cgroup; // its path in the cgroup v2 hierarchy
};

class FirewallControl {
public:
    virtual ~FirewallControl() = default;

    virtual FirewallStatus status() const = 0;
    virtual std::vector<ListInfo> lists() const = 0;
    // "" = every list; NoSuchList.
    virtual Result<void> refreshLists(const std::string& name) = 0;
    virtual Result<void> setListEnabled(const std::string& name, bool enabled) = 0;
    virtual Mode mode() const = 0;
    virtual Result<void> setMode(Mode mode) = 0;

    // Changes made through the methods below are announced (RulesChanged, ModeChanged) by the bus service
    // itself; the daemon announces only the changes it makes on its own (reloads, prompt answers, exits).

    // Admin rules, then user rules, then in-memory rules (once / until-exit answers).
    virtual std::vector<Rule> rules() const = 0;
    virtual std::optional<Rule> rule(RuleId id) const = 0;
    // Adds a user rule (its id is assigned; origin forced to User) and persists it before returning the
    // rule as stored. Nothing changes on failure.
    virtual Result<Rule> addRule(Rule rule) = 0;
    // Replaces the user rule with `rule.id` (NoSuchRule, ReadOnlyRule for admin rules); persists.
    virtual Result<void> updateRule(Rule rule) = 0;
    virtual Result<void> removeRule(RuleId id) = 0;
    virtual Result<void> setRuleEnabled(RuleId id, bool enabled) = 0;
    // The user rules in the TOML rule-file format.
    virtual std::string exportRules() const = 0;
    // Parses `toml` (rule-file format; ids in it are ignored), then appends or replaces the user rules,
    // all or nothing. Returns how many rules were imported.
    virtual Result<std::size_t> importRules(std::string_view toml, bool replace) = 0;

    // Learning proposals (ProposalBook): the list by id, one proposal, accepting one as `rule` (made from it
    // with the caller's edits; added like addRule, then the proposal is forgotten), rejecting (forgotten and not
    // proposed again). Accept and reject save the book before returning. NoSuchProposal for unknown ids.
    virtual std::vector<Proposal> proposals() const = 0;
    virtual std::optional<Proposal> proposal(ProposalId id) const = 0;
    virtual Result<Rule> acceptProposal(ProposalId id, Rule rule) = 0;
    virtual Result<std::size_t> rejectProposals(const std::vector<ProposalId>& ids) = 0;
    // A rule file (TOML, loadable as an admin file or by ImportRules) of the rules the given proposals stand for.
    virtual std::string exportProposals(const std::vector<ProposalId>& ids) const = 0;
    // The same kind of rule file made from the connections the log shows allowed since `since`, in any mode.
    virtual Result<std::string> auditRules(TimePoint since) const = 0;

    virtual Result<std::vector<ConnectionEvent>> recentConnections(std::size_t limit,
                                                                   const EventFilter& filter) const = 0;
    virtual Result<std::vector<AppSummary>> apps() const = 0;
    // The network monitor: every flow the kernel counted traffic for (open sockets, and those closed in the last
    // minutes) and the attempts refused in the last minutes, most recently active first, at most `limit`.
    // The default: none (a control without traffic accounting).
    virtual Result<std::vector<TrafficFlow>> traffic(std::size_t /*limit*/) { return std::vector<TrafficFlow>{}; }

    // Prompts (see PromptBroker for the protocol): the bus delivers a PromptRequest to the uid's agent, then
    // reports either promptDelivered(id, agent bus name) or promptUndeliverable(id); an agent's reply
    // becomes answerPrompt(); an agent leaving the bus becomes agentGone(). Each completes held
    // connections synchronously.
    virtual void promptDelivered(PromptId id, const std::string& agentBusName) = 0;
    virtual void promptUndeliverable(PromptId id) = 0;
    virtual Result<void> answerPrompt(PromptId id, const PromptAnswer& answer, std::uint32_t answeringUid) = 0;
    virtual void agentGone(const std::string& agentBusName) = 0;

    // Scopes (scope/scope_book.h). The defaults refuse, for controls without them (the bus tests' fakes).
    virtual Result<ScopeCreated> createRunScope(ScopeRequest, std::uint32_t /*uid*/, const std::string& /*busName*/)
    {
        return Error::named(std::string(control_error::failed), "Scopes are not supported");
    }
    // Moves `pid` into the run scope: only for the connection that made it, for a child of `callerPid` of `uid`.
    virtual Result<void> joinScope(ScopeId, std::int32_t /*pid*/, std::uint32_t /*uid*/, std::int32_t /*callerPid*/,
                                   const std::string& /*busName*/)
    {
        return Error::named(std::string(control_error::failed), "Scopes are not supported");
    }
    // kind: "cgroup", "unit" or "container".
    virtual Result<ScopeCreated> attachScope(std::string_view /*kind*/, std::string_view /*target*/, ScopeRequest,
                                             std::uint32_t /*uid*/)
    {
        return Error::named(std::string(control_error::failed), "Scopes are not supported");
    }
    virtual Result<void> removeScope(ScopeId)
    {
        return Error::named(std::string(control_error::failed), "Scopes are not supported");
    }
    virtual std::vector<Scope> scopes() const { return {}; }
    // A bus client left: the run scopes it made end.
    virtual void clientGone(const std::string& /*busName*/) {}
};

} // namespace hostgate
