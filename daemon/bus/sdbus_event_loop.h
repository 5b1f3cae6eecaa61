// SPDX-License-Identifier: GPL-3.0-or-later
// SdbusLoopBinding: drives an sdbus-c++ connection from the daemon's EventLoop (no sdbus thread).
#pragma once

#include "service/event_loop.h"
#include "service/log.h"
#include "util/result.h"

#include <sdbus-c++/IConnection.h>

#include <functional>
#include <memory>
#include <optional>

namespace hostgate {

// Watches the connection's fd with the events sd-bus wants and arms a timer at its next timeout; on
// either, processes every pending request. sd-bus changes what it wants whenever a message is queued
// (POLLOUT, a reply timeout), so callers that send from outside a dispatch (signals, async calls) call
// refresh() afterwards. Unwatches and cancels its timer on destruction.
class SdbusLoopBinding {
public:
    // `onBroken` runs once, on a later turn of the loop (never inside sd-bus), when the connection has
    // failed for good (disconnected by the bus, the bus gone): the owner may then destroy the binding.
    static Result<std::unique_ptr<SdbusLoopBinding>> create(EventLoop& loop, sdbus::IConnection& connection,
                                                            Logger& log, std::function<void()> onBroken = {});
    ~SdbusLoopBinding();
    SdbusLoopBinding(const SdbusLoopBinding&) = delete;
    SdbusLoopBinding& operator=(const SdbusLoopBinding&) = delete;

    // Re-reads the connection's poll data; cheap, safe to call from inside a dispatch.
    void refresh();
    // Processes everything pending now (also used right after start, for messages read during setup).
    void dispatch();

private:
    SdbusLoopBinding(EventLoop& loop, sdbus::IConnection& connection, Logger& log, std::function<void()> onBroken);
    void markBroken(const std::string& what, const std::string& error);

    EventLoop& loop_;
    sdbus::IConnection& connection_;
    Logger& log_;
    std::optional<WatchId> watch_;
    std::optional<TimerId> timer_;
    std::optional<TimerId> brokenNotice_;
    std::function<void()> onBroken_;
    std::uint64_t timerDeadlineUsec_ = 0;
    bool dispatching_ = false;
    bool broken_ = false;
};

} // namespace hostgate
