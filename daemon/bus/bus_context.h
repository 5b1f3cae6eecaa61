// BusContext: what the bus service's parts share (connection, loop binding, callers, polkit, agents).
#pragma once

#include "bus/agent_registry.h"
#include "bus/bus_records.h"
#include "bus/bus_service.h"
#include "bus/firewall_control.h"
#include "bus/polkit_authorizer.h"
#include "bus/sdbus_event_loop.h"
#include "service/event_loop.h"
#include "service/log.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>

#include <memory>
#include <utility>

namespace hostgate {

// Members are declared so that destruction (reverse order) drops proxies and the loop binding before the
// connection they use.
struct BusContext {
    BusContext(EventLoop& loop_, FirewallControl& control_, Logger& log_, BusService::Options options_)
        : loop(loop_), control(control_), log(log_), options(std::move(options_))
    {
    }

    EventLoop& loop;
    FirewallControl& control;
    Logger& log;
    BusService::Options options;

    std::unique_ptr<sdbus::IConnection> connection;
    std::unique_ptr<SdbusLoopBinding> binding;
    CallerDirectory callers;
    AgentRegistry agents;
    std::unique_ptr<PolkitAuthorizer> authorizer;

    // After sending from outside a dispatch, sd-bus may want POLLOUT or an earlier timeout.
    void afterSend()
    {
        if (binding)
            binding->refresh();
    }
};

// The named D-Bus error for a failure of the control or of input validation.
inline sdbus::Error toBusError(const Error& error) { return sdbus::Error(busErrorName(error), error.describe()); }

} // namespace hostgate
