// SPDX-License-Identifier: GPL-3.0-or-later
// Parses hostgatectl's arguments with CLI11; documents the commands, the JSON output and the exit statuses.
#include "command_line.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <sstream>

namespace hostgate::ctl {
namespace {

constexpr const char* jsonHelp =
    "JSON output (--json): status, rules show: one object; rules list, connections, apps, traffic: an array of\n"
    "objects; connections --follow: one object per line. Objects use the D-Bus API's key names; every\n"
    "\"<name>_usec\" time also appears as \"<name>\" in ISO 8601 UTC (\"created\": \"2026-11-23T10:00:00Z\").\n"
    "mode: {\"mode\": ...}; rules add: {\"id\": N}; rules import: {\"imported\": N}; rules export: {\"toml\": ...};\n"
    "other changes print {\"id\": N} or {\"mode\": ...} on success. proposals list: an array; proposals\n"
    "accept: {\"rule_ids\": [N...]}; proposals reject: {\"rejected\": N}; proposals export, audit: {\"toml\": ...}.";

// CLI11 stores into plain strings; whether an option was given at all is asked afterwards.
struct RuleOptionValues {
    std::string action, app, script, user, host, ports, protocol, lifetime, until, note, sha256;
    bool disabled = false;
    std::vector<std::pair<CLI::Option*, std::string*>> options;
    CLI::Option* actionOption = nullptr;
};

void addRuleOptions(CLI::App& command, RuleOptionValues& values)
{
    values.actionOption =
        command.add_option("--action", values.action, "allow or deny")->check(CLI::IsMember({"allow", "deny"}));
    values.options = {
        {values.actionOption, &values.action},
        {command.add_option("--app", values.app,
                            "executable path or app id (flatpak:ID, snap:NAME, appimage:FILE, unit:NAME.service; \"\" "
                            "= any application)"),
         &values.app},
        {command.add_option("--script", values.script, "interpreter's script path"), &values.script},
        {command.add_option("--user", values.user, "uid or user name (default: any user)"), &values.user},
        {command.add_option("--host", values.host, "*, name, *.domain, address or CIDR"), &values.host},
        {command.add_option("--ports", values.ports, "e.g. 443 or 80,8000-8100 (default: any)"), &values.ports},
        {command.add_option("--protocol", values.protocol, "tcp, udp or any")
             ->check(CLI::IsMember({"tcp", "udp", "any"})),
         &values.protocol},
        {command.add_option("--lifetime", values.lifetime, "forever or until-time")
             ->check(CLI::IsMember({"forever", "until-time"})),
         &values.lifetime},
        {command.add_option("--until", values.until, "end of an until-time rule: ISO 8601 or +DURATION (+2h)"),
         &values.until},
        {command.add_option("--note", values.note, "free text"), &values.note},
        {command.add_option(
             "--sha256", values.sha256,
             "pin the rule to the app's binary: its SHA-256 as sha256sum prints it (\"\" removes a pin)"),
         &values.sha256},
    };
    command.add_flag("--disabled", values.disabled, "store the rule disabled");
}

RuleOptions collectRuleOptions(const RuleOptionValues& values)
{
    RuleOptions rule;
    const std::vector<std::optional<std::string>*> targets = {&rule.action, &rule.app,   &rule.script,   &rule.user,
                                                              &rule.host,   &rule.ports, &rule.protocol, &rule.lifetime,
                                                              &rule.until,  &rule.note,  &rule.sha256};
    for (std::size_t i = 0; i < values.options.size(); ++i) {
        if (values.options[i].first->count() > 0) {
            *targets[i] = *values.options[i].second;
        }
    }
    rule.disabled = values.disabled;
    return rule;
}

CLI::App* addRuleIdCommand(CLI::App& parent, const char* name, const char* description, std::uint64_t& id)
{
    CLI::App* command = parent.add_subcommand(name, description);
    command->add_option("ID", id, "rule id")->required();
    command->fallthrough();
    return command;
}

} // namespace

ParseOutcome parseArguments(const std::vector<std::string>& arguments)
{
    CLI::App app("Control the hostgate application firewall (hostgated) over D-Bus.", "hostgatectl");
    app.require_subcommand(1);
    app.fallthrough();
    app.footer(std::string(jsonHelp) + "\n\n" + std::string(exitStatusHelp()));

    Command command;
    app.add_flag("--json", command.json, "machine-readable JSON output (see below)");

    CLI::App* status = app.add_subcommand("status", "show the daemon's state and counters");
    CLI::App* mode =
        app.add_subcommand("mode", "show the mode, or set it (enforce, silent-allow, silent-deny, learning)");
    mode->add_option("MODE", command.mode, "the new mode");

    CLI::App* rules = app.add_subcommand("rules", "list and change rules");
    rules->require_subcommand(1);
    rules->fallthrough();
    CLI::App* list = rules->add_subcommand("list", "list rules (admin, then user, then temporary)");
    list->add_option("--app", command.appFilter, "only rules naming this executable path or app id");
    list->fallthrough();
    CLI::App* show = addRuleIdCommand(*rules, "show", "show one rule", command.ruleId);

    CLI::App* add = rules->add_subcommand("add", "add a user rule; prints its id");
    add->fallthrough();
    RuleOptionValues addValues;
    addRuleOptions(*add, addValues);
    addValues.actionOption->required();

    CLI::App* update = addRuleIdCommand(*rules, "update", "change the given fields of a user rule", command.ruleId);
    RuleOptionValues updateValues;
    addRuleOptions(*update, updateValues);

    CLI::App* remove = addRuleIdCommand(*rules, "remove", "remove a user rule", command.ruleId);
    CLI::App* enable = addRuleIdCommand(*rules, "enable", "enable a user rule", command.ruleId);
    CLI::App* disable = addRuleIdCommand(*rules, "disable", "disable a user rule", command.ruleId);

    CLI::App* exportRules = rules->add_subcommand("export", "write the user rules as TOML to FILE or stdout");
    exportRules->add_option("FILE", command.file, "output file");
    exportRules->fallthrough();
    CLI::App* importRules =
        rules->add_subcommand("import", "import rules from a TOML file (- = stdin), all or nothing");
    importRules->add_option("FILE", command.file, "input file or -")->required();
    importRules->add_flag("--replace", command.replace, "replace every user rule instead of appending");
    importRules->fallthrough();

    CLI::App* connections = app.add_subcommand("connections", "recent connection events, newest first");
    connections->fallthrough();
    ConnectionQuery& query = command.connections;
    connections->add_option("--limit", query.limit, "at most N events (default 100, at most 10000)");
    connections->add_option("--app", query.app, "executable path contains S");
    connections->add_option("--host", query.host, "host contains S (any case)");
    connections->add_option("--verdict", query.verdict, "allowed, denied or asked")
        ->check(CLI::IsMember({"allowed", "denied", "asked"}));
    connections->add_option("--since", query.since, "ISO 8601 time, or a duration ago (15m, 2h)");
    connections->add_flag("--follow", query.follow, "print new matching events as they happen, until interrupted");

    CLI::App* apps = app.add_subcommand("apps", "applications seen in the log or named by rules");
    CLI::App* traffic = app.add_subcommand(
        "traffic", "the network monitor: bytes each app's sockets exchanged with each destination (kernel counters), "
                   "and refused attempts of the last minutes");

    CLI::App* metrics = app.add_subcommand("metrics", "the daemon's counters as OpenMetrics text (for Prometheus)");
    metrics->add_option("--textfile", command.metricsTextfile,
                        "write them in node_exporter's textfile format to FILE (atomically) instead");
    metrics
        ->add_option("--interval", command.metricsInterval,
                     "with --textfile: rewrite FILE every N seconds until interrupted (hostgate_up 0 while the "
                     "daemon is unreachable)")
        ->check(CLI::Range(1, 86400));

    CLI::App* proposals = app.add_subcommand("proposals", "review the rules learning mode proposes");
    proposals->require_subcommand(1);
    proposals->fallthrough();
    std::string proposalApp;
    const auto addProposalApp = [&proposalApp](CLI::App* subcommand) {
        return subcommand->add_option("--app", proposalApp, "only proposals for this executable path (\"\" = unknown)");
    };
    CLI::App* listProposals = proposals->add_subcommand("list", "list the proposals waiting for review");
    CLI::Option* listApp = addProposalApp(listProposals);
    listProposals->fallthrough();
    CLI::App* accept =
        proposals->add_subcommand("accept", "make proposals user rules (ID, edited by the options, or --all)");
    accept->fallthrough();
    accept->add_option("ID", command.proposalId, "proposal id");
    bool acceptAll = false;
    accept->add_flag("--all", acceptAll, "every proposal (with --app: that application's), unedited");
    CLI::Option* acceptApp = addProposalApp(accept);
    // The edits of one accepted proposal: what the rule allows, not whom (app, script and user are the proposal's).
    std::map<std::string, std::pair<CLI::Option*, std::string>> edits;
    for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
             {"--host", "*, name, *.domain, address or CIDR instead of the proposed host"},
             {"--ports", "e.g. 443 or 80,8000-8100 (\"*\" = any) instead of the proposed ports"},
             {"--protocol", "tcp, udp or any"},
             {"--action", "allow (default) or deny"},
             {"--lifetime", "forever (default) or until-time"},
             {"--until", "end of an until-time rule: ISO 8601 or +DURATION (+2h)"},
             {"--note", "free text instead of the proposal's note"}}) {
        auto& entry = edits[name];
        entry.first = accept->add_option(name, entry.second, help);
    }
    edits["--protocol"].first->check(CLI::IsMember({"tcp", "udp", "any"}));
    edits["--action"].first->check(CLI::IsMember({"allow", "deny"}));
    edits["--lifetime"].first->check(CLI::IsMember({"forever", "until-time"}));
    CLI::App* reject =
        proposals->add_subcommand("reject", "forget proposals and do not propose them again (ID or --all)");
    reject->fallthrough();
    reject->add_option("ID", command.proposalId, "proposal id");
    bool rejectAll = false;
    reject->add_flag("--all", rejectAll, "every proposal (with --app: that application's)");
    CLI::Option* rejectApp = addProposalApp(reject);
    CLI::App* exportProposals =
        proposals->add_subcommand("export", "write the proposed rules as a rule file to FILE or stdout");
    exportProposals->add_option("FILE", command.file, "output file");
    CLI::Option* exportApp = addProposalApp(exportProposals);
    exportProposals->fallthrough();

    CLI::App* audit = app.add_subcommand("audit", "a rule file for what the connection log shows allowed (any mode)");
    audit->add_option("--since", command.since, "ISO 8601 time, or a duration ago (2h, 1d)")->required();
    audit->add_option("FILE", command.file, "output file (default: stdout)");

    CLI::App* lists = app.add_subcommand("lists", "the subscribed lists (lists.d): entries, last fetch, errors");
    lists->fallthrough();
    CLI::App* refreshLists = lists->add_subcommand("refresh", "fetch a list now (default: every list)");
    refreshLists->add_option("NAME", command.listName, "list name");
    CLI::App* enableList = lists->add_subcommand("enable", "switch a list on (kept by the daemon across restarts)");
    enableList->add_option("NAME", command.listName, "list name")->required();
    CLI::App* disableList = lists->add_subcommand("disable", "switch a list off (kept by the daemon across restarts)");
    disableList->add_option("NAME", command.listName, "list name")->required();
    const auto addPolicyOptions = [&command](CLI::App* sub) {
        sub->add_option("--rules", command.scope.rulesFile, "a rule file (TOML) whose rules apply to the scope only");
        sub->add_option("--allow", command.scope.allow, "allow HOST (name, *.domain, address, CIDR); repeatable")
            ->allow_extra_args(false);
        sub->add_option("--deny", command.scope.deny, "deny HOST; repeatable")->allow_extra_args(false);
        sub->add_option("--default", command.scope.defaultAction,
                        "without a matching scoped rule: deny (default: only what the scope allows), allow (the "
                        "global rules, then allow) or ask (the global rules, then the mode)")
            ->check(CLI::IsMember({"deny", "allow", "ask"}));
    };
    CLI::App* run = app.add_subcommand(
        "run", "run -- CMD ARGS...: run a command (as you) in a cgroup of its own under its own rules; exits with the "
               "command's status; decisions go to stderr, or to --log FILE as JSON lines");
    addPolicyOptions(run);
    run->add_option("--log", command.scope.log, "write the scope's decisions to FILE as JSON lines (appended)");
    run->add_option("COMMAND", command.scope.command, "the command and its arguments, after --")->required();
    CLI::App* attach = app.add_subcommand(
        "attach", "apply rules to an existing cgroup (a unit's, a container's) until `detach ID`; prints the scope id");
    addPolicyOptions(attach);
    CLI::Option* attachCgroup = attach->add_option("--cgroup", command.scope.cgroup,
                                                   "cgroup path (as in /proc/PID/cgroup, or under the cgroup2 mount)");
    CLI::Option* attachUnit =
        attach->add_option("--unit", command.scope.unit, "systemd unit name (cups.service, docker-ID.scope)");
    CLI::Option* attachContainer =
        attach->add_option("--container", command.scope.container, "Docker/Podman container id (12+ hex digits)");
    attachCgroup->excludes(attachUnit)->excludes(attachContainer);
    attachUnit->excludes(attachContainer);
    CLI::App* detach = app.add_subcommand("detach", "end a scope made by attach (or run)");
    detach->add_option("ID", command.scope.scopeId, "scope id (see hostgatectl scopes)")->required();
    CLI::App* scopes = app.add_subcommand("scopes", "list the scopes (run and attach) and their rules");

    // CLI11 consumes a reversed vector (it pops arguments from the back).
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp& help) {
        std::ostringstream out;
        std::ostringstream err;
        app.exit(help, out, err);
        return {std::nullopt, ExitStatus::Ok, out.str()};
    } catch (const CLI::ParseError& error) {
        return {std::nullopt, ExitStatus::Usage,
                errorLine(ExitStatus::Usage, std::string(error.what()) + " (see hostgatectl --help)")};
    }

    const auto chosen = [](const CLI::App* subcommand) { return subcommand->parsed(); };
    if (chosen(status)) {
        command.verb = Verb::Status;
    } else if (chosen(mode)) {
        command.verb = command.mode.empty() ? Verb::GetMode : Verb::SetMode;
    } else if (chosen(apps)) {
        command.verb = Verb::Apps;
    } else if (chosen(traffic)) {
        command.verb = Verb::Traffic;
    } else if (chosen(metrics)) {
        command.verb = Verb::Metrics;
        if (command.metricsInterval > 0 && command.metricsTextfile.empty()) {
            return {std::nullopt, ExitStatus::Usage,
                    errorLine(ExitStatus::Usage, "metrics --interval needs --textfile (see --help)")};
        }
    } else if (chosen(connections)) {
        command.verb = Verb::Connections;
    } else if (chosen(list)) {
        command.verb = Verb::ListRules;
    } else if (chosen(show)) {
        command.verb = Verb::ShowRule;
    } else if (chosen(add)) {
        command.verb = Verb::AddRule;
        command.rule = collectRuleOptions(addValues);
    } else if (chosen(update)) {
        command.verb = Verb::UpdateRule;
        command.rule = collectRuleOptions(updateValues);
        if (command.rule == RuleOptions{}) {
            return {std::nullopt, ExitStatus::Usage,
                    errorLine(ExitStatus::Usage, "rules update needs at least one option to change (see --help)")};
        }
    } else if (chosen(remove)) {
        command.verb = Verb::RemoveRule;
    } else if (chosen(enable)) {
        command.verb = Verb::EnableRule;
    } else if (chosen(disable)) {
        command.verb = Verb::DisableRule;
    } else if (chosen(exportRules)) {
        command.verb = Verb::ExportRules;
    } else if (chosen(importRules)) {
        command.verb = Verb::ImportRules;
    } else if (chosen(audit)) {
        command.verb = Verb::Audit;
    } else if (chosen(lists)) {
        command.verb = chosen(refreshLists)  ? Verb::RefreshLists
                       : chosen(enableList)  ? Verb::EnableList
                       : chosen(disableList) ? Verb::DisableList
                                             : Verb::ListLists;
    } else if (chosen(run)) {
        command.verb = Verb::Run;
    } else if (chosen(attach)) {
        command.verb = Verb::Attach;
        if (attachCgroup->count() + attachUnit->count() + attachContainer->count() != 1)
            return {std::nullopt, ExitStatus::Usage,
                    errorLine(ExitStatus::Usage, "attach needs one of --cgroup, --unit, --container (see --help)")};
    } else if (chosen(detach)) {
        command.verb = Verb::Detach;
    } else if (chosen(scopes)) {
        command.verb = Verb::Scopes;
    } else if (chosen(proposals)) {
        const auto usage = [](const std::string& message) {
            return ParseOutcome{std::nullopt, ExitStatus::Usage,
                                errorLine(ExitStatus::Usage, message + " (see --help)")};
        };
        for (const CLI::Option* given : {listApp, acceptApp, rejectApp, exportApp})
            if (given->count() > 0)
                command.proposalApp = proposalApp;
        if (chosen(listProposals)) {
            command.verb = Verb::ListProposals;
        } else if (chosen(exportProposals)) {
            command.verb = Verb::ExportProposals;
        } else if (chosen(accept) || chosen(reject)) {
            const bool accepting = chosen(accept);
            const bool all = accepting ? acceptAll : rejectAll;
            const bool idGiven = command.proposalId != 0;
            const std::string verb = accepting ? "proposals accept" : "proposals reject";
            if (all == idGiven)
                return usage(verb + " needs a proposal ID or --all, not both");
            if (idGiven && command.proposalApp)
                return usage(verb + " --app goes with --all");
            if (accepting) {
                const auto given = [&edits](const char* name) -> std::optional<std::string> {
                    const auto& [option, value] = edits.at(name);
                    return option->count() > 0 ? std::optional(value) : std::nullopt;
                };
                RuleOptions& edited = command.proposalEdits;
                edited.host = given("--host");
                edited.ports = given("--ports");
                edited.protocol = given("--protocol");
                edited.action = given("--action");
                edited.lifetime = given("--lifetime");
                edited.until = given("--until");
                edited.note = given("--note");
                if (all && edited != RuleOptions{})
                    return usage("proposals accept --all takes no edits; accept one ID to edit it");
            }
            command.verb = accepting ? (all ? Verb::AcceptProposals : Verb::AcceptProposal)
                                     : (all ? Verb::RejectProposals : Verb::RejectProposal);
        }
    }
    return {command, ExitStatus::Ok, {}};
}

} // namespace hostgate::ctl
