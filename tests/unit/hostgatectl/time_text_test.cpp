// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's time syntax: ISO 8601 instants in and out, durations, --until and --since.
#include "time_text.h"

#include <QTest>

using namespace hostgate;
using namespace hostgate::ctl;

namespace {

TimePoint at(std::int64_t seconds)
{
    return Clock::from_time_t(static_cast<std::time_t>(seconds));
}

constexpr std::int64_t nov23_10h = 1795428000; // 2026-11-23T10:00:00Z

} // namespace

class TimeTextTest : public QObject {
    Q_OBJECT

private slots:
    void instantsPrintAsUtcIso8601WithSeconds()
    {
        QCOMPARE(formatIso8601(nov23_10h * 1000000), std::string("2026-11-23T10:00:00Z"));
        QCOMPARE(formatIso8601(nov23_10h * 1000000 + 999999), std::string("2026-11-23T10:00:00Z"));
        QCOMPARE(formatIso8601(0), std::string("1970-01-01T00:00:00Z"));
        QCOMPARE(formatIso8601(-1), std::string("1969-12-31T23:59:59Z"));
    }

    void iso8601WithZoneParsesToTheSameInstant_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("Z") << "2026-11-23T10:00:00Z";
        QTest::newRow("lower z") << "2026-11-23t10:00:00z";
        QTest::newRow("space") << "2026-11-23 10:00:00Z";
        QTest::newRow("no seconds") << "2026-11-23T10:00Z";
        QTest::newRow("positive offset") << "2026-11-23T11:00:00+01:00";
        QTest::newRow("negative offset without colon") << "2026-11-23T05:00:00-0500";
    }

    void iso8601WithZoneParsesToTheSameInstant()
    {
        QFETCH(QString, text);
        const auto parsed = parseIso8601(text.toStdString());
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().describe().c_str());
        QCOMPARE(Clock::to_time_t(*parsed), static_cast<std::time_t>(nov23_10h));
    }

    void iso8601WithoutZoneIsLocalTime()
    {
        qputenv("TZ", "UTC+02"); // POSIX: two hours west of UTC
        tzset();
        const auto parsed = parseIso8601("2026-11-23T08:00:00");
        QVERIFY(parsed.ok());
        QCOMPARE(Clock::to_time_t(*parsed), static_cast<std::time_t>(nov23_10h));
        qunsetenv("TZ");
        tzset();
    }

    void malformedInstantsAreRejected_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("words") << "tomorrow";
        QTest::newRow("month 13") << "2026-13-01T00:00:00Z";
        QTest::newRow("February 31") << "2026-02-31T00:00:00Z";
        QTest::newRow("hour 24") << "2026-11-23T24:00:00Z";
        QTest::newRow("trailing junk") << "2026-11-23T10:00:00Zx";
        QTest::newRow("bad offset") << "2026-11-23T10:00:00+1";
        QTest::newRow("short year") << "26-11-23";
    }

    void malformedInstantsAreRejected()
    {
        QFETCH(QString, text);
        QVERIFY(!parseIso8601(text.toStdString()).ok());
    }

    void durationsSumTheirTerms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("seconds");
        QTest::newRow("seconds") << "90s" << qint64{90};
        QTest::newRow("minutes") << "15m" << qint64{900};
        QTest::newRow("hours and minutes") << "1h30m" << qint64{5400};
        QTest::newRow("days") << "2d" << qint64{172800};
        QTest::newRow("week") << "1w" << qint64{604800};
    }

    void durationsSumTheirTerms()
    {
        QFETCH(QString, text);
        QFETCH(qint64, seconds);
        const auto parsed = parseDuration(text.toStdString());
        QVERIFY(parsed.ok());
        QCOMPARE(static_cast<qint64>(parsed->count()), seconds);
    }

    void malformedDurationsAreRejected_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("no unit") << "15";
        QTest::newRow("unknown unit") << "3y";
        QTest::newRow("zero") << "0s";
        QTest::newRow("negative") << "-5m";
        QTest::newRow("absurd") << "99999999999w";
    }

    void malformedDurationsAreRejected()
    {
        QFETCH(QString, text);
        QVERIFY(!parseDuration(text.toStdString()).ok());
    }

    void untilWithPlusCountsFromNow()
    {
        const auto until = parseUntil("+2h", at(nov23_10h));
        QVERIFY(until.ok());
        QCOMPARE(Clock::to_time_t(*until), static_cast<std::time_t>(nov23_10h + 7200));
    }

    void untilWithoutPlusIsAnInstant()
    {
        const auto until = parseUntil("2026-11-23T10:00:00Z", at(0));
        QVERIFY(until.ok());
        QCOMPARE(Clock::to_time_t(*until), static_cast<std::time_t>(nov23_10h));
    }

    void sinceDurationCountsBackFromNow()
    {
        for (const char* text : {"15m", "-15m"}) {
            const auto since = parseSince(text, at(nov23_10h));
            QVERIFY(since.ok());
            QCOMPARE(Clock::to_time_t(*since), static_cast<std::time_t>(nov23_10h - 900));
        }
    }

    void sinceAcceptsAnInstant()
    {
        const auto since = parseSince("2026-11-23T10:00:00Z", at(0));
        QVERIFY(since.ok());
        QCOMPARE(Clock::to_time_t(*since), static_cast<std::time_t>(nov23_10h));
    }
};

QTEST_GUILESS_MAIN(TimeTextTest)
#include "time_text_test.moc"
