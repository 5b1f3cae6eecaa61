// SPDX-License-Identifier: GPL-3.0-or-later
// Fixtures for the nfqueue/firewall kernel tests: a private network namespace for the whole test binary and
// small socket helpers.
#pragma once

// Standard headers first: moc 6.4 fails to parse <compare> when it is the first standard header it meets.
#include <cstdint>
#include <string>
#include <utility>

namespace hostgate::test {

// Addresses on lo inside the private namespace; nothing leaves it.
inline constexpr const char* clientV4 = "198.51.100.1";
inline constexpr const char* serverV4 = "198.51.100.10";
inline constexpr const char* dnsServerV4 = "198.51.100.53";
inline constexpr const char* clientV6 = "2001:db8::1";
inline constexpr const char* serverV6 = "2001:db8::10";

// Moves the calling process (call it first in main(), before any thread exists) into a fresh network
// namespace with lo up and the addresses above; the namespace disappears with the process, firewall rules
// included. Returns an empty string on success, else why it failed (e.g. not root): the tests then fail.
std::string enterPrivateNetworkNamespace();

// Runs a shell command line inside the current namespace; returns its stdout, or a failure text.
std::pair<bool, std::string> runCommand(const std::string& commandLine);

// The ruleset as iptables-save/ip6tables-save prints it, without comments and packet counters, so two
// snapshots compare equal when the rules are the same.
std::string savedRules(bool ipv6);

class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Socket& operator=(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket();
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

// A non-blocking socket of `type` (SOCK_STREAM/SOCK_DGRAM) bound to address:port (0 = any port).
Socket boundSocket(int type, const std::string& address, std::uint16_t port);
Socket listeningTcpSocket(const std::string& address, std::uint16_t port);
// Starts a non-blocking connect; true when it completed at once or is in progress.
bool startConnect(const Socket& socket, const std::string& address, std::uint16_t port);
bool setMark(const Socket& socket, std::uint32_t mark);
std::uint16_t localPort(const Socket& socket);
std::uint64_t socketCookie(const Socket& socket);
// poll() for `events`; returns the revents, 0 on timeout. The timeout is only an upper bound.
short waitFor(int fd, short events, int timeoutMs);
int socketError(const Socket& socket);

} // namespace hostgate::test
