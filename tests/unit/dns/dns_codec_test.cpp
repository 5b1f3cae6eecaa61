// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of DNS decoding with ldns: what a packet becomes, what hostile packets do, local refusals.
#include "dns/dns_codec.h"
#include "dns_wire_fixture.h"

#include <QTest>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

using namespace hostgate;
using hostgate::test::DnsWireFixture;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes(std::initializer_list<int> values)
{
    Bytes result;
    for (int value : values)
        result.push_back(static_cast<std::uint8_t>(value));
    return result;
}

Bytes concat(Bytes first, const Bytes& second)
{
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

// id 0xabcd, flags QR+RD+RA, then the four section counts.
Bytes header(int questions, int answers)
{
    return bytes({0xab, 0xcd, 0x81, 0x80, questions >> 8, questions & 0xff, answers >> 8, answers & 0xff, 0, 0, 0, 0});
}

const Bytes wwwExampleComQuestion =
    bytes({3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1});

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

QString addressOf(const DnsRecord& record)
{
    return text(std::get<IpAddress>(record.data).toString());
}

} // namespace

Q_DECLARE_METATYPE(Bytes)

class DnsCodecTest : public QObject {
    Q_OBJECT

private slots:
    void queryIsDecodedWithIdQuestionAndFlags()
    {
        const auto message = decodeDnsMessage(test::query(0x4242, "www.example.com. IN AAAA").wire());
        QVERIFY2(message.ok(), message.ok() ? "" : message.error().message.c_str());
        QCOMPARE(message->id, 0x4242);
        QVERIFY(!message->isResponse);
        QVERIFY(!message->truncated);
        QCOMPARE(message->opcode, 0);
        QCOMPARE(message->questions.size(), 1u);
        QCOMPARE(text(message->questions[0].name), QStringLiteral("www.example.com"));
        QCOMPARE(message->questions[0].type, dns_type::AAAA);
        QCOMPARE(message->questions[0].qclass, 1);
        QVERIFY(message->answers.empty());
    }

    void responseKeepsAddressAndCnameAnswersWithTtlsInWireOrder()
    {
        const auto message = decodeDnsMessage(
            test::response(7, "www.example.com. IN A",
                           {"www.example.com. 300 IN CNAME edge.example.net.", "edge.example.net. 60 IN A 203.0.113.10",
                            "edge.example.net. 30 IN AAAA 2001:db8::10"})
                .wire());
        QVERIFY(message.ok());
        QVERIFY(message->isResponse);
        QCOMPARE(message->rcode, dns_rcode::NoError);
        QCOMPARE(message->answers.size(), 3u);
        QCOMPARE(message->answers[0].type, dns_type::CNAME);
        QCOMPARE(message->answers[0].ttl, 300u);
        QCOMPARE(text(std::get<std::string>(message->answers[0].data)), QStringLiteral("edge.example.net"));
        QCOMPARE(message->answers[1].type, dns_type::A);
        QCOMPARE(message->answers[1].ttl, 60u);
        QCOMPARE(addressOf(message->answers[1]), QStringLiteral("203.0.113.10"));
        QCOMPARE(message->answers[2].type, dns_type::AAAA);
        QCOMPARE(addressOf(message->answers[2]), QStringLiteral("2001:db8::10"));
    }

    void namesAreLowerCasedWithoutTrailingDot()
    {
        const auto message = decodeDnsMessage(
            test::response(7, "WwW.ExAmPlE.CoM. IN A", {"WWW.EXAMPLE.COM. 300 IN CNAME Edge.Example.NET."}).wire());
        QVERIFY(message.ok());
        QCOMPARE(text(message->questions[0].name), QStringLiteral("www.example.com"));
        QCOMPARE(text(message->answers[0].name), QStringLiteral("www.example.com"));
        QCOMPARE(text(std::get<std::string>(message->answers[0].data)), QStringLiteral("edge.example.net"));
    }

    void nxdomainRcodeIsReported()
    {
        DnsWireFixture fixture = test::response(9, "missing.example.com. IN A", {});
        fixture.rcode = dns_rcode::NxDomain;
        const auto message = decodeDnsMessage(fixture.wire());
        QVERIFY(message.ok());
        QCOMPARE(message->rcode, dns_rcode::NxDomain);
    }

    void truncatedBitIsReported()
    {
        DnsWireFixture fixture = test::response(9, "big.example.com. IN A", {});
        fixture.truncated = true;
        const auto message = decodeDnsMessage(fixture.wire());
        QVERIFY(message.ok());
        QVERIFY(message->truncated);
    }

    void recordTypesTheFirewallDoesNotUseAreLeftOut()
    {
        const auto message = decodeDnsMessage(
            test::response(1, "example.com. IN ANY",
                           {"example.com. 300 IN TXT \"v=spf1 -all\"", "example.com. 300 IN MX 10 mail.example.com.",
                            "example.com. 300 IN A 203.0.113.1"})
                .wire());
        QVERIFY(message.ok());
        QCOMPARE(message->answers.size(), 1u);
        QCOMPARE(message->answers[0].type, dns_type::A);
    }

    void answerWithInvalidOwnerNameIsLeftOutButTheRestIsKept()
    {
        const auto message = decodeDnsMessage(test::response(1, "www.example.com. IN A",
                                                             {"bad\\032label.example.com. 300 IN A 203.0.113.66",
                                                              "www.example.com. 300 IN A 203.0.113.1"})
                                                  .wire());
        QVERIFY(message.ok());
        QCOMPARE(message->answers.size(), 1u);
        QCOMPARE(text(message->answers[0].name), QStringLiteral("www.example.com"));
    }

    void labelContainingADotCannotPoseAsAnotherName()
    {
        // One label "www.example" under .com must not become the three-label name www.example.com.
        const auto message = decodeDnsMessage(
            test::response(1, "www.example.com. IN A", {"www\\.example.com. 300 IN A 203.0.113.66"}).wire());
        QVERIFY(message.ok());
        QVERIFY(message->answers.empty());
    }

    void cnameWithInvalidTargetIsLeftOut()
    {
        const auto message = decodeDnsMessage(
            test::response(1, "www.example.com. IN A", {"www.example.com. 300 IN CNAME bad\\000target.example."})
                .wire());
        QVERIFY(message.ok());
        QVERIFY(message->answers.empty());
    }

    void answerOfAClassOtherThanInternetIsLeftOut()
    {
        const auto message = decodeDnsMessage(
            test::response(1, "www.example.com. IN A", {"www.example.com. 300 CH A 203.0.113.66"}).wire());
        QVERIFY(message.ok());
        QVERIFY(message->answers.empty());
    }

    void questionForTheRootNameMakesTheMessageAnError()
    {
        const auto message = decodeDnsMessage(test::query(1, ". IN NS").wire());
        QVERIFY(!message.ok());
        QVERIFY2(message.error().message.find("question name") != std::string::npos, message.error().message.c_str());
    }

    void hostileOrBrokenPacketIsAnError_data()
    {
        QTest::addColumn<Bytes>("wire");
        QTest::newRow("empty") << Bytes{};
        QTest::newRow("header cut short") << bytes({0xab, 0xcd, 0x81, 0x80, 0});
        QTest::newRow("compression pointer to itself") << concat(header(1, 0), bytes({0xc0, 12, 0, 1, 0, 1}));
        QTest::newRow("two compression pointers pointing at each other")
            << concat(header(1, 0), bytes({0xc0, 14, 0xc0, 12, 0, 1, 0, 1}));
        QTest::newRow("compression pointer beyond the packet") << concat(header(1, 0), bytes({0xc0, 0xff, 0, 1, 0, 1}));
        QTest::newRow("label longer than the packet") << concat(header(1, 0), bytes({63, 'a', 'b', 'c'}));
        QTest::newRow("question count far larger than the packet") << concat(header(65535, 0), wwwExampleComQuestion);
        QTest::newRow("answer count far larger than the packet") << concat(header(1, 65535), wwwExampleComQuestion);
        QTest::newRow("record data cut short") << concat(concat(header(1, 1), wwwExampleComQuestion),
                                                         bytes({0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 203, 0}));
        QTest::newRow("record data length beyond the packet")
            << concat(concat(header(1, 1), wwwExampleComQuestion),
                      bytes({0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0xff, 0xff, 203, 0, 113, 1}));
        QTest::newRow("question without type and class") << concat(header(1, 0), bytes({3, 'c', 'o', 'm', 0}));

        Bytes longName = header(1, 0);
        for (int label = 0; label < 5; ++label) {
            longName.push_back(63);
            longName.insert(longName.end(), 63, 'a');
        }
        longName.insert(longName.end(), {0, 0, 1, 0, 1});
        QTest::newRow("name longer than 255 bytes") << longName;
        QTest::newRow("more than 65535 bytes") << concat(concat(header(1, 0), wwwExampleComQuestion), Bytes(65535, 0));
    }

    void hostileOrBrokenPacketIsAnError()
    {
        QFETCH(Bytes, wire);
        const auto message = decodeDnsMessage(wire);
        QVERIFY(!message.ok());
        QVERIFY2(message.error().message.starts_with("Failed to decode DNS message: "),
                 message.error().message.c_str());
    }

    void randomBytesYieldAnErrorOrNormalizedNames()
    {
        std::mt19937 random(20240611);
        for (int round = 0; round < 20000; ++round) {
            Bytes wire(random() % 96);
            std::generate(wire.begin(), wire.end(), [&] { return static_cast<std::uint8_t>(random()); });
            const auto message = decodeDnsMessage(wire);
            if (!message.ok()) {
                QVERIFY(!message.error().message.empty());
                continue;
            }
            for (const DnsQuestion& question : message->questions)
                QVERIFY(!question.name.empty() && question.name.back() != '.');
        }
    }

    void refusalAnswersTheQueryWithItsIdAndQuestion_data()
    {
        QTest::addColumn<int>("rcode");
        QTest::newRow("NXDOMAIN") << int{dns_rcode::NxDomain};
        QTest::newRow("REFUSED") << int{dns_rcode::Refused};
    }

    void refusalAnswersTheQueryWithItsIdAndQuestion()
    {
        QFETCH(int, rcode);
        const Bytes queryWire = test::query(0x5151, "tracker.example.com. IN AAAA").wire();
        const auto refusal = buildRefusalResponse(queryWire, static_cast<std::uint8_t>(rcode));
        QVERIFY2(refusal.ok(), refusal.ok() ? "" : refusal.error().message.c_str());

        const auto message = decodeDnsMessage(*refusal);
        QVERIFY(message.ok());
        QCOMPARE(message->id, 0x5151);
        QVERIFY(message->isResponse);
        QCOMPARE(int{message->rcode}, rcode);
        QCOMPARE(message->questions, decodeDnsMessage(queryWire)->questions);
        QVERIFY(message->answers.empty());
    }

    void refusalKeepsTheQuestionByteForByteForCaseRandomizingResolvers()
    {
        const Bytes queryWire = test::query(1, "TrAcKeR.eXaMpLe.CoM. IN A").wire();
        const auto refusal = buildRefusalResponse(queryWire, dns_rcode::Refused);
        QVERIFY(refusal.ok());
        QCOMPARE(refusal->size(), queryWire.size());
        QVERIFY(std::equal(queryWire.begin() + 12, queryWire.end(), refusal->begin() + 12));
    }

    void refusalOffersRecursionOnlyWhenItWasDesired_data()
    {
        QTest::addColumn<bool>("recursionDesired");
        QTest::newRow("RD set") << true;
        QTest::newRow("RD clear") << false;
    }

    void refusalOffersRecursionOnlyWhenItWasDesired()
    {
        QFETCH(bool, recursionDesired);
        DnsWireFixture fixture = test::query(1, "tracker.example.com. IN A");
        fixture.recursionDesired = recursionDesired;
        const auto refusal = buildRefusalResponse(fixture.wire(), dns_rcode::NxDomain);
        QVERIFY(refusal.ok());
        const bool rdBit = ((*refusal)[2] & 0x01) != 0;
        const bool raBit = ((*refusal)[3] & 0x80) != 0;
        QCOMPARE(rdBit, recursionDesired);
        QCOMPARE(raBit, recursionDesired);
    }

    void refusalOfAResponseIsAnError()
    {
        const auto refusal =
            buildRefusalResponse(test::response(1, "www.example.com. IN A", {}).wire(), dns_rcode::Refused);
        QVERIFY(!refusal.ok());
    }

    void refusalWithAnRcodeOtherThanNxdomainOrRefusedIsAnError()
    {
        const auto refusal = buildRefusalResponse(test::query(1, "www.example.com. IN A").wire(), dns_rcode::NoError);
        QVERIFY(!refusal.ok());
    }

    void refusalOfAQueryWithoutQuestionIsAnError()
    {
        DnsWireFixture fixture;
        const auto refusal = buildRefusalResponse(fixture.wire(), dns_rcode::Refused);
        QVERIFY(!refusal.ok());
    }

    void refusalOfGarbageIsAnError()
    {
        const auto refusal =
            buildRefusalResponse(concat(header(1, 0), bytes({0xc0, 12, 0, 1, 0, 1})), dns_rcode::Refused);
        QVERIFY(!refusal.ok());
        QVERIFY2(refusal.error().message.starts_with("Failed to build DNS refusal"), refusal.error().message.c_str());
    }
};

QTEST_APPLESS_MAIN(DnsCodecTest)
#include "dns_codec_test.moc"
