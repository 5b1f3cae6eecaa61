// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of parseIpPacket: queued IPv4/IPv6 + TCP/UDP packets become a 5-tuple and payload;
// truncated or malformed input is refused without reading out of bounds.
// Standard headers first: moc 6.4 fails to parse <compare> when it is the first standard header it meets.
#include <functional>
#include <string>
#include <vector>

#include "capture/packet.h"

#include <QtTest>

using namespace hostgate;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& bytes, std::size_t offset, unsigned value)
{
    bytes[offset] = static_cast<std::uint8_t>(value >> 8);
    bytes[offset + 1] = static_cast<std::uint8_t>(value);
}

Bytes udpSegment(unsigned sport, unsigned dport, const Bytes& payload)
{
    Bytes segment(8);
    put16(segment, 0, sport);
    put16(segment, 2, dport);
    put16(segment, 4, static_cast<unsigned>(8 + payload.size()));
    segment.insert(segment.end(), payload.begin(), payload.end());
    return segment;
}

// A TCP header with `optionBytes` of NOP options (a multiple of 4) and the given flags.
Bytes tcpSegment(unsigned sport, unsigned dport, std::uint8_t flags, std::size_t optionBytes, const Bytes& payload)
{
    Bytes segment(20 + optionBytes, 0x01);
    put16(segment, 0, sport);
    put16(segment, 2, dport);
    segment[12] = static_cast<std::uint8_t>(((20 + optionBytes) / 4) << 4);
    segment[13] = flags;
    segment.insert(segment.end(), payload.begin(), payload.end());
    return segment;
}

Bytes ipv4(std::uint8_t protocol, const Bytes& segment)
{
    Bytes packet(20);
    packet[0] = 0x45;
    put16(packet, 2, static_cast<unsigned>(20 + segment.size()));
    packet[8] = 64;
    packet[9] = protocol;
    const std::uint8_t addresses[8] = {198, 51, 100, 1, 198, 51, 100, 53};
    std::copy(std::begin(addresses), std::end(addresses), packet.begin() + 12);
    packet.insert(packet.end(), segment.begin(), segment.end());
    return packet;
}

// IPv6 with an optional list of extension headers given as (type, bytes) in order.
Bytes ipv6(std::uint8_t protocol, const Bytes& segment,
           const std::vector<std::pair<std::uint8_t, Bytes>>& extensions = {})
{
    Bytes packet(40);
    packet[0] = 0x60;
    packet[7] = 64;
    packet[8] = 0x20, packet[9] = 0x01, packet[10] = 0x0d, packet[11] = 0xb8, packet[23] = 0x01;
    packet[24] = 0x20, packet[25] = 0x01, packet[26] = 0x0d, packet[27] = 0xb8, packet[39] = 0x53;
    Bytes chain;
    std::uint8_t* next = &packet[6];
    std::size_t nextOffsetInChain = SIZE_MAX;
    for (const auto& [type, header] : extensions) {
        if (nextOffsetInChain == SIZE_MAX)
            *next = type;
        else
            chain[nextOffsetInChain] = type;
        nextOffsetInChain = chain.size();
        chain.insert(chain.end(), header.begin(), header.end());
    }
    if (nextOffsetInChain == SIZE_MAX)
        *next = protocol;
    else
        chain[nextOffsetInChain] = protocol;
    chain.insert(chain.end(), segment.begin(), segment.end());
    put16(packet, 4, static_cast<unsigned>(chain.size()));
    packet.insert(packet.end(), chain.begin(), chain.end());
    return packet;
}

QByteArray toQt(const Bytes& bytes)
{
    return QByteArray(reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()));
}

Bytes fromQt(const QByteArray& bytes)
{
    return Bytes(bytes.begin(), bytes.end());
}

const Bytes dnsQuery = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01};

} // namespace

class PacketParserTest : public QObject {
    Q_OBJECT

private slots:
    void wellFormedPacketsYieldTupleAndPayload_data()
    {
        QTest::addColumn<QByteArray>("packet");
        QTest::addColumn<QString>("src");
        QTest::addColumn<QString>("dst");
        QTest::addColumn<int>("sport");
        QTest::addColumn<int>("dport");
        QTest::addColumn<bool>("tcp");
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<int>("tcpFlags");

        const QByteArray dns = toQt(dnsQuery);
        QTest::newRow("IPv4 UDP DNS query") << toQt(ipv4(17, udpSegment(40000, 53, dnsQuery))) << "198.51.100.1"
                                            << "198.51.100.53" << 40000 << 53 << false << dns << 0;
        QTest::newRow("IPv4 TCP SYN with options")
            << toQt(ipv4(6, tcpSegment(40001, 443, 0x02, 20, {}))) << "198.51.100.1"
            << "198.51.100.53" << 40001 << 443 << true << QByteArray() << 0x02;
        QTest::newRow("IPv4 TCP data after options")
            << toQt(ipv4(6, tcpSegment(40002, 53, 0x18, 12, dnsQuery))) << "198.51.100.1"
            << "198.51.100.53" << 40002 << 53 << true << dns << 0x18;
        QTest::newRow("IPv4 with IP options") <<
            [] {
                Bytes packet = ipv4(17, udpSegment(1, 2, dnsQuery));
                packet[0] = 0x46;
                packet.insert(packet.begin() + 20, {1, 1, 1, 0});
                put16(packet, 2, static_cast<unsigned>(packet.size()));
                return toQt(packet);
            }() << "198.51.100.1"
                                              << "198.51.100.53" << 1 << 2 << false << dns << 0;
        QTest::newRow("IPv4 with Ethernet padding after the datagram") <<
            [] {
                Bytes packet = ipv4(17, udpSegment(5, 6, {0xaa}));
                packet.insert(packet.end(), {0, 0, 0, 0});
                return toQt(packet);
            }() << "198.51.100.1"
                                                                       << "198.51.100.53" << 5 << 6 << false
                                                                       << QByteArray("\xaa") << 0;
        QTest::newRow("IPv6 UDP") << toQt(ipv6(17, udpSegment(40003, 53, dnsQuery))) << "2001:db8::1"
                                  << "2001:db8::53" << 40003 << 53 << false << dns << 0;
        QTest::newRow("IPv6 TCP after hop-by-hop and destination options")
            << toQt(ipv6(6, tcpSegment(40004, 80, 0x02, 0, {}),
                         {{0, Bytes(8, 0)}, {60, Bytes{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}}))
            << "2001:db8::1"
            << "2001:db8::53" << 40004 << 80 << true << QByteArray() << 0x02;
        QTest::newRow("IPv6 first fragment")
            << toQt(ipv6(17, udpSegment(7, 53, dnsQuery), {{44, Bytes{0, 0, 0, 1, 0, 0, 0, 9}}})) << "2001:db8::1"
            << "2001:db8::53" << 7 << 53 << false << dns << 0;
    }
    void wellFormedPacketsYieldTupleAndPayload()
    {
        QFETCH(QByteArray, packet);
        QFETCH(QString, src);
        QFETCH(QString, dst);
        QFETCH(int, sport);
        QFETCH(int, dport);
        QFETCH(bool, tcp);
        QFETCH(QByteArray, payload);
        QFETCH(int, tcpFlags);
        const Bytes bytes = fromQt(packet);
        const auto parsed = parseIpPacket(bytes);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(QString::fromStdString(parsed->tuple.src.toString()), src);
        QCOMPARE(QString::fromStdString(parsed->tuple.dst.toString()), dst);
        QCOMPARE(int(parsed->tuple.sport), sport);
        QCOMPARE(int(parsed->tuple.dport), dport);
        QVERIFY(parsed->tuple.proto == (tcp ? Protocol::Tcp : Protocol::Udp));
        QCOMPARE(toQt(Bytes(parsed->payload.begin(), parsed->payload.end())), payload);
        QCOMPARE(int(parsed->tcpFlags), tcpFlags);
        QVERIFY(!parsed->truncated);
    }

    void malformedPacketsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("packet");
        const Bytes udp4 = ipv4(17, udpSegment(1, 53, dnsQuery));
        const Bytes tcp4 = ipv4(6, tcpSegment(1, 80, 0x02, 0, {}));
        const auto modified = [](Bytes packet, const std::function<void(Bytes&)>& change) {
            change(packet);
            return toQt(packet);
        };
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("one byte") << QByteArray("\x45", 1);
        QTest::newRow("IPv4 header cut short") << toQt(Bytes(udp4.begin(), udp4.begin() + 19));
        QTest::newRow("version 5") << modified(udp4, [](Bytes& p) { p[0] = 0x55; });
        QTest::newRow("IPv4 header length below 20") << modified(udp4, [](Bytes& p) { p[0] = 0x44; });
        QTest::newRow("IPv4 header length beyond the packet") << modified(udp4, [](Bytes& p) { p[0] = 0x4f; });
        QTest::newRow("IPv4 total length below the header") << modified(udp4, [](Bytes& p) { put16(p, 2, 10); });
        QTest::newRow("IPv4 non-first fragment") << modified(udp4, [](Bytes& p) { put16(p, 6, 0x0010); });
        QTest::newRow("ICMP") << toQt(ipv4(1, Bytes(8, 0)));
        QTest::newRow("UDP header cut short") << toQt(Bytes(udp4.begin(), udp4.begin() + 24));
        QTest::newRow("UDP length below 8") << modified(udp4, [](Bytes& p) { put16(p, 24, 4); });
        QTest::newRow("UDP length beyond the IP payload") << modified(udp4, [](Bytes& p) { put16(p, 24, 200); });
        QTest::newRow("TCP header cut short") << toQt(Bytes(tcp4.begin(), tcp4.begin() + 30));
        QTest::newRow("TCP data offset below 5") << modified(tcp4, [](Bytes& p) { p[32] = 0x40; });
        QTest::newRow("TCP data offset beyond the segment") << modified(tcp4, [](Bytes& p) { p[32] = 0xf0; });
        QTest::newRow("IPv6 header cut short") << toQt(Bytes(39, 0x60));
        QTest::newRow("IPv6 zero payload length")
            << modified(ipv6(17, udpSegment(1, 53, dnsQuery)), [](Bytes& p) { put16(p, 4, 0); });
        QTest::newRow("IPv6 extension header beyond the packet")
            << modified(ipv6(17, udpSegment(1, 53, {}), {{60, Bytes(8, 0)}}), [](Bytes& p) { p[41] = 200; });
        QTest::newRow("IPv6 non-first fragment")
            << toQt(ipv6(17, udpSegment(7, 53, dnsQuery), {{44, Bytes{0, 0, 0x01, 0, 0, 0, 0, 9}}}));
        QTest::newRow("IPv6 endless extension chain") << toQt(ipv6(17, udpSegment(7, 53, {}),
                                                                   {{60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)},
                                                                    {60, Bytes(8, 0)}}));
    }
    void malformedPacketsAreRefused()
    {
        QFETCH(QByteArray, packet);
        const Bytes bytes = fromQt(packet);
        const auto parsed = parseIpPacket(bytes);
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().message.starts_with("Failed to parse"));
    }

    void captureShorterThanTheDatagramIsFlaggedTruncated()
    {
        const Bytes full = ipv4(17, udpSegment(1, 53, Bytes(100, 0x42)));
        const Bytes captured(full.begin(), full.begin() + 60);
        const auto parsed = parseIpPacket(captured);
        QVERIFY(parsed.ok());
        QVERIFY(parsed->truncated);
        QCOMPARE(parsed->payload.size(), std::size_t(60 - 28));
    }

    void everyPrefixOfAPacketIsHandledWithoutCrashing()
    {
        // Each cut either parses (flagged truncated when the datagram is incomplete) or fails cleanly.
        const Bytes full = ipv6(6, tcpSegment(1, 443, 0x18, 8, dnsQuery), {{0, Bytes(8, 0)}});
        for (std::size_t length = 0; length < full.size(); ++length) {
            const auto parsed = parseIpPacket(std::span(full.data(), length));
            if (parsed.ok())
                QVERIFY(parsed->truncated);
        }
        QVERIFY(parseIpPacket(full).ok());
    }
};

QTEST_GUILESS_MAIN(PacketParserTest)

#include "nfq_packet_parser_test.moc"
