// SPDX-License-Identifier: GPL-3.0-or-later
// Time types of the core: wall-clock instants passed in by callers, so the core never reads a clock itself.
#pragma once

#include <chrono>

namespace hostgate {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;
using Seconds = std::chrono::seconds;

} // namespace hostgate
