// AgentRegistry: registrations kept oldest first, so the newest agent of a uid is found from the back.
#include "bus/agent_registry.h"

#include <algorithm>
#include <utility>

namespace hostgate {

void AgentRegistry::add(AgentRegistration registration)
{
    remove(registration.busName, registration.path);
    registrations_.push_back(std::move(registration));
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

bool AgentRegistry::contains(const std::string& busName, const std::string& path) const
{
    return std::any_of(registrations_.begin(), registrations_.end(), [&](const auto& registration) {
        return registration.busName == busName && registration.path == path;
    });
}

} // namespace hostgate
