// SPDX-License-Identifier: GPL-3.0-or-later
// nfqueue over libmnl: binding and configuring a queue, parsing NFQNL_MSG_PACKET, sending verdicts.
#include "capture/nfqueue.h"
#include "util/errno_error.h"

// glibc's socket headers first: the linux/ uapi headers then skip their clashing definitions.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string>
#include <system_error>

namespace hostgate {

namespace {

// Room for netlink messages without a packet (MNL_SOCKET_BUFFER_SIZE is a sysconf() call, not a constant).
constexpr std::size_t messageBufferSize = 8192;
// Large enough for one packet at the full copy range plus the netlink and nfqueue attributes around it.
constexpr std::size_t receiveBufferSize = 0xffff + messageBufferSize;
// Bursts of DNS answers arrive faster than a busy loop may read them; a larger buffer avoids ENOBUFS.
constexpr int socketReceiveBufferBytes = 4 * 1024 * 1024;
constexpr std::uint32_t copyRange = 0xffff;

std::optional<QueuedPacketView> parsePacketView(const nlmsghdr* message)
{
    nlattr* attributes[NFQA_MAX + 1] = {};
    if (nfq_nlmsg_parse(message, attributes) < 0 || !attributes[NFQA_PACKET_HDR])
        return std::nullopt;
    if (mnl_attr_get_payload_len(attributes[NFQA_PACKET_HDR]) < sizeof(nfqnl_msg_packet_hdr))
        return std::nullopt;
    const auto* header = static_cast<const nfqnl_msg_packet_hdr*>(mnl_attr_get_payload(attributes[NFQA_PACKET_HDR]));
    const auto* generic = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(message));

    QueuedPacketView packet;
    packet.id = ntohl(header->packet_id);
    packet.queue = ntohs(generic->res_id);
    packet.hook = header->hook;
    if (attributes[NFQA_MARK])
        packet.mark = ntohl(mnl_attr_get_u32(attributes[NFQA_MARK]));
    if (attributes[NFQA_UID])
        packet.uid = ntohl(mnl_attr_get_u32(attributes[NFQA_UID]));
    if (attributes[NFQA_GID])
        packet.gid = ntohl(mnl_attr_get_u32(attributes[NFQA_GID]));
    if (attributes[NFQA_PAYLOAD])
        packet.payload = {static_cast<const std::uint8_t*>(mnl_attr_get_payload(attributes[NFQA_PAYLOAD])),
                          mnl_attr_get_payload_len(attributes[NFQA_PAYLOAD])};
    return packet;
}

QueuedPacket ownedCopy(const QueuedPacketView& view)
{
    return {view.id, view.queue, view.mark, view.hook, view.uid, view.gid, {view.payload.begin(), view.payload.end()}};
}

// Walks one received netlink datagram: refused verdicts go into `summary`, queued packets to `onPacket`.
void dispatchMessages(const char* data, std::size_t length, std::uint16_t queueNum, ReceiveSummary& summary,
                      const std::function<void(const QueuedPacketView&)>& onPacket)
{
    int remaining = static_cast<int>(length);
    for (const auto* message = reinterpret_cast<const nlmsghdr*>(data); mnl_nlmsg_ok(message, remaining);
         message = mnl_nlmsg_next(message, &remaining)) {
        if (message->nlmsg_type == NLMSG_ERROR) {
            const auto* failure = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(message));
            if (failure->error != 0)
                summary.rejectedVerdicts.emplace_back("Failed to set verdict on packet " +
                                                      std::to_string(failure->msg.nlmsg_seq) + " of nfqueue " +
                                                      std::to_string(queueNum) + ": " + errnoText(-failure->error));
            continue;
        }
        if (message->nlmsg_type != (NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET))
            continue;
        if (const auto packet = parsePacketView(message)) {
            ++summary.packets;
            onPacket(*packet);
        }
    }
}

// Sends the configuration with NLM_F_ACK and waits for the kernel's answer, so open() reports e.g. EPERM
// or a queue bound by another process. Packets may be queued to us before the answer arrives; they are
// kept in `early` rather than lost (a lost packet would stay held until the queue closes).
Result<void> sendConfig(mnl_socket* socket, nlmsghdr* message, std::vector<QueuedPacket>& early)
{
    constexpr std::uint32_t sequence = 1;
    message->nlmsg_flags |= NLM_F_ACK;
    message->nlmsg_seq = sequence;
    if (mnl_socket_sendto(socket, message, message->nlmsg_len) < 0)
        return Error(errnoText(errno));
    std::vector<char> answer(receiveBufferSize);
    for (;;) {
        const ssize_t received = recv(mnl_socket_get_fd(socket), answer.data(), answer.size(), 0);
        if (received < 0) {
            if (errno == EINTR || errno == ENOBUFS)
                continue;
            return Error(errnoText(errno));
        }
        int remaining = static_cast<int>(received);
        for (const auto* reply = reinterpret_cast<const nlmsghdr*>(answer.data()); mnl_nlmsg_ok(reply, remaining);
             reply = mnl_nlmsg_next(reply, &remaining)) {
            if (reply->nlmsg_type == NLMSG_ERROR && reply->nlmsg_seq == sequence) {
                const auto* failure = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(reply));
                if (failure->error != 0)
                    return Error(errnoText(-failure->error));
                return {};
            }
            if (const auto packet = parsePacketView(reply))
                early.push_back(ownedCopy(*packet));
        }
    }
}

} // namespace

void NfQueue::Closer::operator()(mnl_socket* socket) const
{
    // Closing the socket unbinds the queue; the kernel drops whatever was still held.
    mnl_socket_close(socket);
}

NfQueue::NfQueue(std::unique_ptr<mnl_socket, Closer> socket, std::uint16_t queueNum)
    : socket_(std::move(socket)), queueNum_(queueNum), receiveBuffer_(receiveBufferSize)
{}

Result<NfQueue> NfQueue::open(std::uint16_t queueNum, std::uint32_t maxLen, bool failOpen)
{
    const std::string queueName = "nfqueue " + std::to_string(queueNum);
    std::unique_ptr<mnl_socket, Closer> socket(mnl_socket_open(NETLINK_NETFILTER));
    if (!socket)
        return Error("Failed to open netlink socket for " + queueName + ": " + errnoText(errno));
    if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        return Error("Failed to bind netlink socket for " + queueName + ": " + errnoText(errno));
    const int fd = mnl_socket_get_fd(socket.get());
    // SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the daemon has; fall back to the capped variant.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &socketReceiveBufferBytes, sizeof socketReceiveBufferBytes) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &socketReceiveBufferBytes, sizeof socketReceiveBufferBytes);
    // Report overruns as ENOBUFS (the default) instead of silently losing messages.

    // Bind, copy mode, length and flags in one message: the kernel applies them in that order.
    alignas(nlmsghdr) std::array<char, messageBufferSize> buffer{};
    nlmsghdr* message = nfq_nlmsg_put(buffer.data(), NFQNL_MSG_CONFIG, queueNum);
    nfq_nlmsg_cfg_put_cmd(message, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
    nfq_nlmsg_cfg_put_params(message, NFQNL_COPY_PACKET, copyRange);
    nfq_nlmsg_cfg_put_qmaxlen(message, maxLen);
    std::uint32_t flags = NFQA_CFG_F_UID_GID | NFQA_CFG_F_GSO;
    if (failOpen)
        flags |= NFQA_CFG_F_FAIL_OPEN;
    const std::uint32_t mask = NFQA_CFG_F_UID_GID | NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN;
    mnl_attr_put_u32(message, NFQA_CFG_FLAGS, htonl(flags));
    mnl_attr_put_u32(message, NFQA_CFG_MASK, htonl(mask));
    std::vector<QueuedPacket> early;
    if (auto configured = sendConfig(socket.get(), message, early); !configured)
        return Error("Failed to bind " + queueName + ": " + configured.error().message);

    NfQueue queue(std::move(socket), queueNum);
    queue.early_ = std::move(early);
    return queue;
}

int NfQueue::fd() const
{
    return mnl_socket_get_fd(socket_.get());
}

Result<ReceiveSummary> NfQueue::receive(const std::function<void(QueuedPacket&&)>& onPacket)
{
    ReceiveSummary summary;
    for (QueuedPacket& packet : early_) {
        ++summary.packets;
        onPacket(std::move(packet));
    }
    early_.clear();
    for (;;) {
        const ssize_t received = recv(fd(), receiveBuffer_.data(), receiveBuffer_.size(), MSG_DONTWAIT);
        if (received < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return summary;
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                summary.lostMessages = true;
                continue;
            }
            return Error("Failed to receive from nfqueue " + std::to_string(queueNum_) + ": " + errnoText(errno));
        }
        dispatchMessages(receiveBuffer_.data(), static_cast<std::size_t>(received), queueNum_, summary,
                         [&](const QueuedPacketView& packet) { onPacket(ownedCopy(packet)); });
    }
}

Result<ReceiveSummary> NfQueue::receiveBatch(std::size_t maxMessages,
                                             const std::function<void(const QueuedPacketView&)>& onPacket)
{
    ReceiveSummary summary;
    if (!early_.empty()) {
        for (const QueuedPacket& packet : early_) {
            ++summary.packets;
            onPacket(QueuedPacketView{packet.id, packet.queue, packet.mark, packet.hook, packet.uid, packet.gid,
                                      packet.payload});
        }
        early_.clear();
        return summary;
    }
    maxMessages = std::clamp<std::size_t>(maxMessages, 1, 64);
    if (batchBuffers_.size() < maxMessages * receiveBufferSize)
        batchBuffers_.resize(maxMessages * receiveBufferSize);
    std::array<iovec, 64> vectors{};
    std::array<mmsghdr, 64> headers{};
    for (std::size_t i = 0; i < maxMessages; ++i) {
        vectors[i] = {batchBuffers_.data() + i * receiveBufferSize, receiveBufferSize};
        headers[i].msg_hdr.msg_iov = &vectors[i];
        headers[i].msg_hdr.msg_iovlen = 1;
    }
    int received = -1;
    for (;;) {
        received = recvmmsg(fd(), headers.data(), static_cast<unsigned>(maxMessages), MSG_DONTWAIT, nullptr);
        if (received >= 0)
            break;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return summary;
        if (errno == EINTR)
            continue;
        if (errno == ENOBUFS) {
            summary.lostMessages = true;
            continue;
        }
        return Error("Failed to receive from nfqueue " + std::to_string(queueNum_) + ": " + errnoText(errno));
    }
    for (int i = 0; i < received; ++i)
        dispatchMessages(static_cast<const char*>(vectors[i].iov_base), headers[i].msg_len, queueNum_, summary,
                         onPacket);
    return summary;
}

void NfQueue::VerdictBatch::add(std::uint32_t id, int verdict, std::optional<std::uint32_t> mark)
{
    // nlmsghdr + nfgenmsg + the verdict header and mark attributes, aligned: well under 64 bytes.
    constexpr std::size_t room = 64;
    if (buffer_.size() < used_ + room)
        buffer_.resize(std::max(buffer_.size() * 2, used_ + room * 16));
    nlmsghdr* message = nfq_nlmsg_put(buffer_.data() + used_, NFQNL_MSG_VERDICT, queueNum_);
    message->nlmsg_seq = id;
    nfq_nlmsg_verdict_put(message, static_cast<int>(id), verdict);
    if (mark)
        nfq_nlmsg_verdict_put_mark(message, *mark);
    used_ += NLMSG_ALIGN(message->nlmsg_len);
    ++count_;
}

NfQueue::VerdictBatch NfQueue::verdictBatch() const
{
    VerdictBatch batch;
    batch.queueNum_ = queueNum_;
    return batch;
}

Result<void> NfQueue::send(VerdictBatch& batch)
{
    if (batch.used_ == 0)
        return {};
    const std::size_t count = batch.count_;
    const ssize_t sent = mnl_socket_sendto(socket_.get(), batch.buffer_.data(), batch.used_);
    const int error = errno;
    batch.used_ = 0;
    batch.count_ = 0;
    if (sent < 0)
        return Error("Failed to send " + std::to_string(count) + " verdicts to nfqueue " + std::to_string(queueNum_) +
                     ": " + errnoText(error));
    return {};
}

Result<void> NfQueue::accept(std::uint32_t id, std::optional<std::uint32_t> newMark)
{
    return sendVerdict(id, NF_ACCEPT, newMark);
}

Result<void> NfQueue::drop(std::uint32_t id)
{
    return sendVerdict(id, NF_DROP, std::nullopt);
}

Result<void> NfQueue::repeatWithMark(std::uint32_t id, std::uint32_t mark)
{
    return sendVerdict(id, NF_REPEAT, mark);
}

Result<void> NfQueue::sendVerdict(std::uint32_t id, int verdict, std::optional<std::uint32_t> mark)
{
    alignas(nlmsghdr) std::array<char, 256> buffer{}; // one verdict message (the 8 KiB room is for receiving)
    nlmsghdr* message = nfq_nlmsg_put(buffer.data(), NFQNL_MSG_VERDICT, queueNum_);
    // The sequence number carries the packet id, so an asynchronous error names the packet it is about.
    message->nlmsg_seq = id;
    nfq_nlmsg_verdict_put(message, static_cast<int>(id), verdict);
    if (mark)
        nfq_nlmsg_verdict_put_mark(message, *mark);
    if (mnl_socket_sendto(socket_.get(), message, message->nlmsg_len) < 0)
        return Error("Failed to set verdict on packet " + std::to_string(id) + " of nfqueue " +
                     std::to_string(queueNum_) + ": " + errnoText(errno));
    return {};
}

} // namespace hostgate
