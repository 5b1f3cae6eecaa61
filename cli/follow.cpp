// SPDX-License-Identifier: GPL-3.0-or-later
// `hostgatectl connections --follow`: prints ConnectionEvent signals as they come until SIGINT/SIGTERM.
#include "command_runner.h"

#include "firewall_client.h"
#include "output.h"
#include "requests.h"
#include "util/errno_error.h"
#include "util/unique_fd.h"

#include <fmt/format.h>

#include <poll.h>
#include <sys/signalfd.h>
#include <time.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace hostgate::ctl {
namespace {

// Blocks SIGINT and SIGTERM and returns a signalfd that reports them: the loop sees them as events
// instead of being interrupted at an arbitrary point.
Result<UniqueFd> stopSignals()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
        return Error(fmt::format("Failed to block SIGINT and SIGTERM: {}", errnoText(errno)));
    }
    UniqueFd fd(signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) {
        return Error(fmt::format("Failed to create a signalfd: {}", errnoText(errno)));
    }
    return fd;
}

} // namespace

ExitStatus followConnections(const Command& command, sdbus::IConnection& connection)
{
    auto filter = connectionFilter(command.connections, Clock::now());
    if (!filter) {
        std::cerr << errorLine(ExitStatus::Invalid, filter.error().describe()) << '\n';
        return ExitStatus::Invalid;
    }
    auto signals = stopSignals();
    if (!signals) {
        std::cerr << errorLine(ExitStatus::Failure, signals.error().describe()) << '\n';
        return ExitStatus::Failure;
    }
    FirewallClient client(connection);
    // Signals are broadcast, but the log is protected (org.hostgate.read-log): asking the daemon for it
    // first refuses unauthorized callers the same way `connections` without --follow does.
    (void)client.listConnections(1, toVariantMap(*filter));

    const nlohmann::json& eventFilter = *filter;
    const bool json = command.json;
    client.listenForConnectionEvents([&eventFilter, json](const VariantMap& record) {
        const nlohmann::json event = toJson(record);
        if (!eventMatches(event, eventFilter)) {
            return;
        }
        const std::string line = json ? renderJson(withIsoTimes(event), true) : renderConnectionLine(event);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
    });
    // The match rule is in place once listenForConnectionEvents returns: from here on no event is missed.
    std::cerr << "hostgatectl: following connection events (interrupt to stop)" << std::endl;

    for (;;) {
        while (connection.processPendingRequest()) {
        }
        const sdbus::IConnection::PollData bus = connection.getEventLoopPollData();
        pollfd fds[2] = {{bus.fd, bus.events, 0}, {signals->get(), POLLIN, 0}};
        if (poll(fds, 2, bus.getPollTimeout()) < 0 && errno != EINTR) {
            std::cerr << errorLine(ExitStatus::Failure, fmt::format("Failed to wait for events: {}", errnoText(errno)))
                      << '\n';
            return ExitStatus::Failure;
        }
        if ((fds[1].revents & POLLIN) != 0) {
            return ExitStatus::Ok;
        }
    }
}

} // namespace hostgate::ctl
