// SdbusLoopBinding: drives an sdbus-c++ connection from the daemon's EventLoop (no sdbus thread).
#pragma once

#include "service/event_loop.h"
#include "service/log.h"
#include "util/result.h"

#include <sdbus-c++/IConnection.h>

#include <memory>
#include <optional>

namespace hostgate {

// Watches the connection's fd with the events sd-bus wants and arms a timer at its next timeout; on
// either, processes every pending request. sd-bus changes what it wants whenever a message is queued
// (POLLOUT, a reply timeout), so callers that send from outside a dispatch (signals, async calls) call
// refresh() afterwards. Unwatches and cancels its timer on destruction.
class SdbusLoopBinding {
public:
    static Result<std::unique_ptr<SdbusLoopBinding>> create(EventLoop& loop, sdbus::IConnection& connection,
                                                            Logger& log);
    ~SdbusLoopBinding();
    SdbusLoopBinding(const SdbusLoopBinding&) = delete;
    SdbusLoopBinding& operator=(const SdbusLoopBinding&) = delete;

    // Re-reads the connection's poll data; cheap, safe to call from inside a dispatch.
    void refresh();
    // Processes everything pending now (also used right after start, for messages read during setup).
    void dispatch();

private:
    SdbusLoopBinding(EventLoop& loop, sdbus::IConnection& connection, Logger& log);

    EventLoop& loop_;
    sdbus::IConnection& connection_;
    Logger& log_;
    std::optional<WatchId> watch_;
    std::optional<TimerId> timer_;
    std::uint64_t timerDeadlineUsec_ = 0;
    bool dispatching_ = false;
    bool broken_ = false;
};

} // namespace hostgate
