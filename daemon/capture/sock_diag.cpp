// SPDX-License-Identifier: GPL-3.0-or-later
// NETLINK_SOCK_DIAG exact lookups: one inet_diag_req_v2 per queued packet, answered with inet_diag_msg.
#include "capture/sock_diag.h"
#include "util/errno_error.h"

// glibc's socket headers first: the linux/ uapi headers then skip their clashing definitions.
#include <netinet/in.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace hostgate {

namespace {

void copyAddress(const IpAddress& address, __be32 (&target)[4])
{
    std::memcpy(target, address.bytes().data(), address.isV4() ? 4 : 16);
}

} // namespace

void SockDiag::Closer::operator()(mnl_socket* socket) const
{
    mnl_socket_close(socket);
}

Result<SockDiag> SockDiag::open()
{
    std::unique_ptr<mnl_socket, Closer> socket(mnl_socket_open(NETLINK_SOCK_DIAG));
    if (!socket)
        return Error("Failed to open sock_diag netlink socket: " + errnoText(errno));
    if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        return Error("Failed to bind sock_diag netlink socket: " + errnoText(errno));
    return SockDiag(std::move(socket));
}

Result<SocketInfo> SockDiag::lookup(const FiveTuple& outgoing)
{
    // TCP looks the connection up from the socket's point of view (src = local), but udp_dump_one() runs
    // the receive-path lookup __udp4/6_lib_lookup(saddr = remote, daddr = local), so UDP needs the ends
    // swapped. That receive-path lookup is also what makes unconnected UDP sockets findable.
    return query(outgoing, outgoing.proto == Protocol::Udp);
}

Result<void> SockDiag::destroy(const FiveTuple& outgoing)
{
    if (outgoing.proto != Protocol::Tcp)
        return Error("Failed to close socket: only TCP sockets are closed this way");
    if (auto closed = query(outgoing, false, true); !closed)
        return closed.error();
    return Ok{};
}

Result<SocketInfo> SockDiag::query(const FiveTuple& outgoing, bool swapEnds, bool destroy)
{
    if (outgoing.proto != Protocol::Tcp && outgoing.proto != Protocol::Udp)
        return Error("Failed to look up socket: the protocol must be TCP or UDP");
    if (outgoing.src.family() != outgoing.dst.family())
        return Error("Failed to look up socket: source and destination address families differ");

    alignas(nlmsghdr) std::array<char, 8192> buffer{};
    nlmsghdr* request = mnl_nlmsg_put_header(buffer.data());
    request->nlmsg_type = destroy ? SOCK_DESTROY : SOCK_DIAG_BY_FAMILY;
    request->nlmsg_flags = destroy ? NLM_F_REQUEST | NLM_F_ACK : NLM_F_REQUEST;
    request->nlmsg_seq = ++sequence_;
    auto* diag = static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(request, sizeof(inet_diag_req_v2)));
    diag->sdiag_family = outgoing.src.isV4() ? AF_INET : AF_INET6;
    diag->sdiag_protocol = outgoing.proto == Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP;
    diag->idiag_states = ~0u;
    const IpAddress& first = swapEnds ? outgoing.dst : outgoing.src;
    const IpAddress& second = swapEnds ? outgoing.src : outgoing.dst;
    diag->id.idiag_sport = htons(swapEnds ? outgoing.dport : outgoing.sport);
    diag->id.idiag_dport = htons(swapEnds ? outgoing.sport : outgoing.dport);
    copyAddress(first, diag->id.idiag_src);
    copyAddress(second, diag->id.idiag_dst);
    diag->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    diag->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

    if (mnl_socket_sendto(socket_.get(), request, request->nlmsg_len) < 0)
        return Error("Failed to send sock_diag request: " + errnoText(errno));

    // An exact lookup answers with exactly one message: the socket, or an error (ENOENT when none).
    for (;;) {
        const ssize_t received = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
        if (received < 0)
            return Error("Failed to receive sock_diag reply: " + errnoText(errno));
        int remaining = static_cast<int>(received);
        for (const auto* reply = reinterpret_cast<const nlmsghdr*>(buffer.data()); mnl_nlmsg_ok(reply, remaining);
             reply = mnl_nlmsg_next(reply, &remaining)) {
            if (reply->nlmsg_seq != sequence_)
                continue; // a late answer to an earlier request that failed on our side
            if (reply->nlmsg_type == NLMSG_ERROR) {
                const auto* failure = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(reply));
                if (destroy && failure->error == 0)
                    return SocketInfo{};
                if (failure->error == -ENOENT)
                    return Error("Failed to look up socket: no socket matches the packet");
                return Error("Failed to look up socket: " + errnoText(-failure->error));
            }
            if (reply->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(reply) < sizeof(inet_diag_msg))
                return Error("Failed to look up socket: unexpected reply from the kernel");
            const auto* message = static_cast<const inet_diag_msg*>(mnl_nlmsg_get_payload(reply));
            SocketInfo info;
            info.cookie = static_cast<std::uint64_t>(message->id.idiag_cookie[1]) << 32 | message->id.idiag_cookie[0];
            info.uid = message->idiag_uid;
            info.inode = message->idiag_inode;
            return info;
        }
    }
}

} // namespace hostgate
