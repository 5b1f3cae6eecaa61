// SPDX-License-Identifier: GPL-3.0-or-later
// Claimed names at a prompt (issue 14.2): an app connects to an address no DNS answer named, sending the name only
// in its TLS ClientHello (SNI) or its HTTP Host header. Claims are not trusted (the default), so they match no
// rule, but a person is asked: the daemon lets the handshake out, holds the first payload, reads the claim and
// puts it in the prompt the real test agent receives over the private bus. The answer decides; what reached
// the server is read from the server's own log (witness.py).
#include "bus/bus_world.h"
#include "daemon/witness_server.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <csignal>
#include <map>
#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString allowTlsAddress = QStringLiteral("203.0.113.140"); // TCP 443
const QString denyTlsAddress = QStringLiteral("203.0.113.141");  // TCP 443
const QString httpAddress = QStringLiteral("203.0.113.142");     // TCP 80
constexpr quint16 httpsPort = 443;
constexpr quint16 httpPort = 80;
constexpr int waitMs = 1500;
constexpr auto promptTimeout = 4s;

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
    // No name in the zone resolves to the servers: every connection here goes to an address without DNS.
    world.zone.hosts = {{QStringLiteral("unrelated.test"), QStringLiteral("203.0.113.200"), {}}};
    for (const QString& address : {allowTlsAddress, denyTlsAddress, httpAddress}) {
        world.extraAddresses << address + QStringLiteral("/24");
    }
    return world;
}

// Default deny, claims untrusted; a rule naming the very name claimed, which must not match.
DaemonSettings claimingDaemon()
{
    return {ruleToml({}, QStringLiteral("*.claimed.test"), QStringLiteral("allow")),
            QStringLiteral("trust_claimed_names = false\nclaimed_name_wait_ms = %1\n").arg(waitMs),
            {QStringLiteral("--prompt-timeout"), QString::number(promptTimeout.count())}};
}

// The requests of the agent's "ask" lines: what the daemon put in each prompt.
QList<QJsonObject> askedRequests(const QByteArray& output)
{
    QList<QJsonObject> requests;
    for (const QJsonObject& line : agentLines(output, QStringLiteral("ask")))
        requests << line.value(QStringLiteral("request")).toObject();
    return requests;
}

} // namespace

class ClaimedPromptTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("curl") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-claim"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        HG_E2E_VERIFY(world_->startDaemon(claimingDaemon()));
        const std::map<QString, quint16> servers{
            {allowTlsAddress, httpsPort}, {denyTlsAddress, httpsPort}, {httpAddress, httpPort}};
        for (const auto& [address, port] : servers) {
            auto server = std::make_unique<Witness>(world_->fixture().network(), address);
            HG_E2E_VERIFY(server->start({QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(address).arg(port)}));
            witnesses_.emplace(address, std::move(server));
        }
    }

    void cleanupTestCase()
    {
        witnesses_.clear();
        world_.reset();
    }

    void thePromptShowsTheClaimedSniAndAnAllowReleasesTheHeldClientHello()
    {
        const QString name = QStringLiteral("allow.claimed.test");
        auto agent = startTestAgent(std::nullopt, {QStringLiteral("--answer"), QStringLiteral("allow"),
                                                   QStringLiteral("--lifetime"), QStringLiteral("once")});
        QVERIFY(agent);
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult attempt = run(world_->fixture().confined(),
                                      claims({QStringLiteral("tls"), allowTlsAddress, QString::number(httpsPort), name,
                                              QStringLiteral("--timeout"), QStringLiteral("2")}),
                                      15s);
        // The server is no TLS server: the ClientHello the daemon held is in its log once the answer allowed it.
        HG_E2E_VERIFY(at(allowTlsAddress).waitFor(name));
        // The witness never answers a ClientHello: the client's handshake ends by its own timeout, not a reset.
        QVERIFY2(firstLine(attempt.out) == QStringLiteral("sent") ||
                     firstLine(attempt.out) == QStringLiteral("TIMEOUT"),
                 qPrintable(attempt.describe()));
        const QList<QJsonObject> asked = askedRequests(stopTestAgent(*agent));
        QVERIFY2(asked.size() == 1,
                 qPrintable(QString::number(asked.size()) + world_->fixture().daemonLog().mid(mark)));
        const QJsonObject request = asked.front();
        QCOMPARE(request.value(QStringLiteral("address")).toString(), allowTlsAddress);
        QCOMPARE(request.value(QStringLiteral("claimed_host")).toString(), name);
        QCOMPARE(request.value(QStringLiteral("claimed_by")).toString(), QStringLiteral("tls-sni"));
        QCOMPARE(request.value(QStringLiteral("claim_trusted")).toBool(true), false);
        QCOMPARE(request.value(QStringLiteral("encrypted_hello")).toBool(true), false);
        // Untrusted: the claim is not a resolved name, and the rule naming it did not decide.
        QVERIFY2(!request.value(QStringLiteral("hostnames")).toArray().contains(name),
                 qPrintable(QJsonDocument(request).toJson()));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine(
            {QStringLiteral("Connection allowed"), QStringLiteral("ip=") + allowTlsAddress,
             QStringLiteral("claimed=\"") + name + QStringLiteral(" (tls-sni)\"")},
            mark));
    }

    void aDeniedClaimNeverReachesTheServerAndTheHandshakeIsAllThatLeft()
    {
        const QString name = QStringLiteral("deny.claimed.test");
        const Witness& server = at(denyTlsAddress);
        const int acceptedBefore = server.accepted();
        auto agent = startTestAgent(std::nullopt, {QStringLiteral("--answer"), QStringLiteral("deny"),
                                                   QStringLiteral("--lifetime"), QStringLiteral("once")});
        QVERIFY(agent);
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult attempt =
            run(world_->fixture().confined(),
                claims({QStringLiteral("tls"), denyTlsAddress, QString::number(httpsPort), name}), 15s);
        QVERIFY2(firstLine(attempt.out) == QStringLiteral("ECONNRESET"),
                 qPrintable(attempt.describe() + world_->fixture().daemonLog().mid(mark)));
        const QList<QJsonObject> asked = askedRequests(stopTestAgent(*agent));
        QVERIFY2(asked.size() == 1, qPrintable(QString::number(asked.size())));
        QCOMPARE(asked.front().value(QStringLiteral("claimed_host")).toString(), name);
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Connection denied"),
                                                        QStringLiteral("ip=") + denyTlsAddress,
                                                        QStringLiteral("claimed=\"") + name},
                                                       mark));
        const QString canary = QStringLiteral("canary-for-the-denied-claim.test");
        HG_E2E_VERIFY(sendCanary(world_->fixture().unconfined(),
                                 claims({QStringLiteral("tls"), denyTlsAddress, QString::number(httpsPort), canary,
                                         QStringLiteral("--timeout"), QStringLiteral("1")}),
                                 server, canary));
        QVERIFY2(!server.log().contains(name),
                 qPrintable(QStringLiteral("LEAK: the ClientHello reached the server:\n") + server.log()));
        // The attempt's handshake (documented) and the canary's: nothing else.
        QVERIFY2(server.accepted() == acceptedBefore + 2, qPrintable(server.log()));
    }

    void thePromptShowsTheClaimedHttpHost()
    {
        const QString name = QStringLiteral("web.claimed.test");
        const QString marker = QStringLiteral("marker-http-claimed");
        auto agent = startTestAgent(std::nullopt, {QStringLiteral("--answer"), QStringLiteral("allow"),
                                                   QStringLiteral("--lifetime"), QStringLiteral("once")});
        QVERIFY(agent);
        const RunResult attempt =
            run(world_->fixture().confined(),
                {QStringLiteral("curl"), QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("3"),
                 QStringLiteral("--noproxy"), QStringLiteral("*"), QStringLiteral("-H"),
                 QStringLiteral("Host: ") + name, QStringLiteral("http://%1/%2").arg(httpAddress, marker)},
                15s);
        HG_E2E_VERIFY(at(httpAddress).waitFor(marker));
        const QList<QJsonObject> asked = askedRequests(stopTestAgent(*agent));
        QVERIFY2(asked.size() == 1, qPrintable(QString::number(asked.size()) + attempt.describe()));
        QCOMPARE(asked.front().value(QStringLiteral("claimed_host")).toString(), name);
        QCOMPARE(asked.front().value(QStringLiteral("claimed_by")).toString(), QStringLiteral("http-host"));
    }

private:
    const Witness& at(const QString& address) const { return *witnesses_.at(address); }

    std::unique_ptr<BusWorld> world_;
    std::map<QString, std::unique_ptr<Witness>> witnesses_;
};

QTEST_GUILESS_MAIN(ClaimedPromptTest)
#include "claimed_prompt_test.moc"
