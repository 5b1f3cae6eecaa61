// SPDX-License-Identifier: GPL-3.0-or-later
// One bound nfqueue: receives queued packets without blocking and takes verdicts at any later time.
#pragma once

#include "util/result.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

struct mnl_socket;

namespace hostgate {

struct QueuedPacket {
    std::uint32_t id = 0; // the verdict key; unique per queue while the packet is held
    std::uint16_t queue = 0;
    std::uint32_t mark = 0;           // skb mark when queued
    int hook = 0;                     // NF_INET_LOCAL_OUT, NF_INET_LOCAL_IN, ...
    std::optional<std::uint32_t> uid; // owner of the local socket, when the packet has one
    std::optional<std::uint32_t> gid;
    std::vector<std::uint8_t> payload; // the IP packet (copy range 0xffff, enough for any DNS message)
};

// A queued packet as received, its payload still in the queue's receive buffer: valid only during the callback
// (the DNS lane decides every packet there and copies nothing).
struct QueuedPacketView {
    std::uint32_t id = 0;
    std::uint16_t queue = 0;
    std::uint32_t mark = 0;
    int hook = 0;
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    std::span<const std::uint8_t> payload;
};

// What one receive() call saw besides packets.
struct ReceiveSummary {
    std::size_t packets = 0;
    // The socket buffer overflowed (ENOBUFS): the kernel dropped queue messages, so those packets were
    // dropped (fail-closed) or accepted (fail-open) without us.
    bool lostMessages = false;
    // Verdicts the kernel refused (e.g. the id was no longer queued); they are reported asynchronously.
    std::vector<Error> rejectedVerdicts;
};

// Built on the libmnl API of libnetfilter_queue (nfq_nlmsg_*): we own the netlink socket, read it with
// MSG_DONTWAIT from the daemon's epoll loop and build verdict messages ourselves, so a verdict can be sent
// long after the packet was received (prompts), which the older callback API (nfq_open) does not fit.
class NfQueue {
public:
    // Binds queue `queueNum` in the current network namespace; fails if another process holds it.
    // Flags: UID_GID (packet owner), GSO (no segmentation before queueing) and, with failOpen, FAIL_OPEN
    // (accept instead of drop when `maxLen` packets are already waiting). Call receive() once right after
    // opening: packets queued while the bind was being acknowledged are delivered by that first call.
    static Result<NfQueue> open(std::uint16_t queueNum, std::uint32_t maxLen, bool failOpen);

    int fd() const;
    std::uint16_t queueNumber() const { return queueNum_; }

    // Reads every message available now and returns when the socket would block.
    Result<ReceiveSummary> receive(const std::function<void(QueuedPacket&&)>& onPacket);

    // Reads at most `maxMessages` queue messages with one recvmmsg() and returns (fewer when the socket would
    // block): a bounded batch, so a flood cannot keep the caller inside. The views point into buffers this
    // queue owns until the next call.
    Result<ReceiveSummary> receiveBatch(std::size_t maxMessages,
                                        const std::function<void(const QueuedPacketView&)>& onPacket);

    // Verdicts collected during a batch and sent with one sendmsg() (one netlink message each, in order).
    class VerdictBatch {
    public:
        void accept(std::uint32_t id) { add(id, 1 /* NF_ACCEPT */, std::nullopt); }
        void drop(std::uint32_t id) { add(id, 0 /* NF_DROP */, std::nullopt); }
        void repeatWithMark(std::uint32_t id, std::uint32_t mark) { add(id, 4 /* NF_REPEAT */, mark); }
        bool empty() const { return used_ == 0; }
        std::size_t size() const { return count_; }

    private:
        friend class NfQueue;
        void add(std::uint32_t id, int verdict, std::optional<std::uint32_t> mark);

        std::uint16_t queueNum_ = 0;
        std::vector<char> buffer_;
        std::size_t used_ = 0;
        std::size_t count_ = 0;
    };
    VerdictBatch verdictBatch() const;
    // Sends and empties `batch`; on failure every verdict in it is lost (the packets stay held until the queue's
    // own limits act), so the error names how many.
    Result<void> send(VerdictBatch& batch);

    // Lets the packet continue to the next hook; with newMark the skb mark is replaced (not OR-ed).
    Result<void> accept(std::uint32_t id, std::optional<std::uint32_t> newMark = {});
    Result<void> drop(std::uint32_t id);
    // Sets the mark and re-runs the same hook (NF_REPEAT): the packet traverses the chains from the top
    // again, so a rule matching `mark` can act on it (the firewall's REJECT rule for the reject bit).
    // `mark` replaces the whole mark: pass packet.mark | rejectBit to keep other bits.
    Result<void> repeatWithMark(std::uint32_t id, std::uint32_t mark);

private:
    struct Closer {
        void operator()(mnl_socket* socket) const;
    };
    NfQueue(std::unique_ptr<mnl_socket, Closer> socket, std::uint16_t queueNum);

    Result<void> sendVerdict(std::uint32_t id, int verdict, std::optional<std::uint32_t> mark);

    std::unique_ptr<mnl_socket, Closer> socket_;
    std::uint16_t queueNum_ = 0;
    std::vector<char> receiveBuffer_;
    std::vector<char> batchBuffers_;  // receiveBatch(): one receive buffer per message, allocated on first use
    std::vector<QueuedPacket> early_; // queued while open() waited for the bind to be acknowledged
};

} // namespace hostgate
