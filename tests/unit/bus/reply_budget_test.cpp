// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the reply budgets: byte bounds of records, cut records, pages and connection cursors.
#include "bus/reply_budget.h"

#include <sdbus-c++/sdbus-c++.h>

#include <QTest>

#include <string>

using namespace hostgate;

namespace {

Rule ruleWithNote(std::string note)
{
    Rule rule;
    rule.id = 7;
    rule.note = std::move(note);
    return rule;
}

} // namespace

class ReplyBudgetTest : public QObject {
    Q_OBJECT

private slots:
    void wireBoundCountsEveryKeyAndStringAndStaysClose()
    {
        const auto record = ruleToRecord(ruleWithNote(std::string(3000, 'x')));
        std::size_t payload = 0;
        for (const auto& [key, value] : record)
            payload += key.size() + (value.peekValueType() == "s" ? value.get<std::string>().size() : 1);
        const std::size_t bound = recordWireBytes(record);
        QVERIFY(bound >= payload);
        QVERIFY(bound < payload + 64 * record.size());
    }

    void smallRecordIsNotCut()
    {
        auto record = ruleToRecord(ruleWithNote("build server"));
        QVERIFY(!boundRecord(record));
        QVERIFY(!record.contains("truncated"));
        QCOMPARE(record.at("note").get<std::string>(), std::string("build server"));
    }

    void hugeNoteIsCutAtAUtf8BoundaryAndMarkedTruncated()
    {
        std::string note;
        while (note.size() < 33 * 1024 * 1024)
            note += "\xc3\xa9"; // é: two bytes, so a cut in the middle is possible
        auto record = ruleToRecord(ruleWithNote(note));
        QVERIFY(boundRecord(record));
        QVERIFY(record.at("truncated").get<bool>());
        const auto cut = record.at("note").get<std::string>();
        QVERIFY(cut.size() <= truncatedStringBytes + 3);
        QVERIFY(cut.ends_with("\xe2\x80\xa6"));
        QCOMPARE(cut.substr(0, 4), std::string("\xc3\xa9\xc3\xa9"));
        QCOMPARE((cut.size() - 3) % 2, std::size_t{0}); // whole é characters only
        QVERIFY(recordWireBytes(record) <= maxRecordBytes);
        // sd-bus refuses invalid UTF-8, so serializing it again proves the cut is valid.
        const sdbus::Variant again(cut);
        QCOMPARE(again.get<std::string>(), cut);
    }

    void pageStopsAtTheByteBoundButHoldsAtLeastOneRecord()
    {
        const auto recordAt = [](std::size_t) { return ruleToRecord(ruleWithNote(std::string(4000, 'n'))); };
        const auto page = buildPage(1000, recordAt, 64 * 1024);
        QVERIFY(!page.complete);
        QVERIFY(page.records.size() >= 10 && page.records.size() < 17);
        QVERIFY(page.bytes <= 64 * 1024);
        const auto tiny = buildPage(5, recordAt, 10);
        QCOMPARE(tiny.records.size(), std::size_t{1});
    }

    void pageOfFewRecordsIsComplete()
    {
        const auto page = buildPage(
            3, [](std::size_t i) { return ruleToRecord(ruleWithNote(std::to_string(i))); }, maxPageBytes);
        QVERIFY(page.complete);
        QCOMPARE(page.records.size(), std::size_t{3});
        QCOMPARE(page.records[2].at("note").get<std::string>(), std::string("2"));
    }

    void pageLimitHasADefaultAndACeiling()
    {
        QCOMPARE(clampPageLimit(0), defaultPageLimit);
        QCOMPARE(clampPageLimit(7), std::size_t{7});
        QCOMPARE(clampPageLimit(1'000'000), maxPageLimit);
        QVERIFY(maxPageLimit <= 500); // one page must not hold the daemon's loop for long
    }

    void connectionCursorRoundTripsIntoTheFilter()
    {
        ConnectionEvent event;
        event.id = 42;
        event.time =
            TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(1'700'000'000'123'456'789)));
        const auto filter = pagedEventFilterFromRecord({{"cursor", sdbus::Variant(connectionCursorAfter(event))},
                                                        {"verdict", sdbus::Variant(std::string("denied"))}});
        QVERIFY(filter.ok());
        QVERIFY(filter->before.has_value());
        QCOMPARE(filter->before->id, std::int64_t{42});
        QVERIFY(filter->before->time == event.time);
        QVERIFY(*filter->verdict == Outcome::Denied);
    }

    void emptyCursorIsTheStart()
    {
        const auto filter = pagedEventFilterFromRecord({{"cursor", sdbus::Variant(std::string())}});
        QVERIFY(filter.ok());
        QVERIFY(!filter->before.has_value());
    }

    void malformedCursorIsAnInvalidArgument_data()
    {
        QTest::addColumn<QString>("cursor");
        QTest::newRow("no colon") << "12345";
        QTest::newRow("letters") << "12:ab";
        QTest::newRow("trailing") << "12:34:56";
        QTest::newRow("empty parts") << ":";
    }

    void malformedCursorIsAnInvalidArgument()
    {
        QFETCH(QString, cursor);
        const auto filter = pagedEventFilterFromRecord({{"cursor", sdbus::Variant(cursor.toStdString())}});
        QVERIFY(!filter.ok());
        QCOMPARE(filter.error().code, std::string(control_error::invalidArgument));
    }

    void cursorOfTheWrongTypeIsAnInvalidArgument()
    {
        const auto filter = pagedEventFilterFromRecord({{"cursor", sdbus::Variant(std::uint32_t{3})}});
        QVERIFY(!filter.ok());
        QCOMPARE(filter.error().code, std::string(control_error::invalidArgument));
    }
};

QTEST_GUILESS_MAIN(ReplyBudgetTest)
#include "reply_budget_test.moc"
