// SPDX-License-Identifier: GPL-3.0-or-later
// BusContext: what the bus service's parts share (connection, loop binding, callers, polkit, agents).
#pragma once

#include "bus/agent_registry.h"
#include "bus/bus_records.h"
#include "bus/bus_service.h"
#include "bus/call_budget.h"
#include "bus/firewall_control.h"
#include "bus/polkit_authorizer.h"
#include "bus/sdbus_event_loop.h"
#include "service/event_loop.h"
#include "service/log.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace hostgate {

// Members are declared so that destruction (reverse order) drops proxies and the loop binding before the
// connection they use.
struct BusContext {
    BusContext(EventLoop& loop_, FirewallControl& control_, Logger& log_, BusService::Options options_)
        : loop(loop_), control(control_), log(log_), options(std::move(options_))
    {}

    EventLoop& loop;
    FirewallControl& control;
    Logger& log;
    BusService::Options options;

    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<SdbusLoopBinding> binding;
    CallerDirectory callers;
    AgentRegistry agents;
    CallBudget authorizations; // calls of callers other than root waiting for polkit
    std::unique_ptr<PolkitAuthorizer> authorizer;

    // What a reader of rules or status costs is bounded by sharing one copy between callers: the rules
    // (copied out of the engine at most once a second, and at once after RulesChanged) and, for callers
    // other than root, the status (at most twice a second). Pages of one listing then cost only the page.
    static constexpr auto rulesSnapshotMaxAge = std::chrono::seconds(1);
    static constexpr auto statusMaxAge = std::chrono::milliseconds(500);
    std::shared_ptr<const std::vector<Rule>> rulesSnapshot_;
    std::chrono::steady_clock::time_point rulesSnapshotTaken_{};
    std::optional<VariantMap> statusSnapshot_;
    // AuditRules reads up to 100,000 events on the loop: callers other than root get one audit a second between them.
    static constexpr auto auditInterval = std::chrono::seconds(1);
    std::optional<std::chrono::steady_clock::time_point> lastAudit_;
    std::chrono::steady_clock::time_point statusSnapshotTaken_{};

    std::shared_ptr<const std::vector<Rule>> rulesSnapshot()
    {
        const auto now = std::chrono::steady_clock::now();
        if (!rulesSnapshot_ || now - rulesSnapshotTaken_ >= rulesSnapshotMaxAge) {
            rulesSnapshot_ = std::make_shared<const std::vector<Rule>>(control.rules());
            rulesSnapshotTaken_ = now;
        }
        return rulesSnapshot_;
    }
    void rulesChanged()
    {
        rulesSnapshot_.reset();
        statusSnapshot_.reset();
    }
    // The status counts agents: a registration or an agent leaving makes the shared status old.
    void agentsChanged() { statusSnapshot_.reset(); }

    // After sending from outside a dispatch, sd-bus may want POLLOUT or an earlier timeout.
    void afterSend()
    {
        if (binding)
            binding->refresh();
    }
};

// The named D-Bus error for a failure of the control or of input validation.
inline sdbus::Error toBusError(const Error& error)
{
    return sdbus::Error(busErrorName(error), error.describe());
}

} // namespace hostgate
