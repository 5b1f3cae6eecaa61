// SPDX-License-Identifier: GPL-3.0-or-later
// ServiceNotifier: sd_notify(3) and sd_watchdog_enabled(3) from libsystemd.
#include "service/service_notifier.h"

#include "util/errno_error.h"

#include <systemd/sd-daemon.h>

#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace hostgate {

namespace {

Result<void> notify(const std::string& message)
{
    // unset_environment = 0: later notifications (keep-alives, STOPPING=1) need the socket's name again.
    const int sent = ::sd_notify(0, message.c_str());
    if (sent < 0)
        return Error(fmt::format("Failed to notify the service manager: {}", errnoText(-sent)));
    return Ok{};
}

} // namespace

ServiceNotifier ServiceNotifier::fromEnvironment()
{
    ServiceNotifier notifier;
    const char* socket = std::getenv("NOTIFY_SOCKET");
    notifier.enabled_ = socket != nullptr && *socket != '\0';
    std::uint64_t timeoutUsec = 0;
    // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, names this process.
    if (::sd_watchdog_enabled(0, &timeoutUsec) > 0 && timeoutUsec > 0)
        notifier.keepAliveInterval_ = std::chrono::microseconds(timeoutUsec / 2);
    return notifier;
}

Result<void> ServiceNotifier::ready(std::string_view status) const
{
    if (!enabled_)
        return Ok{};
    return notify(fmt::format("READY=1\nSTATUS={}", status));
}

Result<void> ServiceNotifier::stopping(std::string_view status) const
{
    if (!enabled_)
        return Ok{};
    return notify(fmt::format("STOPPING=1\nSTATUS={}", status));
}

Result<void> ServiceNotifier::keepAlive() const
{
    if (!enabled_)
        return Ok{};
    return notify("WATCHDOG=1");
}

void startKeepAlives(EventLoop& loop, const ServiceNotifier& notifier, std::function<void(const Error&)> onError)
{
    if (!notifier.enabled() || !notifier.keepAliveInterval())
        return;
    const auto interval = *notifier.keepAliveInterval();
    // A re-arming one-shot timer (the loop has no periodic ones); it lives as long as the loop runs.
    auto tick = std::make_shared<std::function<void()>>();
    *tick = [&loop, notifier, interval, onError = std::move(onError), weak = std::weak_ptr(tick)] {
        if (auto sent = notifier.keepAlive(); !sent && onError)
            onError(sent.error());
        if (auto self = weak.lock())
            loop.addTimer(interval, [self] { (*self)(); });
    };
    // The first one at once: the time until now (start-up) already counted against the watchdog.
    loop.addTimer(std::chrono::steady_clock::duration::zero(), [tick] { (*tick)(); });
}

} // namespace hostgate
