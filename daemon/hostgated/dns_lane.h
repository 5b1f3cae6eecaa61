// SPDX-License-Identifier: GPL-3.0-or-later
// The DNS lane: the thread that serves the DNS nfqueue. Every DNS query and answer of the namespace passes
// there, so it must never wait behind a prompt, a rules save or a D-Bus caller, and a flood of it must never
// delay them: the decision queue, the bus and the timers stay on the main loop, the lane shares the policy with
// them through the main loop's dispatch lock (see DnsPath). Started after the process dropped its privileges
// (capabilities are per thread), stopped before the objects it uses go.
#pragma once

#include "hostgated/dns_path.h"
#include "service/log.h"
#include "util/result.h"
#include "util/unique_fd.h"

#include <atomic>
#include <memory>
#include <thread>

namespace hostgate {

class DnsLane {
public:
    static Result<std::unique_ptr<DnsLane>> start(DnsPath& path, int queueFd, Logger& log);
    ~DnsLane(); // stops and joins

    DnsLane(const DnsLane&) = delete;
    DnsLane& operator=(const DnsLane&) = delete;

    void stop();
    // Packets the lane decided so far (read by GetStatus-like reports from the main thread).
    std::uint64_t packets() const { return packets_.load(std::memory_order_relaxed); }
    std::uint64_t overflows() const { return overflows_.load(std::memory_order_relaxed); }

private:
    DnsLane(DnsPath& path, int queueFd, Logger& log, UniqueFd wake);
    void run();

    DnsPath& path_;
    int queueFd_;
    Logger& log_;
    UniqueFd wake_; // eventfd: written by stop()
    std::atomic<std::uint64_t> packets_{0};
    std::atomic<std::uint64_t> overflows_{0};
    std::atomic<bool> stopping_{false}; // checked between batches: a flood never keeps stop() waiting
    std::thread thread_;
};

} // namespace hostgate
