// SPDX-License-Identifier: GPL-3.0-or-later
// Accept-and-close TCP server for the connection benchmark: listens on a range of ports of one address.
#include "util/unique_fd.h"

#include <fmt/core.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {
namespace {

struct ServerOptions {
    in_addr address{};
    std::uint16_t firstPort = 0;
    std::uint16_t lastPort = 0;
};

[[noreturn]] void fail(const std::string& message)
{
    fmt::print(stderr, "tcp_server: {}\n", message);
    std::exit(1);
}

std::optional<std::uint16_t> parsePort(std::string_view text)
{
    const std::string copy(text);
    char* end = nullptr;
    const long value = std::strtol(copy.c_str(), &end, 10);
    if (copy.empty() || *end != '\0' || value < 1 || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

ServerOptions parseOptions(int argc, char** argv)
{
    ServerOptions options;
    bool haveAddress = false;
    bool havePorts = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view name = argv[i];
        const std::string_view value = argv[i + 1];
        if (name == "--address") {
            haveAddress = inet_pton(AF_INET, argv[i + 1], &options.address) == 1;
            if (!haveAddress)
                fail(fmt::format("Invalid address '{}'", value));
        } else if (name == "--ports") {
            const auto dash = value.find('-');
            const auto first = parsePort(value.substr(0, dash));
            const auto last = dash == std::string_view::npos ? first : parsePort(value.substr(dash + 1));
            if (!first || !last || *last < *first)
                fail(fmt::format("Invalid port range '{}' (expected FIRST or FIRST-LAST)", value));
            options.firstPort = *first;
            options.lastPort = *last;
            havePorts = true;
        } else {
            fail(fmt::format("Unknown option '{}'", name));
        }
    }
    if (!haveAddress || !havePorts || argc % 2 != 1)
        fail("usage: tcp_server --address IPV4 --ports FIRST[-LAST]");
    return options;
}

void raiseFileLimit(std::size_t needed)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed)
        return;
    limit.rlim_cur = std::max<rlim_t>(needed, limit.rlim_cur);
    limit.rlim_max = std::max(limit.rlim_max, limit.rlim_cur);
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        fail(fmt::format("Failed to raise the open file limit to {}: {}", needed, std::strerror(errno)));
}

UniqueFd listenOn(in_addr address, std::uint16_t port)
{
    UniqueFd socketFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socketFd.valid())
        fail(fmt::format("Failed to create socket: {}", std::strerror(errno)));
    const int on = 1;
    setsockopt(socketFd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr = address;
    local.sin_port = htons(port);
    if (::bind(socketFd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
        fail(fmt::format("Failed to bind port {}: {}", port, std::strerror(errno)));
    // A deep backlog so a burst of connects never waits for us to be scheduled.
    if (::listen(socketFd.get(), 4096) != 0)
        fail(fmt::format("Failed to listen on port {}: {}", port, std::strerror(errno)));
    return socketFd;
}

// Closing at once keeps the client's measurement to the handshake; the client resets its side, so
// neither end accumulates TIME_WAIT sockets.
void acceptAndCloseAll(int listener)
{
    for (;;) {
        const int connection = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; // EAGAIN: drained
        }
        ::close(connection);
    }
}

int serve(const ServerOptions& options)
{
    const std::size_t portCount = std::size_t{options.lastPort} - options.firstPort + 1;
    raiseFileLimit(portCount + 64);

    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll.valid())
        fail(fmt::format("Failed to create epoll: {}", std::strerror(errno)));
    std::vector<UniqueFd> listeners;
    listeners.reserve(portCount);
    for (std::uint32_t port = options.firstPort; port <= options.lastPort; ++port) {
        listeners.push_back(listenOn(options.address, static_cast<std::uint16_t>(port)));
        epoll_event interest{};
        interest.events = EPOLLIN;
        interest.data.fd = listeners.back().get();
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, interest.data.fd, &interest) != 0)
            fail(fmt::format("Failed to watch port {}: {}", port, std::strerror(errno)));
    }
    // The driver waits for this line instead of polling the ports.
    fmt::print("listening {} ports\n", portCount);
    std::fflush(stdout);

    std::vector<epoll_event> ready(64);
    for (;;) {
        const int count = ::epoll_wait(epoll.get(), ready.data(), static_cast<int>(ready.size()), -1);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            fail(fmt::format("Failed to wait for connections: {}", std::strerror(errno)));
        }
        for (int i = 0; i < count; ++i)
            acceptAndCloseAll(ready[static_cast<std::size_t>(i)].data.fd);
    }
}

} // namespace
} // namespace hostgate

int main(int argc, char** argv)
{
    return hostgate::serve(hostgate::parseOptions(argc, argv));
}
