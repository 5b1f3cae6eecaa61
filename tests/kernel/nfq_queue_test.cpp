// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of NfQueue and DnsReplyInjector against the real kernel, behind the daemon's own rules,
// inside a private network namespace: what is queued, how held connections react to each verdict, the
// failure policy, and locally answered DNS queries.
#include "capture/dns_reply_injector.h"
#include "capture/firewall_rules.h"
#include "capture/nfqueue.h"
#include "capture/packet.h"
#include "nfq_test_support.h"

#include <QtTest>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

using namespace hostgate;
using namespace hostgate::test;

namespace {

constexpr std::uint16_t dnsQueue = 4270;
constexpr std::uint16_t decisionQueue = 4271;
constexpr std::uint32_t markBit = 0x100000;
constexpr std::uint32_t rejectBit = 0x200000;
constexpr std::uint32_t replyBit = 0x400000;
// Upper bounds for things that should happen at once; reaching one means the test failed.
constexpr int eventTimeoutMs = 3000;

FirewallConfig testConfig(bool failOpen)
{
    FirewallConfig config;
    config.dnsQueue = dnsQueue;
    config.decisionQueue = decisionQueue;
    config.markMask = markBit;
    config.rejectMark = rejectBit;
    config.replyMark = replyBit;
    config.failOpen = failOpen;
    return config;
}

// Waits (bounded) until `count` packets have been queued and returns them.
std::vector<QueuedPacket> receivePackets(NfQueue& queue, std::size_t count)
{
    std::vector<QueuedPacket> packets;
    QDeadlineTimer deadline(eventTimeoutMs);
    while (packets.size() < count && !deadline.hasExpired()) {
        if (waitFor(queue.fd(), POLLIN, static_cast<int>(deadline.remainingTime())) == 0)
            break;
        auto received = queue.receive([&](QueuedPacket&& packet) { packets.push_back(std::move(packet)); });
        if (!received)
            break;
    }
    return packets;
}

std::vector<std::uint8_t> bytesOf(const QByteArray& data)
{
    return {data.begin(), data.end()};
}

// A client socket whose connection attempts are held for a decision, as the cgroup program marks them.
Socket markedClient(int type, const std::string& address)
{
    Socket socket = boundSocket(type, address, 0);
    setMark(socket, markBit);
    return socket;
}

} // namespace

class NfQueueTest : public QObject {
    Q_OBJECT
public:
    explicit NfQueueTest(QString netnsFailure) : netnsFailure_(std::move(netnsFailure)) {}

private slots:
    void initTestCase()
    {
        if (!netnsFailure_.isEmpty())
            QFAIL(qPrintable(netnsFailure_));
    }

    void init()
    {
        const auto installed = FirewallRules(testConfig(false), FirewallBackend::IptablesNft).install();
        QVERIFY2(installed.ok(), installed.ok() ? "" : installed.error().message.c_str());
    }

    void cleanupTestCase()
    {
        // Qt runs this even when initTestCase failed; never touch a firewall outside our namespace.
        if (!netnsFailure_.isEmpty())
            return;
        QVERIFY(FirewallRules(testConfig(false), FirewallBackend::IptablesNft).remove().ok());
    }

    void dnsQueryIsQueuedWithItsTupleAndPayload_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("server");
        QTest::newRow("IPv4") << clientV4 << dnsServerV4;
        QTest::newRow("IPv6") << clientV6 << serverV6;
    }
    void dnsQueryIsQueuedWithItsTupleAndPayload()
    {
        QFETCH(QString, client);
        QFETCH(QString, server);
        auto queue = NfQueue::open(dnsQueue, 64, false);
        QVERIFY2(queue.ok(), queue.ok() ? "" : queue.error().message.c_str());
        Socket socket = boundSocket(SOCK_DGRAM, client.toStdString(), 0);
        QVERIFY(startConnect(socket, server.toStdString(), 53));
        const QByteArray query = QByteArray::fromHex("abcd01000001000000000000076578616d706c6504746573740000010001");
        QCOMPARE(send(socket.fd(), query.data(), static_cast<std::size_t>(query.size()), 0), query.size());

        const auto packets = receivePackets(*queue, 1);
        QCOMPARE(packets.size(), std::size_t(1));
        const QueuedPacket& packet = packets.front();
        QCOMPARE(packet.queue, dnsQueue);
        QCOMPARE(packet.hook, int(NF_INET_LOCAL_OUT));
        QCOMPARE(packet.uid, std::optional<std::uint32_t>(0));
        const auto parsed = parseIpPacket(packet.payload);
        QVERIFY(parsed.ok());
        const FiveTuple expected{*IpAddress::parse(client.toStdString()), *IpAddress::parse(server.toStdString()),
                                 localPort(socket), 53, Protocol::Udp};
        QVERIFY(parsed->tuple == expected);
        QCOMPARE(bytesOf(QByteArray(reinterpret_cast<const char*>(parsed->payload.data()),
                                    static_cast<int>(parsed->payload.size()))),
                 bytesOf(query));
        QVERIFY(queue->drop(packet.id).ok());
    }

    void dnsResponseIsQueuedOnInput()
    {
        auto queue = NfQueue::open(dnsQueue, 64, false);
        QVERIFY(queue.ok());
        Socket server = boundSocket(SOCK_DGRAM, dnsServerV4, 53);
        Socket client = boundSocket(SOCK_DGRAM, clientV4, 0);
        QVERIFY(startConnect(client, dnsServerV4, 53));
        QCOMPARE(send(client.fd(), "q", 1, 0), 1);
        auto outgoing = receivePackets(*queue, 1);
        QCOMPARE(outgoing.size(), std::size_t(1));
        QVERIFY(queue->accept(outgoing.front().id).ok());

        QVERIFY(waitFor(server.fd(), POLLIN, eventTimeoutMs) & POLLIN);
        sockaddr_storage from{};
        socklen_t fromLength = sizeof from;
        char byte = 0;
        QCOMPARE(recvfrom(server.fd(), &byte, 1, 0, reinterpret_cast<sockaddr*>(&from), &fromLength), 1);
        QCOMPARE(sendto(server.fd(), "r", 1, 0, reinterpret_cast<sockaddr*>(&from), fromLength), 1);

        auto incoming = receivePackets(*queue, 1);
        QCOMPARE(incoming.size(), std::size_t(1));
        QCOMPARE(incoming.front().hook, int(NF_INET_LOCAL_IN));
        const auto parsed = parseIpPacket(incoming.front().payload);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->tuple.sport, std::uint16_t(53));
        QCOMPARE(parsed->tuple.dport, localPort(client));
        QVERIFY(queue->accept(incoming.front().id).ok());
        QVERIFY(waitFor(client.fd(), POLLIN, eventTimeoutMs) & POLLIN);
    }

    void markedConnectIsHeldUntilAccepted()
    {
        auto queue = NfQueue::open(decisionQueue, 64, false);
        QVERIFY(queue.ok());
        Socket listener = listeningTcpSocket(serverV4, 8080);
        QVERIFY(listener.fd() >= 0);
        Socket client = markedClient(SOCK_STREAM, clientV4);
        QVERIFY(startConnect(client, serverV4, 8080));

        const auto packets = receivePackets(*queue, 1);
        QCOMPARE(packets.size(), std::size_t(1));
        const auto parsed = parseIpPacket(packets.front().payload);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->tuple.dport, std::uint16_t(8080));
        QCOMPARE(parsed->tcpFlags & (tcp_flags::Syn | tcp_flags::Ack), int(tcp_flags::Syn));
        QCOMPARE(packets.front().mark, markBit);
        // The SYN is in our hands, so the handshake cannot have completed.
        QCOMPARE(waitFor(client.fd(), POLLOUT, 0), short(0));

        QVERIFY(queue->accept(packets.front().id).ok());
        QVERIFY(waitFor(client.fd(), POLLOUT, eventTimeoutMs) & POLLOUT);
        QCOMPARE(socketError(client), 0);
    }

    void droppedConnectTimesOut()
    {
        auto queue = NfQueue::open(decisionQueue, 64, false);
        QVERIFY(queue.ok());
        Socket listener = listeningTcpSocket(serverV4, 8081);
        Socket client = markedClient(SOCK_STREAM, clientV4);
        // Give up at the first retransmission timeout instead of after a minute of SYN retries.
        const unsigned userTimeoutMs = 100;
        QVERIFY(setsockopt(client.fd(), IPPROTO_TCP, TCP_USER_TIMEOUT, &userTimeoutMs, sizeof userTimeoutMs) == 0);
        QVERIFY(startConnect(client, serverV4, 8081));
        auto packets = receivePackets(*queue, 1);
        QCOMPARE(packets.size(), std::size_t(1));
        QVERIFY(queue->drop(packets.front().id).ok());

        QDeadlineTimer deadline(3 * eventTimeoutMs);
        while (!deadline.hasExpired()) {
            if (waitFor(client.fd(), POLLOUT, 0) != 0)
                break;
            // A retransmitted SYN would be queued again; it gets the same verdict.
            if (waitFor(queue->fd(), POLLIN, 50) & POLLIN)
                (void)queue->receive([&](QueuedPacket&& packet) { (void)queue->drop(packet.id); });
        }
        QVERIFY(waitFor(client.fd(), POLLOUT, 0) != 0);
        QCOMPARE(socketError(client), ETIMEDOUT);
    }

    void repeatWithRejectMarkRefusesTheConnectionAtOnce()
    {
        auto queue = NfQueue::open(decisionQueue, 64, false);
        QVERIFY(queue.ok());
        Socket listener = listeningTcpSocket(serverV4, 8082);
        Socket client = markedClient(SOCK_STREAM, clientV4);
        QVERIFY(startConnect(client, serverV4, 8082));
        const auto packets = receivePackets(*queue, 1);
        QCOMPARE(packets.size(), std::size_t(1));

        QElapsedTimer sinceVerdict;
        sinceVerdict.start();
        QVERIFY(queue->repeatWithMark(packets.front().id, packets.front().mark | rejectBit).ok());
        QVERIFY(waitFor(client.fd(), POLLOUT, eventTimeoutMs) != 0);
        QCOMPARE(socketError(client), ECONNREFUSED);
        // A reset, not a retransmission timeout (the first SYN retry comes after one second).
        QVERIFY(sinceVerdict.elapsed() < 500);
    }

    void repeatWithRejectMarkRefusesAUdpDatagram()
    {
        auto queue = NfQueue::open(decisionQueue, 64, false);
        QVERIFY(queue.ok());
        Socket receiver = boundSocket(SOCK_DGRAM, serverV4, 9000);
        Socket client = markedClient(SOCK_DGRAM, clientV4);
        QVERIFY(startConnect(client, serverV4, 9000));
        QCOMPARE(send(client.fd(), "x", 1, 0), 1);
        const auto packets = receivePackets(*queue, 1);
        QCOMPARE(packets.size(), std::size_t(1));
        QVERIFY(queue->repeatWithMark(packets.front().id, packets.front().mark | rejectBit).ok());
        // The ICMP port unreachable surfaces as an error on the connected socket.
        QVERIFY(waitFor(client.fd(), POLLERR, eventTimeoutMs) & POLLERR);
        QCOMPARE(socketError(client), ECONNREFUSED);
        QCOMPARE(waitFor(receiver.fd(), POLLIN, 0), short(0));
    }

    void verdictOnAnUnknownPacketIsReportedByReceive()
    {
        auto queue = NfQueue::open(decisionQueue, 64, false);
        QVERIFY(queue.ok());
        QVERIFY(queue->accept(987654).ok());
        QVERIFY(waitFor(queue->fd(), POLLIN, eventTimeoutMs) & POLLIN);
        auto summary = queue->receive([](QueuedPacket&&) {});
        QVERIFY(summary.ok());
        QCOMPARE(summary->packets, std::size_t(0));
        QCOMPARE(summary->rejectedVerdicts.size(), std::size_t(1));
        QVERIFY(summary->rejectedVerdicts.front().message.find("987654") != std::string::npos);
    }

    void queueBoundByAnotherSocketCannotBeBoundAgain()
    {
        auto first = NfQueue::open(decisionQueue, 64, false);
        QVERIFY(first.ok());
        auto second = NfQueue::open(decisionQueue, 64, false);
        QVERIFY(!second.ok());
        QVERIFY(second.error().message.starts_with("Failed to bind nfqueue 4271"));
    }

    void failOpenLetsTrafficPassWithoutADaemon()
    {
        QVERIFY(FirewallRules(testConfig(true), FirewallBackend::IptablesNft).install().ok());
        Socket receiver = boundSocket(SOCK_DGRAM, serverV4, 9001);
        Socket client = markedClient(SOCK_DGRAM, clientV4);
        QVERIFY(startConnect(client, serverV4, 9001));
        QCOMPARE(send(client.fd(), "m", 1, 0), 1);
        QVERIFY(waitFor(receiver.fd(), POLLIN, eventTimeoutMs) & POLLIN);
        char byte = 0;
        QCOMPARE(recv(receiver.fd(), &byte, 1, 0), 1);
        QCOMPARE(byte, 'm');
    }

    void failClosedBlocksTrafficWithoutADaemon()
    {
        Socket receiver = boundSocket(SOCK_DGRAM, serverV4, 9002);
        Socket marked = markedClient(SOCK_DGRAM, clientV4);
        Socket unmarked = boundSocket(SOCK_DGRAM, clientV4, 0);
        QVERIFY(startConnect(marked, serverV4, 9002));
        QVERIFY(startConnect(unmarked, serverV4, 9002));
        QCOMPARE(send(marked.fd(), "m", 1, 0), 1);
        QCOMPARE(send(unmarked.fd(), "u", 1, 0), 1);
        // Both take the same loopback path in order: had "m" passed, it would arrive first.
        QVERIFY(waitFor(receiver.fd(), POLLIN, eventTimeoutMs) & POLLIN);
        char byte = 0;
        QCOMPARE(recv(receiver.fd(), &byte, 1, 0), 1);
        QCOMPARE(byte, 'u');
    }

    void injectedDnsReplyReachesTheQueryingSocket_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("server");
        QTest::newRow("IPv4") << clientV4 << dnsServerV4;
        QTest::newRow("IPv6") << clientV6 << serverV6;
    }
    void injectedDnsReplyReachesTheQueryingSocket()
    {
        QFETCH(QString, client);
        QFETCH(QString, server);
        auto queue = NfQueue::open(dnsQueue, 64, false);
        QVERIFY(queue.ok());
        auto injector = DnsReplyInjector::open(replyBit);
        QVERIFY2(injector.ok(), injector.ok() ? "" : injector.error().message.c_str());
        Socket socket = boundSocket(SOCK_DGRAM, client.toStdString(), 0);
        QVERIFY(startConnect(socket, server.toStdString(), 53));
        QCOMPARE(send(socket.fd(), "\x12\x34query", 7, 0), 7);
        const auto packets = receivePackets(*queue, 1);
        QCOMPARE(packets.size(), std::size_t(1));
        const auto parsed = parseIpPacket(packets.front().payload);
        QVERIFY(parsed.ok());
        QVERIFY(queue->drop(packets.front().id).ok());

        const QByteArray reply = QByteArray::fromHex("1234818300010000000000000000");
        const auto sent = injector->sendSpoofedUdpReply(
            parsed->tuple, std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), std::size_t(reply.size())));
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
        // Had the reply been queued on input like a server's answer, it would wait for us here.
        QVERIFY(waitFor(socket.fd(), POLLIN, eventTimeoutMs) & POLLIN);
        QByteArray received(512, '\0');
        const ssize_t length = recv(socket.fd(), received.data(), std::size_t(received.size()), 0);
        QCOMPARE(received.left(int(length)), reply);
        auto after = queue->receive([](QueuedPacket&&) {});
        QVERIFY(after.ok());
        QCOMPARE(after->packets, std::size_t(0));
    }

private:
    QString netnsFailure_;
};

int main(int argc, char* argv[])
{
    // The whole binary runs in its own network namespace: rules and queues never reach the host.
    const QString netnsFailure = QString::fromStdString(enterPrivateNetworkNamespace());
    NfQueueTest test(netnsFailure);
    return QTest::qExec(&test, argc, argv);
}

#include "nfq_queue_test.moc"
