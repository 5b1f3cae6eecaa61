// SPDX-License-Identifier: GPL-3.0-or-later
// SignalSource: reads queued signals from a signalfd on the EventLoop and calls the daemon's handlers.
#include "service/signals.h"

#include "util/errno_error.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <optional>

#include <unistd.h>

namespace hostgate {

namespace {

sigset_t daemonSignals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

} // namespace

Result<void> blockDaemonSignals()
{
    const sigset_t set = daemonSignals();
    if (const int error = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); error != 0) {
        return Error(fmt::format("Failed to block signals: {}", errnoText(error)));
    }
    return Ok{};
}

struct SignalSource::State {
    EventLoop* loop = nullptr;
    SignalHandlers handlers;
    UniqueFd fd;
    std::optional<WatchId> watch;

    ~State()
    {
        if (watch) {
            loop->unwatch(*watch);
        }
    }

    void drain()
    {
        signalfd_siginfo info{};
        // Several signals may be pending at once; take them all before epoll reports again.
        while (::read(fd.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            const int signal = static_cast<int>(info.ssi_signo);
            if (signal == SIGHUP) {
                if (handlers.reload) {
                    handlers.reload();
                }
            } else if (handlers.terminate) {
                handlers.terminate(signal);
            }
        }
    }
};

Result<SignalSource> SignalSource::create(EventLoop& loop, SignalHandlers handlers)
{
    if (auto blocked = blockDaemonSignals(); !blocked) {
        return blocked.error();
    }
    auto state = std::make_unique<State>();
    state->loop = &loop;
    state->handlers = std::move(handlers);
    const sigset_t set = daemonSignals();
    state->fd.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!state->fd) {
        return Error(fmt::format("Failed to create signalfd: {}", errnoText(errno)));
    }
    State* raw = state.get();
    auto watch = loop.watchFd(state->fd.get(), EPOLLIN, [raw](std::uint32_t) { raw->drain(); });
    if (!watch) {
        return watch.error();
    }
    state->watch = *watch;
    return SignalSource(std::move(state));
}

SignalSource::SignalSource(std::unique_ptr<State> state) : state_(std::move(state)) {}
SignalSource::SignalSource(SignalSource&&) noexcept = default;
SignalSource& SignalSource::operator=(SignalSource&&) noexcept = default;
SignalSource::~SignalSource() = default;

} // namespace hostgate
