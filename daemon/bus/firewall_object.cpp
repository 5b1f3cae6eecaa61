// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallObject: status, mode, the connection log, prompt agents and signals.
#include "bus/firewall_object.h"

#include "bus/reply_budget.h"
#include "util/error_codes.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace hostgate {

FirewallObject::FirewallObject(BusContext& bus) : AdaptorInterfaces(*bus.connection, bus.options.objectPath), bus_(bus)
{
    registerAdaptor();
}

FirewallObject::~FirewallObject()
{
    unregisterAdaptor();
}

std::map<std::string, sdbus::Variant> FirewallObject::GetStatus()
{
    return guarded([this] {
        const auto now = std::chrono::steady_clock::now();
        const auto caller = bus_.callers.identify(*getObject().getCurrentlyProcessedMessage());
        const bool privileged = caller && caller->uid == 0;
        if (!privileged && bus_.statusSnapshot_ && now - bus_.statusSnapshotTaken_ < BusContext::statusMaxAge)
            return *bus_.statusSnapshot_;
        auto status = bus_.control.status();
        if (status.version.empty())
            status.version = bus_.options.version;
        auto record = statusToRecord(status, bus_.agents.count());
        bus_.statusSnapshot_ = record;
        bus_.statusSnapshotTaken_ = now;
        return record;
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
    authorizeThen(std::move(result), polkit_action::changeMode,
                  [this, wanted = *parsed](const auto& reply, const Caller& caller) {
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
    auto parsed = pagedEventFilterFromRecord(std::move(filter));
    if (!parsed) {
        result.returnError(toBusError(parsed.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::readLog,
                  [this, count = clampConnectionLimit(limit), wanted = std::move(parsed).value()](const auto& reply,
                                                                                                  const Caller&) {
                      auto events = bus_.control.recentConnections(count, wanted);
                      if (!events) {
                          reply.returnError(toBusError(events.error()));
                          return;
                      }
                      // Newest first, so what the byte bound leaves out are the oldest events.
                      auto page = buildPage(
                          events->size(), [&](std::size_t index) { return connectionEventToRecord((*events)[index]); },
                          maxReplyBytes);
                      reply.returnResults(page.records);
                  });
}

void FirewallObject::ListConnectionsPage(sdbus::Result<Records, std::string>&& result, uint32_t limit,
                                         std::map<std::string, sdbus::Variant> filter)
{
    auto parsed = pagedEventFilterFromRecord(std::move(filter));
    if (!parsed) {
        result.returnError(toBusError(parsed.error()));
        return;
    }
    authorizeThen(
        std::move(result), polkit_action::readLog,
        [this, count = clampPageLimit(limit), wanted = std::move(parsed).value()](const auto& reply, const Caller&) {
            // One more than asked tells whether another page follows.
            auto events = bus_.control.recentConnections(count + 1, wanted);
            if (!events) {
                reply.returnError(toBusError(events.error()));
                return;
            }
            const std::size_t available = std::min(events->size(), count);
            auto page = buildPage(
                available, [&](std::size_t index) { return connectionEventToRecord((*events)[index]); }, maxPageBytes);
            const bool more = page.records.size() < events->size();
            const std::string next = more ? connectionCursorAfter((*events)[page.records.size() - 1]) : std::string();
            reply.returnResults(page.records, next);
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
        // Bounded like every list: applications that do not fit into one reply are left out.
        auto page = buildPage(
            apps->size(), [&](std::size_t index) { return appSummaryToRecord((*apps)[index]); }, maxReplyBytes);
        if (!page.complete)
            bus_.log.warning("ListApps reply cut at its byte bound",
                             {{"apps", apps->size()}, {"sent", page.records.size()}});
        reply.returnResults(page.records);
    });
}

void FirewallObject::ListTraffic(sdbus::Result<Records>&& result, uint32_t limit)
{
    authorizeThen(std::move(result), polkit_action::readLog,
                  [this, count = clampTrafficLimit(limit)](const auto& reply, const Caller&) {
                      auto flows = bus_.control.traffic(count);
                      if (!flows) {
                          reply.returnError(toBusError(flows.error()));
                          return;
                      }
                      // Most recently active first, so what the byte bound leaves out are the quietest flows.
                      auto page = buildPage(
                          flows->size(), [&](std::size_t index) { return trafficFlowToRecord((*flows)[index]); },
                          maxPageBytes);
                      reply.returnResults(page.records);
                  });
}

void FirewallObject::RegisterAgent(sdbus::Result<>&& result, sdbus::ObjectPath agent)
{
    authorizeThen(
        std::move(result), polkit_action::answerPrompts,
        [this, path = std::string(agent)](const auto& reply, const Caller& caller) {
            if (auto added = bus_.agents.add(AgentRegistration{caller.busName, path, caller.uid}); !added) {
                bus_.log.warning("Failed to register a prompt agent: limit exceeded",
                                 {{"agent", caller.busName}, {"uid", caller.uid}, {"error", added.error().describe()}});
                reply.returnError(toBusError(added.error()));
                return;
            }
            bus_.agentsChanged();
            bus_.log.info("Prompt agent registered", {{"agent", caller.busName}, {"path", path}, {"uid", caller.uid}});
            reply.returnResults();
        });
}

void FirewallObject::UnregisterAgent(const sdbus::ObjectPath& agent)
{
    guarded([&] {
        const auto sender = getObject().getCurrentlyProcessedMessage()->getSender();
        if (!bus_.agents.remove(sender, agent)) {
            throw toBusError(
                Error::named(std::string(control_error::noSuchAgent),
                             fmt::format("No prompt agent {} is registered by {}", std::string(agent), sender)));
        }
        bus_.agentsChanged();
        bus_.log.info("Prompt agent unregistered", {{"agent", sender}, {"path", std::string(agent)}});
        return 0;
    });
}

void FirewallObject::sendRulesChanged()
{
    bus_.rulesChanged();
    try {
        emitRulesChanged();
    } catch (const sdbus::Error& error) {
        bus_.log.warning("Failed to emit RulesChanged, ignoring", {{"error", error.getMessage()}});
    }
    bus_.afterSend();
}

void FirewallObject::sendProposalsChanged(std::size_t proposals)
{
    bus_.rulesChanged(); // the status snapshot counts them
    try {
        emitProposalsChanged(static_cast<std::uint32_t>(std::min<std::size_t>(proposals, UINT32_MAX)));
    } catch (const sdbus::Error& error) {
        bus_.log.warning("Failed to emit ProposalsChanged, ignoring", {{"error", error.getMessage()}});
    }
    bus_.afterSend();
}

void FirewallObject::sendModeChanged(Mode mode)
{
    bus_.rulesChanged(); // the status snapshot shows the mode
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
        auto record = connectionEventToRecord(event);
        boundRecord(record);
        emitConnectionEvent(record);
    } catch (const sdbus::Error& error) {
        bus_.log.warning("Failed to emit ConnectionEvent, ignoring", {{"error", error.getMessage()}});
    }
    bus_.afterSend();
}

} // namespace hostgate
