// SPDX-License-Identifier: GPL-3.0-or-later
// Reply budgets: every list the API returns is bounded in bytes (not only in count), well under the bus's
// message limit, and pages of rules and connection events are cut by those bounds.
#pragma once

#include "bus/bus_records.h"
#include "store/event_log.h"
#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

// dbus-daemon's system bus refuses messages over 32 MiB (max_message_size) and disconnects a sender that
// tries; sd-bus's own limit is higher. Everything the daemon replies stays far below:
inline constexpr std::size_t maxReplyBytes = 8 * 1024 * 1024;             // ListRules, ListConnections (whole lists)
inline constexpr std::size_t maxPageBytes = 1024 * 1024;                  // ListRulesPage, ListConnectionsPage
inline constexpr std::size_t maxRecordBytes = 64 * 1024;                  // one record; longer strings are cut
inline constexpr std::size_t truncatedStringBytes = maxRecordStringBytes; // what a cut string keeps

// ListRulesPage / ListConnectionsPage: a limit of 0 means this many; larger limits are clamped. Building a
// rule record costs ~0.1 ms (sdbus-c++ makes a message per variant), so a page also bounds how long one call
// holds the daemon's loop.
inline constexpr std::size_t defaultPageLimit = 200;
inline constexpr std::size_t maxPageLimit = 500;
std::size_t clampPageLimit(std::uint32_t limit);

// An upper bound of the bytes `record` takes in a D-Bus message as one element of aa{sv} (alignment
// padding, lengths, signatures and payload included).
std::size_t recordWireBytes(const VariantMap& record);

// A record over maxRecordBytes has each string over truncatedStringBytes cut (at a UTF-8 boundary, with
// "…" appended) and gets "truncated" = true; smaller records are left alone. Returns whether it cut.
bool boundRecord(VariantMap& record);

struct RecordPage {
    std::vector<VariantMap> records;
    std::size_t bytes = 0;
    bool complete = true; // false: the byte or count bound stopped the page before `count` records
};

// Records recordAt(0), recordAt(1), ... up to `count` of them, each bounded (boundRecord), as long as they
// fit into `maxBytes` together; the first always fits (a bounded record is far below any page budget).
RecordPage buildPage(std::size_t count, const std::function<VariantMap(std::size_t)>& recordAt, std::size_t maxBytes);

// ListConnectionsPage's opaque cursor: where the previous page ended ("<time_ns>:<id>" today; clients
// must not look inside). "" is the start (the newest event).
std::string connectionCursorAfter(const ConnectionEvent& event);
// Splits the "cursor" key off a ListConnections filter record; the rest goes to eventFilterFromRecord.
// An unparsable cursor or a cursor of the wrong type is an InvalidArgument error.
Result<EventFilter> pagedEventFilterFromRecord(VariantMap filter);

} // namespace hostgate
