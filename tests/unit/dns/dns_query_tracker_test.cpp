// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of query tracking: only the response to a query we saw, from the server it went to, counts.
#include "dns/dns_query_tracker.h"

#include <QTest>

using namespace hostgate;

namespace {

IpAddress ip(const char* text)
{
    return *IpAddress::parse(text);
}

const TimePoint start = TimePoint{} + std::chrono::hours(1000);

DnsFlow flow()
{
    return DnsFlow{ip("198.51.100.7"), 40000, ip("198.51.100.53"), 53, Protocol::Udp};
}

DnsMessage queryFor(std::uint16_t id, const std::string& name, std::uint16_t type = dns_type::A)
{
    DnsMessage message;
    message.id = id;
    message.questions = {DnsQuestion{name, type, 1}};
    return message;
}

DnsMessage responseTo(DnsMessage query)
{
    query.isResponse = true;
    query.answers = {DnsRecord{query.questions[0].name, dns_type::A, 300, *IpAddress::parse("203.0.113.10")}};
    return query;
}

} // namespace

class DnsQueryTrackerTest : public QObject {
    Q_OBJECT

private slots:
    void responseMatchingAnOutstandingQueryIsAccepted()
    {
        DnsQueryTracker tracker;
        tracker.onQuery(flow(), queryFor(0x1111, "www.example.com"), start);
        const auto matched =
            tracker.matchResponse(flow(), responseTo(queryFor(0x1111, "www.example.com")), start + Seconds{1});
        QVERIFY(matched.has_value());
        QCOMPARE(matched->id, 0x1111);
        QVERIFY(matched->flow == flow());
        QVERIFY(matched->sentAt == start);
        QCOMPARE(tracker.size(), 0u);
    }

    void responseThatDiffersFromTheQueryIsRejected_data()
    {
        QTest::addColumn<int>("field");
        QTest::newRow("dnsAnswerWithWrongTransactionIdIsRejected") << 0;
        QTest::newRow("dnsAnswerFromWrongServerAddressIsRejected") << 1;
        QTest::newRow("dnsAnswerFromWrongServerPortIsRejected") << 2;
        QTest::newRow("dnsAnswerToWrongClientPortIsRejected") << 3;
        QTest::newRow("dnsAnswerToWrongClientAddressIsRejected") << 4;
        QTest::newRow("dnsAnswerOverWrongProtocolIsRejected") << 5;
        QTest::newRow("dnsAnswerForWrongQuestionNameIsRejected") << 6;
        QTest::newRow("dnsAnswerForWrongQuestionTypeIsRejected") << 7;
    }

    void responseThatDiffersFromTheQueryIsRejected()
    {
        QFETCH(int, field);
        DnsQueryTracker tracker;
        tracker.onQuery(flow(), queryFor(0x1111, "www.example.com"), start);

        DnsFlow responseFlow = flow();
        DnsMessage response = responseTo(queryFor(0x1111, "www.example.com"));
        switch (field) {
        case 0:
            response.id = 0x1112;
            break;
        case 1:
            responseFlow.server = ip("203.0.113.53");
            break;
        case 2:
            responseFlow.serverPort = 5353;
            break;
        case 3:
            responseFlow.clientPort = 40001;
            break;
        case 4:
            responseFlow.client = ip("198.51.100.8");
            break;
        case 5:
            responseFlow.protocol = Protocol::Tcp;
            break;
        case 6:
            response.questions[0].name = "www.example.org";
            break;
        case 7:
            response.questions[0].type = dns_type::AAAA;
            break;
        }
        QVERIFY(!tracker.matchResponse(responseFlow, response, start + Seconds{1}).has_value());
        QCOMPARE(tracker.size(), 1u); // a spoofing attempt does not cancel the real query
    }

    void responseArrivingAfterTheTimeoutIsRejected()
    {
        DnsQueryTracker tracker(DnsQueryTracker::Config{Seconds{10}, 16});
        tracker.onQuery(flow(), queryFor(1, "www.example.com"), start);
        QVERIFY(!tracker.matchResponse(flow(), responseTo(queryFor(1, "www.example.com")), start + Seconds{10})
                     .has_value());
    }

    void responseArrivingJustBeforeTheTimeoutIsAccepted()
    {
        DnsQueryTracker tracker(DnsQueryTracker::Config{Seconds{10}, 16});
        tracker.onQuery(flow(), queryFor(1, "www.example.com"), start);
        QVERIFY(tracker
                    .matchResponse(flow(), responseTo(queryFor(1, "www.example.com")),
                                   start + Seconds{10} - std::chrono::milliseconds{1})
                    .has_value());
    }

    void duplicateResponseIsRejected()
    {
        DnsQueryTracker tracker;
        tracker.onQuery(flow(), queryFor(1, "www.example.com"), start);
        const DnsMessage response = responseTo(queryFor(1, "www.example.com"));
        QVERIFY(tracker.matchResponse(flow(), response, start + Seconds{1}).has_value());
        QVERIFY(!tracker.matchResponse(flow(), response, start + Seconds{1}).has_value());
    }

    void queryPacketIsNeverAcceptedAsAResponse()
    {
        DnsQueryTracker tracker;
        tracker.onQuery(flow(), queryFor(1, "www.example.com"), start);
        QVERIFY(!tracker.matchResponse(flow(), queryFor(1, "www.example.com"), start).has_value());
    }

    void responseSeenWithoutAQueryIsNotTracked()
    {
        DnsQueryTracker tracker;
        tracker.onQuery(flow(), responseTo(queryFor(1, "www.example.com")), start);
        QCOMPARE(tracker.size(), 0u);
    }

    void retransmittedQueryIsTrackedOnceWithAFreshDeadline()
    {
        DnsQueryTracker tracker(DnsQueryTracker::Config{Seconds{10}, 16});
        tracker.onQuery(flow(), queryFor(1, "www.example.com"), start);
        tracker.onQuery(flow(), queryFor(1, "www.example.com"), start + Seconds{5});
        QCOMPARE(tracker.size(), 1u);
        QVERIFY(
            tracker.matchResponse(flow(), responseTo(queryFor(1, "www.example.com")), start + Seconds{12}).has_value());
    }

    void parallelQueriesOnOneSocketAreMatchedIndependently()
    {
        DnsQueryTracker tracker;
        tracker.onQuery(flow(), queryFor(1, "www.example.com", dns_type::A), start);
        tracker.onQuery(flow(), queryFor(2, "www.example.com", dns_type::AAAA), start);
        QVERIFY(tracker.matchResponse(flow(), responseTo(queryFor(2, "www.example.com", dns_type::AAAA)), start)
                    .has_value());
        QVERIFY(
            tracker.matchResponse(flow(), responseTo(queryFor(1, "www.example.com", dns_type::A)), start).has_value());
    }

    void oldestQueryIsForgottenWhenTheTrackerIsFull()
    {
        DnsQueryTracker tracker(DnsQueryTracker::Config{Seconds{10}, 2});
        tracker.onQuery(flow(), queryFor(1, "a.example.com"), start);
        tracker.onQuery(flow(), queryFor(2, "b.example.com"), start + Seconds{1});
        tracker.onQuery(flow(), queryFor(3, "c.example.com"), start + Seconds{2});
        QCOMPARE(tracker.size(), 2u);
        QVERIFY(
            !tracker.matchResponse(flow(), responseTo(queryFor(1, "a.example.com")), start + Seconds{3}).has_value());
        QVERIFY(
            tracker.matchResponse(flow(), responseTo(queryFor(3, "c.example.com")), start + Seconds{3}).has_value());
    }

    void expireForgetsQueriesPastTheirTimeout()
    {
        DnsQueryTracker tracker(DnsQueryTracker::Config{Seconds{10}, 16});
        tracker.onQuery(flow(), queryFor(1, "a.example.com"), start);
        tracker.onQuery(flow(), queryFor(2, "b.example.com"), start + Seconds{5});
        tracker.expire(start + Seconds{11});
        QCOMPARE(tracker.size(), 1u);
    }
};

QTEST_APPLESS_MAIN(DnsQueryTrackerTest)
#include "dns_query_tracker_test.moc"
