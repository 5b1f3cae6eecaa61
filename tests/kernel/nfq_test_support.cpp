// SPDX-License-Identifier: GPL-3.0-or-later
// Private network namespace and socket helpers for the nfqueue/firewall kernel tests.
#include "nfq_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <regex>
#include <sstream>

namespace hostgate::test {

namespace {

sockaddr_storage socketAddress(const std::string& address, std::uint16_t port, socklen_t& length)
{
    sockaddr_storage storage{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        length = sizeof(sockaddr_in);
    } else {
        inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        length = sizeof(sockaddr_in6);
    }
    return storage;
}

} // namespace

std::string enterPrivateNetworkNamespace()
{
    if (geteuid() != 0)
        return "kernel tests must run as root (they create a network namespace and firewall rules)";
    if (unshare(CLONE_NEWNET) != 0)
        return std::string("unshare(CLONE_NEWNET) failed: ") + std::strerror(errno);
    const char* setup[] = {
        "ip link set lo up",
        "ip addr add 198.51.100.1/32 dev lo",
        "ip addr add 198.51.100.10/32 dev lo",
        "ip addr add 198.51.100.53/32 dev lo",
        "ip -6 addr add 2001:db8::1/128 dev lo nodad",
        "ip -6 addr add 2001:db8::10/128 dev lo nodad",
    };
    for (const char* command : setup) {
        if (auto [ok, output] = runCommand(command); !ok)
            return std::string("'") + command + "' failed: " + output;
    }
    return {};
}

std::pair<bool, std::string> runCommand(const std::string& commandLine)
{
    FILE* pipe = popen((commandLine + " 2>&1").c_str(), "r");
    if (!pipe)
        return {false, "popen failed"};
    std::string output;
    std::array<char, 4096> chunk;
    while (const std::size_t n = fread(chunk.data(), 1, chunk.size(), pipe))
        output.append(chunk.data(), n);
    const int status = pclose(pipe);
    return {status == 0, output};
}

std::string savedRules(bool ipv6)
{
    const auto [ok, output] = runCommand(ipv6 ? "ip6tables-nft-save" : "iptables-nft-save");
    if (!ok)
        return "ERROR: " + output;
    static const std::regex counters(R"( \[\d+:\d+\])");
    std::istringstream lines(output);
    std::string line;
    std::string normalized;
    while (std::getline(lines, line)) {
        if (!line.starts_with('#'))
            normalized += std::regex_replace(line, counters, "") + "\n";
    }
    return normalized;
}

Socket& Socket::operator=(Socket&& other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0)
            close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

Socket::~Socket()
{
    if (fd_ >= 0)
        close(fd_);
}

Socket boundSocket(int type, const std::string& address, std::uint16_t port)
{
    socklen_t length = 0;
    const sockaddr_storage local = socketAddress(address, port, length);
    Socket socket(::socket(local.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int reuse = 1;
    setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    if (bind(socket.fd(), reinterpret_cast<const sockaddr*>(&local), length) != 0)
        return Socket();
    return socket;
}

Socket listeningTcpSocket(const std::string& address, std::uint16_t port)
{
    Socket socket = boundSocket(SOCK_STREAM, address, port);
    if (socket.fd() >= 0 && listen(socket.fd(), 16) != 0)
        return Socket();
    return socket;
}

bool startConnect(const Socket& socket, const std::string& address, std::uint16_t port)
{
    socklen_t length = 0;
    const sockaddr_storage remote = socketAddress(address, port, length);
    return connect(socket.fd(), reinterpret_cast<const sockaddr*>(&remote), length) == 0 || errno == EINPROGRESS;
}

bool setMark(const Socket& socket, std::uint32_t mark)
{
    return setsockopt(socket.fd(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) == 0;
}

std::uint16_t localPort(const Socket& socket)
{
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&local), &length);
    return local.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port)
                                      : ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
}

std::uint64_t socketCookie(const Socket& socket)
{
    std::uint64_t cookie = 0;
    socklen_t length = sizeof cookie;
    getsockopt(socket.fd(), SOL_SOCKET, SO_COOKIE, &cookie, &length);
    return cookie;
}

short waitFor(int fd, short events, int timeoutMs)
{
    pollfd polled{fd, events, 0};
    while (poll(&polled, 1, timeoutMs) < 0) {
        if (errno != EINTR)
            return POLLERR;
    }
    return polled.revents;
}

int socketError(const Socket& socket)
{
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
    return error;
}

} // namespace hostgate::test
