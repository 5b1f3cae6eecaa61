// SPDX-License-Identifier: GPL-3.0-or-later
// Times as hostgatectl reads and prints them: ISO 8601 instants and durations like "+2h30m" or "15m".
#pragma once

#include "util/result.h"
#include "util/time.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace hostgate::ctl {

// Microseconds since the Unix epoch as UTC ISO 8601 with second precision: "2026-11-23T10:00:00Z".
std::string formatIso8601(std::int64_t usecSinceEpoch);

std::int64_t toUsec(TimePoint time);

// "2026-11-23", "2026-11-23T10:00", "2026-11-23T10:00:00" (a space may replace the T), each optionally
// followed by "Z", "+01:00" or "-0500". Without a zone the time is local, as date(1) reads it.
Result<TimePoint> parseIso8601(std::string_view text);

// A sum of <number><unit> terms, units s, m, h, d, w: "90s", "15m", "1h30m", "2d". Positive, at most ten years.
Result<Seconds> parseDuration(std::string_view text);

// --until: "+DURATION" from `now`, or an ISO 8601 instant.
Result<TimePoint> parseUntil(std::string_view text, TimePoint now);
// --since: "DURATION" or "-DURATION" before `now` ("15m" = the last 15 minutes), or an ISO 8601 instant.
Result<TimePoint> parseSince(std::string_view text, TimePoint now);

} // namespace hostgate::ctl
