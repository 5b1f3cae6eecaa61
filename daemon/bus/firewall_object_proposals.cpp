// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallObject: learning proposals — listed (read-log), accepted as user rules and rejected (manage-rules,
// like any rule change), exported and audited as rule files (read-log).
#include "bus/firewall_object.h"

#include "bus/reply_budget.h"
#include "rules/rule_validation.h"

#include <fmt/format.h>

#include <algorithm>

namespace hostgate {

namespace {

Error noSuchProposal(ProposalId id)
{
    return Error::named(std::string(control_error::noSuchProposal), fmt::format("No proposal has id {}", id));
}

std::vector<ProposalId> selected(const std::vector<Proposal>& proposals, const ProposalSelection& selection)
{
    std::vector<ProposalId> ids;
    for (const auto& proposal : proposals)
        if (!selection.app || proposal.app.value_or("") == *selection.app)
            ids.push_back(proposal.id);
    return ids;
}

Error tooLarge(std::string_view what, std::size_t bytes)
{
    return Error::named(std::string(control_error::limitExceeded),
                        fmt::format("{} take {} bytes, more than one reply may carry ({} MiB)", what, bytes,
                                    maxReplyBytes / (1024 * 1024)));
}

} // namespace

void FirewallObject::ListProposalsPage(sdbus::Result<Records, uint64_t, uint64_t>&& result, uint64_t offset,
                                       uint32_t limit)
{
    authorizeThen(std::move(result), polkit_action::readLog, [this, offset, limit](const auto& reply, const Caller&) {
        const auto proposals = bus_.control.proposals();
        const std::uint64_t total = proposals.size();
        const std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(offset, total));
        const std::size_t count = std::min<std::size_t>(clampPageLimit(limit), proposals.size() - first);
        auto page = buildPage(
            count, [&](std::size_t index) { return proposalToRecord(proposals[first + index]); }, maxPageBytes);
        const std::uint64_t next = first + page.records.size();
        reply.returnResults(std::move(page.records), total, next);
    });
}

void FirewallObject::AcceptProposal(sdbus::Result<uint64_t>&& result, uint64_t id,
                                    std::map<std::string, sdbus::Variant> edits)
{
    // Validated before polkit is asked (no password prompt for a request that cannot succeed), and again after.
    const auto proposal = bus_.control.proposal(id);
    if (!proposal) {
        result.returnError(toBusError(noSuchProposal(id)));
        return;
    }
    if (auto checked = ruleFromProposalRecord(*proposal, edits, Clock::now()); !checked) {
        result.returnError(toBusError(checked.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules,
                  [this, id, edits = std::move(edits)](const auto& reply, const Caller& caller) {
                      const auto current = bus_.control.proposal(id);
                      if (!current) {
                          reply.returnError(toBusError(noSuchProposal(id)));
                          return;
                      }
                      auto rule = ruleFromProposalRecord(*current, edits, Clock::now());
                      if (!rule) {
                          reply.returnError(toBusError(rule.error()));
                          return;
                      }
                      auto added = bus_.control.acceptProposal(id, std::move(rule).value());
                      if (!added) {
                          reply.returnError(toBusError(added.error()));
                          return;
                      }
                      bus_.log.info("Proposal accepted over D-Bus",
                                    {{"proposal", id}, {"rule", describe(*added)}, {"uid", caller.uid}});
                      sendRulesChanged();
                      sendProposalsChanged(bus_.control.proposals().size());
                      reply.returnResults(added->id);
                  });
}

void FirewallObject::AcceptProposals(sdbus::Result<std::vector<uint64_t>>&& result,
                                     std::map<std::string, sdbus::Variant> selection)
{
    auto parsed = proposalSelectionFromRecord(selection);
    if (!parsed) {
        result.returnError(toBusError(parsed.error()));
        return;
    }
    authorizeThen(
        std::move(result), polkit_action::manageRules,
        [this, wanted = std::move(parsed).value()](const auto& reply, const Caller& caller) {
            const auto proposals = bus_.control.proposals();
            std::vector<std::uint64_t> ruleIds;
            std::optional<Error> failure;
            const auto now = Clock::now();
            for (const auto id : selected(proposals, wanted)) {
                const auto current = bus_.control.proposal(id);
                if (!current)
                    continue; // gone meanwhile
                auto added = bus_.control.acceptProposal(id, ruleForProposal(*current, now));
                if (!added) {
                    failure = added.error();
                    failure->message =
                        fmt::format("Proposal {} (after {} accepted): {}", id, ruleIds.size(), failure->message);
                    break;
                }
                ruleIds.push_back(added->id);
            }
            if (!ruleIds.empty()) {
                bus_.log.info("Proposals accepted over D-Bus", {{"count", ruleIds.size()}, {"uid", caller.uid}});
                sendRulesChanged();
                sendProposalsChanged(bus_.control.proposals().size());
            }
            if (failure)
                reply.returnError(toBusError(*failure));
            else
                reply.returnResults(std::move(ruleIds));
        });
}

void FirewallObject::RejectProposal(sdbus::Result<>&& result, uint64_t id)
{
    if (!bus_.control.proposal(id)) {
        result.returnError(toBusError(noSuchProposal(id)));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules, [this, id](const auto& reply, const Caller& caller) {
        if (auto rejected = bus_.control.rejectProposals({id}); !rejected) {
            reply.returnError(toBusError(rejected.error()));
            return;
        }
        bus_.log.info("Proposal rejected over D-Bus", {{"proposal", id}, {"uid", caller.uid}});
        sendProposalsChanged(bus_.control.proposals().size());
        reply.returnResults();
    });
}

void FirewallObject::RejectProposals(sdbus::Result<uint32_t>&& result, std::map<std::string, sdbus::Variant> selection)
{
    auto parsed = proposalSelectionFromRecord(selection);
    if (!parsed) {
        result.returnError(toBusError(parsed.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules,
                  [this, wanted = std::move(parsed).value()](const auto& reply, const Caller& caller) {
                      const auto ids = selected(bus_.control.proposals(), wanted);
                      auto rejected = bus_.control.rejectProposals(ids);
                      if (!rejected) {
                          reply.returnError(toBusError(rejected.error()));
                          return;
                      }
                      bus_.log.info("Proposals rejected over D-Bus", {{"count", *rejected}, {"uid", caller.uid}});
                      if (*rejected > 0)
                          sendProposalsChanged(bus_.control.proposals().size());
                      reply.returnResults(static_cast<std::uint32_t>(*rejected));
                  });
}

void FirewallObject::ExportProposals(sdbus::Result<std::string>&& result,
                                     std::map<std::string, sdbus::Variant> selection)
{
    auto parsed = proposalSelectionFromRecord(selection);
    if (!parsed) {
        result.returnError(toBusError(parsed.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::readLog,
                  [this, wanted = std::move(parsed).value()](const auto& reply, const Caller&) {
                      auto toml = bus_.control.exportProposals(selected(bus_.control.proposals(), wanted));
                      if (toml.size() > maxReplyBytes) {
                          reply.returnError(toBusError(tooLarge("The proposals' rules", toml.size())));
                          return;
                      }
                      reply.returnResults(std::move(toml));
                  });
}

void FirewallObject::AuditRules(sdbus::Result<std::string>&& result, int64_t sinceUsec)
{
    const auto since = timeFromUsec(sinceUsec);
    if (!since) {
        result.returnError(toBusError(
            Error::named(std::string(control_error::invalidArgument), "since_usec: " + outOfRangeTime(sinceUsec))));
        return;
    }
    authorizeThen(
        std::move(result), polkit_action::readLog, [this, from = *since](const auto& reply, const Caller& caller) {
            const auto now = std::chrono::steady_clock::now();
            if (caller.uid != 0 && bus_.lastAudit_ && now - *bus_.lastAudit_ < BusContext::auditInterval) {
                reply.returnError(
                    toBusError(Error::named(std::string(control_error::limitExceeded),
                                            "An audit of the connection log ran less than a second ago; try again")));
                return;
            }
            if (caller.uid != 0)
                bus_.lastAudit_ = now;
            auto toml = bus_.control.auditRules(from);
            if (!toml) {
                reply.returnError(toBusError(toml.error()));
                return;
            }
            if (toml->size() > maxReplyBytes) {
                reply.returnError(toBusError(tooLarge("The audited rules", toml->size())));
                return;
            }
            reply.returnResults(std::move(toml).value());
        });
}

} // namespace hostgate
