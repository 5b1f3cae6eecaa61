// SPDX-License-Identifier: GPL-3.0-or-later
// ProposalBook: deduplication, generalisation to registrable domains, port grouping and bounds.
#include "learning/proposal_book.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace hostgate {

namespace {

template <class Entry>
bool sameSubject(const Entry& entry, const Sighting& sighting)
{
    return entry.uid == sighting.uid && entry.protocol == sighting.protocol && entry.app == sighting.app &&
           entry.script == sighting.script;
}

bool covers(const HostPattern& host, const Sighting& sighting, const std::string& name)
{
    if (!name.empty())
        return (host.kind() == HostPattern::Kind::Exact || host.kind() == HostPattern::Kind::Suffix) &&
               host.matchesName(name);
    return host.kind() == HostPattern::Kind::Network && host.matchesAddress(sighting.address);
}

HostPattern hostOf(const Sighting& sighting)
{
    if (!sighting.host.empty())
        return HostPattern::exact(sighting.host);
    return HostPattern::network(Cidr(sighting.address, sighting.address.bitLength()));
}

} // namespace

PortSet Proposal::portSet() const
{
    if (anyPort || ports.empty())
        return PortSet::any();
    std::string text;
    for (const auto port : ports)
        text += (text.empty() ? "" : ",") + std::to_string(port);
    auto parsed = PortSet::parse(text);
    return parsed ? *parsed : PortSet::any();
}

Rule ruleForProposal(const Proposal& proposal, TimePoint now)
{
    Rule rule;
    rule.origin = RuleOrigin::User;
    rule.app = proposal.app;
    rule.script = proposal.script;
    rule.uid = proposal.uid;
    rule.host = proposal.host;
    rule.ports = proposal.portSet();
    rule.protocol = proposal.protocol;
    rule.action = Action::Allow;
    rule.lifetime = Lifetime::permanent();
    rule.note = fmt::format("learned: proposal #{} ({} connection{})", proposal.id, proposal.connections,
                            proposal.connections == 1 ? "" : "s");
    rule.created = now;
    return rule;
}

ProposalBook::ProposalBook(const RegistrableDomains& domains, ProposalLimits limits)
    : domains_(domains), limits_(limits)
{}

ProposalBook::Outcome ProposalBook::observe(const Sighting& sighting)
{
    if (rejected(sighting))
        return Outcome::Ignored;
    const std::string& name = sighting.host;
    Proposal* proposal = findCovering(sighting, name);
    if (!proposal && !name.empty()) {
        if (const auto domain = domains_.registrableDomain(name); domain && *domain != name) {
            proposal = findSibling(sighting, name, *domain);
            if (proposal) {
                // Two names of one registrable domain: the domain's subdomains are what the app uses.
                addExample(*proposal, proposal->host.name());
                proposal->host = HostPattern::suffix(*domain);
            }
        }
    }
    if (proposal) {
        addPort(*proposal, sighting.port);
        if (proposal->host.kind() == HostPattern::Kind::Suffix)
            addExample(*proposal, name);
        ++proposal->connections;
        proposal->firstSeen = std::min(proposal->firstSeen, sighting.at);
        proposal->lastSeen = std::max(proposal->lastSeen, sighting.at);
        ++version_;
        return Outcome::Merged;
    }
    if (contents_.proposals.size() >= limits_.maxProposals) {
        ++contents_.dropped;
        ++version_;
        return Outcome::Dropped;
    }
    Proposal added;
    added.id = contents_.nextId++;
    added.app = sighting.app;
    added.script = sighting.script;
    added.uid = sighting.uid;
    added.host = hostOf(sighting);
    added.protocol = sighting.protocol;
    added.ports = {sighting.port};
    added.connections = 1;
    added.firstSeen = sighting.at;
    added.lastSeen = sighting.at;
    contents_.proposals.push_back(std::move(added));
    ++version_;
    return Outcome::Added;
}

Proposal* ProposalBook::findCovering(const Sighting& sighting, const std::string& name)
{
    for (auto& proposal : contents_.proposals)
        if (sameSubject(proposal, sighting) && covers(proposal.host, sighting, name))
            return &proposal;
    return nullptr;
}

Proposal* ProposalBook::findSibling(const Sighting& sighting, const std::string& name, const std::string& domain)
{
    for (auto& proposal : contents_.proposals) {
        if (!sameSubject(proposal, sighting) || proposal.host.kind() != HostPattern::Kind::Exact)
            continue;
        const std::string& other = proposal.host.name();
        if (other == name || other == domain || !other.ends_with("." + domain))
            continue;
        if (domains_.registrableDomain(other) == domain)
            return &proposal;
    }
    return nullptr;
}

bool ProposalBook::rejected(const Sighting& sighting) const
{
    return std::any_of(contents_.rejections.begin(), contents_.rejections.end(), [&](const Rejection& rejection) {
        return sameSubject(rejection, sighting) && covers(rejection.host, sighting, sighting.host);
    });
}

void ProposalBook::addPort(Proposal& proposal, std::uint16_t port) const
{
    if (proposal.anyPort)
        return;
    const auto at = std::lower_bound(proposal.ports.begin(), proposal.ports.end(), port);
    if (at != proposal.ports.end() && *at == port)
        return;
    if (proposal.ports.size() >= limits_.maxPorts) {
        // A destination used on this many ports is one the app talks to on any.
        proposal.anyPort = true;
        proposal.ports.clear();
        return;
    }
    proposal.ports.insert(at, port);
}

void ProposalBook::addExample(Proposal& proposal, const std::string& name) const
{
    if (name.empty() || proposal.examples.size() >= limits_.maxExamples ||
        std::find(proposal.examples.begin(), proposal.examples.end(), name) != proposal.examples.end())
        return;
    proposal.examples.push_back(name);
}

const Proposal* ProposalBook::find(ProposalId id) const
{
    const auto& proposals = contents_.proposals;
    const auto at = std::lower_bound(proposals.begin(), proposals.end(), id,
                                     [](const Proposal& proposal, ProposalId wanted) { return proposal.id < wanted; });
    return at != proposals.end() && at->id == id ? &*at : nullptr;
}

std::vector<ProposalId> ProposalBook::idsFor(const std::optional<std::string>& app) const
{
    std::vector<ProposalId> ids;
    for (const auto& proposal : contents_.proposals)
        if (!app || proposal.app.value_or("") == *app)
            ids.push_back(proposal.id);
    return ids;
}

bool ProposalBook::remove(ProposalId id)
{
    auto& proposals = contents_.proposals;
    const auto at =
        std::find_if(proposals.begin(), proposals.end(), [id](const Proposal& proposal) { return proposal.id == id; });
    if (at == proposals.end())
        return false;
    proposals.erase(at);
    ++version_;
    return true;
}

bool ProposalBook::reject(ProposalId id)
{
    const Proposal* proposal = find(id);
    if (!proposal)
        return false;
    Rejection rejection{proposal->app, proposal->script, proposal->uid, proposal->host, proposal->protocol};
    auto& rejections = contents_.rejections;
    if (std::find(rejections.begin(), rejections.end(), rejection) == rejections.end()) {
        if (rejections.size() >= limits_.maxRejections)
            rejections.erase(rejections.begin());
        rejections.push_back(std::move(rejection));
    }
    return remove(id);
}

void ProposalBook::restore(Contents contents)
{
    auto& proposals = contents.proposals;
    std::sort(proposals.begin(), proposals.end(), [](const Proposal& a, const Proposal& b) { return a.id < b.id; });
    // Ids are never reused, not even those of proposals dropped here.
    for (const auto& proposal : proposals)
        contents.nextId = std::max(contents.nextId, proposal.id + 1);
    if (proposals.size() > limits_.maxProposals) {
        contents.dropped += proposals.size() - limits_.maxProposals;
        proposals.resize(limits_.maxProposals);
    }
    if (contents.rejections.size() > limits_.maxRejections)
        contents.rejections.erase(contents.rejections.begin(),
                                  contents.rejections.end() - static_cast<std::ptrdiff_t>(limits_.maxRejections));
    contents_ = std::move(contents);
    ++version_;
}

} // namespace hostgate
