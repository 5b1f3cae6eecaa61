// SPDX-License-Identifier: GPL-3.0-or-later
// ServiceNotifier: what hostgated tells systemd through sd_notify (ready, stopping, watchdog keep-alives).
#pragma once

#include "service/event_loop.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace hostgate {

// Talks to the service manager when it asked to be told (NOTIFY_SOCKET, WATCHDOG_USEC in the environment,
// as systemd sets them for Type=notify and WatchdogSec=); without them every call does nothing, so the daemon
// runs the same by hand, in tests and under systemd.
class ServiceNotifier {
public:
    // Reads the environment once; the variables stay set (the tools the daemon runs never see them anyway:
    // it execs them with a fixed environment).
    static ServiceNotifier fromEnvironment();

    // True when a notification socket was given.
    bool enabled() const { return enabled_; }
    // How often the service manager wants a keep-alive: half its watchdog timeout, as sd_watchdog_enabled(3)
    // advises; none when no watchdog is set for this process.
    std::optional<std::chrono::microseconds> keepAliveInterval() const { return keepAliveInterval_; }

    // READY=1 with a STATUS= line: the firewall enforces. Errors are returned, not logged, so the caller
    // logs them once.
    Result<void> ready(std::string_view status) const;
    // STOPPING=1: the orderly stop has begun.
    Result<void> stopping(std::string_view status) const;
    // WATCHDOG=1.
    Result<void> keepAlive() const;

private:
    bool enabled_ = false;
    std::optional<std::chrono::microseconds> keepAliveInterval_;
};

// Sends a keep-alive every keepAliveInterval() from `loop`, so a loop that stops dispatching (a handler stuck
// or spinning) stops them and the service manager restarts the daemon. Does nothing without a watchdog.
// `onError` is called for a failed send (e.g. to log it); the keep-alives go on.
void startKeepAlives(EventLoop& loop, const ServiceNotifier& notifier, std::function<void(const Error&)> onError);

} // namespace hostgate
