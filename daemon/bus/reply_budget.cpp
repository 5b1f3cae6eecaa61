// SPDX-License-Identifier: GPL-3.0-or-later
// Reply budgets: byte bounds of a{sv} records, cut records, pages and the connection log's cursor.
#include "bus/reply_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>

namespace hostgate {

namespace {

// Per dict entry: up to 7 bytes of padding to 8, the key's length, NUL and up to 3 bytes padding, the
// variant's signature (length byte, up to 4 type characters, NUL), up to 7 bytes of padding for the value.
constexpr std::size_t entryOverhead = 7 + 4 + 1 + 3 + 6 + 7;
// Per array element: padding to 8 and the array's length word.
constexpr std::size_t recordOverhead = 7 + 4;

std::size_t stringBytes(std::size_t length)
{
    return 4 + length + 1 + 3;
}

std::size_t valueBytes(const sdbus::Variant& value)
{
    const std::string type = value.peekValueType();
    if (type == "s" || type == "o" || type == "g")
        return stringBytes(value.get<std::string>().size());
    if (type == "as") {
        std::size_t bytes = 4;
        for (const auto& item : value.get<std::vector<std::string>>())
            bytes += stringBytes(item.size());
        return bytes;
    }
    if (type.size() == 1)
        return 8; // every basic fixed-size type fits in 8 bytes
    // Records carry no other types today; count a generous constant rather than fail.
    return 1024;
}

// The longest prefix of `text` of at most `bytes` bytes that does not end inside a UTF-8 sequence.
std::string utf8Prefix(const std::string& text, std::size_t bytes)
{
    std::size_t end = std::min(bytes, text.size());
    while (end > 0 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return text.substr(0, end);
}

Error invalidCursor(std::string_view cursor)
{
    return Error::named(std::string(control_error::invalidArgument),
                        fmt::format("Invalid filter key 'cursor': '{}' is not a cursor from ListConnectionsPage",
                                    std::string(cursor.substr(0, 64))));
}

} // namespace

std::size_t clampPageLimit(std::uint32_t limit)
{
    if (limit == 0)
        return defaultPageLimit;
    return std::min<std::size_t>(limit, maxPageLimit);
}

std::size_t recordWireBytes(const VariantMap& record)
{
    std::size_t bytes = recordOverhead;
    for (const auto& [key, value] : record)
        bytes += entryOverhead + key.size() + valueBytes(value);
    return bytes;
}

bool boundRecord(VariantMap& record)
{
    if (recordWireBytes(record) <= maxRecordBytes)
        return false;
    for (auto& [key, value] : record) {
        if (value.peekValueType() != "s")
            continue;
        const auto text = value.get<std::string>();
        if (text.size() > truncatedStringBytes)
            value = sdbus::Variant(utf8Prefix(text, truncatedStringBytes) + "\xe2\x80\xa6");
        else if (text.size() > truncatedStringBytes / 4 && recordWireBytes(record) > maxRecordBytes)
            value = sdbus::Variant(utf8Prefix(text, truncatedStringBytes / 4) + "\xe2\x80\xa6");
    }
    record["truncated"] = sdbus::Variant(true);
    return true;
}

RecordPage buildPage(std::size_t count, const std::function<VariantMap(std::size_t)>& recordAt, std::size_t maxBytes)
{
    RecordPage page;
    for (std::size_t index = 0; index < count; ++index) {
        VariantMap record = recordAt(index);
        boundRecord(record);
        const std::size_t bytes = recordWireBytes(record);
        if (!page.records.empty() && page.bytes + bytes > maxBytes) {
            page.complete = false;
            return page;
        }
        page.bytes += bytes;
        page.records.push_back(std::move(record));
    }
    return page;
}

std::string connectionCursorAfter(const ConnectionEvent& event)
{
    const auto nanoseconds =
        std::chrono::duration_cast<std::chrono::nanoseconds>(event.time.time_since_epoch()).count();
    return fmt::format("{}:{}", nanoseconds, event.id);
}

Result<EventFilter> pagedEventFilterFromRecord(VariantMap filter)
{
    std::optional<EventFilter::Position> before;
    if (const auto it = filter.find("cursor"); it != filter.end()) {
        if (it->second.peekValueType() != "s")
            return Error::named(
                std::string(control_error::invalidArgument),
                fmt::format("Invalid filter key 'cursor': expected type s, got {}", it->second.peekValueType()));
        const std::string cursor = it->second.get<std::string>();
        filter.erase(it);
        if (!cursor.empty()) {
            const auto colon = cursor.find(':');
            std::int64_t nanoseconds = 0;
            std::int64_t id = 0;
            if (colon == std::string::npos)
                return invalidCursor(cursor);
            const char* begin = cursor.data();
            const char* middle = begin + colon;
            const char* end = begin + cursor.size();
            const auto time = std::from_chars(begin, middle, nanoseconds);
            const auto number = std::from_chars(middle + 1, end, id);
            if (time.ec != std::errc{} || time.ptr != middle || number.ec != std::errc{} || number.ptr != end)
                return invalidCursor(cursor);
            before = EventFilter::Position{
                TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(nanoseconds))), id};
        }
    }
    auto parsed = eventFilterFromRecord(filter);
    if (!parsed)
        return parsed;
    parsed->before = before;
    return parsed;
}

} // namespace hostgate
