// SPDX-License-Identifier: GPL-3.0-or-later
// EventLog on SQLite: schema migration, prepared statements, retention.
#include "store/event_log.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace hostgate {

namespace {

constexpr int busyTimeoutMs = 5000;

// Times are stored as nanoseconds since the Unix epoch (UTC) so ordering and range queries are integer ones.
std::int64_t toStoredTime(TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

TimePoint fromStoredTime(std::int64_t nanoseconds)
{
    return TimePoint{std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds{nanoseconds})};
}

const char* const createSchema = R"sql(
    CREATE TABLE events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        time_ns     INTEGER NOT NULL,
        verdict     TEXT    NOT NULL CHECK (verdict IN ('allowed', 'denied', 'asked')),
        app_path    TEXT    NOT NULL,
        pid         INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        host        TEXT    NOT NULL,
        address     TEXT    NOT NULL,
        port        INTEGER NOT NULL,
        protocol    INTEGER NOT NULL,  -- hostgate::Protocol: 0 any, 1 tcp, 2 udp
        rule_id     INTEGER,           -- RuleId's 64 bits reinterpreted as signed; NULL: no rule decided
        explanation TEXT    NOT NULL,
        container   TEXT    NOT NULL DEFAULT '', -- cgroup of a process in another network namespace
        claimed_host TEXT   NOT NULL DEFAULT '', -- the name the first payload claimed (names without DNS)
        claimed_by  TEXT    NOT NULL DEFAULT ''  -- where: tls-sni, http-host, quic-sni; "+ech" when encrypted
    );
    CREATE INDEX events_by_time ON events (time_ns, id);
    PRAGMA user_version = 3;
)sql";

// Version 1 → 2: the container column.
const char* const upgradeFrom1 = R"sql(
    ALTER TABLE events ADD COLUMN container TEXT NOT NULL DEFAULT '';
    PRAGMA user_version = 2;
)sql";

// Version 2 → 3: the claimed name columns.
const char* const upgradeFrom2 = R"sql(
    BEGIN IMMEDIATE;
    ALTER TABLE events ADD COLUMN claimed_host TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
    PRAGMA user_version = 3;
    COMMIT;
)sql";

Error sqliteError(sqlite3* db, const std::string& verb)
{
    return Error{"Failed to " + verb + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
}

} // namespace

void EventLog::DatabaseCloser::operator()(sqlite3* db) const
{
    sqlite3_close_v2(db);
}

void EventLog::StatementFinalizer::operator()(sqlite3_stmt* statement) const
{
    sqlite3_finalize(statement);
}

EventLog::EventLog(Database db, Retention retention) : db_(std::move(db)), retention_(retention) {}
EventLog::EventLog(EventLog&&) noexcept = default;
EventLog& EventLog::operator=(EventLog&&) noexcept = default;
EventLog::~EventLog() = default;

Result<EventLog> EventLog::open(const std::filesystem::path& path, Retention retention)
{
    const std::string what = "open event log " + path.string();
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    Database db(raw);
    if (rc != SQLITE_OK)
        return sqliteError(db.get(), what);
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), busyTimeoutMs);

    // The first statement reads the header: a file that is not a database fails here with SQLITE_NOTADB.
    int version = -1;
    auto readVersion = [](void* out, int, char** values, char**) {
        *static_cast<int*>(out) = values[0] ? std::atoi(values[0]) : 0;
        return 0;
    };
    if (sqlite3_exec(db.get(), "PRAGMA user_version", readVersion, &version, nullptr) != SQLITE_OK)
        return sqliteError(db.get(), what);
    if (version > schemaVersion)
        return Error{fmt::format("Failed to {}: its schema version {} is newer than this hostgate's ({})", what,
                                 version, schemaVersion)};
    if (sqlite3_exec(db.get(), "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr) !=
        SQLITE_OK)
        return sqliteError(db.get(), what);
    if (version == 0) {
        if (sqlite3_exec(db.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
            return sqliteError(db.get(), what);
        if (sqlite3_exec(db.get(), createSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
            Error error = sqliteError(db.get(), what + " (creating its schema)");
            sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            return error;
        }
        if (sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
            return sqliteError(db.get(), what);
    } else if (version == 1 || version == 2) {
        if (version == 1 && sqlite3_exec(db.get(), upgradeFrom1, nullptr, nullptr, nullptr) != SQLITE_OK)
            return sqliteError(db.get(), what + " (upgrading its schema)");
        if (sqlite3_exec(db.get(), upgradeFrom2, nullptr, nullptr, nullptr) != SQLITE_OK) {
            Error error = sqliteError(db.get(), what + " (upgrading its schema)");
            sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            return error;
        }
    }

    EventLog log(std::move(db), retention);
    if (Result<void> prepared = log.prepareStatements(); !prepared)
        return Error{"Failed to " + what + ": " + prepared.error().message};
    return log;
}

Result<void> EventLog::prepareStatements()
{
    auto prepare = [this](const char* sql, Statement& out) -> Result<void> {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
            return Error{sqlite3_errmsg(db_.get())};
        out.reset(raw);
        return Ok{};
    };
    for (auto [sql, statement] : {
             std::pair{"INSERT INTO events (time_ns, verdict, app_path, pid, uid, host, address, port, protocol, "
                       "rule_id, explanation, container, claimed_host, claimed_by) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                       &insert_},
             std::pair{"SELECT id, time_ns, verdict, app_path, pid, uid, host, address, port, protocol, rule_id, "
                       "explanation, container, claimed_host, claimed_by FROM events "
                       "WHERE (?1 = '' OR instr(app_path, ?1) > 0) AND (?2 = '' OR instr(lower(host), lower(?2)) > 0) "
                       "AND (?3 IS NULL OR verdict = ?3) AND (?4 IS NULL OR time_ns >= ?4) "
                       "AND (?6 IS NULL OR time_ns < ?6 OR (time_ns = ?6 AND id < ?7)) "
                       "ORDER BY time_ns DESC, id DESC LIMIT ?5",
                       &select_},
             std::pair{"DELETE FROM events WHERE time_ns < ?1", &pruneByAge_},
             std::pair{"DELETE FROM events WHERE id IN "
                       "(SELECT id FROM events ORDER BY time_ns DESC, id DESC LIMIT -1 OFFSET ?1)",
                       &pruneByCount_},
         }) {
        if (Result<void> prepared = prepare(sql, *statement); !prepared)
            return prepared;
    }
    return Ok{};
}

Result<std::int64_t> EventLog::append(const ConnectionEvent& event)
{
    sqlite3_stmt* statement = insert_.get();
    sqlite3_reset(statement);
    sqlite3_bind_int64(statement, 1, toStoredTime(event.time));
    const std::string_view verdict = nameOf(event.verdict);
    sqlite3_bind_text(statement, 2, verdict.data(), static_cast<int>(verdict.size()), SQLITE_STATIC);
    sqlite3_bind_text(statement, 3, event.appPath.data(), static_cast<int>(event.appPath.size()), SQLITE_STATIC);
    sqlite3_bind_int64(statement, 4, event.pid);
    sqlite3_bind_int64(statement, 5, event.uid);
    sqlite3_bind_text(statement, 6, event.host.data(), static_cast<int>(event.host.size()), SQLITE_STATIC);
    sqlite3_bind_text(statement, 7, event.address.data(), static_cast<int>(event.address.size()), SQLITE_STATIC);
    sqlite3_bind_int64(statement, 8, event.port);
    sqlite3_bind_int64(statement, 9, static_cast<int>(event.protocol));
    if (event.ruleId)
        sqlite3_bind_int64(statement, 10, std::bit_cast<std::int64_t>(*event.ruleId));
    else
        sqlite3_bind_null(statement, 10);
    sqlite3_bind_text(statement, 11, event.explanation.data(), static_cast<int>(event.explanation.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(statement, 12, event.container.data(), static_cast<int>(event.container.size()), SQLITE_STATIC);
    sqlite3_bind_text(statement, 13, event.claimedHost.data(), static_cast<int>(event.claimedHost.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(statement, 14, event.claimedBy.data(), static_cast<int>(event.claimedBy.size()), SQLITE_STATIC);
    int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement); // the bound text belongs to `event`
    if (rc != SQLITE_DONE)
        return sqliteError(db_.get(), "append event");
    return sqlite3_last_insert_rowid(db_.get());
}

Result<std::vector<ConnectionEvent>> EventLog::recent(std::size_t limit, const EventFilter& filter) const
{
    sqlite3_stmt* statement = select_.get();
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    auto bindText = [statement](int index, const std::string& text) {
        sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    };
    bindText(1, filter.appContains);
    bindText(2, filter.hostContains);
    if (filter.verdict) {
        const std::string_view verdict = nameOf(*filter.verdict);
        sqlite3_bind_text(statement, 3, verdict.data(), static_cast<int>(verdict.size()), SQLITE_STATIC);
    }
    if (filter.since)
        sqlite3_bind_int64(statement, 4, toStoredTime(*filter.since));
    sqlite3_bind_int64(statement, 5, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    if (filter.before) {
        sqlite3_bind_int64(statement, 6, toStoredTime(filter.before->time));
        sqlite3_bind_int64(statement, 7, filter.before->id);
    }

    auto text = [statement](int column) {
        const unsigned char* value = sqlite3_column_text(statement, column);
        return value ? std::string(reinterpret_cast<const char*>(value),
                                   static_cast<std::size_t>(sqlite3_column_bytes(statement, column)))
                     : std::string();
    };
    std::vector<ConnectionEvent> events;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        ConnectionEvent event;
        event.id = sqlite3_column_int64(statement, 0);
        event.time = fromStoredTime(sqlite3_column_int64(statement, 1));
        // The schema's CHECK admits only the three names.
        const std::string verdict = text(2);
        const std::optional<Outcome> outcome = parseOutcome(verdict);
        if (!outcome) {
            sqlite3_reset(statement);
            sqlite3_clear_bindings(statement);
            return Error{"Failed to read events: unknown verdict '" + verdict + "'"};
        }
        event.verdict = *outcome;
        event.appPath = text(3);
        event.pid = static_cast<std::int32_t>(sqlite3_column_int64(statement, 4));
        event.uid = static_cast<std::uint32_t>(sqlite3_column_int64(statement, 5));
        event.host = text(6);
        event.address = text(7);
        event.port = static_cast<std::uint16_t>(sqlite3_column_int64(statement, 8));
        std::int64_t protocol = sqlite3_column_int64(statement, 9);
        event.protocol = protocol == 1 ? Protocol::Tcp : protocol == 2 ? Protocol::Udp : Protocol::Any;
        if (sqlite3_column_type(statement, 10) != SQLITE_NULL)
            event.ruleId = std::bit_cast<RuleId>(sqlite3_column_int64(statement, 10));
        event.explanation = text(11);
        event.container = text(12);
        event.claimedHost = text(13);
        event.claimedBy = text(14);
        events.push_back(std::move(event));
    }
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    if (rc != SQLITE_DONE)
        return sqliteError(db_.get(), "read events");
    return events;
}

Result<std::size_t> EventLog::prune(TimePoint now)
{
    std::size_t removed = 0;
    auto run = [&](sqlite3_stmt* statement, std::int64_t parameter) -> Result<void> {
        sqlite3_reset(statement);
        sqlite3_bind_int64(statement, 1, parameter);
        int rc = sqlite3_step(statement);
        sqlite3_reset(statement);
        if (rc != SQLITE_DONE)
            return sqliteError(db_.get(), "prune events");
        removed += static_cast<std::size_t>(sqlite3_changes(db_.get()));
        return Ok{};
    };
    if (retention_.maxAge > Seconds::zero()) {
        if (Result<void> pruned = run(pruneByAge_.get(), toStoredTime(now - retention_.maxAge)); !pruned)
            return pruned.error();
    }
    if (retention_.maxEvents > 0) {
        auto keep = static_cast<std::int64_t>(std::min<std::size_t>(retention_.maxEvents, INT64_MAX));
        if (Result<void> pruned = run(pruneByCount_.get(), keep); !pruned)
            return pruned.error();
    }
    return removed;
}

} // namespace hostgate
