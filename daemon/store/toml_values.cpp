// SPDX-License-Identifier: GPL-3.0-or-later
// TOML value conversions for rule files: offset date-times ↔ TimePoint, string quoting, type names.
#include "store/toml_values.h"

#include <fmt/format.h>

#include <chrono>

namespace hostgate {

namespace {

// system_clock's nanosecond count covers about 1678..2262; outside it the arithmetic would overflow.
constexpr int earliestYear = 1678;
constexpr int latestYear = 2261;

} // namespace

Result<TimePoint> timePointFromToml(const toml::date_time& value)
{
    using namespace std::chrono;
    if (!value.offset)
        return Error{"date-time needs a UTC offset (e.g. 2026-11-23T10:00:00Z)"};
    if (value.date.year < earliestYear || value.date.year > latestYear)
        return Error{fmt::format("year {} is out of range ({}..{})", value.date.year, earliestYear, latestYear)};
    year_month_day day{year{value.date.year}, month{value.date.month}, std::chrono::day{value.date.day}};
    if (!day.ok())
        return Error{"invalid date"};
    auto sinceEpoch = sys_days{day}.time_since_epoch() + hours{value.time.hour} + minutes{value.time.minute} +
                      seconds{value.time.second} + nanoseconds{value.time.nanosecond} - minutes{value.offset->minutes};
    return TimePoint{duration_cast<Clock::duration>(sinceEpoch)};
}

std::string formatTomlTime(TimePoint time)
{
    using namespace std::chrono;
    auto dayStart = floor<days>(time);
    year_month_day day{dayStart};
    auto sinceMidnight = duration_cast<nanoseconds>(time - dayStart);
    auto wholeSeconds = duration_cast<seconds>(sinceMidnight);
    long long fraction = (sinceMidnight - wholeSeconds).count();
    long long secondsOfDay = wholeSeconds.count();

    std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(day.year()),
                                   static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()),
                                   secondsOfDay / 3600, secondsOfDay / 60 % 60, secondsOfDay % 60);
    if (fraction != 0) {
        std::string digits = fmt::format("{:09}", fraction);
        digits.erase(digits.find_last_not_of('0') + 1);
        text += "." + digits;
    }
    return text + "Z";
}

std::string quoteTomlString(std::string_view text)
{
    std::string quoted = "\"";
    for (char c : text) {
        switch (c) {
        case '"':
            quoted += "\\\"";
            break;
        case '\\':
            quoted += "\\\\";
            break;
        case '\b':
            quoted += "\\b";
            break;
        case '\t':
            quoted += "\\t";
            break;
        case '\n':
            quoted += "\\n";
            break;
        case '\f':
            quoted += "\\f";
            break;
        case '\r':
            quoted += "\\r";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                quoted += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
            else
                quoted += c;
        }
    }
    return quoted + "\"";
}

std::string_view describeTomlType(toml::node_type type)
{
    switch (type) {
    case toml::node_type::none:
        return "nothing";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a floating-point number";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    }
    return "an unknown type";
}

} // namespace hostgate
