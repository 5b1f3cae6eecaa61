// SPDX-License-Identifier: GPL-3.0-or-later
// EventLoop: the daemon's single-threaded epoll loop with one-shot timers.
#pragma once

#include "util/result.h"
#include "util/unique_fd.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace hostgate {

enum class WatchId : std::uint64_t {};
enum class TimerId : std::uint64_t {};

// Dispatches readiness of file descriptors and expiry of timers to callbacks, all on the thread that
// calls run(). Callbacks may add and remove watches and timers freely, including their own: a watch or
// timer removed while a batch of events is being dispatched is never called afterwards, even when its
// event is already in the batch.
//
// Not thread-safe. Create it, move it into its owner, then register callbacks: callbacks usually keep a
// reference to the loop, which moving would invalidate.
class EventLoop {
public:
    using Handler = std::function<void(std::uint32_t events)>;
    using SteadyTime = std::chrono::steady_clock::time_point;

    static Result<EventLoop> create();

    EventLoop(EventLoop&&) noexcept;
    EventLoop& operator=(EventLoop&&) noexcept;
    ~EventLoop();

    // `events` are epoll flags (EPOLLIN, EPOLLOUT, ...); the handler receives the flags that fired.
    // The loop does not own `fd`: unwatch it before closing it.
    Result<WatchId> watchFd(int fd, std::uint32_t events, Handler handler);
    Result<void> modifyWatch(WatchId id, std::uint32_t events);
    // Unknown or already removed ids are ignored, so teardown paths need no bookkeeping.
    void unwatch(WatchId id);

    // One-shot; a deadline in the past fires on the next iteration. Timers with equal deadlines fire in
    // the order they were added.
    TimerId addTimer(SteadyTime when, std::function<void()> callback);
    TimerId addTimer(std::chrono::steady_clock::duration delay, std::function<void()> callback);
    // Unknown, fired or already cancelled ids are ignored.
    void cancelTimer(TimerId id);

    // Dispatches until stop() is called (from a callback); fails only when epoll itself fails.
    Result<void> run();
    // Makes run() return after the callback that called stop() finishes; events left in the current
    // batch are not dispatched (they are level-triggered and come back on the next run()). A stop()
    // before run() makes that run() return at once.
    void stop();

    // Handles whatever is ready, waiting at most `timeout` for something to become ready. For tests and
    // for embedding; run() is a loop around it.
    Result<void> runOnce(std::chrono::milliseconds timeout);

    std::size_t watchCount() const;
    std::size_t timerCount() const;

    // Every handler and timer callback runs holding `mutex` (nullptr: none). The loop stays single-threaded;
    // this is how another thread (the daemon's DNS lane) shares state with everything the loop runs without
    // each handler taking a lock of its own. Never held while the loop waits.
    void setDispatchLock(std::mutex* mutex);

private:
    struct State;
    explicit EventLoop(std::unique_ptr<State> state);

    std::unique_ptr<State> state_;
};

} // namespace hostgate
