// SPDX-License-Identifier: GPL-3.0-or-later
// BusService: hostgated's D-Bus face — the org.hostgate.Firewall1 object (sdbus-c++ adaptor generated
// from dbus/org.hostgate.Firewall1.xml), polkit authorization of its callers, and the registry of
// users' prompt agents. Runs on the daemon's event loop; never blocks it on a remote peer.
#pragma once

#include "bus/firewall_control.h"
#include "prompt/prompt_broker.h"
#include "service/event_loop.h"
#include "service/log.h"
#include "store/event_log.h"
#include "util/result.h"

#include <cstdint>
#include <memory>
#include <string>

namespace hostgate {

class BusService {
public:
    struct Options {
        std::string busName = "org.hostgate.Firewall1";
        std::string objectPath = "/org/hostgate/Firewall1";
        std::string version; // reported by GetStatus
        // Users up to this uid are system users (Debian's SYS_UID_MAX in /etc/login.defs): their processes'
        // prompts go to a person's agent when they have none (AgentRegistry::newestDelegate).
        std::uint32_t systemUidMax = 999;
    };

    // Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS when set), claims the name, exports the object
    // and starts watching agents. Fails when the bus is unreachable or the name is taken. Once created, a
    // lost connection or name (the bus restarted, or disconnected the daemon) is logged, every agent
    // counts as gone, prompts get the default meanwhile, and the service reconnects with backoff
    // (100 ms doubling to 2 s), claims the name and exports the object again; agents register again.
    static Result<std::unique_ptr<BusService>> create(EventLoop& loop, FirewallControl& control, Logger& log,
                                                      Options options);
    ~BusService();
    BusService(const BusService&) = delete;
    BusService& operator=(const BusService&) = delete;

    // Sends the prompt to the newest agent of request.connection.uid (for a system user without one: to the
    // newest agent of a person, whose answer polkit must authorize as answer-system-prompts); ends, now or
    // later, in exactly one of
    // control.promptDelivered / promptUndeliverable, and then answerPrompt or nothing (timeout/agent gone
    // are the broker's business).
    void deliverPrompt(const PromptRequest& request);

    void emitConnectionEvent(const ConnectionEvent& event);
    void emitRulesChanged();
    void emitProposalsChanged(std::size_t proposals);

    std::size_t agentCount() const;
    // Whether deliverPrompt would find an agent for a connection of `uid` now (its own, or for a system user
    // a person's).
    bool hasAgentFor(std::uint32_t uid) const;
    // False between a lost connection and the reconnect.
    bool connected() const;

private:
    struct State;
    explicit BusService(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

} // namespace hostgate
