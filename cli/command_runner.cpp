// SPDX-License-Identifier: GPL-3.0-or-later
// One function per hostgatectl command: the D-Bus call, then JSON or human output.
#include "command_runner.h"

#include "firewall_client.h"
#include "metrics.h"
#include "output.h"
#include "requests.h"
#include "store/atomic_file.h"
#include "time_text.h"
#include "util/errno_error.h"
#include "util/unique_fd.h"

#include <fmt/format.h>

#include <poll.h>
#include <pwd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

namespace hostgate::ctl {
namespace {

std::optional<std::uint32_t> lookupUser(std::string_view name)
{
    const std::string nameText(name);
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (getpwnam_r(nameText.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        return std::nullopt;
    }
    return found->pw_uid;
}

void print(const std::string& text)
{
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

ExitStatus invalid(const Error& error)
{
    std::cerr << errorLine(ExitStatus::Invalid, error.describe()) << '\n';
    return ExitStatus::Invalid;
}

void printObjectOr(const Command& command, const nlohmann::json& json, const std::string& human)
{
    print(command.json ? renderJson(json) : human);
}

// A rule file to FILE or stdout ({"toml": ...} with --json).
ExitStatus writeRuleText(const Command& command, const std::string& toml)
{
    if (command.file.empty()) {
        print(command.json ? renderJson({{"toml", toml}}) : toml);
        return ExitStatus::Ok;
    }
    std::FILE* file = std::fopen(command.file.c_str(), "wb");
    const bool written = file != nullptr && std::fwrite(toml.data(), 1, toml.size(), file) == toml.size();
    const bool closed = file != nullptr && std::fclose(file) == 0;
    if (!written || !closed) {
        std::cerr << errorLine(ExitStatus::Failure,
                               fmt::format("Failed to write {}: {}", command.file, errnoText(errno)))
                  << '\n';
        return ExitStatus::Failure;
    }
    return ExitStatus::Ok;
}

// Reads all of `file`; false on a read error.
bool readAll(std::FILE* file, std::string& text)
{
    char buffer[65536];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
        text.append(buffer, count);
    }
    return std::ferror(file) == 0;
}

ExitStatus exportRules(const Command& command, FirewallClient& client)
{
    return writeRuleText(command, client.ExportRules());
}

VariantMap proposalSelection(const Command& command)
{
    nlohmann::json selection = nlohmann::json::object();
    if (command.proposalApp)
        selection["app"] = *command.proposalApp;
    return toVariantMap(selection);
}

ExitStatus runProposalCommand(const Command& command, FirewallClient& client)
{
    switch (command.verb) {
    case Verb::ListProposals: {
        nlohmann::json proposals = nlohmann::json::array();
        for (auto& proposal : client.allProposals())
            if (!command.proposalApp || proposal.value("app", std::string()) == *command.proposalApp)
                proposals.push_back(std::move(proposal));
        print(command.json ? renderJson(withIsoTimes(proposals)) : renderProposalsTable(proposals));
        return ExitStatus::Ok;
    }
    case Verb::AcceptProposal: {
        auto fields = ruleFields(command.proposalEdits, Clock::now(), lookupUser);
        if (!fields)
            return invalid(fields.error());
        const std::uint64_t id = client.acceptProposal(command.proposalId, toVariantMap(*fields));
        printObjectOr(command, {{"rule_ids", {id}}}, fmt::format("{}\n", id));
        return ExitStatus::Ok;
    }
    case Verb::AcceptProposals: {
        const auto ids = client.acceptProposals(proposalSelection(command));
        std::string human;
        for (const auto id : ids)
            human += fmt::format("{}\n", id);
        printObjectOr(command, {{"rule_ids", ids}}, human);
        return ExitStatus::Ok;
    }
    case Verb::RejectProposal:
        client.rejectProposal(command.proposalId);
        printObjectOr(command, {{"rejected", 1}}, {});
        return ExitStatus::Ok;
    case Verb::RejectProposals: {
        const auto rejected = client.rejectProposals(proposalSelection(command));
        printObjectOr(command, {{"rejected", rejected}},
                      fmt::format("rejected {} proposal{}\n", rejected, rejected == 1 ? "" : "s"));
        return ExitStatus::Ok;
    }
    case Verb::ExportProposals:
        return writeRuleText(command, client.exportProposals(proposalSelection(command)));
    case Verb::Audit: {
        auto since = parseSince(command.since, Clock::now());
        if (!since)
            return invalid(since.error());
        return writeRuleText(command, client.auditRules(toUsec(*since)));
    }
    default:
        return ExitStatus::Failure;
    }
}

ExitStatus importRules(const Command& command, FirewallClient& client)
{
    std::string toml;
    const bool fromStdin = command.file == "-";
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(fromStdin ? stdin
                                                                         : std::fopen(command.file.c_str(), "rb"),
                                                               fromStdin ? [](std::FILE*) { return 0; } : &std::fclose);
    if (!file || !readAll(file.get(), toml)) {
        std::cerr << errorLine(ExitStatus::Failure,
                               fmt::format("Failed to read {}: {}", command.file, errnoText(errno)))
                  << '\n';
        return ExitStatus::Failure;
    }
    const std::uint32_t imported = client.importRules(toml, command.replace);
    printObjectOr(command, {{"imported", imported}},
                  fmt::format("imported {} rule{}\n", imported, imported == 1 ? "" : "s"));
    return ExitStatus::Ok;
}

// `metrics --textfile FILE [--interval N]`: node_exporter's textfile collector reads every *.prom file of its
// directory, so FILE is replaced atomically (never seen half-written). Between writes it waits on a signalfd, so
// SIGINT/SIGTERM end it at once (as `systemctl stop` of a unit running it would).
ExitStatus writeMetricsTextfile(const Command& command, FirewallClient& client)
{
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    UniqueFd stopFd;
    if (command.metricsInterval > 0) {
        ::sigprocmask(SIG_BLOCK, &stopSignals, nullptr);
        stopFd.reset(::signalfd(-1, &stopSignals, SFD_CLOEXEC));
    }
    for (;;) {
        std::string text;
        try {
            text = renderMetrics(toJson(client.GetStatus()), MetricsFormat::PrometheusText);
        } catch (const sdbus::Error& error) {
            if (command.metricsInterval == 0)
                throw;
            std::cerr << errorLine(ExitStatus::Unreachable, "Failed to read the daemon's status: " + error.getMessage())
                      << '\n';
            text = renderUnreachableMetrics(MetricsFormat::PrometheusText);
        }
        // 0644: node_exporter runs as its own user.
        if (auto written = writeFileAtomically(command.metricsTextfile, text, 0644); !written) {
            std::cerr << errorLine(ExitStatus::Failure, written.error().describe()) << '\n';
            return ExitStatus::Failure;
        }
        if (command.metricsInterval == 0)
            return ExitStatus::Ok;
        pollfd stop{stopFd.get(), POLLIN, 0};
        if (::poll(&stop, 1, static_cast<int>(command.metricsInterval) * 1000) > 0)
            return ExitStatus::Ok;
    }
}

ExitStatus listConnections(const Command& command, FirewallClient& client)
{
    auto filter = connectionFilter(command.connections, Clock::now());
    if (!filter) {
        return invalid(filter.error());
    }
    const nlohmann::json events = toJson(client.recentConnections(command.connections.limit, toVariantMap(*filter)));
    print(command.json ? renderJson(withIsoTimes(events)) : renderConnectionsTable(events));
    return ExitStatus::Ok;
}

} // namespace

ExitStatus runCommand(const Command& command, sdbus::IConnection& connection)
{
    FirewallClient client(connection);
    switch (command.verb) {
    case Verb::Status: {
        const nlohmann::json status = toJson(client.GetStatus());
        print(command.json ? renderJson(withIsoTimes(status)) : renderStatus(status));
        return ExitStatus::Ok;
    }
    case Verb::GetMode: {
        const std::string mode = client.GetMode();
        printObjectOr(command, {{"mode", mode}}, mode + '\n');
        return ExitStatus::Ok;
    }
    case Verb::SetMode:
        client.setMode(command.mode);
        printObjectOr(command, {{"mode", command.mode}}, {});
        return ExitStatus::Ok;
    case Verb::ListRules: {
        const nlohmann::json rules = rulesForApp(client.allRules(), command.appFilter);
        print(command.json ? renderJson(withIsoTimes(rules)) : renderRulesTable(rules));
        return ExitStatus::Ok;
    }
    case Verb::ShowRule: {
        const nlohmann::json rule = toJson(client.GetRule(command.ruleId));
        print(command.json ? renderJson(withIsoTimes(rule)) : renderRule(rule));
        return ExitStatus::Ok;
    }
    case Verb::AddRule:
    case Verb::UpdateRule: {
        auto fields = ruleFields(command.rule, Clock::now(), lookupUser);
        if (!fields) {
            return invalid(fields.error());
        }
        if (command.verb == Verb::AddRule) {
            const std::uint64_t id = client.addRule(toVariantMap(*fields));
            printObjectOr(command, {{"id", id}}, fmt::format("{}\n", id));
        } else {
            client.updateRule(command.ruleId, toVariantMap(*fields));
            printObjectOr(command, {{"id", command.ruleId}}, {});
        }
        return ExitStatus::Ok;
    }
    case Verb::RemoveRule:
        client.removeRule(command.ruleId);
        printObjectOr(command, {{"id", command.ruleId}}, {});
        return ExitStatus::Ok;
    case Verb::EnableRule:
    case Verb::DisableRule:
        client.setRuleEnabled(command.ruleId, command.verb == Verb::EnableRule);
        printObjectOr(command, {{"id", command.ruleId}}, {});
        return ExitStatus::Ok;
    case Verb::ExportRules:
        return exportRules(command, client);
    case Verb::ImportRules:
        return importRules(command, client);
    case Verb::Connections:
        return command.connections.follow ? followConnections(command, connection) : listConnections(command, client);
    case Verb::Apps: {
        const nlohmann::json apps = toJson(client.listApps());
        print(command.json ? renderJson(withIsoTimes(apps)) : renderAppsTable(apps));
        return ExitStatus::Ok;
    }
    case Verb::Traffic: {
        const nlohmann::json flows = toJson(client.listTraffic());
        print(command.json ? renderJson(withIsoTimes(flows)) : renderTrafficTable(flows));
        return ExitStatus::Ok;
    }
    case Verb::ListProposals:
    case Verb::AcceptProposal:
    case Verb::AcceptProposals:
    case Verb::RejectProposal:
    case Verb::RejectProposals:
    case Verb::ExportProposals:
    case Verb::Audit:
        return runProposalCommand(command, client);
    case Verb::ListLists: {
        const nlohmann::json lists = toJson(client.ListLists());
        print(command.json ? renderJson(withIsoTimes(lists)) : renderListsTable(lists));
        return ExitStatus::Ok;
    }
    case Verb::RefreshLists:
        client.refreshLists(command.listName);
        return ExitStatus::Ok;
    case Verb::EnableList:
    case Verb::DisableList:
        client.setListEnabled(command.listName, command.verb == Verb::EnableList);
        return ExitStatus::Ok;
    case Verb::Run:
        return runInScope(command, connection);
    case Verb::Attach:
    case Verb::Detach:
    case Verb::Scopes:
        return runScopeCommand(command, connection);
    case Verb::Metrics:
        if (!command.metricsTextfile.empty())
            return writeMetricsTextfile(command, client);
        print(renderMetrics(toJson(client.GetStatus()), MetricsFormat::OpenMetrics));
        return ExitStatus::Ok;
    }
    return ExitStatus::Failure;
}

} // namespace hostgate::ctl
