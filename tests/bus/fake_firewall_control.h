// SPDX-License-Identifier: GPL-3.0-or-later
// FakeFirewallControl: an in-memory FirewallControl that records what the bus layer asked of it.
#pragma once

#include "bus/firewall_control.h"

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

namespace hostgate::testbus {

class FakeFirewallControl final : public FirewallControl {
public:
    struct AnswerCall {
        PromptId id = 0;
        PromptAnswer answer;
        std::uint32_t uid = 0;
    };

    Mode currentMode = Mode::Enforce;
    std::map<RuleId, Rule> stored;
    RuleId nextId = 1;
    std::vector<std::pair<PromptId, std::string>> delivered;
    std::vector<PromptId> undeliverable;
    std::vector<AnswerCall> answers;
    std::vector<std::string> gone;
    std::vector<Proposal> waiting; // proposals
    std::vector<std::pair<ProposalId, Rule>> accepted;
    std::vector<ProposalId> rejected;

    FirewallStatus status() const override
    {
        FirewallStatus status;
        status.version = "test";
        status.mode = currentMode;
        status.rules = stored.size();
        return status;
    }
    Mode mode() const override { return currentMode; }
    Result<void> setMode(Mode mode) override
    {
        currentMode = mode;
        return Ok{};
    }
    std::vector<Rule> rules() const override
    {
        std::vector<Rule> all;
        for (const auto& [id, rule] : stored)
            all.push_back(rule);
        return all;
    }
    std::optional<Rule> rule(RuleId id) const override
    {
        const auto it = stored.find(id);
        return it == stored.end() ? std::nullopt : std::optional<Rule>(it->second);
    }
    Result<Rule> addRule(Rule rule) override
    {
        rule.id = nextId++;
        rule.origin = RuleOrigin::User;
        stored[rule.id] = rule;
        return rule;
    }
    Result<void> updateRule(Rule rule) override
    {
        if (!stored.count(rule.id))
            return Error::named("NoSuchRule", "no such rule");
        stored[rule.id] = rule;
        return Ok{};
    }
    Result<void> removeRule(RuleId id) override
    {
        return stored.erase(id) ? Result<void>(Ok{}) : Result<void>(Error::named("NoSuchRule", "no such rule"));
    }
    std::vector<ListInfo> lists() const override { return listInfos; }
    Result<void> refreshLists(const std::string& name) override
    {
        refreshed.push_back(name);
        return Ok{};
    }
    Result<void> setListEnabled(const std::string& name, bool enabled) override
    {
        for (auto& list : listInfos)
            if (list.name == name) {
                list.enabled = enabled;
                return Ok{};
            }
        return Error::named("NoSuchList", "no such list");
    }
    std::vector<ListInfo> listInfos;
    std::vector<std::string> refreshed;

    Result<void> setRuleEnabled(RuleId id, bool enabled) override
    {
        if (!stored.count(id))
            return Error::named("NoSuchRule", "no such rule");
        stored[id].enabled = enabled;
        return Ok{};
    }
    std::string exportRules() const override { return fmt::format("# {} rules\n", stored.size()); }
    Result<std::size_t> importRules(std::string_view toml, bool) override
    {
        if (toml.find("[[rule]]") == std::string_view::npos)
            return Error::named("InvalidRule", "rules.toml:1:1: no [[rule]] table");
        return std::size_t{1};
    }
    std::vector<Proposal> proposals() const override { return waiting; }
    std::optional<Proposal> proposal(ProposalId id) const override
    {
        for (const auto& proposal : waiting)
            if (proposal.id == id)
                return proposal;
        return std::nullopt;
    }
    Result<Rule> acceptProposal(ProposalId id, Rule rule) override
    {
        if (!proposal(id))
            return Error::named("NoSuchProposal", "no such proposal");
        std::erase_if(waiting, [id](const Proposal& proposal) { return proposal.id == id; });
        accepted.emplace_back(id, rule);
        return addRule(std::move(rule));
    }
    Result<std::size_t> rejectProposals(const std::vector<ProposalId>& ids) override
    {
        for (const auto id : ids)
            if (!proposal(id))
                return Error::named("NoSuchProposal", "no such proposal");
        for (const auto id : ids) {
            std::erase_if(waiting, [id](const Proposal& proposal) { return proposal.id == id; });
            rejected.push_back(id);
        }
        return ids.size();
    }
    std::string exportProposals(const std::vector<ProposalId>& ids) const override
    {
        return fmt::format("# {} proposals\n", ids.size());
    }
    Result<std::string> auditRules(TimePoint) const override { return std::string("# audit\n"); }
    Result<std::vector<ConnectionEvent>> recentConnections(std::size_t limit, const EventFilter&) const override
    {
        ConnectionEvent event;
        event.verdict = Outcome::Denied;
        event.appPath = "/usr/bin/curl";
        event.explanation = fmt::format("limit {}", limit);
        return std::vector<ConnectionEvent>{event};
    }
    Result<std::vector<AppSummary>> apps() const override
    {
        return std::vector<AppSummary>{AppSummary{"/usr/bin/curl", 1, 0, 1, 0, std::nullopt, 0}};
    }
    void promptDelivered(PromptId id, const std::string& agentBusName) override
    {
        delivered.emplace_back(id, agentBusName);
    }
    void promptUndeliverable(PromptId id) override { undeliverable.push_back(id); }
    Result<void> answerPrompt(PromptId id, const PromptAnswer& answer, std::uint32_t answeringUid) override
    {
        answers.push_back({id, answer, answeringUid});
        return Ok{};
    }
    void agentGone(const std::string& agentBusName) override { gone.push_back(agentBusName); }
};

} // namespace hostgate::testbus
