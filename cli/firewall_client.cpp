// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallClient's authorized calls: messages with ALLOW_INTERACTIVE_AUTHORIZATION set, so a desktop polkit
// agent may ask the user for a password instead of the call failing.
#include "firewall_client.h"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <tuple>

namespace hostgate::ctl {
namespace {

using namespace std::chrono_literals;

// Long enough for a person to type a password into a polkit dialog; non-interactive calls use sd-bus' 25 s.
constexpr auto interactiveCallTimeout = 120s;

// sdbus::Message keeps the sd_bus_message* in a protected member and 1.2 offers no flag setter. A member
// pointer formed inside a derived class may name it legally, without casting the object to a type it is not.
class RawMessageAccess : public sdbus::Message {
public:
    static sd_bus_message* raw(const sdbus::Message& message)
    {
        return static_cast<sd_bus_message*>(message.*(&RawMessageAccess::msg_));
    }
};

void allowInteractiveAuthorization(sdbus::MethodCall& call)
{
    const int result = sd_bus_message_set_allow_interactive_authorization(RawMessageAccess::raw(call), 1);
    if (result < 0) {
        throw sdbus::createError(-result, "Failed to set the interactive authorization flag");
    }
}

} // namespace

FirewallClient::FirewallClient(sdbus::IConnection& connection)
    : ProxyInterfaces(connection, firewallBusName, firewallObjectPath)
{}

FirewallClient::~FirewallClient()
{
    if (registered_) {
        unregisterProxy();
    }
}

template <typename... Arguments>
static sdbus::MethodReply callInteractively(sdbus::IProxy& proxy, const std::string& method,
                                            const Arguments&... arguments)
{
    sdbus::MethodCall call = proxy.createMethodCall(org::hostgate::Firewall1_proxy::INTERFACE_NAME, method);
    allowInteractiveAuthorization(call);
    ((void)(call << arguments), ...);
    return proxy.callMethod(call, interactiveCallTimeout);
}

void FirewallClient::setMode(const std::string& mode)
{
    (void)callInteractively(getProxy(), "SetMode", mode);
}

std::uint64_t FirewallClient::addRule(const VariantMap& rule)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "AddRule", rule);
    std::uint64_t id = 0;
    reply >> id;
    return id;
}

void FirewallClient::updateRule(std::uint64_t id, const VariantMap& changes)
{
    (void)callInteractively(getProxy(), "UpdateRule", id, changes);
}

void FirewallClient::removeRule(std::uint64_t id)
{
    (void)callInteractively(getProxy(), "RemoveRule", id);
}

void FirewallClient::refreshLists(const std::string& name)
{
    (void)callInteractively(getProxy(), "RefreshLists", name);
}

void FirewallClient::setListEnabled(const std::string& name, bool enabled)
{
    (void)callInteractively(getProxy(), "SetListEnabled", name, enabled);
}

void FirewallClient::setRuleEnabled(std::uint64_t id, bool enabled)
{
    (void)callInteractively(getProxy(), "SetRuleEnabled", id, enabled);
}

std::uint32_t FirewallClient::importRules(const std::string& toml, bool replace)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "ImportRules", toml, replace);
    std::uint32_t imported = 0;
    reply >> imported;
    return imported;
}

std::vector<VariantMap> FirewallClient::listConnections(std::uint32_t limit, const VariantMap& filter)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "ListConnections", limit, filter);
    std::vector<VariantMap> events;
    reply >> events;
    return events;
}

nlohmann::json FirewallClient::allRules()
{
    constexpr std::uint32_t pageLimit = 500; // the daemon's maximum
    nlohmann::json rules = nlohmann::json::array();
    std::uint64_t offset = 0;
    for (;;) {
        sdbus::MethodReply reply;
        try {
            auto call = getProxy().createMethodCall(org::hostgate::Firewall1_proxy::INTERFACE_NAME, "ListRulesPage");
            call << offset << pageLimit;
            reply = getProxy().callMethod(call);
        } catch (const sdbus::Error& error) {
            if (offset == 0 && error.getName() == "org.freedesktop.DBus.Error.UnknownMethod")
                return toJson(ListRules()); // a daemon from before paging
            throw;
        }
        // Read straight into JSON: each page's message is freed before the next arrives.
        nlohmann::json page = readRecords(reply);
        std::uint64_t total = 0;
        std::uint64_t next = 0;
        reply >> total >> next;
        const bool last = page.empty() || next >= total || next <= offset;
        for (auto& rule : page)
            rules.push_back(std::move(rule));
        if (last)
            return rules;
        offset = next;
    }
}

std::vector<VariantMap> FirewallClient::recentConnections(std::uint32_t limit, const VariantMap& filter)
{
    constexpr std::uint32_t pageLimit = 500; // the daemon's maximum
    const std::size_t wanted = limit == 0 ? 100 : std::min<std::uint32_t>(limit, 10000);
    std::vector<VariantMap> events;
    VariantMap pageFilter = filter;
    while (events.size() < wanted) {
        const auto ask = static_cast<std::uint32_t>(std::min<std::size_t>(wanted - events.size(), pageLimit));
        sdbus::MethodReply reply;
        try {
            reply = callInteractively(getProxy(), "ListConnectionsPage", ask, pageFilter);
        } catch (const sdbus::Error& error) {
            if (events.empty() && error.getName() == "org.freedesktop.DBus.Error.UnknownMethod")
                return listConnections(limit, filter); // a daemon from before paging
            throw;
        }
        std::vector<VariantMap> page;
        std::string next;
        reply >> page >> next;
        events.insert(events.end(), std::make_move_iterator(page.begin()), std::make_move_iterator(page.end()));
        if (page.empty() || next.empty())
            break;
        pageFilter["cursor"] = sdbus::Variant(next);
    }
    if (events.size() > wanted)
        events.resize(wanted);
    return events;
}

std::vector<VariantMap> FirewallClient::listApps()
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "ListApps");
    std::vector<VariantMap> apps;
    reply >> apps;
    return apps;
}

std::vector<VariantMap> FirewallClient::listTraffic()
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "ListTraffic", std::uint32_t{0});
    std::vector<VariantMap> flows;
    reply >> flows;
    return flows;
}

nlohmann::json FirewallClient::allProposals()
{
    constexpr std::uint32_t pageLimit = 500; // the daemon's maximum
    nlohmann::json proposals = nlohmann::json::array();
    std::uint64_t offset = 0;
    for (;;) {
        sdbus::MethodReply reply = callInteractively(getProxy(), "ListProposalsPage", offset, pageLimit);
        nlohmann::json page = readRecords(reply);
        std::uint64_t total = 0;
        std::uint64_t next = 0;
        reply >> total >> next;
        const bool last = page.empty() || next >= total || next <= offset;
        for (auto& proposal : page)
            proposals.push_back(std::move(proposal));
        if (last)
            return proposals;
        offset = next;
    }
}

std::uint64_t FirewallClient::acceptProposal(std::uint64_t id, const VariantMap& edits)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "AcceptProposal", id, edits);
    std::uint64_t ruleId = 0;
    reply >> ruleId;
    return ruleId;
}

std::vector<std::uint64_t> FirewallClient::acceptProposals(const VariantMap& selection)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "AcceptProposals", selection);
    std::vector<std::uint64_t> ruleIds;
    reply >> ruleIds;
    return ruleIds;
}

void FirewallClient::rejectProposal(std::uint64_t id)
{
    (void)callInteractively(getProxy(), "RejectProposal", id);
}

std::uint32_t FirewallClient::rejectProposals(const VariantMap& selection)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "RejectProposals", selection);
    std::uint32_t rejected = 0;
    reply >> rejected;
    return rejected;
}

std::string FirewallClient::exportProposals(const VariantMap& selection)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "ExportProposals", selection);
    std::string toml;
    reply >> toml;
    return toml;
}

std::string FirewallClient::auditRules(std::int64_t sinceUsec)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "AuditRules", sinceUsec);
    std::string toml;
    reply >> toml;
    return toml;
}

std::pair<std::uint64_t, std::string> FirewallClient::createRunScope(const VariantMap& policy)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "CreateRunScope", policy);
    std::pair<std::uint64_t, std::string> created;
    reply >> created.first >> created.second;
    return created;
}

std::pair<std::uint64_t, std::string> FirewallClient::attachScope(const std::string& kind, const std::string& target,
                                                                  const VariantMap& policy)
{
    sdbus::MethodReply reply = callInteractively(getProxy(), "AttachScope", kind, target, policy);
    std::pair<std::uint64_t, std::string> created;
    reply >> created.first >> created.second;
    return created;
}

void FirewallClient::removeScope(std::uint64_t id)
{
    (void)callInteractively(getProxy(), "RemoveScope", id);
}

void FirewallClient::listenForConnectionEvents(std::function<void(const VariantMap&)> onEvent)
{
    onEvent_ = std::move(onEvent);
    if (!registered_) {
        registerProxy();
        registered_ = true;
    }
}

void FirewallClient::onConnectionEvent(const VariantMap& event)
{
    if (onEvent_) {
        onEvent_(event);
    }
}

} // namespace hostgate::ctl
