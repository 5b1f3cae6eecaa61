// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of first-payload reading (names without DNS): the server_name of a TLS ClientHello (whole, split
// over segments or records, with ECH), an HTTP request's Host, and what is refused or waits for more bytes.
#include "claims/first_payload.h"

#include <QTest>

#include <string>
#include <vector>

using namespace hostgate;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& out, std::size_t value)
{
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
}

Bytes extension(std::uint16_t type, const Bytes& body)
{
    Bytes out;
    put16(out, type);
    put16(out, body.size());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes serverName(const std::string& name)
{
    Bytes body;
    put16(body, name.size() + 3);
    body.push_back(0);
    put16(body, name.size());
    body.insert(body.end(), name.begin(), name.end());
    return extension(0, body);
}

// A ClientHello handshake message (type, 24-bit length, body) with the given extensions.
Bytes clientHello(const std::vector<Bytes>& extensions, bool withExtensions = true)
{
    Bytes body{0x03, 0x03};
    body.insert(body.end(), 32, 0x42); // random
    body.push_back(0);                 // session id
    body.insert(body.end(), {0x00, 0x02, 0x13, 0x01, 0x01, 0x00});
    if (withExtensions) {
        Bytes all;
        for (const Bytes& e : extensions)
            all.insert(all.end(), e.begin(), e.end());
        put16(body, all.size());
        body.insert(body.end(), all.begin(), all.end());
    }
    Bytes message{0x01, 0x00};
    put16(message, body.size());
    message.insert(message.end(), body.begin(), body.end());
    return message;
}

Bytes record(const Bytes& fragment)
{
    Bytes out{0x16, 0x03, 0x01};
    put16(out, fragment.size());
    out.insert(out.end(), fragment.begin(), fragment.end());
    return out;
}

Bytes text(std::string_view value)
{
    return Bytes(value.begin(), value.end());
}

QString hostOf(const PayloadScan& scan)
{
    return scan.claim ? QString::fromStdString(scan.claim->host) : QStringLiteral("(no claim)");
}

} // namespace

class FirstPayloadTest : public QObject {
    Q_OBJECT

private slots:
    void aClientHelloClaimsItsServerNameLowerCased()
    {
        const auto scan =
            scanStreamStart(record(clientHello({extension(10, {0, 2, 0, 29}), serverName("WWW.Example.COM.")})));
        QCOMPARE(scan.status, ScanStatus::Found);
        QCOMPARE(hostOf(scan), QStringLiteral("www.example.com"));
        QCOMPARE(scan.claim->source, ClaimSource::TlsSni);
        QVERIFY(!scan.claim->encryptedHello);
    }

    void everyPrefixOfAClientHelloWaitsForMore()
    {
        const Bytes whole = record(clientHello({serverName("example.org")}));
        for (std::size_t length = 0; length < whole.size(); ++length) {
            const auto scan = scanStreamStart(std::span(whole.data(), length));
            QVERIFY2(scan.status == ScanStatus::NeedMore, qPrintable(QString::number(length)));
        }
        QCOMPARE(hostOf(scanStreamStart(whole)), QStringLiteral("example.org"));
    }

    void aClientHelloSplitOverTwoRecordsIsReassembled()
    {
        const Bytes hello = clientHello({serverName("split.example")});
        const std::size_t half = hello.size() / 2;
        Bytes stream = record(Bytes(hello.begin(), hello.begin() + static_cast<std::ptrdiff_t>(half)));
        const Bytes second = record(Bytes(hello.begin() + static_cast<std::ptrdiff_t>(half), hello.end()));
        QCOMPARE(scanStreamStart(stream).status, ScanStatus::NeedMore);
        stream.insert(stream.end(), second.begin(), second.end());
        QCOMPARE(hostOf(scanStreamStart(stream)), QStringLiteral("split.example"));
    }

    void anEncryptedClientHelloIsLabelledWithItsPublicName()
    {
        const auto scan =
            scanStreamStart(record(clientHello({serverName("public.example"), extension(0xfe0d, {0, 1, 2, 3})})));
        QCOMPARE(scan.status, ScanStatus::Found);
        QCOMPARE(hostOf(scan), QStringLiteral("public.example"));
        QVERIFY(scan.claim->encryptedHello);
    }

    void aClientHelloWithoutServerNameOrWithAnAddressClaimsNoName()
    {
        for (const Bytes& hello : {clientHello({}, false), clientHello({extension(10, {0, 2, 0, 29})}),
                                   clientHello({serverName("203.0.113.7")})}) {
            const auto scan = scanStreamStart(record(hello));
            QCOMPARE(scan.status, ScanStatus::Found);
            QCOMPARE(hostOf(scan), QString());
        }
    }

    void malformedHellosAreNotRecognised()
    {
        // A server_name that is not a host name, one given twice, a length that overruns, another record type.
        QCOMPARE(scanStreamStart(record(clientHello({serverName("bad name!")}))).status, ScanStatus::NotRecognised);
        QCOMPARE(scanStreamStart(record(clientHello({serverName("a.example"), serverName("b.example")}))).status,
                 ScanStatus::NotRecognised);
        Bytes overrun = record(clientHello({serverName("a.example")}));
        overrun[overrun.size() - 14] = 0xff; // the server_name list length
        QCOMPARE(scanStreamStart(overrun).status, ScanStatus::NotRecognised);
        Bytes alert = record(clientHello({serverName("a.example")}));
        alert[0] = 0x15;
        QCOMPARE(scanStreamStart(alert).status, ScanStatus::NotRecognised);
        Bytes serverHello = record(clientHello({serverName("a.example")}));
        serverHello[5] = 0x02;
        QCOMPARE(scanStreamStart(serverHello).status, ScanStatus::NotRecognised);
    }

    void anHttpRequestClaimsItsHostWithoutThePort()
    {
        auto scan =
            scanStreamStart(text("GET /index.html HTTP/1.1\r\nUser-Agent: curl\r\nHOST:  Files.Example:8080 \r\n\r\n"));
        QCOMPARE(scan.status, ScanStatus::Found);
        QCOMPARE(hostOf(scan), QStringLiteral("files.example"));
        QCOMPARE(scan.claim->source, ClaimSource::HttpHost);
        scan = scanStreamStart(text("CONNECT tunnel.example:443 HTTP/1.1\r\n\r\n"));
        QCOMPARE(hostOf(scan), QStringLiteral("tunnel.example"));
        scan = scanStreamStart(text("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n"));
        QCOMPARE(scan.status, ScanStatus::Found);
        QCOMPARE(hostOf(scan), QString());
    }

    void anHttpRequestHeadWaitsUntilItEnds()
    {
        const std::string request = "POST /upload HTTP/1.1\r\nHost: up.example\r\nContent-Length: 3\r\n\r\nabc";
        for (std::size_t length = 0; length < request.find("\r\n\r\n") + 4; ++length) {
            const auto scan = scanStreamStart(text(std::string_view(request).substr(0, length)));
            QVERIFY2(scan.status == ScanStatus::NeedMore, qPrintable(QString::number(length)));
        }
        QCOMPARE(hostOf(scanStreamStart(text(request))), QStringLiteral("up.example"));
    }

    void whatIsNeitherTlsNorHttpOrTooLongIsNotRecognised()
    {
        QCOMPARE(scanStreamStart(text("SSH-2.0-OpenSSH_9.2\r\n")).status, ScanStatus::NotRecognised);
        QCOMPARE(scanStreamStart(text("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n")).status,
                 ScanStatus::NotRecognised);
        QCOMPARE(scanStreamStart(text("GET / SPDY/3\r\n\r\n")).status, ScanStatus::NotRecognised);
        std::string huge = "GET / HTTP/1.1\r\nX: " + std::string(kMaxHttpHeadBytes, 'a');
        QCOMPARE(scanStreamStart(text(huge)).status, ScanStatus::NotRecognised);
    }
};

QTEST_GUILESS_MAIN(FirstPayloadTest)
#include "first_payload_test.moc"
