// SPDX-License-Identifier: GPL-3.0-or-later
// Finds the local socket behind a queued packet with NETLINK_SOCK_DIAG (inet_diag exact lookup).
#pragma once

#include "capture/packet.h"
#include "util/result.h"

#include <cstdint>
#include <memory>

struct mnl_socket;

namespace hostgate {

struct SocketInfo {
    std::uint64_t cookie = 0; // equals getsockopt(SO_COOKIE) and bpf_get_socket_cookie()
    std::uint32_t uid = 0;
    std::uint64_t inode = 0; // the socket inode, as in /proc/PID/fd/N -> socket:[inode]
};

// One netlink socket reused for every lookup. Lookups run in the namespace the socket was opened in.
class SockDiag {
public:
    static Result<SockDiag> open();

    // `outgoing` is the tuple of a packet the local socket sent (src = local end, dst = remote end).
    // TCP: exact lookup of the connection (also in SYN_SENT, while its first packet is queued).
    // UDP: the kernel's receive lookup, so connected sockets and unconnected ones (bound to a
    // wildcard or specific address) are both found, preferring the most specific like delivery does.
    Result<SocketInfo> lookup(const FiveTuple& outgoing);
    // Closes the local TCP socket of `outgoing` (SOCK_DESTROY: the kernel's tcp_abort), which resets the
    // connection towards the peer too and fails the application's next call with ECONNABORTED.
    Result<void> destroy(const FiveTuple& outgoing);

private:
    struct Closer {
        void operator()(mnl_socket* socket) const;
    };
    explicit SockDiag(std::unique_ptr<mnl_socket, Closer> socket) : socket_(std::move(socket)) {}

    Result<SocketInfo> query(const FiveTuple& outgoing, bool swapEnds, bool destroy = false);

    std::unique_ptr<mnl_socket, Closer> socket_;
    std::uint32_t sequence_ = 0;
};

} // namespace hostgate
