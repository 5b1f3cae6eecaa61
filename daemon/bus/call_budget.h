// SPDX-License-Identifier: GPL-3.0-or-later
// CallBudget: how many calls of one uid may wait for polkit at once, so one caller flooding the daemon with
// calls cannot use up the bus's pending-reply limit (max_replies_per_connection) and fail everyone's checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace hostgate {

class CallBudget {
public:
    struct Limits {
        std::size_t perUid = 16; // a tray and a CLI need a few
        std::size_t total = 96;  // below dbus-daemon's default max_replies_per_connection (128)
    };

    CallBudget() = default;
    explicit CallBudget(Limits limits) : limits_(limits) {}

    // Takes one slot for `uid`; false (nothing taken) when its share or the total is used up.
    bool tryAcquire(std::uint32_t uid);
    // Gives back a slot taken by tryAcquire.
    void release(std::uint32_t uid);
    std::size_t inFlight() const { return total_; }
    std::size_t inFlightOf(std::uint32_t uid) const;
    const Limits& limits() const { return limits_; }

private:
    Limits limits_;
    std::map<std::uint32_t, std::size_t> byUid_; // only uids with a call in flight
    std::size_t total_ = 0;
};

} // namespace hostgate
