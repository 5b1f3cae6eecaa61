// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of FlowBook: the latest decision per app and destination, bounded, newest first.
#include "traffic/flow_book.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint start = TimePoint{} + std::chrono::hours(480000);

FlowBookKey keyTo(std::string_view address, std::uint16_t port = 443, std::uint64_t process = 0)
{
    return FlowBookKey{0xfe00, 4711, process, 1000, *IpAddress::parse(address), port, Protocol::Tcp};
}

FlowDecision decided(Outcome verdict, TimePoint at, std::optional<RuleId> rule = std::nullopt)
{
    FlowDecision decision;
    decision.verdict = verdict;
    decision.ruleId = rule;
    decision.app = "/usr/bin/curl";
    decision.script = "";
    decision.host = "example.test";
    decision.at = at;
    return decision;
}

} // namespace

class FlowBookTest : public QObject {
    Q_OBJECT

private slots:
    void findsTheLatestDecisionForExactlyThatKey()
    {
        FlowBook book;
        book.record(keyTo("203.0.113.1"), decided(Outcome::Denied, start, 3));
        book.record(keyTo("203.0.113.1"), decided(Outcome::Allowed, start + std::chrono::seconds(1), 4));
        const FlowDecision* found = book.find(keyTo("203.0.113.1"));
        QVERIFY(found);
        QVERIFY(found->verdict == Outcome::Allowed);
        QCOMPARE(found->ruleId.value_or(0), RuleId{4});
        QCOMPARE(book.size(), std::size_t{1});
        // Another port, another process image or another address is another flow.
        QVERIFY(!book.find(keyTo("203.0.113.1", 80)));
        QVERIFY(!book.find(keyTo("203.0.113.1", 443, 42)));
        QVERIFY(!book.find(keyTo("203.0.113.2")));
    }

    void forgetsTheLeastRecentlyDecidedWhenFull()
    {
        FlowBook book(2);
        book.record(keyTo("203.0.113.1"), decided(Outcome::Allowed, start));
        book.record(keyTo("203.0.113.2"), decided(Outcome::Allowed, start));
        book.record(keyTo("203.0.113.1"), decided(Outcome::Allowed, start)); // .1 is now the most recent
        book.record(keyTo("203.0.113.3"), decided(Outcome::Allowed, start));
        QCOMPARE(book.size(), std::size_t{2});
        QVERIFY(book.find(keyTo("203.0.113.1")));
        QVERIFY(!book.find(keyTo("203.0.113.2")));
        QVERIFY(book.find(keyTo("203.0.113.3")));
    }

    void listsRecentDecisionsOfOneVerdictNewestFirst()
    {
        FlowBook book;
        book.record(keyTo("203.0.113.1"), decided(Outcome::Denied, start));
        book.record(keyTo("203.0.113.2"), decided(Outcome::Allowed, start + std::chrono::seconds(1)));
        book.record(keyTo("203.0.113.3"), decided(Outcome::Denied, start + std::chrono::seconds(2)));
        book.record(keyTo("203.0.113.4"), decided(Outcome::Denied, start + std::chrono::seconds(3)));

        auto denied = book.recent(Outcome::Denied, start + std::chrono::seconds(1), 10);
        QCOMPARE(denied.size(), std::size_t{2}); // .1 is older than `since`, .2 was allowed
        QCOMPARE(denied[0].first.address.toString(), std::string("203.0.113.4"));
        QCOMPARE(denied[1].first.address.toString(), std::string("203.0.113.3"));
        QCOMPARE(book.recent(Outcome::Denied, start, 1).size(), std::size_t{1});
        // A later allow replaces a denial: the flow is no longer listed as refused.
        book.record(keyTo("203.0.113.4"), decided(Outcome::Allowed, start + std::chrono::seconds(4)));
        QCOMPARE(book.recent(Outcome::Denied, start, 10).size(), std::size_t{2});
    }
};

QTEST_GUILESS_MAIN(FlowBookTest)
#include "flow_book_test.moc"
