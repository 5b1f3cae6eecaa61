// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallClient: hostgatectl's proxy of org.hostgate.Firewall1 (generated from the XML by
// sdbus-c++-xml2cpp) plus the calls that need the ALLOW_INTERACTIVE_AUTHORIZATION flag.
#pragma once

#include "variant_json.h"

#include "firewall1_proxy.h" // generated at build time

#include <sdbus-c++/sdbus-c++.h>

#include <cstdint>
#include <functional>
#include <string>

namespace hostgate::ctl {

inline constexpr const char* firewallBusName = "org.hostgate.Firewall1";
inline constexpr const char* firewallObjectPath = "/org/hostgate/Firewall1";

class FirewallClient : public sdbus::ProxyInterfaces<org::hostgate::Firewall1_proxy> {
public:
    // Signals are not subscribed to until listenForConnectionEvents(), so one-shot commands add no match rules.
    explicit FirewallClient(sdbus::IConnection& connection);
    virtual ~FirewallClient();
    FirewallClient(const FirewallClient&) = delete;
    FirewallClient& operator=(const FirewallClient&) = delete;

    // Calls that polkit may authorize. sdbus-c++ 1.2 has no setter for the interactive flag, so these build
    // their messages themselves and set it through libsystemd (see firewall_client.cpp).
    void setMode(const std::string& mode);
    std::uint64_t addRule(const VariantMap& rule);
    void updateRule(std::uint64_t id, const VariantMap& changes);
    void removeRule(std::uint64_t id);
    void setRuleEnabled(std::uint64_t id, bool enabled);
    std::uint32_t importRules(const std::string& toml, bool replace);
    std::vector<VariantMap> listConnections(std::uint32_t limit, const VariantMap& filter);
    // Every rule, fetched page by page (ListRulesPage; ListRules from a daemon without it).
    nlohmann::json allRules(); // every rule, following the pages
    // The newest `limit` events (0: 100), page by page (ListConnectionsPage, with its cursor).
    std::vector<VariantMap> recentConnections(std::uint32_t limit, const VariantMap& filter);
    std::vector<VariantMap> listApps();
    std::vector<VariantMap> listTraffic();
    // Learning proposals: every one, page by page; the changes; the rule files.
    nlohmann::json allProposals();
    std::uint64_t acceptProposal(std::uint64_t id, const VariantMap& edits);
    std::vector<std::uint64_t> acceptProposals(const VariantMap& selection);
    void rejectProposal(std::uint64_t id);
    std::uint32_t rejectProposals(const VariantMap& selection);
    std::string exportProposals(const VariantMap& selection);
    std::string auditRules(std::int64_t sinceUsec);
    void refreshLists(const std::string& name);
    void setListEnabled(const std::string& name, bool enabled);
    // Scopes: (id, cgroup) of the scope made.
    std::pair<std::uint64_t, std::string> createRunScope(const VariantMap& policy);
    std::pair<std::uint64_t, std::string> attachScope(const std::string& kind, const std::string& target,
                                                      const VariantMap& policy);
    void removeScope(std::uint64_t id);

    // Subscribes to ConnectionEvent; `onEvent` runs from the connection's processPendingRequest().
    void listenForConnectionEvents(std::function<void(const VariantMap&)> onEvent);

private:
    void onRulesChanged() override {}
    void onModeChanged(const std::string&) override {}
    void onProposalsChanged(const uint32_t&) override {}
    void onConnectionEvent(const VariantMap& event) override;

    std::function<void(const VariantMap&)> onEvent_;
    bool registered_ = false;
};

} // namespace hostgate::ctl
