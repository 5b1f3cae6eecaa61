// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end: suffix rules, IPv6, UDP, DNS over TCP, CNAMEs, expired and forged DNS answers.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"

#include <QFileInfo>
#include <QTest>

#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString digPath = QStringLiteral("/usr/bin/dig");

// One address per behaviour, so a verdict the kernel caches for one test can never decide another.
const QString suffixAddress = QStringLiteral("203.0.113.10");
const QString spoofAddress = QStringLiteral("203.0.113.11");
const QString lookalikeAddress = QStringLiteral("203.0.113.12");
const QString cnameAddress = QStringLiteral("203.0.113.13");
const QString ttlAddress = QStringLiteral("203.0.113.14");
const QString tcpDnsAddress = QStringLiteral("203.0.113.15");
const QString tcpDeniedAddress = QStringLiteral("203.0.113.16");
const QString udpAllowedAddress = QStringLiteral("203.0.113.18");
const QString udpDeniedAddress = QStringLiteral("203.0.113.19");
const QString stubAddress = QStringLiteral("203.0.113.17");
const QString allowedIpv6 = QString::fromLatin1(webServer1Ipv6);
const QString unknownIpv6 = QString::fromLatin1(webServer2Ipv6);
// A resolver address nobody answers on: queries sent there stay outstanding, so forged answers race nothing.
const QString silentResolver = QStringLiteral("198.51.100.54");

constexpr int dnsTtlSeconds = 2;
constexpr quint16 echoPort = 7;

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("a.apps.test"), suffixAddress, {}},
                        {QStringLiteral("b.c.apps.test"), suffixAddress, {}},
                        {QStringLiteral("apps.test"), lookalikeAddress, {}},
                        {QStringLiteral("badapps.test"), lookalikeAddress, {}},
                        {QStringLiteral("spoof.test"), spoofAddress, {}},
                        {QStringLiteral("target.test"), cnameAddress, {}},
                        {QStringLiteral("ttl.test"), ttlAddress, {}},
                        {QStringLiteral("tcpdns.test"), tcpDnsAddress, {}},
                        {QStringLiteral("tcpdenied.test"), tcpDeniedAddress, {}},
                        {QStringLiteral("stub.test"), stubAddress, {}},
                        {QStringLiteral("stubdenied.test"), stubAddress, {}},
                        {QStringLiteral("v6.test"), {}, allowedIpv6}};
    world.zone.cnames = {{QStringLiteral("alias.test"), QStringLiteral("target.test")}};
    world.zone.ttlSeconds = dnsTtlSeconds;
    world.httpAddresses = {suffixAddress, spoofAddress, lookalikeAddress, cnameAddress, ttlAddress,
                           tcpDnsAddress, stubAddress,  allowedIpv6,      unknownIpv6};
    world.udpEchoAddresses = {udpAllowedAddress, udpDeniedAddress};
    world.extraAddresses = {silentResolver + QStringLiteral("/24")};
    return world;
}

QString adminRules()
{
    const QString python = python3ExecutablePath();
    return ruleToml(curlPath, QStringLiteral("*.apps.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("v6.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("alias.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("spoof.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("ttl.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("tcpdns.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("stub.test"), QStringLiteral("allow")) +
           ruleToml(curlPath, QStringLiteral("stubdenied.test"), QStringLiteral("deny")) +
           ruleToml(digPath, QStringLiteral("tcpdenied.test"), QStringLiteral("deny")) +
           ruleToml(python, udpAllowedAddress, QStringLiteral("allow"), QStringLiteral("udp")) +
           ruleToml(python, udpDeniedAddress, QStringLiteral("deny"), QStringLiteral("udp")) +
           ruleToml(QFileInfo(QStringLiteral("/usr/bin/socat")).canonicalFilePath(), udpDeniedAddress,
                    QStringLiteral("deny"), QStringLiteral("udp"));
}

// Short cache floors, so an answer's own 2 s TTL decides how long its address stays allowed.
DaemonSettings enforcingDaemon()
{
    return {adminRules(),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

QString url(const QString& host)
{
    return QStringLiteral("http://%1/").arg(host);
}

QString pinned(const QString& name, const QString& address)
{
    return QStringLiteral("%1:80:%2").arg(name, address);
}

} // namespace

Q_DECLARE_METATYPE(ForgedAnswerFlaw)

class ProtocolsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("iptables-save"))) {
            return;
        }
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-proto"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        HG_E2E_VERIFY(fixture_->startDaemon(enforcingDaemon()));
        // A local stub resolver (like systemd-resolved or dnsmasq on a desktop) forwarding to the real server.
        stub_ = std::make_unique<DnsServer>(fixture_->network(), DnsServer::stubResolver());
        HG_E2E_VERIFY(stub_->start());
    }

    void cleanupTestCase()
    {
        stub_.reset();
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        fixture_.reset();
    }

    void init()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        mark_ = fixture_->daemonLogSize();
    }

    void suffixRuleAllowsSubdomainsAtAnyDepth_data()
    {
        QTest::addColumn<QString>("host");
        QTest::newRow("one level below") << QStringLiteral("a.apps.test");
        QTest::newRow("two levels below") << QStringLiteral("b.c.apps.test");
    }

    void suffixRuleAllowsSubdomainsAtAnyDepth()
    {
        QFETCH(QString, host);
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V4, url(host)), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(suffixAddress, 80));
    }

    void suffixRuleNeverCoversTheDomainItselfOrLookalikes_data()
    {
        QTest::addColumn<QString>("host");
        QTest::newRow("the domain itself") << QStringLiteral("apps.test");
        QTest::newRow("same ending, other domain") << QStringLiteral("badapps.test");
    }

    void suffixRuleNeverCoversTheDomainItselfOrLookalikes()
    {
        QFETCH(QString, host);
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V4, url(host)), 10s);
        QVERIFY2(result.exitCode == 7 && result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + lookalikeAddress,
                                      QStringLiteral("rule=none"), QStringLiteral("default action deny")},
                                     mark_));
    }

    void ipv6ConnectionToAllowedNameFetchesThePage()
    {
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V6, url(QStringLiteral("v6.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(allowedIpv6, 80));
    }

    void ipv6ConnectionToUnknownAddressFailsAtOnce()
    {
        const RunResult result = run(fixture_->confined(), curlCommand(IpFamily::V6, httpUrl(unknownIpv6)), 10s);
        QVERIFY2(result.exitCode == 7 && result.elapsed < failsFast, qPrintable(result.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/curl"),
                                      QStringLiteral("ip=") + unknownIpv6, QStringLiteral("default action deny")},
                                     mark_));
    }

    void udpDatagramToAllowedAddressIsEchoed()
    {
        const RunResult result =
            run(fixture_->confined(), udpEchoClientCommand(udpAllowedAddress, echoPort), 10s, "ping");
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, QByteArray("ping"));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Connection allowed"), QStringLiteral("exe=") + python3ExecutablePath(),
             QStringLiteral("ip=") + udpAllowedAddress, QStringLiteral("port=7"), QStringLiteral("proto=udp")},
            mark_));
    }

    void udpDatagramToDeniedAddressFailsAtOnce()
    {
        // A connected socket: its first datagram is already marked and held for a decision.
        const RunResult result =
            run(fixture_->confined(), udpEchoClientCommand(udpDeniedAddress, echoPort), 10s, "ping");
        QVERIFY2(result.exitCode > 0 && result.out.isEmpty() && result.elapsed < failsFast,
                 qPrintable(result.describe()));
        QVERIFY2(result.err.contains("ConnectionRefusedError") || result.err.contains("PermissionError"),
                 qPrintable(result.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + udpDeniedAddress,
                                      QStringLiteral("proto=udp"), QStringLiteral("why=\"rule #")},
                                     mark_));
    }

    void decidedUdpDenialIsRefusedInSendmsgOnUnconnectedSockets()
    {
        // socat is no interpreter, so a verdict reached for one socat process is socat's: once the daemon has
        // decided one datagram, the kernel refuses the very first datagram of the next unconnected socket in
        // sendmsg, without asking the daemon again. (An interpreter's verdicts belong to one process image.)
        const QStringList send = {QStringLiteral("socat"), QStringLiteral("-u"), QStringLiteral("-"),
                                  QStringLiteral("UDP-SENDTO:%1:%2").arg(udpDeniedAddress).arg(echoPort)};
        const qint64 mark = fixture_->daemonLogSize();
        // socat stays alive until its input ends, so the daemon can still read who it is when it decides.
        const QStringList lingering =
            QStringList{QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("(echo first; sleep 1) | \"$@\""),
                        QStringLiteral("sh")} +
            send;
        const RunResult decided = run(fixture_->confined(), lingering, 10s);
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/socat"),
                                      QStringLiteral("ip=") + udpDeniedAddress, QStringLiteral("proto=udp")},
                                     mark));
        const qint64 decidedMark = fixture_->daemonLogSize();
        const RunResult result = run(fixture_->confined(), send, 10s, "second");
        QVERIFY2(result.exitCode > 0 && result.err.contains("Operation not permitted") && result.elapsed < failsFast,
                 qPrintable(decided.describe() + result.describe()));
        QCOMPARE(fixture_->countLogLines(QStringLiteral("exe=/usr/bin/socat"), decidedMark), 0);
    }

    void dnsOverTcpAnswerTeachesTheDaemonTheName()
    {
        const RunResult dig =
            run(fixture_->confined(), digTcpCommand(QLatin1String(dnsServerIpv4), QStringLiteral("tcpdns.test")), 10s);
        QVERIFY2(dig.succeeded(), qPrintable(dig.describe()));
        QCOMPARE(dig.out, tcpDnsAddress.toLatin1() + '\n');
        // curl asks no DNS itself: only the name learned from dig's TCP answer can match curl's rule.
        const RunResult curl = run(fixture_->confined(),
                                   curlCommand(IpFamily::V4, url(QStringLiteral("tcpdns.test")),
                                               pinned(QStringLiteral("tcpdns.test"), tcpDnsAddress)),
                                   10s);
        QVERIFY2(curl.succeeded(), qPrintable(curl.describe()));
        QCOMPARE(curl.out, Servers::defaultBody(tcpDnsAddress, 80));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("host=tcpdns.test"),
                                      QStringLiteral("ip=") + tcpDnsAddress},
                                     mark_));
    }

    void dnsOverTcpQueryForDeniedNameIsResetAtOnce()
    {
        const RunResult dig = run(fixture_->confined(),
                                  digTcpCommand(QLatin1String(dnsServerIpv4), QStringLiteral("tcpdenied.test")), 10s);
        QVERIFY2(!dig.out.contains(tcpDeniedAddress.toLatin1()), qPrintable(dig.describe()));
        QVERIFY2(dig.elapsed < failsFast, qPrintable(dig.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("exe=/usr/bin/dig"),
                                                QStringLiteral("proto=tcp"),
                                                QStringLiteral("DNS query for tcpdenied.test refused")},
                                               mark_));
    }

    void nameResolvedThroughALocalStubResolverIsAllowedByItsRule()
    {
        const auto viaStub = fixture_->confined().withResolvConf(stub_->address());
        const RunResult result = run(viaStub, curlCommand(IpFamily::V4, url(QStringLiteral("stub.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe() + fixture_->daemonLog()));
        QCOMPARE(result.out, Servers::defaultBody(stubAddress, 80));
    }

    void deniedNameIsRefusedAtOnceThroughALocalStubResolver()
    {
        const auto viaStub = fixture_->confined().withResolvConf(stub_->address());
        const RunResult result = run(viaStub, curlCommand(IpFamily::V4, url(QStringLiteral("stubdenied.test"))), 10s);
        QCOMPARE(result.exitCode, 6); // curl: could not resolve host
        QVERIFY2(result.elapsed < 1000ms, qPrintable(result.describe()));
        // Attributed to curl on the loopback hop, not to the stub that forwards upstream.
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("exe=/usr/bin/curl"), QStringLiteral("DNS query for stubdenied.test refused")}, mark_, 5s));
    }

    void cnameChainIsAllowedByTheNameTheAppAskedFor()
    {
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("alias.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(cnameAddress, 80));
    }

    void forgedDnsAnswerOpensNothing_data()
    {
        QTest::addColumn<ForgedAnswerFlaw>("flaw");
        QTest::newRow("wrong transaction id") << ForgedAnswerFlaw::WrongTransactionId;
        QTest::newRow("wrong destination port") << ForgedAnswerFlaw::WrongDestinationPort;
        QTest::newRow("wrong server address") << ForgedAnswerFlaw::WrongServerAddress;
    }

    void forgedDnsAnswerOpensNothing()
    {
        QFETCH(ForgedAnswerFlaw, flaw);
        const RunResult forger = run(Placement::in(fixture_->network()),
                                     forgedDnsAnswerCommand(silentResolver, QLatin1String(dnsServerIpv4),
                                                            QStringLiteral("spoof.test"), spoofAddress, flaw),
                                     10s);
        QVERIFY2(forger.succeeded(), qPrintable(forger.describe()));
        const QStringList injected = QString::fromLatin1(forger.out).split(QLatin1Char(' '));
        QCOMPARE(injected.size(), 2);
        // The daemon saw the forged answer (so the check below is not vacuous) and refused to learn from it.
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Ignored DNS answer that matches no outstanding query"),
                                                QStringLiteral("to_port=") + injected[0],
                                                QStringLiteral("id=") + injected[1].trimmed()},
                                               mark_));

        const RunResult curl = run(fixture_->confined(),
                                   curlCommand(IpFamily::V4, url(QStringLiteral("spoof.test")),
                                               pinned(QStringLiteral("spoof.test"), spoofAddress)),
                                   10s);
        QVERIFY2(curl.exitCode == 7 && curl.elapsed < failsFast, qPrintable(curl.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + spoofAddress,
                                      QStringLiteral("rule=none"), QStringLiteral("default action deny")},
                                     mark_));
    }

    // After the forged answers above (test functions run in declaration order): the same name and address,
    // now genuinely resolved.
    void genuineDnsAnswerOpensTheNameItAnswered()
    {
        const RunResult byName =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("spoof.test"))), 10s);
        QVERIFY2(byName.succeeded(), qPrintable(byName.describe()));
        const RunResult pinnedAddress = run(fixture_->confined(),
                                            curlCommand(IpFamily::V4, url(QStringLiteral("spoof.test")),
                                                        pinned(QStringLiteral("spoof.test"), spoofAddress)),
                                            10s);
        QVERIFY2(pinnedAddress.succeeded(), qPrintable(pinnedAddress.describe()));
        QCOMPARE(pinnedAddress.out, Servers::defaultBody(spoofAddress, 80));
    }

    void addressWhoseDnsAnswerExpiredIsNoLongerAllowed()
    {
        const RunResult byName =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("ttl.test"))), 10s);
        QVERIFY2(byName.succeeded(), qPrintable(byName.describe()));
        const QStringList reuseAddress =
            curlCommand(IpFamily::V4, url(QStringLiteral("ttl.test")), pinned(QStringLiteral("ttl.test"), ttlAddress));
        const RunResult withinTtl = run(fixture_->confined(), reuseAddress, 10s);
        QVERIFY2(withinTtl.succeeded(), qPrintable(withinTtl.describe()));

        // Inherently a wait for time to pass: the answer's TTL must run out; nothing signals that moment.
        QTest::qWait((dnsTtlSeconds + 1) * 1000);

        const RunResult expired = run(fixture_->confined(), reuseAddress, 10s);
        QVERIFY2(expired.exitCode == 7 && expired.elapsed < failsFast, qPrintable(expired.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"),
                                                QStringLiteral("exe=/usr/bin/curl"), QStringLiteral("ip=") + ttlAddress,
                                                QStringLiteral("rule=none"), QStringLiteral("default action deny")},
                                               mark_));
    }

private:
    std::unique_ptr<DaemonFixture> fixture_;
    std::unique_ptr<DnsServer> stub_;
    qint64 mark_ = 0;
};

QTEST_GUILESS_MAIN(ProtocolsTest)
#include "protocols_test.moc"
