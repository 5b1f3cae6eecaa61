// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the connection log: append, newest-first queries with filters, retention, persistence.
#include "store/event_log.h"

#include <QtTest>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

using namespace hostgate;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

const TimePoint t0 = TimePoint{sys_days{year{2026} / 11 / 23}};

ConnectionEvent makeEvent(TimePoint time, Outcome verdict, std::string app, std::string host)
{
    ConnectionEvent e;
    e.time = time;
    e.verdict = verdict;
    e.appPath = std::move(app);
    e.pid = 4242;
    e.uid = 1000;
    e.host = std::move(host);
    e.address = "203.0.113.10";
    e.port = 443;
    e.protocol = Protocol::Tcp;
    e.explanation = "default action";
    return e;
}

EventLog openLog(const fs::path& path, Retention retention = {})
{
    Result<EventLog> log = EventLog::open(path, retention);
    if (!log.ok())
        qFatal("cannot open event log: %s", log.error().describe().c_str());
    return std::move(log).value();
}

std::vector<std::string> hostsOf(const std::vector<ConnectionEvent>& events)
{
    std::vector<std::string> hosts;
    for (const ConnectionEvent& e : events)
        hosts.push_back(e.host);
    return hosts;
}

using Hosts = std::vector<std::string>;

// Three apps, four events a minute apart: a(allowed) b(denied) c(asked) d(denied).
void fillSample(EventLog& log)
{
    for (const ConnectionEvent& e : {makeEvent(t0, Outcome::Allowed, "/usr/bin/curl", "a.example.com"),
                                     makeEvent(t0 + minutes{1}, Outcome::Denied, "/usr/bin/wget", "b.example.org"),
                                     makeEvent(t0 + minutes{2}, Outcome::Asked, "/usr/bin/python3", "c.example.com"),
                                     makeEvent(t0 + minutes{3}, Outcome::Denied, "/usr/bin/curl", "d.test")}) {
        if (!log.append(e).ok())
            qFatal("append failed");
    }
}

} // namespace

Q_DECLARE_METATYPE(hostgate::EventFilter)

class EventLogTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    int counter_ = 0;
    fs::path freshPath()
    {
        return fs::path(dir_.path().toStdString()) / ("events-" + std::to_string(++counter_) + ".db");
    }

private slots:
    void appendedEventComesBackWithEveryField()
    {
        EventLog log = openLog(freshPath());
        ConnectionEvent e = makeEvent(t0 + nanoseconds{123456789}, Outcome::Denied, "/usr/bin/curl", "bücher.example");
        e.pid = -1;
        e.uid = 4294967295u;
        e.address = "2001:db8::1";
        e.port = 65535;
        e.protocol = Protocol::Udp;
        e.ruleId = RuleId{1} << 63 | 77; // admin rule ids use the top bit
        e.explanation = "rule #12 deny *.example";
        Result<std::int64_t> id = log.append(e);
        QVERIFY(id.ok());
        e.id = *id;

        Result<std::vector<ConnectionEvent>> events = log.recent(10);
        QVERIFY(events.ok());
        QCOMPARE(events->size(), std::size_t{1});
        QVERIFY(events->front() == e);
    }

    void eventWithoutRuleHasNoRuleId()
    {
        EventLog log = openLog(freshPath());
        QVERIFY(log.append(makeEvent(t0, Outcome::Allowed, "/a", "h")).ok());
        QVERIFY(!log.recent(1)->front().ruleId.has_value());
    }

    void idsGrowWithEachAppend()
    {
        EventLog log = openLog(freshPath());
        std::int64_t first = *log.append(makeEvent(t0, Outcome::Allowed, "/a", "h"));
        std::int64_t second = *log.append(makeEvent(t0, Outcome::Allowed, "/a", "h"));
        QVERIFY(second > first);
    }

    void recentIsNewestFirstAndLimited()
    {
        EventLog log = openLog(freshPath());
        fillSample(log);
        QCOMPARE(hostsOf(*log.recent(10)), (Hosts{"d.test", "c.example.com", "b.example.org", "a.example.com"}));
        QCOMPARE(hostsOf(*log.recent(2)), (Hosts{"d.test", "c.example.com"}));
        QVERIFY(log.recent(0)->empty());
    }

    void pagesAfterAPositionContinueOlderWithoutGapsOrRepeats()
    {
        EventLog log = openLog(freshPath());
        fillSample(log);
        // Two events at the same instant: the id orders them.
        QVERIFY(log.append(makeEvent(t0 + minutes{3}, Outcome::Allowed, "/usr/bin/curl", "e.test")).ok());
        const auto first = *log.recent(2);
        QCOMPARE(hostsOf(first), (Hosts{"e.test", "d.test"}));
        EventFilter after;
        after.before = EventFilter::Position{first.back().time, first.back().id};
        const auto second = *log.recent(2, after);
        QCOMPARE(hostsOf(second), (Hosts{"c.example.com", "b.example.org"}));
        after.before = EventFilter::Position{second.back().time, second.back().id};
        QCOMPARE(hostsOf(*log.recent(2, after)), (Hosts{"a.example.com"}));
    }

    void filtersSelectMatchingEvents_data()
    {
        QTest::addColumn<EventFilter>("filter");
        QTest::addColumn<Hosts>("expected");
        QTest::newRow("no filter") << EventFilter{}
                                   << Hosts{"d.test", "c.example.com", "b.example.org", "a.example.com"};
        QTest::newRow("app substring") << EventFilter{"curl", "", std::nullopt, std::nullopt, std::nullopt}
                                       << Hosts{"d.test", "a.example.com"};
        QTest::newRow("host substring ignores case")
            << EventFilter{"", "EXAMPLE.COM", std::nullopt, std::nullopt, std::nullopt}
            << Hosts{"c.example.com", "a.example.com"};
        QTest::newRow("verdict") << EventFilter{"", "", Outcome::Denied, std::nullopt, std::nullopt}
                                 << Hosts{"d.test", "b.example.org"};
        QTest::newRow("since is inclusive")
            << EventFilter{"", "", std::nullopt, t0 + minutes{2}, std::nullopt} << Hosts{"d.test", "c.example.com"};
        QTest::newRow("combined") << EventFilter{"curl", "", Outcome::Denied, t0, std::nullopt} << Hosts{"d.test"};
        QTest::newRow("nothing matches") << EventFilter{"firefox", "", std::nullopt, std::nullopt, std::nullopt}
                                         << Hosts{};
        QTest::newRow("LIKE wildcards are literal")
            << EventFilter{"%", "_", std::nullopt, std::nullopt, std::nullopt} << Hosts{};
    }
    void filtersSelectMatchingEvents()
    {
        QFETCH(EventFilter, filter);
        QFETCH(Hosts, expected);
        EventLog log = openLog(freshPath());
        fillSample(log);
        Result<std::vector<ConnectionEvent>> events = log.recent(100, filter);
        QVERIFY(events.ok());
        QCOMPARE(hostsOf(*events), expected);
    }

    // The column keeps the names the D-Bus API and older databases use; only the code's side is typed.
    void verdictIsStoredByItsName()
    {
        const std::filesystem::path path = freshPath();
        {
            EventLog log = openLog(path);
            QVERIFY(log.append(makeEvent(t0, Outcome::Allowed, "/a", "h")).ok());
            QVERIFY(log.append(makeEvent(t0 + minutes{1}, Outcome::Denied, "/a", "h")).ok());
            QVERIFY(log.append(makeEvent(t0 + minutes{2}, Outcome::Asked, "/a", "h")).ok());
        }
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        std::string stored;
        auto collect = [](void* out, int, char** values, char**) {
            *static_cast<std::string*>(out) += std::string(values[0]) + " ";
            return 0;
        };
        QCOMPARE(sqlite3_exec(raw, "SELECT verdict FROM events ORDER BY id", collect, &stored, nullptr), SQLITE_OK);
        sqlite3_close(raw);
        QCOMPARE(stored, std::string("allowed denied asked "));
    }

    void pruneKeepsTheNewestMaxEvents()
    {
        EventLog log = openLog(freshPath(), Retention{2, Seconds::zero()});
        fillSample(log);
        Result<std::size_t> removed = log.prune(t0 + hours{24 * 365});
        QVERIFY(removed.ok());
        QCOMPARE(*removed, std::size_t{2});
        QCOMPARE(hostsOf(*log.recent(10)), (Hosts{"d.test", "c.example.com"}));
    }

    void pruneRemovesEventsOlderThanMaxAge()
    {
        EventLog log = openLog(freshPath(), Retention{0, minutes{2}});
        fillSample(log);
        Result<std::size_t> removed = log.prune(t0 + minutes{4});
        QVERIFY(removed.ok());
        QCOMPARE(*removed, std::size_t{2});
        QCOMPARE(hostsOf(*log.recent(10)), (Hosts{"d.test", "c.example.com"}));
    }

    void pruneWithinRetentionRemovesNothing()
    {
        EventLog log = openLog(freshPath(), Retention{10, hours{1}});
        fillSample(log);
        QCOMPARE(*log.prune(t0 + minutes{5}), std::size_t{0});
        QCOMPARE(log.recent(10)->size(), std::size_t{4});
    }

    void eventsPersistAcrossReopen()
    {
        fs::path path = freshPath();
        {
            EventLog log = openLog(path);
            fillSample(log);
        }
        EventLog reopened = openLog(path);
        QCOMPARE(reopened.recent(10)->size(), std::size_t{4});
        std::int64_t next = *reopened.append(makeEvent(t0 + minutes{9}, Outcome::Allowed, "/a", "e.test"));
        QCOMPARE(hostsOf(*reopened.recent(1)), Hosts{"e.test"});
        QVERIFY(next > reopened.recent(2)->back().id);
    }

    void corruptFileIsAnErrorNotACrash()
    {
        fs::path path = freshPath();
        std::ofstream(path, std::ios::binary) << std::string(8192, '\x5a') << "this is not an SQLite database";
        Result<EventLog> log = EventLog::open(path, {});
        QVERIFY(!log.ok());
        QVERIFY2(log.error().message.find("Failed to open event log " + path.string()) == 0,
                 log.error().message.c_str());
        QVERIFY2(log.error().message.find("not a database") != std::string::npos, log.error().message.c_str());
    }

    void unopenablePathIsAnError()
    {
        Result<EventLog> log = EventLog::open(freshPath() / "missing-dir" / "events.db", {});
        QVERIFY(!log.ok());
    }

    void databaseFromNewerSchemaIsRefused()
    {
        fs::path path = freshPath();
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        QCOMPARE(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
        Result<EventLog> log = EventLog::open(path, {});
        QVERIFY(!log.ok());
        QVERIFY2(log.error().message.find("schema version 99 is newer") != std::string::npos,
                 log.error().message.c_str());
    }

    void movedLogKeepsWorking()
    {
        EventLog first = openLog(freshPath());
        EventLog second = std::move(first);
        QVERIFY(second.append(makeEvent(t0, Outcome::Allowed, "/a", "h")).ok());
        QCOMPARE(second.recent(5)->size(), std::size_t{1});
    }
};

QTEST_GUILESS_MAIN(EventLogTest)
#include "event_log_test.moc"
