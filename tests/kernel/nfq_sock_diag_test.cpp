// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of SockDiag: the socket behind an outgoing packet's tuple is found with the same cookie
// SO_COOKIE (and bpf_get_socket_cookie) reports, for TCP and UDP, connected or not, IPv4 and IPv6.
#include "capture/sock_diag.h"
#include "nfq_test_support.h"

#include <QtTest>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace hostgate;
using namespace hostgate::test;

namespace {

FiveTuple outgoingTuple(const Socket& client, const std::string& local, const std::string& remote,
                        std::uint16_t remotePort, Protocol protocol)
{
    return {*IpAddress::parse(local), *IpAddress::parse(remote), localPort(client), remotePort, protocol};
}

std::uint64_t inodeOf(const Socket& socket)
{
    struct stat status {};
    fstat(socket.fd(), &status);
    return status.st_ino;
}

} // namespace

class SockDiagTest : public QObject {
    Q_OBJECT
public:
    explicit SockDiagTest(QString netnsFailure) : netnsFailure_(std::move(netnsFailure)) {}

private slots:
    void initTestCase()
    {
        if (!netnsFailure_.isEmpty())
            QFAIL(qPrintable(netnsFailure_));
    }

    void lookupFindsTheConnectingTcpSocket_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("server");
        QTest::newRow("IPv4") << clientV4 << serverV4;
        QTest::newRow("IPv6") << clientV6 << serverV6;
    }
    void lookupFindsTheConnectingTcpSocket()
    {
        QFETCH(QString, client);
        QFETCH(QString, server);
        Socket listener = listeningTcpSocket(server.toStdString(), 7000);
        QVERIFY(listener.fd() >= 0);
        Socket socket = boundSocket(SOCK_STREAM, client.toStdString(), 0);
        QVERIFY(startConnect(socket, server.toStdString(), 7000));
        auto diag = SockDiag::open();
        QVERIFY(diag.ok());
        const auto found =
            diag->lookup(outgoingTuple(socket, client.toStdString(), server.toStdString(), 7000, Protocol::Tcp));
        QVERIFY2(found.ok(), found.ok() ? "" : found.error().message.c_str());
        QCOMPARE(found->cookie, socketCookie(socket));
        QCOMPARE(found->uid, getuid());
        QCOMPARE(found->inode, inodeOf(socket));
    }

    void lookupFindsATcpSocketStillInSynSent()
    {
        // No listener and no route answer: nothing replies to 203.0.113.7, so the socket stays in SYN_SENT,
        // which is its state while the daemon holds its first packet.
        QVERIFY(runCommand("ip route add 203.0.113.0/24 dev lo").first);
        Socket socket = boundSocket(SOCK_STREAM, clientV4, 0);
        QVERIFY(runCommand("iptables-nft -A OUTPUT -d 203.0.113.7/32 -j DROP").first);
        QVERIFY(startConnect(socket, "203.0.113.7", 443));
        auto diag = SockDiag::open();
        QVERIFY(diag.ok());
        const auto found = diag->lookup(outgoingTuple(socket, clientV4, "203.0.113.7", 443, Protocol::Tcp));
        QVERIFY(runCommand("iptables-nft -D OUTPUT -d 203.0.113.7/32 -j DROP").first);
        QVERIFY(runCommand("ip route del 203.0.113.0/24 dev lo").first);
        QVERIFY(found.ok());
        QCOMPARE(found->cookie, socketCookie(socket));
    }

    void lookupFindsAConnectedUdpSocket_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("server");
        QTest::newRow("IPv4") << clientV4 << serverV4;
        QTest::newRow("IPv6") << clientV6 << serverV6;
    }
    void lookupFindsAConnectedUdpSocket()
    {
        QFETCH(QString, client);
        QFETCH(QString, server);
        Socket socket = boundSocket(SOCK_DGRAM, client.toStdString(), 0);
        QVERIFY(startConnect(socket, server.toStdString(), 5300));
        auto diag = SockDiag::open();
        QVERIFY(diag.ok());
        const auto found =
            diag->lookup(outgoingTuple(socket, client.toStdString(), server.toStdString(), 5300, Protocol::Udp));
        QVERIFY2(found.ok(), found.ok() ? "" : found.error().message.c_str());
        QCOMPARE(found->cookie, socketCookie(socket));
    }

    void lookupFindsAnUnconnectedUdpSocket_data()
    {
        QTest::addColumn<QString>("bindAddress");
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("server");
        QTest::newRow("IPv4 bound to the address") << clientV4 << clientV4 << serverV4;
        QTest::newRow("IPv4 bound to any address") << "0.0.0.0" << clientV4 << serverV4;
        QTest::newRow("IPv6 bound to any address") << "::" << clientV6 << serverV6;
    }
    void lookupFindsAnUnconnectedUdpSocket()
    {
        QFETCH(QString, bindAddress);
        QFETCH(QString, client);
        QFETCH(QString, server);
        // Like a resolver's sendto() socket: the packet's tuple names a remote end the socket never saw.
        Socket socket = boundSocket(SOCK_DGRAM, bindAddress.toStdString(), 0);
        QVERIFY(socket.fd() >= 0);
        auto diag = SockDiag::open();
        QVERIFY(diag.ok());
        const auto found =
            diag->lookup(outgoingTuple(socket, client.toStdString(), server.toStdString(), 53, Protocol::Udp));
        QVERIFY2(found.ok(), found.ok() ? "" : found.error().message.c_str());
        QCOMPARE(found->cookie, socketCookie(socket));
    }

    void lookupOfAnUnusedTupleFailsWithAClearMessage()
    {
        auto diag = SockDiag::open();
        QVERIFY(diag.ok());
        const FiveTuple nobody{*IpAddress::parse(clientV4), *IpAddress::parse(serverV4), 1, 2, Protocol::Tcp};
        const auto found = diag->lookup(nobody);
        QVERIFY(!found.ok());
        QCOMPARE(QString::fromStdString(found.error().message),
                 QStringLiteral("Failed to look up socket: no socket matches the packet"));
    }

    void lookupsCanBeRepeatedOnOneNetlinkSocket()
    {
        Socket first = boundSocket(SOCK_DGRAM, clientV4, 0);
        Socket second = boundSocket(SOCK_DGRAM, clientV4, 0);
        auto diag = SockDiag::open();
        QVERIFY(diag.ok());
        for (int round = 0; round < 3; ++round) {
            for (const Socket* socket : {&first, &second}) {
                const auto found = diag->lookup(outgoingTuple(*socket, clientV4, serverV4, 53, Protocol::Udp));
                QVERIFY(found.ok());
                QCOMPARE(found->cookie, socketCookie(*socket));
            }
        }
    }

private:
    QString netnsFailure_;
};

int main(int argc, char* argv[])
{
    // Its own network namespace: the sockets and the temporary route stay private to this binary.
    const QString netnsFailure = QString::fromStdString(enterPrivateNetworkNamespace());
    SockDiagTest test(netnsFailure);
    return QTest::qExec(&test, argc, argv);
}

#include "nfq_sock_diag_test.moc"
