// SPDX-License-Identifier: GPL-3.0-or-later
// EventLog: the connection history (allowed, denied, asked) in SQLite, bounded by count and age.
#pragma once

#include "decision/outcome.h"
#include "rules/rule.h"
#include "util/result.h"
#include "util/time.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace hostgate {

struct ConnectionEvent {
    std::int64_t id = 0; // assigned by append()
    TimePoint time{};
    Outcome verdict = Outcome::Allowed; // stored as its name ("allowed", "denied", "asked")
    std::string appPath;
    std::int32_t pid = 0;
    std::uint32_t uid = 0;
    std::string host; // normalized name the address was reached by; empty when unknown
    std::string address;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Any;
    std::optional<RuleId> ruleId; // the rule that decided; nullopt for the default action or a prompt
    std::string explanation;
    // The cgroup of a process in another network namespace than the daemon's (a container, e.g.
    // "/system.slice/docker-<id>.scope"); empty for the host's own processes.
    std::string container;
    // The name the connection's first payload claimed, when DNS gave its address none (empty: no claim), and
    // where it came from: "tls-sni", "http-host" or "quic-sni", with "+ech" for an encrypted ClientHello.
    std::string claimedHost;
    std::string claimedBy;
    // The scope (hostgatectl run / attach) the process was in, 0: none. Not stored in the log: it names a scope
    // that lives only as long as the daemon; it is sent with the ConnectionEvent signal.
    std::uint64_t scope = 0;

    bool operator==(const ConnectionEvent&) const = default;
};

// Empty fields do not filter. Substring matches are case-sensitive for the app path and case-insensitive
// for the host.
struct EventFilter {
    std::string appContains;
    std::string hostContains;
    std::optional<Outcome> verdict;
    std::optional<TimePoint> since; // events at or after this instant
    // Paging (newest first): only events after this (time, id) position in that order, i.e. older ones.
    struct Position {
        TimePoint time{};
        std::int64_t id = 0;
        bool operator==(const Position&) const = default;
    };
    std::optional<Position> before;
};

struct Retention {
    std::size_t maxEvents = 100000;               // 0: no count limit
    Seconds maxAge = std::chrono::hours{24 * 30}; // zero: no age limit
};

// Owned and used by one thread (the daemon's loop); not safe for concurrent calls.
class EventLog {
public:
    // Opens or creates the database (WAL journal, busy timeout) and migrates its schema. A file that is not
    // a hostgate event database, or one written by a newer schema, is an error, never a crash.
    static Result<EventLog> open(const std::filesystem::path& path, Retention retention);

    EventLog(EventLog&&) noexcept;
    EventLog& operator=(EventLog&&) noexcept;
    ~EventLog();

    // Stores the event (its `id` is ignored) and returns the id it got. Ids grow with every append.
    Result<std::int64_t> append(const ConnectionEvent& event);

    // Up to `limit` matching events, newest first (by time, then id).
    Result<std::vector<ConnectionEvent>> recent(std::size_t limit, const EventFilter& filter = {}) const;

    // Deletes events older than now - maxAge, then all but the newest maxEvents; returns how many went.
    Result<std::size_t> prune(TimePoint now);

    const Retention& retention() const { return retention_; }

    static constexpr int schemaVersion = 3;

private:
    struct DatabaseCloser {
        void operator()(sqlite3* db) const;
    };
    struct StatementFinalizer {
        void operator()(sqlite3_stmt* statement) const;
    };
    using Database = std::unique_ptr<sqlite3, DatabaseCloser>;
    using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

    EventLog(Database db, Retention retention);
    Result<void> prepareStatements();

    // Declared before the statements: members are destroyed in reverse, so statements finalize first.
    Database db_;
    Retention retention_;
    Statement insert_;
    Statement select_; // reset after every use; recent() is logically const
    Statement pruneByAge_;
    Statement pruneByCount_;
};

} // namespace hostgate
