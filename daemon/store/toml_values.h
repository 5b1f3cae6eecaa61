// SPDX-License-Identifier: GPL-3.0-or-later
// TOML value conversions (times, strings, type names) shared by the rule file parser and serializer.
#pragma once

#include "util/result.h"
#include "util/time.h"

#include <toml++/toml.h>

#include <string>
#include <string_view>

namespace hostgate {

// TOML offset date-time → instant. Local date-times are refused: without an offset the instant is ambiguous.
Result<TimePoint> timePointFromToml(const toml::date_time& value);

// Instant → TOML offset date-time text in UTC, e.g. "2026-11-23T10:00:00Z" or "2026-11-23T10:00:00.25Z".
std::string formatTomlTime(TimePoint time);

// A TOML basic string literal, quoted and escaped: "a \"b\"\n".
std::string quoteTomlString(std::string_view text);

// "string", "integer", ... for error messages.
std::string_view describeTomlType(toml::node_type type);

} // namespace hostgate
