// SPDX-License-Identifier: GPL-3.0-or-later
// Test helper: runs an EventLoop until a condition holds, with a deadline as the failure bound only.
#pragma once

#include "service/event_loop.h"

#include <chrono>
#include <functional>

namespace hostgate::test {

// Dispatches events until `done` returns true; false when `limit` passed first. The limit only bounds a
// failing test: a passing one returns as soon as the awaited event was handled.
inline bool runUntil(EventLoop& loop, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::seconds(5))
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        if (!loop.runOnce(left)) {
            return false;
        }
    }
    return true;
}

// Runs the loop for `span` (timed by the loop's own timer), e.g. to show that nothing else happens.
inline void runFor(EventLoop& loop, std::chrono::milliseconds span)
{
    bool elapsed = false;
    loop.addTimer(span, [&elapsed] { elapsed = true; });
    runUntil(
        loop, [&elapsed] { return elapsed; }, span + std::chrono::seconds(5));
}

} // namespace hostgate::test
