// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallObject: scopes (hostgatectl run / attach) — validated before polkit, made after it, ended by their maker.
#include "bus/firewall_object.h"

#include "util/error_codes.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace hostgate {

namespace {

constexpr std::size_t maxTargetBytes = 4096;

Error invalid(std::string message)
{
    return Error::named(std::string(control_error::invalidArgument), std::move(message));
}

} // namespace

void FirewallObject::CreateRunScope(sdbus::Result<uint64_t, std::string>&& result,
                                    std::map<std::string, sdbus::Variant> policy)
{
    auto request = scopeRequestFromRecord(policy);
    if (!request) {
        result.returnError(toBusError(request.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::runUnderPolicy,
                  [this, request = std::move(request).value()](const auto& reply, const Caller& caller) {
                      auto created = bus_.control.createRunScope(request, caller.uid, caller.busName);
                      if (!created) {
                          reply.returnError(toBusError(created.error()));
                          return;
                      }
                      reply.returnResults(created->id, created->cgroup);
                  });
}

void FirewallObject::JoinScope(const uint64_t& scope, const uint32_t& pid)
{
    guarded([&] {
        const sdbus::Message& call = *getObject().getCurrentlyProcessedMessage();
        auto caller = bus_.callers.identify(call);
        if (!caller)
            throw toBusError(caller.error());
        if (pid == 0 || pid > static_cast<uint32_t>(std::numeric_limits<std::int32_t>::max()))
            throw toBusError(invalid(fmt::format("Invalid pid {}", pid)));
        pid_t callerPid = 0;
        try {
            callerPid = call.getCredsPid();
        } catch (const sdbus::Error& error) {
            throw toBusError(
                Error::named(std::string(control_error::notAuthorized),
                             fmt::format("Failed to identify the caller's process: {}", error.getMessage())));
        }
        auto joined =
            bus_.control.joinScope(scope, static_cast<std::int32_t>(pid), caller->uid, callerPid, caller->busName);
        if (!joined)
            throw toBusError(joined.error());
        return 0;
    });
}

void FirewallObject::AttachScope(sdbus::Result<uint64_t, std::string>&& result, std::string kind, std::string target,
                                 std::map<std::string, sdbus::Variant> policy)
{
    if (kind != "cgroup" && kind != "unit" && kind != "container") {
        result.returnError(
            toBusError(invalid(fmt::format("Invalid kind '{}': expected cgroup, unit or container", kind))));
        return;
    }
    if (target.empty() || target.size() > maxTargetBytes) {
        result.returnError(
            toBusError(invalid(fmt::format("Invalid target: empty or longer than {} bytes", maxTargetBytes))));
        return;
    }
    auto request = scopeRequestFromRecord(policy);
    if (!request) {
        result.returnError(toBusError(request.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::runUnderPolicy,
                  [this, kind = std::move(kind), target = std::move(target),
                   request = std::move(request).value()](const auto& reply, const Caller& caller) {
                      auto created = bus_.control.attachScope(kind, target, request, caller.uid);
                      if (!created) {
                          reply.returnError(toBusError(created.error()));
                          return;
                      }
                      reply.returnResults(created->id, created->cgroup);
                  });
}

void FirewallObject::RemoveScope(sdbus::Result<>&& result, uint64_t scope)
{
    const auto scopes = bus_.control.scopes();
    const auto found = std::find_if(scopes.begin(), scopes.end(), [scope](const Scope& s) { return s.id == scope; });
    if (found == scopes.end()) {
        result.returnError(toBusError(
            Error::named(std::string(control_error::noSuchScope), fmt::format("No scope has id {}", scope))));
        return;
    }
    auto caller = bus_.callers.identify(*getObject().getCurrentlyProcessedMessage());
    if (!caller) {
        result.returnError(toBusError(caller.error()));
        return;
    }
    const auto remove = [this, scope](const auto& reply, const Caller& who) {
        if (auto removed = bus_.control.removeScope(scope); !removed) {
            reply.returnError(toBusError(removed.error()));
            return;
        }
        bus_.log.info("Scope removed over D-Bus", {{"scope", scope}, {"uid", who.uid}});
        reply.returnResults();
    };
    if (caller->uid == found->uid) {
        remove(result, *caller); // its maker was authorized when it made it
        return;
    }
    authorizeThen(std::move(result), polkit_action::runUnderPolicy, remove);
}

std::vector<std::map<std::string, sdbus::Variant>> FirewallObject::ListScopes()
{
    return guarded([this] {
        std::vector<std::map<std::string, sdbus::Variant>> records;
        for (const Scope& scope : bus_.control.scopes())
            records.push_back(scopeToRecord(scope));
        return records;
    });
}

} // namespace hostgate
