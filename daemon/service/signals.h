// SPDX-License-Identifier: GPL-3.0-or-later
// SignalSource: SIGTERM, SIGINT and SIGHUP delivered through the EventLoop via signalfd.
#pragma once

#include "service/event_loop.h"
#include "util/result.h"
#include "util/unique_fd.h"

#include <functional>
#include <memory>

namespace hostgate {

struct SignalHandlers {
    // SIGTERM or SIGINT, with the signal number; the daemon stops its loop.
    std::function<void(int signal)> terminate;
    // SIGHUP: the daemon reloads its configuration and rules.
    std::function<void()> reload;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread so they queue for a signalfd instead of running
// default actions. Call it in main() before starting any thread: threads inherit the mask, and a thread
// that leaves a signal unblocked would receive it instead of the signalfd.
Result<void> blockDaemonSignals();

class SignalSource {
public:
    // Blocks the signals (blockDaemonSignals) and watches them on `loop`. The signals stay blocked after
    // the source is destroyed: unblocking would let a late SIGTERM kill the process mid-shutdown.
    static Result<SignalSource> create(EventLoop& loop, SignalHandlers handlers);

    SignalSource(SignalSource&&) noexcept;
    SignalSource& operator=(SignalSource&&) noexcept;
    ~SignalSource();

private:
    struct State;
    explicit SignalSource(std::unique_ptr<State> state);

    std::unique_ptr<State> state_;
};

} // namespace hostgate
