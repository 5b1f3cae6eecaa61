// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing and printing of ISO 8601 instants and of durations for hostgatectl's time options.
#include "time_text.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>
#include <optional>

namespace hostgate::ctl {
namespace {

constexpr std::int64_t maxDurationSeconds = std::int64_t{10} * 366 * 24 * 3600;

// Reads exactly `digits` decimal digits at `pos`, advancing it.
std::optional<int> readDigits(std::string_view text, std::size_t& pos, std::size_t digits)
{
    if (pos + digits > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    pos += digits;
    return value;
}

bool consume(std::string_view text, std::size_t& pos, char expected)
{
    if (pos < text.size() && text[pos] == expected) {
        ++pos;
        return true;
    }
    return false;
}

Error badTime(std::string_view text)
{
    return Error(fmt::format("Failed to parse time \"{}\": expected ISO 8601 such as 2026-11-23T10:00:00Z", text));
}

// Parses the zone suffix; returns the offset east of UTC in seconds, or nullopt for "no zone" (local time).
Result<std::optional<int>> parseZone(std::string_view text, std::size_t pos)
{
    if (pos == text.size()) {
        return std::optional<int>{};
    }
    if (text[pos] == 'Z' || text[pos] == 'z') {
        return pos + 1 == text.size() ? Result<std::optional<int>>(std::optional<int>{0})
                                      : Result<std::optional<int>>(badTime(text));
    }
    if (text[pos] != '+' && text[pos] != '-') {
        return badTime(text);
    }
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto hours = readDigits(text, pos, 2);
    consume(text, pos, ':');
    const auto minutes = readDigits(text, pos, 2);
    if (!hours || !minutes || pos != text.size() || *hours > 23 || *minutes > 59) {
        return badTime(text);
    }
    return std::optional<int>{sign * (*hours * 3600 + *minutes * 60)};
}

} // namespace

std::int64_t toUsec(TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

std::string formatIso8601(std::int64_t usecSinceEpoch)
{
    // Floor division, so an instant before the epoch still names the second it lies in.
    std::int64_t seconds = usecSinceEpoch / 1000000;
    if (usecSinceEpoch % 1000000 < 0) {
        --seconds;
    }
    const auto time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    if (gmtime_r(&time, &utc) == nullptr) {
        return std::to_string(usecSinceEpoch);
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                       utc.tm_hour, utc.tm_min, utc.tm_sec);
}

Result<TimePoint> parseIso8601(std::string_view text)
{
    std::size_t pos = 0;
    std::tm fields{};
    const auto year = readDigits(text, pos, 4);
    const bool dashes = year && consume(text, pos, '-');
    const auto month = dashes ? readDigits(text, pos, 2) : std::nullopt;
    const auto day = month && consume(text, pos, '-') ? readDigits(text, pos, 2) : std::nullopt;
    if (!day || *month < 1 || *month > 12 || *day < 1 || *day > 31) {
        return badTime(text);
    }
    fields.tm_year = *year - 1900;
    fields.tm_mon = *month - 1;
    fields.tm_mday = *day;
    if (consume(text, pos, 'T') || consume(text, pos, 't') || consume(text, pos, ' ')) {
        const auto hour = readDigits(text, pos, 2);
        const auto minute = hour && consume(text, pos, ':') ? readDigits(text, pos, 2) : std::nullopt;
        if (!minute || *hour > 23 || *minute > 59) {
            return badTime(text);
        }
        fields.tm_hour = *hour;
        fields.tm_min = *minute;
        if (consume(text, pos, ':')) {
            const auto second = readDigits(text, pos, 2);
            if (!second || *second > 60) {
                return badTime(text);
            }
            fields.tm_sec = *second;
        }
    }
    auto zone = parseZone(text, pos);
    if (!zone) {
        return zone.error();
    }
    const int expectedDay = fields.tm_mday;
    std::time_t seconds = 0;
    if (zone->has_value()) {
        seconds = timegm(&fields) - **zone;
    } else {
        fields.tm_isdst = -1;
        seconds = std::mktime(&fields);
    }
    // timegm/mktime normalize 2026-02-31 to March; a day that moved was not a real date.
    if (seconds == static_cast<std::time_t>(-1) || fields.tm_mday != expectedDay) {
        return badTime(text);
    }
    return Clock::from_time_t(seconds);
}

Result<Seconds> parseDuration(std::string_view text)
{
    const auto bad = [&] {
        return Error(fmt::format("Failed to parse duration \"{}\": expected e.g. 90s, 15m, 1h30m, 2d or 1w", text));
    };
    if (text.empty()) {
        return bad();
    }
    std::int64_t total = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::int64_t number = 0;
        const auto [end, error] = std::from_chars(text.data() + pos, text.data() + text.size(), number);
        if (error != std::errc() || end == text.data() + pos || end == text.data() + text.size()) {
            return bad();
        }
        pos = static_cast<std::size_t>(end - text.data());
        std::int64_t unit = 0;
        switch (text[pos]) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'w':
            unit = 7 * 86400;
            break;
        default:
            return bad();
        }
        ++pos;
        if (number < 0 || number > maxDurationSeconds / unit) {
            return bad();
        }
        total += number * unit;
    }
    if (total <= 0 || total > maxDurationSeconds) {
        return bad();
    }
    return Seconds(total);
}

Result<TimePoint> parseUntil(std::string_view text, TimePoint now)
{
    if (!text.empty() && text.front() == '+') {
        auto duration = parseDuration(text.substr(1));
        if (!duration) {
            return duration.error();
        }
        return now + *duration;
    }
    return parseIso8601(text);
}

Result<TimePoint> parseSince(std::string_view text, TimePoint now)
{
    const std::string_view durationText = !text.empty() && text.front() == '-' ? text.substr(1) : text;
    // A duration starts with a digit and ends with a unit letter; an ISO date has a dash at position 4.
    const bool looksLikeDuration = !durationText.empty() && durationText.find('-') == std::string_view::npos &&
                                   durationText.find(':') == std::string_view::npos;
    if (looksLikeDuration) {
        auto duration = parseDuration(durationText);
        if (!duration) {
            return duration.error();
        }
        return now - *duration;
    }
    return parseIso8601(text);
}

} // namespace hostgate::ctl
