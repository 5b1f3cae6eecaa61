// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of DNS-over-TCP framing: splitting buffers, framing answers, reassembling segments.
#include "dns/dns_tcp_stream.h"

#include <QTest>

#include <cstdint>
#include <vector>

using namespace hostgate;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes framed(const Bytes& message)
{
    auto result = frameDnsTcpMessage(message);
    if (!result.ok())
        qFatal("cannot frame fixture");
    return *result;
}

Bytes concat(Bytes first, const Bytes& second)
{
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

const Bytes firstMessage(20, 0x11);
const Bytes secondMessage(300, 0x22);

} // namespace

class DnsTcpStreamTest : public QObject {
    Q_OBJECT

private slots:
    void twoMessagesInOneBufferAreSplitApart()
    {
        const Bytes stream = concat(framed(firstMessage), framed(secondMessage));
        const auto messages = splitDnsTcpStream(stream);
        QVERIFY(messages.ok());
        QCOMPARE(messages->size(), 2u);
        QVERIFY(Bytes((*messages)[0].begin(), (*messages)[0].end()) == firstMessage);
        QVERIFY(Bytes((*messages)[1].begin(), (*messages)[1].end()) == secondMessage);
    }

    void partialMessageAtTheEndOfABufferIsAnError()
    {
        Bytes stream = concat(framed(firstMessage), framed(secondMessage));
        stream.pop_back();
        QVERIFY(!splitDnsTcpStream(stream).ok());
    }

    void lonePrefixByteAtTheEndOfABufferIsAnError()
    {
        Bytes stream = framed(firstMessage);
        stream.push_back(0);
        QVERIFY(!splitDnsTcpStream(stream).ok());
    }

    void zeroLengthMessageIsAnError() { QVERIFY(!splitDnsTcpStream(concat(framed(firstMessage), Bytes{0, 0})).ok()); }

    void framingRejectsMessagesLargerThan65535Bytes()
    {
        QVERIFY(frameDnsTcpMessage(Bytes(65535, 1)).ok());
        QVERIFY(!frameDnsTcpMessage(Bytes(65536, 1)).ok());
    }

    void reassemblerCompletesAMessageSplitAcrossSegments()
    {
        const Bytes stream = framed(secondMessage);
        DnsTcpReassembler reassembler;
        const auto head = reassembler.feed(std::span(stream).first(100));
        QVERIFY(head.ok());
        QVERIFY(head->empty());
        QCOMPARE(reassembler.pendingBytes(), 100u);
        const auto tail = reassembler.feed(std::span(stream).subspan(100));
        QVERIFY(tail.ok());
        QCOMPARE(tail->size(), 1u);
        QVERIFY((*tail)[0] == secondMessage);
        QCOMPARE(reassembler.pendingBytes(), 0u);
    }

    void reassemblerAcceptsOneByteSegmentsIncludingASplitLengthPrefix()
    {
        const Bytes stream = concat(framed(firstMessage), framed(secondMessage));
        DnsTcpReassembler reassembler;
        std::vector<Bytes> messages;
        for (std::uint8_t byte : stream) {
            auto completed = reassembler.feed(std::span(&byte, 1));
            QVERIFY(completed.ok());
            messages.insert(messages.end(), completed->begin(), completed->end());
        }
        QCOMPARE(messages.size(), 2u);
        QVERIFY(messages[0] == firstMessage);
        QVERIFY(messages[1] == secondMessage);
    }

    void reassemblerReturnsEveryMessageOfASegmentAndKeepsThePartialRest()
    {
        const Bytes third = framed(Bytes(50, 0x33));
        const Bytes segment =
            concat(concat(framed(firstMessage), framed(secondMessage)), Bytes(third.begin(), third.begin() + 10));
        DnsTcpReassembler reassembler;
        const auto completed = reassembler.feed(segment);
        QVERIFY(completed.ok());
        QCOMPARE(completed->size(), 2u);
        QCOMPARE(reassembler.pendingBytes(), 10u);
        const auto rest = reassembler.feed(std::span(third).subspan(10));
        QVERIFY(rest.ok());
        QCOMPARE(rest->size(), 1u);
        QVERIFY((*rest)[0] == Bytes(50, 0x33));
    }

    void reassemblerNeverBuffersMoreThanOneMaximumSizeMessage()
    {
        DnsTcpReassembler reassembler;
        const Bytes flood(200000, 0xff); // every prefix reads 65535
        const auto completed = reassembler.feed(flood);
        QVERIFY(completed.ok());
        QCOMPARE(completed->size(), 3u); // 3 * 65537 bytes
        QVERIFY(reassembler.pendingBytes() <= 2u + 65535u);
    }

    void reassemblerStaysBrokenAfterAZeroLengthMessageUntilReset()
    {
        DnsTcpReassembler reassembler;
        QVERIFY(!reassembler.feed(Bytes{0, 0}).ok());
        QVERIFY(reassembler.failed());
        QVERIFY(!reassembler.feed(framed(firstMessage)).ok());
        reassembler.reset();
        const auto completed = reassembler.feed(framed(firstMessage));
        QVERIFY(completed.ok());
        QCOMPARE(completed->size(), 1u);
    }
};

QTEST_APPLESS_MAIN(DnsTcpStreamTest)
#include "dns_tcp_stream_test.moc"
