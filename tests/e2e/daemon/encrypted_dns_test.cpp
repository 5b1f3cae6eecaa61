// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end, encrypted DNS (issue 14.1): Firefox's canary domain answered NXDOMAIN without reaching
// the resolver (dnsmasq's own query log is the witness), and connections to DoT (any address, port 853) and to
// listed DoH resolvers (by address and by name, port 443) decided by `encrypted_dns` unless a rule naming the
// app does (witness.py's server log is the witness of what got through).
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"
#include "daemon/witness_server.h"

#include <QFile>
#include <QFileInfo>
#include <QTest>

#include <sys/stat.h>

#include <map>
#include <memory>

using namespace hostgate::e2e;
using hostgate::Ok;
using hostgate::Result;
using namespace std::chrono_literals;

namespace {

const QString canaryName = QStringLiteral("use-application-dns.net");
const QString canaryAddress = QStringLiteral("203.0.113.90");    // what dnsmasq answers for the canary
const QString dohByNameAddress = QStringLiteral("203.0.113.91"); // doh.resolver.test, listed by name
const QString dohByName = QStringLiteral("doh.resolver.test");
const QString dotDeniedAddress = QStringLiteral("203.0.113.92");  // unlisted: port 853 alone makes it DoT
const QString dohByAddress = QStringLiteral("203.0.113.93");      // listed by address
const QString plainHttpsAddress = QStringLiteral("203.0.113.94"); // unlisted, port 443: not encrypted DNS
const QString dotAppRuleAddress = QStringLiteral("203.0.113.95");
const QString dotAskedAddress = QStringLiteral("203.0.113.96");
const QString dotAllowedAddress = QStringLiteral("203.0.113.97");

constexpr quint16 dotPort = 853;
constexpr quint16 httpsPort = 443;

QString listFileText()
{
    return QStringLiteral("version = 1\n[[resolver]]\nname = \"Test DoH\"\nhosts = [\"%1\"]\naddresses = [\"%2\"]\n")
        .arg(dohByName, dohByAddress);
}

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    // dnsmasq's readiness probe asks for the first name: not the canary.
    world.zone.hosts = {{dohByName, dohByNameAddress, {}}, {canaryName, canaryAddress, {}}};
    world.zone.ttlSeconds = 300;
    for (const QString& address : {canaryAddress, dohByNameAddress, dotDeniedAddress, dohByAddress, plainHttpsAddress,
                                   dotAppRuleAddress, dotAskedAddress, dotAllowedAddress}) {
        world.extraAddresses << address + QStringLiteral("/24");
    }
    return world;
}

// `[[rule]]` for any app (no app line) or for `app`.
QString rule(const QString& app, const QString& host, const QString& action, std::optional<int> port = std::nullopt)
{
    QString text = QStringLiteral("[[rule]]\n");
    if (!app.isEmpty()) {
        text += QStringLiteral("app = \"%1\"\n").arg(app);
    }
    text += QStringLiteral("host = \"%1\"\n").arg(host);
    if (port) {
        text += QStringLiteral("ports = %1\n").arg(*port);
    }
    return text + QStringLiteral("action = \"%1\"\n\n").arg(action);
}

struct Policy {
    QString encryptedDns; // "" = the default (ask)
    bool refuseCanary = true;
    QString rules;
};

QString firstLine(const QByteArray& out)
{
    return QString::fromUtf8(out).section(QLatin1Char('\n'), 0, 0).trimmed();
}

bool refusedAtOnce(const RunResult& attempt)
{
    const QString result = firstLine(attempt.out);
    return (result == QStringLiteral("EPERM") || result == QStringLiteral("ECONNREFUSED")) &&
           attempt.elapsed < failsFast;
}

QStringList tcpClient(const QString& address, quint16 port, const QString& marker)
{
    return witness({QStringLiteral("tcp-client"), address, QString::number(port), marker, QStringLiteral("--timeout"),
                    QStringLiteral("3")});
}

QStringList dig(const QString& name)
{
    return {QStringLiteral("dig"),
            QStringLiteral("+time=2"),
            QStringLiteral("+tries=1"),
            QLatin1Char('@') + QLatin1String(dnsServerIpv4),
            name,
            QStringLiteral("A")};
}

} // namespace

class EncryptedDnsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("dig"))) {
            return;
        }
        QVERIFY2(QFileInfo(witnessScript()).isReadable(), qPrintable(witnessScript()));
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-encdns"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        const TestNetwork& network = fixture_->network();
        listFile_ = network.scratchPath(QStringLiteral("encrypted-dns.toml"));
        QFile list(listFile_);
        QVERIFY(list.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QVERIFY(list.write(listFileText().toUtf8()) > 0);
        list.close();
        QVERIFY(::chmod(listFile_.toLocal8Bit().constData(), 0644) == 0);

        const QList<std::pair<QString, quint16>> servers = {
            {dohByNameAddress, httpsPort},  {dotDeniedAddress, dotPort},  {dohByAddress, httpsPort},
            {plainHttpsAddress, httpsPort}, {dotAppRuleAddress, dotPort}, {dotAskedAddress, dotPort},
            {dotAllowedAddress, dotPort},
        };
        for (const auto& [address, port] : servers) {
            auto server = std::make_unique<Witness>(network, address);
            HG_E2E_VERIFY(server->start({QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(address).arg(port)}));
            witnesses_.emplace(address, std::move(server));
        }
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        witnesses_.clear();
        fixture_.reset();
    }

    // ---- The canary -------------------------------------------------------------------------------------

    void theCanaryIsAnsweredNxdomainAndNeverReachesTheResolver()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon({})));
        const qint64 mark = fixture_->daemonLogSize();
        const auto canaryQueries = [this] {
            return fixture_->dns().log().count(QStringLiteral("query[A] ") + canaryName);
        };
        const auto before = canaryQueries();
        const RunResult answer = run(fixture_->confined(), dig(canaryName), 10s);
        QVERIFY2(answer.succeeded() && answer.out.contains("status: NXDOMAIN"), qPrintable(answer.describe()));
        QVERIFY2(answer.elapsed < failsFast, qPrintable(answer.describe()));
        // dnsmasq logs queries in the order they arrive: once a later query is in its log, the canary would be too.
        const RunResult after = run(fixture_->confined(), dig(QStringLiteral("after-canary.test")), 10s);
        QVERIFY2(after.succeeded(), qPrintable(after.describe()));
        QVERIFY2(
            QTest::qWaitFor([&] { return fixture_->dns().log().contains(QStringLiteral("after-canary.test")); }, 5000),
            qPrintable(fixture_->dns().log()));
        QVERIFY2(canaryQueries() == before,
                 qPrintable(QStringLiteral("LEAK: the resolver saw the canary:\n") + fixture_->dns().log()));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Answered the DNS-over-HTTPS canary with NXDOMAIN"), QStringLiteral("name=") + canaryName},
            mark));
    }

    void theCanaryPassesToTheResolverWhenTheSettingIsOff()
    {
        Policy policy;
        policy.refuseCanary = false;
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(policy)));
        const QString query = QStringLiteral("query[A] ") + canaryName;
        const auto before = fixture_->dns().log().count(query);
        const RunResult answer = run(fixture_->confined(), dig(canaryName), 10s);
        QVERIFY2(answer.succeeded() && answer.out.contains("status: NOERROR") &&
                     answer.out.contains(canaryAddress.toLatin1()),
                 qPrintable(answer.describe()));
        QVERIFY2(QTest::qWaitFor([&] { return fixture_->dns().log().count(query) == before + 1; }, 5000),
                 qPrintable(fixture_->dns().log()));
    }

    // ---- Encrypted DNS connections ------------------------------------------------------------------------

    void dnsOverTlsToAnyAddressIsDeniedByDenyDespiteAnAllowForEveryApp()
    {
        Policy policy;
        policy.encryptedDns = QStringLiteral("deny");
        policy.rules = rule({}, QStringLiteral("*"), QStringLiteral("allow"));
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(policy)));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(dotDeniedAddress);

        const RunResult attempt =
            run(fixture_->confined(), tcpClient(dotDeniedAddress, dotPort, QStringLiteral("attempt-dot-denied")), 10s);
        QVERIFY2(refusedAtOnce(attempt), qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(),
                                 tcpClient(dotDeniedAddress, dotPort, QStringLiteral("canary-dot-denied")), server,
                                 QStringLiteral("canary-dot-denied")));
        const QString leaked = leaks(server, {QStringLiteral("attempt-dot-denied")}, 1);
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + dotDeniedAddress,
                                      QStringLiteral("port=853"), QStringLiteral("rule=none"),
                                      QStringLiteral("encrypted DNS, DNS over TLS (port 853); encrypted_dns = deny")},
                                     mark));

        // The same rule opens port 443 of an address that is no resolver: the refusal above was the policy's.
        const RunResult plain = run(fixture_->confined(),
                                    tcpClient(plainHttpsAddress, httpsPort, QStringLiteral("control-plain-443")), 10s);
        QVERIFY2(firstLine(plain.out).startsWith(QStringLiteral("connected")), qPrintable(plain.describe()));
        HG_E2E_VERIFY(at(plainHttpsAddress).waitFor(QStringLiteral("control-plain-443")));
    }

    void dohToAListedAddressOrNameIsDenied()
    {
        Policy policy;
        policy.encryptedDns = QStringLiteral("deny");
        // A name rule for every app would pre-install "any port" verdicts for the resolver's address; it must not.
        policy.rules = rule({}, QStringLiteral("*.resolver.test"), QStringLiteral("allow")) +
                       rule({}, dohByAddress, QStringLiteral("allow"));
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(policy)));
        const qint64 mark = fixture_->daemonLogSize();

        // The name is learnt from a trusted resolver's answer, as an app's bootstrap lookup would.
        const RunResult lookup = run(fixture_->confined(), dig(dohByName), 10s);
        QVERIFY2(lookup.succeeded() && lookup.out.contains(dohByNameAddress.toLatin1()), qPrintable(lookup.describe()));

        for (const auto& [address, label] : {std::pair{dohByNameAddress, QStringLiteral("byname")},
                                             std::pair{dohByAddress, QStringLiteral("byaddress")}}) {
            const Witness& server = at(address);
            const QString marker = QStringLiteral("attempt-doh-") + label;
            const RunResult attempt = run(fixture_->confined(), tcpClient(address, httpsPort, marker), 10s);
            QVERIFY2(refusedAtOnce(attempt), qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
            const QString canary = QStringLiteral("canary-doh-") + label;
            HG_E2E_VERIFY(sendCanary(fixture_->unconfined(), tcpClient(address, httpsPort, canary), server, canary));
            const QString leaked = leaks(server, {marker}, 1);
            QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
            HG_E2E_VERIFY(fixture_->waitForLogLine(
                {QStringLiteral("Connection denied"), QStringLiteral("ip=") + address, QStringLiteral("port=443"),
                 QStringLiteral("encrypted DNS, DNS over HTTPS (Test DoH); encrypted_dns = deny")},
                mark));
        }
    }

    void aRuleNamingTheAppAllowsEncryptedDnsDespiteDeny()
    {
        Policy policy;
        policy.encryptedDns = QStringLiteral("deny");
        policy.rules = rule(python3ExecutablePath(), dotAppRuleAddress, QStringLiteral("allow"), dotPort);
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(policy)));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult attempt = run(
            fixture_->confined(), tcpClient(dotAppRuleAddress, dotPort, QStringLiteral("allowed-by-app-rule")), 10s);
        QVERIFY2(firstLine(attempt.out).startsWith(QStringLiteral("connected")),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(at(dotAppRuleAddress).waitFor(QStringLiteral("allowed-by-app-rule")));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("ip=") + dotAppRuleAddress,
                                      QStringLiteral("port=853"), QStringLiteral("why=\"rule #")},
                                     mark));
    }

    void askPutsEncryptedDnsToThePromptLikeAnUnknownConnection()
    {
        // The default policy; no agent is registered, so the prompt gets the default action (deny) at once.
        Policy policy;
        policy.rules = rule({}, QStringLiteral("*"), QStringLiteral("allow"));
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(policy)));
        const qint64 mark = fixture_->daemonLogSize();
        const Witness& server = at(dotAskedAddress);
        const RunResult attempt =
            run(fixture_->confined(), tcpClient(dotAskedAddress, dotPort, QStringLiteral("attempt-dot-asked")), 10s);
        QVERIFY2(refusedAtOnce(attempt), qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(),
                                 tcpClient(dotAskedAddress, dotPort, QStringLiteral("canary-dot-asked")), server,
                                 QStringLiteral("canary-dot-asked")));
        const QString leaked = leaks(server, {QStringLiteral("attempt-dot-asked")}, 1);
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection asked"), QStringLiteral("ip=") + dotAskedAddress,
                                      QStringLiteral("encrypted DNS, DNS over TLS (port 853); encrypted_dns = ask")},
                                     mark));
    }

    void allowLetsEncryptedDnsThroughWithoutARule()
    {
        Policy policy;
        policy.encryptedDns = QStringLiteral("allow");
        HG_E2E_VERIFY(fixture_->ensureDaemon(daemon(policy)));
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult attempt =
            run(fixture_->confined(), tcpClient(dotAllowedAddress, dotPort, QStringLiteral("allowed-by-policy")), 10s);
        QVERIFY2(firstLine(attempt.out).startsWith(QStringLiteral("connected")),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(at(dotAllowedAddress).waitFor(QStringLiteral("allowed-by-policy")));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection allowed"), QStringLiteral("ip=") + dotAllowedAddress,
                                      QStringLiteral("encrypted_dns = allow → allow")},
                                     mark));
    }

private:
    DaemonSettings daemon(const Policy& policy) const
    {
        QString config = QStringLiteral("encrypted_dns_files = [\"%1\"]\nrefuse_doh_canary = %2\n")
                             .arg(listFile_, policy.refuseCanary ? QStringLiteral("true") : QStringLiteral("false"));
        if (!policy.encryptedDns.isEmpty()) {
            config += QStringLiteral("encrypted_dns = \"%1\"\n").arg(policy.encryptedDns);
        }
        return {policy.rules, config, {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
    }

    const Witness& at(const QString& address) const { return *witnesses_.at(address); }

    std::unique_ptr<DaemonFixture> fixture_;
    std::map<QString, std::unique_ptr<Witness>> witnesses_;
    QString listFile_;
};

QTEST_GUILESS_MAIN(EncryptedDnsTest)
#include "encrypted_dns_test.moc"
