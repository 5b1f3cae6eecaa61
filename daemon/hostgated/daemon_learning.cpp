// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's side of learning (FirewallControl): proposals listed, accepted as user rules through the rule
// lifecycle, rejected, exported as a rule file, and the same rule file audited from the connection log.
#include "hostgated/daemon.h"

#include "store/rule_file.h"

#include <fmt/core.h>

namespace hostgate {

namespace {

// The connection log is bounded by retention (100,000 events by default); an audit reads at most this many.
constexpr std::size_t maxAuditedEvents = 100000;

Error noSuchProposal(ProposalId id)
{
    return Error::named(std::string(control_error::noSuchProposal), fmt::format("No proposal has id {}", id));
}

// As a rule file people can install in rules.d (no ids: admin files derive them) or import.
std::string ruleFileOf(std::vector<Rule> rules)
{
    for (auto& rule : rules)
        rule.origin = RuleOrigin::Admin;
    return serializeRules(rules);
}

} // namespace

void Daemon::learningTick()
{
    learning_.saveIfChanged();
    if (learning_.takeCountChange() && bus_)
        bus_->emitProposalsChanged(learning_.book().size());
    loop_.addTimer(LearningProposals::saveInterval, [this] { learningTick(); });
}

std::vector<Proposal> Daemon::proposals() const
{
    return learning_.book().proposals();
}

std::optional<Proposal> Daemon::proposal(ProposalId id) const
{
    if (const Proposal* found = learning_.book().find(id))
        return *found;
    return std::nullopt;
}

Result<Rule> Daemon::acceptProposal(ProposalId id, Rule rule)
{
    if (!learning_.book().find(id))
        return noSuchProposal(id);
    // Saved and enforced like AddRule; only then is the proposal forgotten.
    auto added = rules_.add(std::move(rule));
    if (!added)
        return added;
    learning_.book().remove(id);
    if (auto saved = learning_.save(); !saved)
        // The rule is in force and saved; the proposal's removal is saved by the next tick.
        log_.warning("Failed to save the learning proposals after an accept, retrying",
                     {{"proposal", id}, {"error", saved.error().describe()}});
    learning_.takeCountChange();
    log_.info("Proposal accepted", {{"proposal", id}, {"rule", describe(*added)}});
    return added;
}

Result<std::size_t> Daemon::rejectProposals(const std::vector<ProposalId>& ids)
{
    for (const auto id : ids)
        if (!learning_.book().find(id))
            return noSuchProposal(id);
    // All or nothing, on disk too: the book goes back to what it was when the save fails.
    const auto before = learning_.book().contents();
    for (const auto id : ids)
        learning_.book().reject(id);
    if (auto saved = learning_.save(); !saved) {
        learning_.book().restore(before);
        return Error::named(std::string(control_error::failed),
                            "Failed to save the learning proposals, nothing was rejected: " + saved.error().describe());
    }
    learning_.takeCountChange();
    log_.info("Proposals rejected", {{"count", ids.size()}});
    return ids.size();
}

std::string Daemon::exportProposals(const std::vector<ProposalId>& ids) const
{
    const auto now = Clock::now();
    std::vector<Rule> rules;
    for (const auto id : ids)
        if (const Proposal* proposal = learning_.book().find(id))
            rules.push_back(ruleForProposal(*proposal, now));
    return ruleFileOf(std::move(rules));
}

Result<std::string> Daemon::auditRules(TimePoint since) const
{
    if (!events_)
        return Error::named(std::string(control_error::failed),
                            "The connection log is not available (see the daemon log)");
    EventFilter filter;
    filter.verdict = Outcome::Allowed;
    filter.since = since;
    auto events = events_->recent(maxAuditedEvents, filter);
    if (!events)
        return Error::named(std::string(control_error::failed), events.error().describe());
    // The same deduplication and generalisation as learning mode, in a book of its own (oldest event first,
    // so proposal order follows first use).
    ProposalBook book(learning_.domains(), learning_.book().limits());
    for (auto event = events->rbegin(); event != events->rend(); ++event) {
        // As in learning mode: an unknown application (or one gone before it was named) would become "any
        // application"; the log holds its displayed text ("[unknown]", "[exited] COMM").
        if (event->appPath.empty() || pathStateOfDisplayed(event->appPath) != AppPathState::Known)
            continue;
        Sighting sighting;
        sighting.app = event->appPath;
        sighting.uid = event->uid;
        sighting.host = event->host;
        const auto address = IpAddress::parse(event->address);
        if (sighting.host.empty() && !address)
            continue;
        sighting.address = address.value_or(IpAddress{});
        sighting.port = event->port;
        sighting.protocol = event->protocol == Protocol::Udp ? Protocol::Udp : Protocol::Tcp;
        sighting.at = event->time;
        book.observe(sighting);
    }
    const auto now = Clock::now();
    std::vector<Rule> rules;
    for (const auto& proposal : book.proposals()) {
        Rule rule = ruleForProposal(proposal, now);
        rule.note = fmt::format("audited from the connection log: {} connection{}", proposal.connections,
                                proposal.connections == 1 ? "" : "s");
        rules.push_back(std::move(rule));
    }
    auto text = ruleFileOf(std::move(rules));
    if (book.dropped() > 0)
        text = fmt::format("# {} more destinations were left out: more than {} rules\n", book.dropped(),
                           book.limits().maxProposals) +
               text;
    return text;
}

} // namespace hostgate
