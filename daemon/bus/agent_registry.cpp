// SPDX-License-Identifier: GPL-3.0-or-later
// AgentRegistry: registrations kept oldest first, so the newest agent of a uid is found from the back.
#include "bus/agent_registry.h"

#include "bus/firewall_control.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace hostgate {

Result<void> AgentRegistry::add(AgentRegistration registration)
{
    if (remove(registration.busName, registration.path)) {
        registrations_.push_back(std::move(registration));
        return Ok{};
    }
    const auto ofConnection =
        static_cast<std::size_t>(std::count_if(registrations_.begin(), registrations_.end(), [&](const auto& other) {
            return other.busName == registration.busName;
        }));
    const auto ofUid =
        static_cast<std::size_t>(std::count_if(registrations_.begin(), registrations_.end(),
                                               [&](const auto& other) { return other.uid == registration.uid; }));
    const auto refuse = [](std::string message) {
        return Error::named(std::string(control_error::limitExceeded), std::move(message));
    };
    if (ofConnection >= limits_.perConnection)
        return refuse(fmt::format("Connection {} already registered {} prompt agents (at most {})",
                                  registration.busName, ofConnection, limits_.perConnection));
    if (ofUid >= limits_.perUid)
        return refuse(fmt::format("uid {} already registered {} prompt agents (at most {})", registration.uid, ofUid,
                                  limits_.perUid));
    if (registrations_.size() >= limits_.total)
        return refuse(
            fmt::format("{} prompt agents are registered (at most {})", registrations_.size(), limits_.total));
    registrations_.push_back(std::move(registration));
    return Ok{};
}

bool AgentRegistry::remove(const std::string& busName, const std::string& path)
{
    const auto it = std::find_if(registrations_.begin(), registrations_.end(), [&](const auto& registration) {
        return registration.busName == busName && registration.path == path;
    });
    if (it == registrations_.end())
        return false;
    registrations_.erase(it);
    return true;
}

std::size_t AgentRegistry::removeAllOf(const std::string& busName)
{
    return std::erase_if(registrations_, [&](const auto& registration) { return registration.busName == busName; });
}

std::optional<AgentRegistration> AgentRegistry::newestFor(std::uint32_t uid) const
{
    const auto it = std::find_if(registrations_.rbegin(), registrations_.rend(),
                                 [&](const auto& registration) { return registration.uid == uid; });
    if (it == registrations_.rend())
        return std::nullopt;
    return *it;
}

std::optional<AgentRegistration> AgentRegistry::newestDelegate(std::uint32_t systemUidMax) const
{
    const auto it = std::find_if(registrations_.rbegin(), registrations_.rend(), [&](const auto& registration) {
        return registration.uid == 0 || registration.uid > systemUidMax;
    });
    if (it == registrations_.rend())
        return std::nullopt;
    return *it;
}

std::optional<AgentRegistry::Recipient> AgentRegistry::recipientFor(std::uint32_t uid, std::uint32_t systemUidMax) const
{
    if (auto own = newestFor(uid))
        return Recipient{std::move(*own), std::nullopt};
    if (uid <= systemUidMax)
        if (auto delegate = newestDelegate(systemUidMax))
            return Recipient{std::move(*delegate), uid};
    return std::nullopt;
}

std::vector<std::string> AgentRegistry::busNames() const
{
    std::vector<std::string> names;
    for (const auto& registration : registrations_)
        if (std::find(names.begin(), names.end(), registration.busName) == names.end())
            names.push_back(registration.busName);
    return names;
}

bool AgentRegistry::contains(const std::string& busName, const std::string& path) const
{
    return std::any_of(registrations_.begin(), registrations_.end(), [&](const auto& registration) {
        return registration.busName == busName && registration.path == path;
    });
}

} // namespace hostgate
