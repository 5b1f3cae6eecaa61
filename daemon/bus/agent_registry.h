// SPDX-License-Identifier: GPL-3.0-or-later
// AgentRegistry: which bus connections registered prompt agents for which uid (newest registration wins).
#pragma once

#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

struct AgentRegistration {
    std::string busName; // the agent connection's unique name, e.g. ":1.42"
    std::string path;    // its org.hostgate.PromptAgent1 object
    std::uint32_t uid = 0;

    bool operator==(const AgentRegistration&) const = default;
};

// Pure bookkeeping; the bus service feeds it RegisterAgent, UnregisterAgent and NameOwnerChanged.
// Every registration costs memory and a NameOwnerChanged match, so they are bounded per connection, per
// uid and in all; a registration over a bound is refused with a LimitExceeded error and changes nothing.
class AgentRegistry {
public:
    struct Limits {
        std::size_t perConnection = 8; // a tray registers one
        std::size_t perUid = 32;       // e.g. several sessions of one user
        std::size_t total = 1024;
    };

    AgentRegistry() = default;
    explicit AgentRegistry(Limits limits) : limits_(limits) {}

    // Registering the same (busName, path) again is idempotent apart from making it the newest (and is
    // never refused).
    Result<void> add(AgentRegistration registration);
    // False when the caller has no such registration (callers remove only their own).
    bool remove(const std::string& busName, const std::string& path);
    // Everything `busName` registered, removed; returns how many registrations went.
    std::size_t removeAllOf(const std::string& busName);

    // The agent prompts about processes of `uid` go to: the most recently registered one.
    std::optional<AgentRegistration> newestFor(std::uint32_t uid) const;
    // The agent prompts about a system user's processes go to when that user has none of its own: the most
    // recently registered agent of a person (uid above `systemUidMax`) or of root. Whether its answer counts
    // is polkit's business (org.hostgate.answer-system-prompts), asked when the answer arrives.
    std::optional<AgentRegistration> newestDelegate(std::uint32_t systemUidMax) const;
    // Who a prompt about a process of `uid` goes to: newestFor(uid), else, for a system user (uid up to
    // `systemUidMax`), newestDelegate, asked on behalf of `uid`.
    struct Recipient {
        AgentRegistration agent;
        std::optional<std::uint32_t> onBehalfOf;
    };
    std::optional<Recipient> recipientFor(std::uint32_t uid, std::uint32_t systemUidMax) const;
    bool contains(const std::string& busName, const std::string& path) const;
    // The distinct connections with at least one registration.
    std::vector<std::string> busNames() const;
    std::size_t count() const { return registrations_.size(); }
    const Limits& limits() const { return limits_; }

private:
    Limits limits_;
    std::vector<AgentRegistration> registrations_; // oldest first
};

} // namespace hostgate
