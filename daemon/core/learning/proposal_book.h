// SPDX-License-Identifier: GPL-3.0-or-later
// ProposalBook: what learning mode (or the connection log) saw, as allow rules to propose — deduplicated per
// (app, script, user, destination), generalised (several names of one registrable domain → "*.domain", ports
// grouped) and bounded in count.
#pragma once

#include "net/ip_address.h"
#include "rules/rule.h"
#include "util/time.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// The registrable domain of a name (the public suffix plus one label: "a.b.example.co.uk" → "example.co.uk").
// The core knows no suffix list; the daemon injects one (libpsl with Debian's publicsuffix data).
class RegistrableDomains {
public:
    virtual ~RegistrableDomains() = default;
    // `name` is normalized (lower case, punycode, no trailing dot). nullopt when the name is a public suffix
    // itself or has no registrable part.
    virtual std::optional<std::string> registrableDomain(std::string_view name) const = 0;
};

using ProposalId = std::uint64_t;

// One connection the book learns from: from a decision in learning mode or an event of the connection log.
struct Sighting {
    std::optional<std::string> app; // nullopt: the application is unknown
    std::optional<std::string> script;
    std::uint32_t uid = 0;
    std::string host; // normalized name the app asked for; empty when unknown (the address is proposed)
    IpAddress address;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;
    TimePoint at{};
};

struct Proposal {
    ProposalId id = 0;
    std::optional<std::string> app;
    std::optional<std::string> script;
    std::uint32_t uid = 0;
    HostPattern host; // an exact name, "*.domain" or one address
    Protocol protocol = Protocol::Tcp;
    std::vector<std::uint16_t> ports;  // sorted, distinct; ignored when anyPort
    bool anyPort = false;              // more distinct ports were seen than ProposalLimits::maxPorts
    std::vector<std::string> examples; // names seen under a "*.domain" (at most ProposalLimits::maxExamples)
    std::uint64_t connections = 0;
    TimePoint firstSeen{};
    TimePoint lastSeen{};

    PortSet portSet() const;
    bool operator==(const Proposal&) const = default;
};

// The allow rule a proposal stands for (user origin, forever, id 0: the lifecycle assigns it).
Rule ruleForProposal(const Proposal& proposal, TimePoint now);

// A proposal the user rejected: connections it would have covered are not proposed again.
struct Rejection {
    std::optional<std::string> app;
    std::optional<std::string> script;
    std::uint32_t uid = 0;
    HostPattern host;
    Protocol protocol = Protocol::Tcp;
    bool operator==(const Rejection&) const = default;
};

struct ProposalLimits {
    std::size_t maxProposals = 1000; // further destinations are dropped (and counted) until some are decided
    std::size_t maxPorts = 16;       // more distinct ports of one destination → any port
    std::size_t maxExamples = 8;
    std::size_t maxRejections = 1000; // the oldest is forgotten first
};

class ProposalBook {
public:
    enum class Outcome : std::uint8_t {
        Added,   // a new proposal
        Merged,  // counted into an existing one (maybe generalising it)
        Ignored, // a rejected proposal covers it
        Dropped, // the book is full
    };

    // Everything the book holds, for saving and restoring it.
    struct Contents {
        std::vector<Proposal> proposals;   // by id
        std::vector<Rejection> rejections; // oldest first
        ProposalId nextId = 1;
        std::uint64_t dropped = 0;
        bool operator==(const Contents&) const = default;
    };

    explicit ProposalBook(const RegistrableDomains& domains, ProposalLimits limits = {});

    // Deduplication: a sighting joins the proposal of its app, script, uid and protocol whose host covers its
    // name (or address). Generalisation: a name under registrable domain D joins an exact proposal for another
    // name under D (never D itself) by turning it into "*.D"; ports are grouped into one set.
    Outcome observe(const Sighting& sighting);

    const std::vector<Proposal>& proposals() const { return contents_.proposals; }
    const Proposal* find(ProposalId id) const;
    // The ids of every proposal, or of those for one app ("" = proposals with an unknown app).
    std::vector<ProposalId> idsFor(const std::optional<std::string>& app) const;
    // Accepted: forgotten (the rule it became now decides). False when there is no such proposal.
    bool remove(ProposalId id);
    // Rejected: forgotten and remembered, so the same destinations are not proposed again.
    bool reject(ProposalId id);

    std::size_t size() const { return contents_.proposals.size(); }
    std::uint64_t dropped() const { return contents_.dropped; }
    const ProposalLimits& limits() const { return limits_; }
    // Changes on every change of the contents (for saving only when something changed).
    std::uint64_t version() const { return version_; }

    const Contents& contents() const { return contents_; }
    // Replaces the contents (a saved book); proposals beyond the limit are dropped and counted.
    void restore(Contents contents);

private:
    Proposal* findCovering(const Sighting& sighting, const std::string& name);
    Proposal* findSibling(const Sighting& sighting, const std::string& name, const std::string& domain);
    bool rejected(const Sighting& sighting) const;
    void addPort(Proposal& proposal, std::uint16_t port) const;
    void addExample(Proposal& proposal, const std::string& name) const;

    const RegistrableDomains& domains_;
    ProposalLimits limits_;
    Contents contents_;
    std::uint64_t version_ = 0;
};

} // namespace hostgate
