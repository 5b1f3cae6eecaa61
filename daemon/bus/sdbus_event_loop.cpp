// SPDX-License-Identifier: GPL-3.0-or-later
// SdbusLoopBinding: sd-bus's poll data (fd, events, absolute CLOCK_MONOTONIC timeout) mapped onto epoll.
#include "bus/sdbus_event_loop.h"

#include <sdbus-c++/Error.h>

#include <poll.h>
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace hostgate {

namespace {

// poll(2) and epoll share the values of the flags sd-bus asks for.
static_assert(POLLIN == EPOLLIN && POLLOUT == EPOLLOUT);

constexpr std::uint64_t noTimeout = std::numeric_limits<std::uint64_t>::max();

std::uint32_t epollEvents(short pollEvents)
{
    return static_cast<std::uint32_t>(static_cast<std::uint16_t>(pollEvents)) & (EPOLLIN | EPOLLOUT);
}

} // namespace

SdbusLoopBinding::SdbusLoopBinding(EventLoop& loop, sdbus::IConnection& connection, Logger& log,
                                   std::function<void()> onBroken)
    : loop_(loop), connection_(connection), log_(log), onBroken_(std::move(onBroken))
{}

Result<std::unique_ptr<SdbusLoopBinding>> SdbusLoopBinding::create(EventLoop& loop, sdbus::IConnection& connection,
                                                                   Logger& log, std::function<void()> onBroken)
{
    std::unique_ptr<SdbusLoopBinding> binding(new SdbusLoopBinding(loop, connection, log, std::move(onBroken)));
    try {
        const auto poll = connection.getEventLoopPollData();
        auto* self = binding.get();
        auto watch = loop.watchFd(poll.fd, epollEvents(poll.events), [self](std::uint32_t) { self->dispatch(); });
        if (!watch)
            return Error("Failed to watch the D-Bus connection: " + watch.error().describe());
        binding->watch_ = *watch;
    } catch (const sdbus::Error& error) {
        return Error("Failed to read the D-Bus connection's poll data: " + error.getMessage());
    }
    binding->refresh();
    return binding;
}

SdbusLoopBinding::~SdbusLoopBinding()
{
    if (watch_)
        loop_.unwatch(*watch_);
    if (timer_)
        loop_.cancelTimer(*timer_);
    if (brokenNotice_)
        loop_.cancelTimer(*brokenNotice_);
}

void SdbusLoopBinding::markBroken(const std::string& what, const std::string& error)
{
    if (broken_)
        return;
    log_.error(what, {{"error", error}});
    broken_ = true;
    if (onBroken_) {
        // Not from here: the owner destroys this binding (and the connection) in its handler.
        brokenNotice_ = loop_.addTimer(std::chrono::steady_clock::duration::zero(), [this, notify = onBroken_] {
            brokenNotice_.reset();
            notify(); // may destroy this binding: nothing of it is touched afterwards
        });
    }
}

void SdbusLoopBinding::dispatch()
{
    if (dispatching_ || broken_)
        return; // a callback that sends refreshes instead; nothing may re-enter sd_bus_process
    dispatching_ = true;
    try {
        while (connection_.processPendingRequest()) {
        }
    } catch (const sdbus::Error& error) {
        // The connection is dead (e.g. the bus went away): stop watching instead of spinning on a hung-up fd.
        markBroken("Failed to process D-Bus messages, lost the bus connection", error.getMessage());
    }
    dispatching_ = false;
    refresh();
}

void SdbusLoopBinding::refresh()
{
    if (broken_) {
        if (watch_)
            loop_.unwatch(*watch_);
        if (timer_)
            loop_.cancelTimer(*timer_);
        watch_.reset();
        timer_.reset();
        return;
    }
    sdbus::IConnection::PollData poll{};
    try {
        poll = connection_.getEventLoopPollData();
    } catch (const sdbus::Error& error) {
        markBroken("Failed to read the D-Bus connection's poll data, lost the bus connection", error.getMessage());
        refresh();
        return;
    }
    if (watch_) {
        if (auto modified = loop_.modifyWatch(*watch_, epollEvents(poll.events)); !modified)
            log_.warning("Failed to update the D-Bus connection's watch, ignoring",
                         {{"error", modified.error().describe()}});
    }

    if (timer_ && timerDeadlineUsec_ == poll.timeout_usec)
        return;
    if (timer_)
        loop_.cancelTimer(*timer_);
    timer_.reset();
    if (poll.timeout_usec == noTimeout)
        return;
    // Both are CLOCK_MONOTONIC on Linux, so sd-bus's absolute deadline is a steady_clock time point.
    const EventLoop::SteadyTime when{
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::microseconds(poll.timeout_usec))};
    timerDeadlineUsec_ = poll.timeout_usec;
    timer_ = loop_.addTimer(when, [this] {
        timer_.reset();
        dispatch();
    });
}

} // namespace hostgate
