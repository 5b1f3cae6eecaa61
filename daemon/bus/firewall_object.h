// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallObject: the org.hostgate.Firewall1 object — parse, validate, authorize, act, signal, reply.
#pragma once

#include "bus/bus_context.h"
#include "bus/bus_records.h"
#include "bus/polkit_authorizer.h"

#include "firewall1_adaptor.h"

#include <sdbus-c++/sdbus-c++.h>

#include <fmt/format.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hostgate {

class FirewallObject final : public sdbus::AdaptorInterfaces<org::hostgate::Firewall1_adaptor> {
public:
    explicit FirewallObject(BusContext& bus);
    ~FirewallObject();
    FirewallObject(const FirewallObject&) = delete;
    FirewallObject& operator=(const FirewallObject&) = delete;

    // Signals; each refreshes the loop binding, since they are sent from outside a dispatch too.
    void sendRulesChanged();
    void sendModeChanged(Mode mode);
    void sendConnectionEvent(const ConnectionEvent& event);
    void sendProposalsChanged(std::size_t proposals);

private:
    using Records = std::vector<VariantMap>;

    std::map<std::string, sdbus::Variant> GetStatus() override;
    std::string GetMode() override;
    void SetMode(sdbus::Result<>&& result, std::string mode) override;
    std::vector<std::map<std::string, sdbus::Variant>> ListRules() override;
    std::tuple<std::vector<std::map<std::string, sdbus::Variant>>, uint64_t, uint64_t>
    ListRulesPage(const uint64_t& offset, const uint32_t& limit) override;
    std::map<std::string, sdbus::Variant> GetRule(const uint64_t& id) override;
    void AddRule(sdbus::Result<uint64_t>&& result, std::map<std::string, sdbus::Variant> rule) override;
    void UpdateRule(sdbus::Result<>&& result, uint64_t id, std::map<std::string, sdbus::Variant> changes) override;
    void RemoveRule(sdbus::Result<>&& result, uint64_t id) override;
    void SetRuleEnabled(sdbus::Result<>&& result, uint64_t id, bool enabled) override;
    std::string ExportRules() override;
    std::vector<std::map<std::string, sdbus::Variant>> ListLists() override;
    void RefreshLists(sdbus::Result<>&& result, std::string name) override;
    void SetListEnabled(sdbus::Result<>&& result, std::string name, bool enabled) override;
    void ImportRules(sdbus::Result<uint32_t>&& result, std::string toml, bool replace) override;
    void ListConnections(sdbus::Result<Records>&& result, uint32_t limit,
                         std::map<std::string, sdbus::Variant> filter) override;
    void ListConnectionsPage(sdbus::Result<Records, std::string>&& result, uint32_t limit,
                             std::map<std::string, sdbus::Variant> filter) override;
    void ListApps(sdbus::Result<Records>&& result) override;
    void ListTraffic(sdbus::Result<Records>&& result, uint32_t limit) override;
    void ListProposalsPage(sdbus::Result<Records, uint64_t, uint64_t>&& result, uint64_t offset,
                           uint32_t limit) override;
    void AcceptProposal(sdbus::Result<uint64_t>&& result, uint64_t id,
                        std::map<std::string, sdbus::Variant> edits) override;
    void AcceptProposals(sdbus::Result<std::vector<uint64_t>>&& result,
                         std::map<std::string, sdbus::Variant> selection) override;
    void RejectProposal(sdbus::Result<>&& result, uint64_t id) override;
    void RejectProposals(sdbus::Result<uint32_t>&& result, std::map<std::string, sdbus::Variant> selection) override;
    void ExportProposals(sdbus::Result<std::string>&& result, std::map<std::string, sdbus::Variant> selection) override;
    void AuditRules(sdbus::Result<std::string>&& result, int64_t sinceUsec) override;
    void RegisterAgent(sdbus::Result<>&& result, sdbus::ObjectPath agent) override;
    void UnregisterAgent(const sdbus::ObjectPath& agent) override;
    void CreateRunScope(sdbus::Result<uint64_t, std::string>&& result,
                        std::map<std::string, sdbus::Variant> policy) override;
    void JoinScope(const uint64_t& scope, const uint32_t& pid) override;
    void AttachScope(sdbus::Result<uint64_t, std::string>&& result, std::string kind, std::string target,
                     std::map<std::string, sdbus::Variant> policy) override;
    void RemoveScope(sdbus::Result<>&& result, uint64_t scope) override;
    std::vector<std::map<std::string, sdbus::Variant>> ListScopes() override;

    // Authorizes the call being dispatched for `action`, then runs `work(reply, caller)`; errors (the
    // authorization's, sdbus::Error or any exception from `work`) become the method's error reply.
    template <class... Out, class Work>
    void authorizeThen(sdbus::Result<Out...>&& result, std::string_view action, Work work);

    // Runs a synchronous method body, turning any non-sdbus exception into a .Failed error.
    template <class Body>
    auto guarded(Body body) -> decltype(body());

    BusContext& bus_;
};

template <class... Out, class Work>
void FirewallObject::authorizeThen(sdbus::Result<Out...>&& result, std::string_view action, Work work)
{
    auto reply = std::make_shared<sdbus::Result<Out...>>(std::move(result));
    auto caller = bus_.callers.identify(*getObject().getCurrentlyProcessedMessage());
    if (!caller) {
        reply->returnError(toBusError(caller.error()));
        return;
    }
    const bool budgeted = caller->uid != 0; // root is authorized at once, without polkit
    if (budgeted && !bus_.authorizations.tryAcquire(caller->uid)) {
        reply->returnError(toBusError(Error::named(
            std::string(control_error::limitExceeded),
            fmt::format("uid {} already has {} calls waiting for authorization (at most {}); wait for their replies",
                        caller->uid, bus_.authorizations.inFlightOf(caller->uid),
                        bus_.authorizations.limits().perUid))));
        return;
    }
    bus_.authorizer->check(
        *caller, action, [this, reply, work = std::move(work), who = *caller, budgeted](Result<void> allowed) {
            if (budgeted)
                bus_.authorizations.release(who.uid);
            // Runs inside sd-bus's reply callback (or the method handler, for root): nothing may escape.
            const auto fail = [this, &reply](const sdbus::Error& error) {
                try {
                    reply->returnError(error);
                } catch (const std::exception& failure) {
                    bus_.log.warning("Failed to send an error reply, ignoring", {{"error", failure.what()}});
                }
            };
            try {
                if (!allowed)
                    fail(toBusError(allowed.error()));
                else
                    work(*reply, who);
            } catch (const sdbus::Error& error) {
                fail(error);
            } catch (const std::exception& failure) {
                fail(toBusError(Error(failure.what())));
            }
            bus_.afterSend();
        });
}

template <class Body>
auto FirewallObject::guarded(Body body) -> decltype(body())
{
    try {
        return body();
    } catch (const sdbus::Error&) {
        throw;
    } catch (const std::exception& failure) {
        throw toBusError(Error(failure.what()));
    }
}

} // namespace hostgate
