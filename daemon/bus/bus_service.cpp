// SPDX-License-Identifier: GPL-3.0-or-later
// BusService: connects to the system bus, wires the object, polkit, agents and the loop binding together,
// and comes back when the bus connection or the name is lost (backoff, then the same setup again).
#include "bus/bus_service.h"

#include "bus/bus_context.h"
#include "bus/firewall_object.h"
#include "bus/prompt_delivery.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/Message.h>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

namespace hostgate {

namespace {

constexpr const char* nameOwnerChangedMatch =
    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
    "interface='org.freedesktop.DBus',member='NameOwnerChanged'";
constexpr const char* nameLostMatch = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                      "interface='org.freedesktop.DBus',member='NameLost'";

// Reconnect attempts: the first soon (a restarted bus is usually back within a second), then doubling
// up to a ceiling, so a bus that stays away costs one attempt every few seconds.
constexpr auto firstReconnectDelay = std::chrono::milliseconds(100);
constexpr auto maxReconnectDelay = std::chrono::seconds(2);

} // namespace

// The derived part is destroyed first: the object, the prompts' proxies and the match go before the
// connection in BusContext.
struct BusService::State : BusContext {
    using BusContext::BusContext;

    ~State()
    {
        if (reconnectTimer)
            loop.cancelTimer(*reconnectTimer);
        if (lostNotice)
            loop.cancelTimer(*lostNotice);
        disconnect();
    }

    std::unique_ptr<PromptDelivery> prompts;
    std::unique_ptr<FirewallObject> object;
    sdbus::Slot nameOwnerChanged;
    sdbus::Slot nameLost;
    std::optional<TimerId> reconnectTimer;
    std::optional<TimerId> lostNotice;
    std::chrono::milliseconds reconnectDelay = firstReconnectDelay;
    bool lostNameOrConnection = false;

    bool connected() const { return object != nullptr && binding != nullptr; }

    // Connects, exports, claims the name and binds to the loop; on failure leaves nothing half set up.
    Result<void> connect()
    {
        try {
            connection = sdbus::createSystemBusConnection();
        } catch (const sdbus::Error& error) {
            return Error(fmt::format("Failed to connect to the system bus: {}", error.getMessage()));
        }
        try {
            authorizer = std::make_unique<PolkitAuthorizer>(*connection, log, [this] { afterSend(); });
            prompts = std::make_unique<PromptDelivery>(*this);
            object = std::make_unique<FirewallObject>(*this);
            nameOwnerChanged = connection->addMatch(nameOwnerChangedMatch,
                                                    [this](sdbus::Message& message) { onNameOwnerChanged(message); });
            nameLost = connection->addMatch(nameLostMatch, [this](sdbus::Message& message) { onNameLost(message); });
        } catch (const sdbus::Error& error) {
            disconnect();
            return Error(
                fmt::format("Failed to export {} on the system bus: {}", options.objectPath, error.getMessage()));
        }
        // Claimed last, so no call arrives before the object and the agent watch exist.
        try {
            connection->requestName(options.busName);
        } catch (const sdbus::Error& error) {
            disconnect();
            return Error(fmt::format("Failed to claim the bus name {}: {}", options.busName, error.getMessage()));
        }
        auto bound = SdbusLoopBinding::create(loop, *connection, log, [this] { onConnectionLost(); });
        if (!bound) {
            disconnect();
            return bound.error();
        }
        binding = std::move(bound).value();
        // Messages sd-bus read while connecting are already queued; handle them without waiting for the fd.
        binding->dispatch();
        return Ok{};
    }

    // Drops everything tied to the connection, newest first; the agents registered on it are gone with it.
    void disconnect()
    {
        nameLost = {};
        nameOwnerChanged = {};
        object.reset();
        prompts.reset();
        authorizer.reset();
        binding.reset();
        connection.reset();
        callers = CallerDirectory{};
        agents = AgentRegistry{agents.limits()};
        authorizations = CallBudget{authorizations.limits()}; // their polkit replies will never come
        rulesChanged();
    }

    // The bus disconnected us or we lost the name: keep enforcing, tell the broker that every agent is
    // gone (their prompts get the default now, not at their deadlines), and come back with backoff.
    void onConnectionLost()
    {
        if (!connected())
            return;
        std::set<std::string> agentNames = prompts->askedAgents();
        for (const auto& name : agents.busNames())
            agentNames.insert(name);
        log.error("Lost the D-Bus connection or name; enforcing goes on, prompts get the default until it is back",
                  {{"name", options.busName}, {"agents", agentNames.size()}});
        disconnect();
        for (const auto& name : agentNames)
            control.agentGone(name);
        reconnectDelay = firstReconnectDelay;
        lostNameOrConnection = true;
        scheduleReconnect();
    }

    void scheduleReconnect()
    {
        if (reconnectTimer)
            return;
        reconnectTimer = loop.addTimer(reconnectDelay, [this] {
            reconnectTimer.reset();
            if (auto connected = connect(); !connected) {
                log.warning("Failed to reconnect to the system bus, retrying",
                            {{"error", connected.error().describe()},
                             {"retry_ms", static_cast<long long>(reconnectDelay.count())}});
                reconnectDelay = std::min<std::chrono::milliseconds>(reconnectDelay * 2, maxReconnectDelay);
                scheduleReconnect();
                return;
            }
            log.notice("D-Bus service back on the bus; agents must register again",
                       {{"name", options.busName}, {"path", options.objectPath}});
            // Agents and clients learn it from NameOwnerChanged; the daemon's state may have changed meanwhile.
            object->sendRulesChanged();
            object->sendModeChanged(control.mode());
        });
    }

    void onNameLost(sdbus::Message& message)
    {
        try {
            std::string name;
            message >> name;
            if (name != options.busName)
                return;
        } catch (const std::exception& failure) {
            log.warning("Failed to handle NameLost, ignoring", {{"error", failure.what()}});
            return;
        }
        // Inside sd-bus's dispatch: the connection is dropped on the loop's next turn.
        log.error("Lost the bus name", {{"name", options.busName}});
        if (!lostNotice) {
            lostNotice = loop.addTimer(std::chrono::steady_clock::duration::zero(), [this] {
                lostNotice.reset();
                onConnectionLost();
            });
        }
    }

    void onNameOwnerChanged(sdbus::Message& message)
    {
        try {
            std::string name;
            std::string oldOwner;
            std::string newOwner;
            message >> name >> oldOwner >> newOwner;
            if (!newOwner.empty() || !name.starts_with(':'))
                return; // only unique names leaving the bus matter: agents register by unique name
            callers.forget(name);
            control.clientGone(name);
            const auto registrations = agents.removeAllOf(name);
            const bool hadPrompts = prompts->agentLeft(name);
            if (registrations == 0 && !hadPrompts)
                return;
            agentsChanged();
            log.info("Prompt agent left the bus", {{"agent", name}, {"registrations", registrations}});
            control.agentGone(name);
        } catch (const std::exception& failure) {
            log.warning("Failed to handle NameOwnerChanged, ignoring", {{"error", failure.what()}});
        }
    }
};

BusService::BusService(std::unique_ptr<State> state) : state_(std::move(state)) {}

BusService::~BusService() = default;

Result<std::unique_ptr<BusService>> BusService::create(EventLoop& loop, FirewallControl& control, Logger& log,
                                                       Options options)
{
    auto state = std::make_unique<State>(loop, control, log, std::move(options));
    if (auto connected = state->connect(); !connected)
        return connected.error();
    log.info("D-Bus service ready", {{"name", state->options.busName}, {"path", state->options.objectPath}});
    return std::unique_ptr<BusService>(new BusService(std::move(state)));
}

void BusService::deliverPrompt(const PromptRequest& request)
{
    if (!state_->connected()) {
        state_->log.info("No bus connection, the prompt gets the default", {{"prompt", request.id}});
        state_->control.promptUndeliverable(request.id);
        return;
    }
    state_->prompts->deliver(request);
}

void BusService::emitConnectionEvent(const ConnectionEvent& event)
{
    if (state_->connected())
        state_->object->sendConnectionEvent(event);
}

void BusService::emitRulesChanged()
{
    state_->rulesChanged();
    if (state_->connected())
        state_->object->sendRulesChanged();
}

void BusService::emitProposalsChanged(std::size_t proposals)
{
    state_->rulesChanged(); // the status snapshot counts them
    if (state_->connected())
        state_->object->sendProposalsChanged(proposals);
}

std::size_t BusService::agentCount() const
{
    return state_->agents.count();
}

bool BusService::hasAgentFor(std::uint32_t uid) const
{
    if (!state_->connected())
        return false;
    return state_->agents.recipientFor(uid, state_->options.systemUidMax).has_value();
}

bool BusService::connected() const
{
    return state_->connected();
}

} // namespace hostgate
