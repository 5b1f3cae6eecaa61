// SPDX-License-Identifier: GPL-3.0-or-later
// Who is calling (bus name, uid, interactive flag) and whether polkit lets them: async, fail closed.
#pragma once

#include "service/log.h"
#include "util/result.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Message.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace hostgate {

namespace polkit_action {
inline constexpr std::string_view manageRules = "org.hostgate.manage-rules";
inline constexpr std::string_view runUnderPolicy = "org.hostgate.run-under-policy";
inline constexpr std::string_view changeMode = "org.hostgate.change-mode";
inline constexpr std::string_view readLog = "org.hostgate.read-log";
inline constexpr std::string_view answerPrompts = "org.hostgate.answer-prompts";
inline constexpr std::string_view answerSystemPrompts = "org.hostgate.answer-system-prompts";
} // namespace polkit_action

struct Caller {
    std::string busName; // unique name, e.g. ":1.7"
    std::uint32_t uid = 0;
    bool allowInteractive = false; // the call carried ALLOW_INTERACTIVE_AUTHORIZATION
};

// Identifies the senders of incoming calls. The uid comes from the bus driver (sender credentials) and is
// cached per unique name, which the bus never reuses; forget() drops a name that left the bus.
class CallerDirectory {
public:
    Result<Caller> identify(const sdbus::Message& call);
    void forget(const std::string& busName) { uids_.erase(busName); }

private:
    std::map<std::string, std::uint32_t> uids_;
};

// Asks org.freedesktop.PolicyKit1.Authority.CheckAuthorization about a caller's bus name, never blocking.
// uid 0 is authorized without asking. A missing or failing polkit means NotAuthorized (fail closed).
class PolkitAuthorizer {
public:
    using Done = std::function<void(Result<void>)>;

    // `afterSend` runs after each outgoing call, so the event-loop binding can refresh its poll data.
    PolkitAuthorizer(sdbus::IConnection& connection, Logger& log, std::function<void()> afterSend);

    // Calls `done` exactly once: synchronously for root, otherwise from polkit's reply (or the call's
    // failure) during a later dispatch. Not called after the authorizer is destroyed. `details` reach polkit
    // rules as action.lookup(key) (e.g. which service a system prompt is about).
    using Details = std::map<std::string, std::string>;
    void check(const Caller& caller, std::string_view action, Done done, const Details& details = {});

private:
    Logger& log_;
    std::function<void()> afterSend_;
    std::unique_ptr<sdbus::IProxy> authority_;
};

} // namespace hostgate
