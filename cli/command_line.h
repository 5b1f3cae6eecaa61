// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's command line: what the user asked for, parsed with CLI11 into a plain Command (no bus).
#pragma once

#include "exit_status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hostgate::ctl {

enum class Verb {
    Status,
    GetMode,
    SetMode,
    ListRules,
    ShowRule,
    AddRule,
    UpdateRule,
    RemoveRule,
    EnableRule,
    DisableRule,
    ExportRules,
    ImportRules,
    Connections,
    Apps,
    Traffic,
    Metrics,
    ListProposals,
    AcceptProposal,  // one, with edits
    AcceptProposals, // --all [--app]
    RejectProposal,
    RejectProposals, // --all [--app]
    ExportProposals,
    Audit,
    ListLists,
    RefreshLists,
    EnableList,
    DisableList,
    Run,    // run a command in a scope of its own
    Attach, // a scope for an existing cgroup
    Detach,
    Scopes,
};

// The policy of `run` and `attach`, and what they apply to.
struct ScopeOptions {
    std::string rulesFile;               // --rules: a rule file (TOML)
    std::vector<std::string> allow;      // --allow HOST
    std::vector<std::string> deny;       // --deny HOST
    std::string defaultAction = "deny";  // --default
    std::string log;                     // run --log FILE: decisions as JSON lines (empty: stderr, as text)
    std::vector<std::string> command;    // run: the command and its arguments
    std::string cgroup, unit, container; // attach: exactly one
    std::uint64_t scopeId = 0;           // detach

    bool operator==(const ScopeOptions&) const = default;
};

// The rule options of `rules add` and `rules update`; unset ones are not sent (update keeps their values).
struct RuleOptions {
    std::optional<std::string> action;
    std::optional<std::string> app;
    std::optional<std::string> script;
    std::optional<std::string> user; // uid or user name
    std::optional<std::string> host;
    std::optional<std::string> ports;
    std::optional<std::string> protocol;
    std::optional<std::string> lifetime;
    std::optional<std::string> until; // ISO 8601 or +DURATION
    std::optional<std::string> note;
    std::optional<std::string> sha256;
    bool disabled = false;

    bool operator==(const RuleOptions&) const = default;
};

struct ConnectionQuery {
    std::uint32_t limit = 0; // 0: the daemon's default (100)
    std::string app;
    std::string host;
    std::string verdict;
    std::string since; // ISO 8601, DURATION or -DURATION
    bool follow = false;

    bool operator==(const ConnectionQuery&) const = default;
};

struct Command {
    Verb verb = Verb::Status;
    bool json = false;
    std::string mode;         // SetMode
    std::uint64_t ruleId = 0; // ShowRule, UpdateRule, RemoveRule, EnableRule, DisableRule
    std::string appFilter;    // ListRules --app
    RuleOptions rule;         // AddRule, UpdateRule
    std::string file;         // ExportRules (empty: stdout), ImportRules ("-": stdin)
    bool replace = false;     // ImportRules
    ConnectionQuery connections;
    std::string metricsTextfile;            // Metrics --textfile (empty: OpenMetrics on stdout)
    std::uint32_t metricsInterval = 0;      // Metrics --interval seconds (0: once)
    std::uint64_t proposalId = 0;           // AcceptProposal, RejectProposal
    std::optional<std::string> proposalApp; // --app of the proposal commands (unset: every application)
    RuleOptions proposalEdits;              // AcceptProposal: host, ports, protocol, action, lifetime, until, note
    std::string since;                      // Audit --since (ISO 8601, DURATION or -DURATION)
    std::string listName;                   // RefreshLists ("" = every list), EnableList, DisableList
    ScopeOptions scope;                     // Run, Attach, Detach

    bool operator==(const Command&) const = default;
};

// Either a command to run, or text to print and a status to exit with (help on stdout with Ok, a usage
// error line on stderr with Usage).
struct ParseOutcome {
    std::optional<Command> command;
    ExitStatus status = ExitStatus::Ok;
    std::string text;
};

// `arguments` excludes the program name.
ParseOutcome parseArguments(const std::vector<std::string>& arguments);

} // namespace hostgate::ctl
