// SPDX-License-Identifier: GPL-3.0-or-later
// EventLoop: epoll dispatch plus one-shot timers multiplexed onto a single timerfd.
#include "service/event_loop.h"
#include "util/errno_error.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

namespace hostgate {

namespace {

// The timerfd shares epoll's user data space with watches; watch ids start at 1, so 0 is free for it.
constexpr std::uint64_t kTimerFdKey = 0;
constexpr int kMaxEventsPerBatch = 64;

} // namespace

struct EventLoop::State {
    struct Watch {
        int fd;
        // Shared so a handler that unwatches itself keeps its own std::function alive while it runs.
        std::shared_ptr<Handler> handler;
    };
    using TimerKey = std::pair<SteadyTime, std::uint64_t>;

    UniqueFd epoll;
    UniqueFd timerFd;
    std::unordered_map<std::uint64_t, Watch> watches;
    std::uint64_t nextWatchId = 1;
    // Ordered by (deadline, id): the earliest is first and ties fire in insertion order.
    std::map<TimerKey, std::function<void()>> timers;
    std::unordered_map<std::uint64_t, SteadyTime> timerDeadlines;
    std::uint64_t nextTimerId = 1;
    std::optional<SteadyTime> armedDeadline;
    bool stopRequested = false;
    std::mutex* dispatchLock = nullptr;

    Result<void> armTimerFd();
    void fireDueTimers();
    void dispatch(std::uint64_t key, std::uint32_t events);
};

Result<EventLoop> EventLoop::create()
{
    auto state = std::make_unique<State>();
    state->epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!state->epoll) {
        return errnoError("create epoll instance", errno);
    }
    state->timerFd.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!state->timerFd) {
        return errnoError("create timerfd", errno);
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kTimerFdKey;
    if (::epoll_ctl(state->epoll.get(), EPOLL_CTL_ADD, state->timerFd.get(), &event) < 0) {
        return errnoError("watch timerfd", errno);
    }
    return EventLoop(std::move(state));
}

EventLoop::EventLoop(std::unique_ptr<State> state) : state_(std::move(state)) {}
EventLoop::EventLoop(EventLoop&&) noexcept = default;
EventLoop& EventLoop::operator=(EventLoop&&) noexcept = default;
EventLoop::~EventLoop() = default;

Result<WatchId> EventLoop::watchFd(int fd, std::uint32_t events, Handler handler)
{
    const std::uint64_t id = state_->nextWatchId++;
    epoll_event event{};
    event.events = events;
    event.data.u64 = id;
    if (::epoll_ctl(state_->epoll.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
        return errnoError(fmt::format("watch file descriptor {}", fd), errno);
    }
    state_->watches.emplace(id, State::Watch{fd, std::make_shared<Handler>(std::move(handler))});
    return WatchId{id};
}

Result<void> EventLoop::modifyWatch(WatchId id, std::uint32_t events)
{
    const auto found = state_->watches.find(static_cast<std::uint64_t>(id));
    if (found == state_->watches.end()) {
        return Error(fmt::format("Failed to modify watch {}: no such watch", static_cast<std::uint64_t>(id)));
    }
    epoll_event event{};
    event.events = events;
    event.data.u64 = found->first;
    if (::epoll_ctl(state_->epoll.get(), EPOLL_CTL_MOD, found->second.fd, &event) < 0) {
        return errnoError(fmt::format("modify watch of file descriptor {}", found->second.fd), errno);
    }
    return Ok{};
}

void EventLoop::unwatch(WatchId id)
{
    const auto found = state_->watches.find(static_cast<std::uint64_t>(id));
    if (found == state_->watches.end()) {
        return;
    }
    // EBADF/ENOENT mean the descriptor was closed first, which already removed it from the epoll set.
    ::epoll_ctl(state_->epoll.get(), EPOLL_CTL_DEL, found->second.fd, nullptr);
    state_->watches.erase(found);
}

TimerId EventLoop::addTimer(SteadyTime when, std::function<void()> callback)
{
    const std::uint64_t id = state_->nextTimerId++;
    state_->timers.emplace(State::TimerKey{when, id}, std::move(callback));
    state_->timerDeadlines.emplace(id, when);
    return TimerId{id};
}

TimerId EventLoop::addTimer(std::chrono::steady_clock::duration delay, std::function<void()> callback)
{
    return addTimer(std::chrono::steady_clock::now() + delay, std::move(callback));
}

void EventLoop::cancelTimer(TimerId id)
{
    const auto found = state_->timerDeadlines.find(static_cast<std::uint64_t>(id));
    if (found == state_->timerDeadlines.end()) {
        return;
    }
    state_->timers.erase(State::TimerKey{found->second, found->first});
    state_->timerDeadlines.erase(found);
}

Result<void> EventLoop::State::armTimerFd()
{
    std::optional<SteadyTime> wanted;
    if (!timers.empty()) {
        wanted = timers.begin()->first.first;
    }
    if (wanted == armedDeadline) {
        return Ok{};
    }
    itimerspec spec{};
    if (wanted) {
        // steady_clock is CLOCK_MONOTONIC on Linux; an all-zero it_value would disarm, so clamp to 1 ns.
        const auto sinceEpoch = std::chrono::duration_cast<std::chrono::nanoseconds>(wanted->time_since_epoch());
        const auto nanoseconds = std::max<std::int64_t>(sinceEpoch.count(), 1);
        spec.it_value.tv_sec = static_cast<time_t>(nanoseconds / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(nanoseconds % 1'000'000'000);
    }
    if (::timerfd_settime(timerFd.get(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0) {
        return errnoError("arm timerfd", errno);
    }
    armedDeadline = wanted;
    return Ok{};
}

void EventLoop::State::fireDueTimers()
{
    std::uint64_t expirations = 0;
    // Only drains the readiness; the timer map, not the count, says what is due.
    [[maybe_unused]] const ssize_t drained = ::read(timerFd.get(), &expirations, sizeof expirations);
    armedDeadline.reset();

    // Fire only what was due when we looked, so a callback re-adding a zero-delay timer cannot starve fds.
    const SteadyTime now = std::chrono::steady_clock::now();
    std::vector<TimerKey> due;
    for (auto it = timers.begin(); it != timers.end() && it->first.first <= now; ++it) {
        due.push_back(it->first);
    }
    for (const TimerKey& key : due) {
        if (stopRequested) {
            return;
        }
        auto node = timers.extract(key);
        if (node.empty()) {
            continue; // cancelled by an earlier callback of this batch
        }
        timerDeadlines.erase(key.second);
        node.mapped()();
    }
}

void EventLoop::State::dispatch(std::uint64_t key, std::uint32_t events)
{
    if (key == kTimerFdKey) {
        fireDueTimers();
        return;
    }
    const auto found = watches.find(key);
    if (found == watches.end()) {
        return; // removed by an earlier callback of this batch
    }
    const std::shared_ptr<Handler> handler = found->second.handler;
    (*handler)(events);
}

Result<void> EventLoop::runOnce(std::chrono::milliseconds timeout)
{
    if (auto armed = state_->armTimerFd(); !armed) {
        return armed;
    }
    std::array<epoll_event, kMaxEventsPerBatch> events{};
    const int timeoutMs = static_cast<int>(std::min<std::int64_t>(timeout.count(), std::numeric_limits<int>::max()));
    const int count = ::epoll_wait(state_->epoll.get(), events.data(), kMaxEventsPerBatch, timeoutMs);
    if (count < 0) {
        if (errno == EINTR) {
            return Ok{};
        }
        return errnoError("wait for events", errno);
    }
    for (int i = 0; i < count && !state_->stopRequested; ++i) {
        std::unique_lock<std::mutex> held;
        if (state_->dispatchLock != nullptr) {
            held = std::unique_lock<std::mutex>(*state_->dispatchLock);
        }
        state_->dispatch(events[static_cast<std::size_t>(i)].data.u64, events[static_cast<std::size_t>(i)].events);
    }
    return Ok{};
}

Result<void> EventLoop::run()
{
    while (!state_->stopRequested) {
        if (auto result = runOnce(std::chrono::milliseconds(-1)); !result) {
            return result;
        }
    }
    // Cleared on the way out, not on the way in: a stop() issued before run() still takes effect.
    state_->stopRequested = false;
    return Ok{};
}

void EventLoop::setDispatchLock(std::mutex* mutex)
{
    state_->dispatchLock = mutex;
}

void EventLoop::stop()
{
    state_->stopRequested = true;
}

std::size_t EventLoop::watchCount() const
{
    return state_->watches.size();
}

std::size_t EventLoop::timerCount() const
{
    return state_->timers.size();
}

} // namespace hostgate
