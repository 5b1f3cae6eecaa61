// FirewallObject: status, mode, the connection log, prompt agents and signals.
#include "bus/firewall_object.h"

#include <fmt/format.h>

namespace hostgate {

FirewallObject::FirewallObject(BusContext& bus)
    : AdaptorInterfaces(*bus.connection, bus.options.objectPath), bus_(bus)
{
    registerAdaptor();
}

FirewallObject::~FirewallObject() { unregisterAdaptor(); }

std::map<std::string, sdbus::Variant> FirewallObject::GetStatus()
{
    return guarded([this] {
        auto status = bus_.control.status();
        if (status.version.empty())
            status.version = bus_.options.version;
        return statusToRecord(status, bus_.agents.count());
    });
}

std::string FirewallObject::GetMode()
{
    return guarded([this] { return std::string(toString(bus_.control.mode())); });
}

void FirewallObject::SetMode(sdbus::Result<>&& result, std::string mode)
{
    const auto parsed = parseMode(mode);
    if (!parsed) {
        result.returnError(toBusError(Error::named(
            std::string(control_error::invalidArgument),
            fmt::format("Invalid mode '{}': expected enforce, silent-allow, silent-deny or learning", mode))));
        return;
    }
    if (*parsed == bus_.control.mode()) {
        result.returnResults(); // nothing changes, so nothing needs authorizing
        return;
    }
    authorizeThen(std::move(result), polkit_action::changeMode, [this, wanted = *parsed](const auto& reply, const Caller& caller) {
        if (auto changed = bus_.control.setMode(wanted); !changed) {
            reply.returnError(toBusError(changed.error()));
            return;
        }
        bus_.log.notice("Mode changed over D-Bus", {{"mode", toString(wanted)}, {"uid", caller.uid}});
        sendModeChanged(wanted);
        reply.returnResults();
    });
}

void FirewallObject::ListConnections(sdbus::Result<Records>&& result, uint32_t limit,
                                     std::map<std::string, sdbus::Variant> filter)
{
    auto parsed = eventFilterFromRecord(filter);
    if (!parsed) {
        result.returnError(toBusError(parsed.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::readLog,
                           [this, count = clampConnectionLimit(limit), wanted = std::move(parsed).value()](
                               const auto& reply, const Caller&) {
                               auto events = bus_.control.recentConnections(count, wanted);
                               if (!events) {
                                   reply.returnError(toBusError(events.error()));
                                   return;
                               }
                               Records records;
                               records.reserve(events->size());
                               for (const auto& event : *events)
                                   records.push_back(connectionEventToRecord(event));
                               reply.returnResults(records);
                           });
}

void FirewallObject::ListApps(sdbus::Result<Records>&& result)
{
    authorizeThen(std::move(result), polkit_action::readLog, [this](const auto& reply, const Caller&) {
        auto apps = bus_.control.apps();
        if (!apps) {
            reply.returnError(toBusError(apps.error()));
            return;
        }
        Records records;
        records.reserve(apps->size());
        for (const auto& app : *apps)
            records.push_back(appSummaryToRecord(app));
        reply.returnResults(records);
    });
}

void FirewallObject::RegisterAgent(sdbus::Result<>&& result, sdbus::ObjectPath agent)
{
    authorizeThen(std::move(result), polkit_action::answerPrompts,
                    [this, path = std::string(agent)](const auto& reply, const Caller& caller) {
                        bus_.agents.add(AgentRegistration{caller.busName, path, caller.uid});
                        bus_.log.info("Prompt agent registered",
                                      {{"agent", caller.busName}, {"path", path}, {"uid", caller.uid}});
                        reply.returnResults();
                    });
}

void FirewallObject::UnregisterAgent(const sdbus::ObjectPath& agent)
{
    guarded([&] {
        const auto sender = getObject().getCurrentlyProcessedMessage()->getSender();
        if (!bus_.agents.remove(sender, agent)) {
            throw toBusError(Error::named("NoSuchAgent", fmt::format("No prompt agent {} is registered by {}",
                                                                     std::string(agent), sender)));
        }
        bus_.log.info("Prompt agent unregistered", {{"agent", sender}, {"path", std::string(agent)}});
        return 0;
    });
}

void FirewallObject::sendRulesChanged()
{
    try {
        emitRulesChanged();
    } catch (const sdbus::Error& error) {
        bus_.log.warning("Failed to emit RulesChanged, ignoring", {{"error", error.getMessage()}});
    }
    bus_.afterSend();
}

void FirewallObject::sendModeChanged(Mode mode)
{
    try {
        emitModeChanged(std::string(toString(mode)));
    } catch (const sdbus::Error& error) {
        bus_.log.warning("Failed to emit ModeChanged, ignoring", {{"error", error.getMessage()}});
    }
    bus_.afterSend();
}

void FirewallObject::sendConnectionEvent(const ConnectionEvent& event)
{
    try {
        emitConnectionEvent(connectionEventToRecord(event));
    } catch (const sdbus::Error& error) {
        bus_.log.warning("Failed to emit ConnectionEvent, ignoring", {{"error", error.getMessage()}});
    }
    bus_.afterSend();
}

} // namespace hostgate
