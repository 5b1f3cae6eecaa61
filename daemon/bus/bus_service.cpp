// BusService: connects to the system bus, wires the object, polkit, agents and the loop binding together.
#include "bus/bus_service.h"

#include "bus/bus_context.h"
#include "bus/firewall_object.h"
#include "bus/prompt_delivery.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/Message.h>

#include <fmt/format.h>

#include <utility>

namespace hostgate {

namespace {

constexpr const char* nameOwnerChangedMatch = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                              "interface='org.freedesktop.DBus',member='NameOwnerChanged'";

} // namespace

// The derived part is destroyed first: the object, the prompts' proxies and the match go before the
// connection in BusContext.
struct BusService::State : BusContext {
    using BusContext::BusContext;

    std::unique_ptr<PromptDelivery> prompts;
    std::unique_ptr<FirewallObject> object;
    sdbus::Slot nameOwnerChanged;

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
            const auto registrations = agents.removeAllOf(name);
            const bool hadPrompts = prompts->agentLeft(name);
            if (registrations == 0 && !hadPrompts)
                return;
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
    State& self = *state;
    try {
        self.connection = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& error) {
        return Error(fmt::format("Failed to connect to the system bus: {}", error.getMessage()));
    }
    try {
        self.authorizer = std::make_unique<PolkitAuthorizer>(*self.connection, log, [&self] { self.afterSend(); });
        self.prompts = std::make_unique<PromptDelivery>(self);
        self.object = std::make_unique<FirewallObject>(self);
        self.nameOwnerChanged = self.connection->addMatch(
            nameOwnerChangedMatch, [&self](sdbus::Message& message) { self.onNameOwnerChanged(message); });
    } catch (const sdbus::Error& error) {
        return Error(fmt::format("Failed to export {} on the system bus: {}", self.options.objectPath,
                                 error.getMessage()));
    }
    // Claimed last, so no call arrives before the object and the agent watch exist.
    try {
        self.connection->requestName(self.options.busName);
    } catch (const sdbus::Error& error) {
        return Error(fmt::format("Failed to claim the bus name {}: {}", self.options.busName, error.getMessage()));
    }
    auto binding = SdbusLoopBinding::create(loop, *self.connection, log);
    if (!binding)
        return binding.error();
    self.binding = std::move(binding).value();
    // Messages sd-bus read while connecting are already queued; handle them without waiting for the fd.
    self.binding->dispatch();
    log.info("D-Bus service ready", {{"name", self.options.busName}, {"path", self.options.objectPath}});
    return std::unique_ptr<BusService>(new BusService(std::move(state)));
}

void BusService::deliverPrompt(const PromptRequest& request) { state_->prompts->deliver(request); }

void BusService::emitConnectionEvent(const ConnectionEvent& event) { state_->object->sendConnectionEvent(event); }

void BusService::emitRulesChanged() { state_->object->sendRulesChanged(); }

void BusService::emitModeChanged(Mode mode) { state_->object->sendModeChanged(mode); }

std::size_t BusService::agentCount() const { return state_->agents.count(); }

} // namespace hostgate
