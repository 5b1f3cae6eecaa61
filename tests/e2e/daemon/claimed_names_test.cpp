// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end, names without DNS (issue 14.2): connections to addresses no DNS answer named, made by
// real clients (curl over TLS with --connect-to, Python's ssl, curl with a Host header, a QUIC Initial built with
// the `cryptography` package, a hand-built ECH ClientHello). The daemon lets the handshake out, holds the first
// payload, reads the name it claims and decides; trusted claims match name rules, untrusted ones are only shown.
// The witness of what got through is the server's own log (witness.py); of what the daemon read, its log.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"
#include "daemon/witness_server.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

#include <map>
#include <memory>

using namespace hostgate::e2e;
using hostgate::Ok;
using hostgate::Result;
using namespace std::chrono_literals;

namespace {

const QString tlsAddress = QStringLiteral("203.0.113.120");     // TCP 443
const QString httpAddress = QStringLiteral("203.0.113.121");    // TCP 80
const QString quicAddress = QStringLiteral("203.0.113.122");    // UDP 443
const QString greeterAddress = QStringLiteral("203.0.113.123"); // TCP 2525, the server speaks first
const QString echAddress = QStringLiteral("203.0.113.124");     // TCP 443
const QString tlsV6Address = QStringLiteral("2001:db8:1::120"); // TCP 443 over IPv6

constexpr quint16 httpsPort = 443;
constexpr quint16 httpPort = 80;
constexpr quint16 greeterPort = 2525;
constexpr int waitMs = 1500;

const QString allowedName = QStringLiteral("allowed.claimed.test");
const QString otherName = QStringLiteral("other.claimed.test");

QString claimsClient()
{
    return QStringLiteral(HOSTGATE_CLAIMS_CLIENT_PATH);
}
QStringList claims(const QStringList& arguments)
{
    return QStringList{python3(), claimsClient()} + arguments;
}

QString firstLine(const QByteArray& out)
{
    return QString::fromUtf8(out).section(QLatin1Char('\n'), 0, 0).trimmed();
}

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    // No name in the zone resolves to the test's servers: every connection here goes to an address without DNS.
    world.zone.hosts = {{QStringLiteral("unrelated.test"), QStringLiteral("203.0.113.200"), {}}};
    for (const QString& address : {tlsAddress, httpAddress, quicAddress, greeterAddress, echAddress}) {
        world.extraAddresses << address + QStringLiteral("/24");
    }
    world.extraAddresses << tlsV6Address + QStringLiteral("/64");
    return world;
}

QString anyAppRule(const QString& host, const QString& action)
{
    return ruleToml({}, host, action);
}

// curl, as an app with its own resolver (DoH) would connect: to an address, sending the name only in its SNI.
QStringList curlTls(const QString& name, const QString& address)
{
    return {
        QStringLiteral("curl"),
        QStringLiteral("-sS"),
        QStringLiteral("-k"),
        QStringLiteral("--max-time"),
        QStringLiteral("4"),
        QStringLiteral("--noproxy"),
        QStringLiteral("*"),
        QStringLiteral("--connect-to"),
        QStringLiteral("%1:443:%2:443")
            .arg(name, address.contains(QLatin1Char(':')) ? QLatin1Char('[') + address + QLatin1Char(']') : address),
        QStringLiteral("https://%1/").arg(name)};
}

QStringList curlHttp(const QString& hostHeader, const QString& marker)
{
    return {QStringLiteral("curl"),
            QStringLiteral("-sS"),
            QStringLiteral("--max-time"),
            QStringLiteral("4"),
            QStringLiteral("--noproxy"),
            QStringLiteral("*"),
            QStringLiteral("-H"),
            QStringLiteral("Host: ") + hostHeader,
            QStringLiteral("http://%1/%2").arg(httpAddress, marker)};
}

} // namespace

class ClaimedNamesTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("curl"))) {
            return;
        }
        QVERIFY2(QFileInfo(witnessScript()).isReadable(), qPrintable(witnessScript()));
        const RunResult crypto =
            run(Placement::host(), {python3(), QStringLiteral("-c"), QStringLiteral("import cryptography")}, 10s);
        QVERIFY2(crypto.succeeded(), "python3-cryptography is missing: scripts/install-deps.sh installs it");
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-claims"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        const TestNetwork& network = fixture_->network();
        const QList<std::pair<QString, QStringList>> servers = {
            {tlsAddress, {QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(tlsAddress).arg(httpsPort)}},
            {tlsV6Address, {QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(tlsV6Address).arg(httpsPort)}},
            {httpAddress, {QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(httpAddress).arg(httpPort)}},
            {quicAddress, {QStringLiteral("--udp"), QStringLiteral("%1:%2").arg(quicAddress).arg(httpsPort)}},
            {echAddress, {QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(echAddress).arg(httpsPort)}},
        };
        for (const auto& [address, listeners] : servers) {
            auto server =
                std::make_unique<Witness>(network, QString(address).replace(QLatin1Char(':'), QLatin1Char('-')));
            HG_E2E_VERIFY(server->start(listeners));
            witnesses_.emplace(address, std::move(server));
        }
        greeterLog_ = network.scratchPath(QStringLiteral("greeter.log"));
        auto greeter = startBackground(Placement::in(network),
                                       claims({QStringLiteral("greeter"), greeterLog_, greeterAddress,
                                               QString::number(greeterPort), QStringLiteral("greeting-from-server")}),
                                       greeterLog_ + QStringLiteral(".out"), greeterLog_ + QStringLiteral(".out"));
        HG_E2E_VERIFY(greeter);
        greeter_.emplace(std::move(*greeter));
        QVERIFY2(QTest::qWaitFor([this] { return fileText(greeterLog_).startsWith(QStringLiteral("ready\n")); }, 5000),
                 qPrintable(fileText(greeterLog_ + QStringLiteral(".out"))));
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        greeter_.reset();
        witnesses_.clear();
        fixture_.reset();
    }

    // ---- Trusted claims match name rules ----------------------------------------------------------------

    void aTrustedSniMatchesANameRuleAndTheClientHelloReachesTheServer()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(true, anyAppRule(allowedName, QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(tlsAddress);
        run(fixture_->confined(), curlTls(allowedName, tlsAddress), 10s);
        // The server is no TLS server: what it logs is the ClientHello curl sent, the SNI in clear.
        HG_E2E_VERIFY(server.waitFor(allowedName));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("ip=") + tlsAddress,
                                      QStringLiteral("claimed=\"") + allowedName + QStringLiteral(" (tls-sni)\""),
                                      QStringLiteral("trusted: trust_claimed_names")},
                                     mark));
    }

    void aTrustedSniOverIpv6MatchesAWildcardRule()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(
            daemon(true, anyAppRule(QStringLiteral("*.") + allowedName, QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        const QString name = QStringLiteral("v6.") + allowedName;
        run(fixture_->confined(),
            claims({QStringLiteral("tls"), tlsV6Address, QString::number(httpsPort), name, QStringLiteral("--timeout"),
                    QStringLiteral("1")}),
            10s);
        HG_E2E_VERIFY(at(tlsV6Address).waitFor(name));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("ip=") + tlsV6Address,
                                      QStringLiteral("claimed=\"") + name},
                                     mark));
    }

    void aTrustedSniOfAnUnlistedNameIsDeniedAndNoPayloadLeaves()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(true, anyAppRule(allowedName, QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(tlsAddress);
        const RunResult attempt =
            run(fixture_->confined(),
                claims({QStringLiteral("tls"), tlsAddress, QString::number(httpsPort), otherName}), 10s);
        // No rule names it, nobody is asked (no agent): the default action denies, the app gets a reset.
        QVERIFY2(firstLine(attempt.out) == QStringLiteral("ECONNRESET"),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + tlsAddress,
                                      QStringLiteral("claimed=\"") + otherName + QStringLiteral(" (tls-sni)\"")},
                                     mark));
        HG_E2E_VERIFY(
            sendCanary(fixture_->unconfined(),
                       claims({QStringLiteral("tls"), tlsAddress, QString::number(httpsPort),
                               QStringLiteral("canary-denied.test"), QStringLiteral("--timeout"), QStringLiteral("1")}),
                       server, QStringLiteral("canary-denied.test")));
        // The handshake went out (documented), the ClientHello did not.
        QVERIFY2(!server.log().contains(otherName),
                 qPrintable(QStringLiteral("LEAK: the ClientHello reached the server:\n") + server.log()));
    }

    void aTrustedHttpHostMatchesANameRuleAndAnotherHostIsDenied()
    {
        const QString httpName = QStringLiteral("http.claimed.test");
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(true, anyAppRule(httpName, QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(httpAddress);
        const RunResult allowed =
            run(fixture_->confined(), curlHttp(httpName, QStringLiteral("marker-http-allowed")), 10s);
        QVERIFY2(allowed.succeeded() && allowed.out.contains("witness"),
                 qPrintable(allowed.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(server.waitFor(QStringLiteral("marker-http-allowed")));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"),
                                      QStringLiteral("claimed=\"") + httpName + QStringLiteral(" (http-host)\"")},
                                     mark));

        const RunResult denied =
            run(fixture_->confined(),
                curlHttp(QStringLiteral("elsewhere.test:8080"), QStringLiteral("marker-http-denied")), 10s);
        QVERIFY2(!denied.succeeded(), qPrintable(denied.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Connection denied"), QStringLiteral("claimed=\"elsewhere.test (http-host)\"")}, mark));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(), curlHttp(httpName, QStringLiteral("canary-http")), server,
                                 QStringLiteral("canary-http")));
        const QString leaked = leaks(server, {QStringLiteral("marker-http-denied")});
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
    }

    void aQuicInitialIsReadWholeOrOverTwoDatagrams()
    {
        const QString quicName = QStringLiteral("quic.claimed.test");
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(true, anyAppRule(quicName, QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(quicAddress);
        for (const bool split : {false, true}) {
            QStringList arguments{QStringLiteral("quic"), quicAddress, QString::number(httpsPort), quicName,
                                  QStringLiteral("m")};
            if (split) {
                arguments << QStringLiteral("--split");
            }
            const RunResult sent = run(fixture_->confined(), claims(arguments), 10s);
            const QString port = sourcePort(sent.out);
            QVERIFY2(!port.isEmpty(), qPrintable(sent.describe()));
            // Every datagram arrives, in the server's own log by the client's source port.
            const int expected = split ? 2 : 1;
            QVERIFY2(QTest::qWaitFor([&] { return datagramsFrom(server, port) == expected; }, 5000),
                     qPrintable(sent.describe() + server.log() + fixture_->daemonLog().mid(mark)));
        }
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("proto=udp"),
                                      QStringLiteral("claimed=\"") + quicName + QStringLiteral(" (quic-sni)\"")},
                                     mark));
    }

    void aQuicInitialClaimingAnUnlistedNameIsDenied()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(
            daemon(true, anyAppRule(QStringLiteral("quic.claimed.test"), QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(quicAddress);
        const RunResult sent = run(
            fixture_->confined(),
            claims({QStringLiteral("quic"), quicAddress, QString::number(httpsPort), otherName, QStringLiteral("m")}),
            10s);
        const QString port = sourcePort(sent.out);
        QVERIFY2(!port.isEmpty(), qPrintable(sent.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("proto=udp"),
                                      QStringLiteral("claimed=\"") + otherName + QStringLiteral(" (quic-sni)\"")},
                                     mark));
        // A datagram the unconfined canary sends after it arrives in order: the denied one would be there first.
        const RunResult canary = run(
            fixture_->unconfined(),
            claims({QStringLiteral("quic"), quicAddress, QString::number(httpsPort), otherName, QStringLiteral("m")}),
            10s);
        const QString canaryPort = sourcePort(canary.out);
        QVERIFY2(QTest::qWaitFor([&] { return datagramsFrom(server, canaryPort) == 1; }, 5000),
                 qPrintable(server.log()));
        QVERIFY2(datagramsFrom(server, port) == 0,
                 qPrintable(QStringLiteral("LEAK: the denied Initial arrived:\n") + server.log()));
    }

    void anEncryptedClientHelloIsLabelled()
    {
        const QString publicName = QStringLiteral("public.ech.test");
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(true, anyAppRule(publicName, QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        run(fixture_->confined(),
            claims({QStringLiteral("ech"), echAddress, QString::number(httpsPort), publicName,
                    QStringLiteral("--timeout"), QStringLiteral("1")}),
            10s);
        HG_E2E_VERIFY(at(echAddress).waitFor(publicName));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"),
                                      QStringLiteral("claimed=\"") + publicName + QStringLiteral(" (tls-sni+ech)\""),
                                      QStringLiteral("encrypted (ECH)")},
                                     mark));
    }

    // ---- Untrusted claims without anybody to show them to ---------------------------------------------------

    void anUntrustedClaimWithNobodyToAskIsDecidedAtTheSyn()
    {
        // Claims are not trusted and no agent is registered: a claim could change nothing, so the flow does not
        // wait and nothing, not even the handshake, reaches the server. (With an agent: e2e_bus_claimed_prompts.)
        const QString name = QStringLiteral("untrusted.claimed.test");
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(false, anyAppRule(name, QStringLiteral("allow")))));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(tlsAddress);
        const int acceptedBefore = server.accepted();
        const RunResult attempt = run(
            fixture_->confined(), claims({QStringLiteral("tls"), tlsAddress, QString::number(httpsPort), name}), 10s);
        QVERIFY2(firstLine(attempt.out) == QStringLiteral("ECONNREFUSED"),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + tlsAddress}, mark));
        HG_E2E_VERIFY(sendCanary(
            fixture_->unconfined(),
            claims({QStringLiteral("tls"), tlsAddress, QString::number(httpsPort),
                    QStringLiteral("canary-untrusted.test"), QStringLiteral("--timeout"), QStringLiteral("1")}),
            server, QStringLiteral("canary-untrusted.test")));
        QVERIFY2(server.accepted() == acceptedBefore + 1,
                 qPrintable(QStringLiteral("LEAK: the handshake reached the server:\n") + server.log()));
        QVERIFY2(!fixture_->daemonLog().mid(mark).contains("claimed=\"untrusted.claimed.test"),
                 fixture_->daemonLog().mid(mark).constData());
    }

    // ---- A client that sends nothing ----------------------------------------------------------------------

    void aSilentClientIsDecidedAfterTheWaitAndThenGetsItsGreeting()
    {
        HG_E2E_VERIFY(
            fixture_->ensureDaemon(daemon(true, {}, {QStringLiteral("--default-action"), QStringLiteral("allow")})));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult attempt = run(fixture_->confined(),
                                      claims({QStringLiteral("silent"), greeterAddress, QString::number(greeterPort),
                                              QStringLiteral("--timeout"), QStringLiteral("8")}),
                                      15s);
        // The greeting was held back while the flow waited; once allowed (the conntrack entry's wait cleared
        // without any packet in hand), the server's retransmission reaches the app.
        QVERIFY2(firstLine(attempt.out) == QStringLiteral("received greeting-from-server"),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection asked"), QStringLiteral("ip=") + greeterAddress,
                                      QStringLiteral("it sent nothing within %1 ms").arg(waitMs)},
                                     mark));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("ip=") + greeterAddress,
                                      QStringLiteral("default action allow")},
                                     mark));
    }

    void aSilentClientThatIsDeniedNeverGetsTheGreeting()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(true, {})));
        const qint64 mark = fixture_->daemonLogSize();
        const int greetedBefore = fileText(greeterLog_).count(QStringLiteral("greeted "));
        const RunResult attempt = run(fixture_->confined(),
                                      claims({QStringLiteral("silent"), greeterAddress, QString::number(greeterPort),
                                              QStringLiteral("--timeout"), QStringLiteral("8")}),
                                      15s);
        // The server did send its greeting (its log), the app never received it: the socket was closed.
        QVERIFY2(firstLine(attempt.out) == QStringLiteral("ECONNABORTED"),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        QVERIFY2(fileText(greeterLog_).count(QStringLiteral("greeted ")) == greetedBefore + 1,
                 qPrintable(fileText(greeterLog_)));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection asked"), QStringLiteral("ip=") + greeterAddress,
                                      QStringLiteral("it sent nothing within %1 ms").arg(waitMs)},
                                     mark));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + greeterAddress,
                                      QStringLiteral("default action deny")},
                                     mark));
    }

    void withoutWaitingTheFirstPacketIsDecidedAsBefore()
    {
        // claimed_name_wait_ms = 0: the SYN itself is refused, nothing at all reaches the server.
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(true, anyAppRule(allowedName, QStringLiteral("allow")), {}, 0)));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(tlsAddress);
        const int acceptedBefore = server.accepted();
        const RunResult attempt =
            run(fixture_->confined(),
                claims({QStringLiteral("tls"), tlsAddress, QString::number(httpsPort), allowedName}), 10s);
        QVERIFY2(firstLine(attempt.out) == QStringLiteral("ECONNREFUSED"),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(
            sendCanary(fixture_->unconfined(),
                       claims({QStringLiteral("tls"), tlsAddress, QString::number(httpsPort),
                               QStringLiteral("canary-nowait.test"), QStringLiteral("--timeout"), QStringLiteral("1")}),
                       server, QStringLiteral("canary-nowait.test")));
        QVERIFY2(server.accepted() == acceptedBefore + 1, qPrintable(server.log()));
    }

private:
    DaemonSettings daemon(bool trust, const QString& rules, QStringList arguments = {}, int wait = waitMs) const
    {
        const QString config = QStringLiteral("trust_claimed_names = %1\nclaimed_name_wait_ms = %2\n")
                                   .arg(trust ? QStringLiteral("true") : QStringLiteral("false"))
                                   .arg(wait);
        arguments << QStringLiteral("--prompt-timeout") << QStringLiteral("2");
        return {rules, config, arguments};
    }

    static QString sourcePort(const QByteArray& out)
    {
        const auto match = QRegularExpression(QStringLiteral("^port (\\d+)$"), QRegularExpression::MultilineOption)
                               .match(QString::fromUtf8(out));
        return match.hasMatch() ? match.captured(1) : QString();
    }

    static int datagramsFrom(const Witness& server, const QString& port)
    {
        return static_cast<int>(server.log().count(
            QRegularExpression(QStringLiteral("^udp \\S+:%1 ").arg(port), QRegularExpression::MultilineOption)));
    }

    const Witness& at(const QString& address) const { return *witnesses_.at(address); }

    std::unique_ptr<DaemonFixture> fixture_;
    std::map<QString, std::unique_ptr<Witness>> witnesses_;
    std::optional<BackgroundProcess> greeter_;
    QString greeterLog_;
};

QTEST_GUILESS_MAIN(ClaimedNamesTest)
#include "claimed_names_test.moc"
