// SPDX-License-Identifier: GPL-3.0-or-later
// The DNS lane's thread: poll the queue, serve bounded batches, expire per-flow state once a second.
#include "hostgated/dns_lane.h"

#include "util/errno_error.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

namespace hostgate {

namespace {

constexpr int expireIntervalMs = 1000;
constexpr int lanePriority = 5; // nice value of the lane's thread; the main loop keeps the process's (0)

} // namespace

Result<std::unique_ptr<DnsLane>> DnsLane::start(DnsPath& path, int queueFd, Logger& log)
{
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake)
        return Error(std::string("Failed to create the DNS lane's wake-up eventfd: ") + errnoText(errno));
    std::unique_ptr<DnsLane> lane(new DnsLane(path, queueFd, log, std::move(wake)));
    try {
        lane->thread_ = std::thread([raw = lane.get()] { raw->run(); });
    } catch (const std::system_error& error) {
        return Error(std::string("Failed to start the DNS lane's thread: ") + error.what());
    }
    return lane;
}

DnsLane::DnsLane(DnsPath& path, int queueFd, Logger& log, UniqueFd wake)
    : path_(path), queueFd_(queueFd), log_(log), wake_(std::move(wake))
{}

DnsLane::~DnsLane()
{
    stop();
}

void DnsLane::stop()
{
    if (!thread_.joinable())
        return;
    stopping_.store(true, std::memory_order_relaxed);
    const std::uint64_t one = 1;
    if (::write(wake_.get(), &one, sizeof one) < 0)
        log_.error("Failed to wake the DNS lane", {{"error", errnoText(errno)}});
    thread_.join();
}

void DnsLane::run()
{
    // Below the main loop: under a flood both want the CPU, and a prompt's held connection or a D-Bus reply must
    // not wait behind DNS packets (which the queue buffers; and a resolver retries).
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), lanePriority) != 0)
        log_.warning("Failed to lower the DNS lane's priority", {{"error", errnoText(errno)}});
    auto nextExpiry = Clock::now() + std::chrono::milliseconds(expireIntervalMs);
    for (;;) {
        pollfd fds[2] = {{queueFd_, POLLIN, 0}, {wake_.get(), POLLIN, 0}};
        const int ready = ::poll(fds, 2, expireIntervalMs);
        if (ready < 0 && errno != EINTR) {
            log_.error("DNS lane failed to wait for packets, stopping it", {{"error", errnoText(errno)}});
            return;
        }
        if ((fds[1].revents & POLLIN) || stopping_.load(std::memory_order_relaxed))
            return;
        // Batches until the queue is empty: each is bounded and gives the policy back when done.
        while (ready > 0 && (fds[0].revents & POLLIN)) {
            const auto now = Clock::now();
            const auto served = path_.serveBatch(now);
            if (!served) {
                log_.error("Failed to read DNS queue", {{"error", served.error().describe()}});
                break;
            }
            if (served->lostMessages) {
                overflows_.fetch_add(1, std::memory_order_relaxed);
                log_.warning("DNS queue overflowed: packets were lost");
            }
            for (const auto& rejected : served->rejectedVerdicts)
                log_.warning("DNS verdict refused by the kernel", {{"error", rejected.message}});
            packets_.fetch_add(served->packets, std::memory_order_relaxed);
            if (served->packets < DnsPath::maxBatch || stopping_.load(std::memory_order_relaxed))
                break;
        }
        if (const auto now = Clock::now(); now >= nextExpiry) {
            path_.expire(now);
            nextExpiry = now + std::chrono::milliseconds(expireIntervalMs);
        }
    }
}

} // namespace hostgate
