// SPDX-License-Identifier: GPL-3.0-or-later
// polkit over its D-Bus API (Debian 12 has no polkit-qt6; systemd and fwupd do the same).
#include "bus/polkit_authorizer.h"

#include "bus/firewall_control.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Types.h>
#include <systemd/sd-bus.h>

#include <fmt/format.h>

#include <chrono>
#include <utility>

namespace hostgate {

namespace {

constexpr auto nonInteractiveTimeout = std::chrono::seconds(25);
// Long enough for a person to find and type a password in the desktop's authentication dialog.
constexpr auto interactiveTimeout = std::chrono::minutes(5);
constexpr std::uint32_t allowUserInteraction = 1;

// sdbus-c++ 1.2 does not expose the ALLOW_INTERACTIVE_AUTHORIZATION header flag; the underlying
// sd_bus_message does. The message handle is a protected member, so read it through a pointer to member
// formed in a derived class (legal, no object of this type is ever made).
struct RawMessage : sdbus::Message {
    static sd_bus_message* of(const sdbus::Message& message)
    {
        return static_cast<sd_bus_message*>(message.*(&RawMessage::msg_));
    }
};

Error notAuthorized(std::string message)
{
    return Error::named(std::string(control_error::notAuthorized), std::move(message));
}

} // namespace

Result<Caller> CallerDirectory::identify(const sdbus::Message& call)
{
    Caller caller;
    caller.busName = call.getSender();
    if (caller.busName.empty())
        return notAuthorized("Failed to identify the caller: the message has no sender");
    auto* raw = RawMessage::of(call);
    caller.allowInteractive = raw != nullptr && sd_bus_message_get_allow_interactive_authorization(raw) > 0;

    if (const auto cached = uids_.find(caller.busName); cached != uids_.end()) {
        caller.uid = cached->second;
        return caller;
    }
    try {
        caller.uid = call.getCredsUid();
    } catch (const sdbus::Error& error) {
        return notAuthorized(fmt::format("Failed to identify the caller {}: {}", caller.busName, error.getMessage()));
    }
    uids_.emplace(caller.busName, caller.uid);
    return caller;
}

PolkitAuthorizer::PolkitAuthorizer(sdbus::IConnection& connection, Logger& log, std::function<void()> afterSend)
    : log_(log), afterSend_(std::move(afterSend)),
      authority_(sdbus::createProxy(connection, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority"))
{}

void PolkitAuthorizer::check(const Caller& caller, std::string_view action, Done done, const Details& details)
{
    if (caller.uid == 0) {
        done(Ok{});
        return;
    }
    using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
    using AuthorizationResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;
    const Subject subject{"system-bus-name", {{"name", sdbus::Variant(caller.busName)}}};
    const std::uint32_t flags = caller.allowInteractive ? allowUserInteraction : 0;
    const auto timeout = caller.allowInteractive ? std::chrono::microseconds(interactiveTimeout)
                                                 : std::chrono::microseconds(nonInteractiveTimeout);

    auto onReply = [this, done, actionId = std::string(action), busName = caller.busName,
                    uid = caller.uid](const sdbus::Error* error, const AuthorizationResult& result) {
        if (error != nullptr) {
            log_.warning("Failed to check authorization with polkit, refusing the call",
                         {{"action", actionId}, {"caller", busName}, {"error", error->getMessage()}});
            done(notAuthorized(fmt::format("Not authorized: polkit is unavailable ({}), so {} is refused",
                                           error->getMessage(), actionId)));
            return;
        }
        const bool authorized = std::get<0>(result);
        const bool challenge = std::get<1>(result);
        if (authorized) {
            done(Ok{});
            return;
        }
        log_.info("polkit refused a call", {{"action", actionId}, {"caller", busName}, {"uid", uid}});
        done(notAuthorized(challenge ? fmt::format("Not authorized for {}: authentication is required", actionId)
                                     : fmt::format("Not authorized for {}", actionId)));
    };

    try {
        authority_->callMethodAsync("CheckAuthorization")
            .onInterface("org.freedesktop.PolicyKit1.Authority")
            .withTimeout(timeout)
            .withArguments(subject, std::string(action), details, flags, std::string())
            .uponReplyInvoke(std::move(onReply));
    } catch (const sdbus::Error& error) {
        afterSend_();
        done(notAuthorized(fmt::format("Not authorized: polkit is unavailable ({})", error.getMessage())));
        return;
    }
    afterSend_();
}

} // namespace hostgate
