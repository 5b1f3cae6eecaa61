// SPDX-License-Identifier: GPL-3.0-or-later
// Self-test of the end-to-end harness: namespaces, cgroups, DNS, servers and placement really work and vanish.
#include "harness/e2e_harness.h"

#include <QDir>
#include <QFile>
#include <QTest>

#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString webName = QStringLiteral("web.example.test");
const QString aliasName = QStringLiteral("alias.example.test");
const QString wildName = QStringLiteral("deep.wild.example.test");
constexpr int recordTtl = 42;
constexpr uid_t nobodyUid = 65534;

DnsServer::Config testZone()
{
    DnsServer::Config config;
    config.hosts = {{webName, QLatin1String(webServer1Ipv4), QLatin1String(webServer1Ipv6)}};
    config.domains = {{QStringLiteral("wild.example.test"), QLatin1String(webServer2Ipv4)}};
    config.cnames = {{aliasName, webName}};
    config.ttlSeconds = recordTtl;
    return config;
}

// Names resolve to both families and curl prefers IPv6; tests by name pin IPv4 to know which server answers.
QStringList curlIpv4Command(const QString& url)
{
    return QStringList{QStringLiteral("curl"), QStringLiteral("--ipv4")} +
           QStringList{QStringLiteral("-sS"),        QStringLiteral("--noproxy"), QStringLiteral("*"),
                       QStringLiteral("--max-time"), QStringLiteral("3"),         url};
}

QStringList curlCommand(const QString& url)
{
    return {QStringLiteral("curl"), QStringLiteral("-sS"),        QStringLiteral("-g"), QStringLiteral("--noproxy"),
            QStringLiteral("*"),    QStringLiteral("--max-time"), QStringLiteral("3"),  url};
}

// A process that outlives the command which started it, so only the owner's sweep can remove it.
QStringList orphanSleeperCommand()
{
    return {QStringLiteral("sh"), QStringLiteral("-c"),
            QStringLiteral("sleep 300 </dev/null >/dev/null 2>&1 & echo $!")};
}

} // namespace

class HarnessSelfTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools()) {
            return;
        }
        network_ = std::make_unique<TestNetwork>(QStringLiteral("selftest"));
        HG_E2E_VERIFY(network_->status());
        cgroup_ = std::make_unique<ChildCgroup>(QStringLiteral("selftest"));
        HG_E2E_VERIFY(cgroup_->status());
        dns_ = std::make_unique<DnsServer>(*network_, testZone());
        HG_E2E_VERIFY(dns_->start());
        stub_ = std::make_unique<DnsServer>(*network_, DnsServer::stubResolver());
        HG_E2E_VERIFY(stub_->start());
        servers_ = std::make_unique<Servers>(*network_);
        HG_E2E_VERIFY(servers_->startHttp(QLatin1String(webServer1Ipv4)));
        HG_E2E_VERIFY(servers_->startHttp(QLatin1String(webServer1Ipv6)));
        HG_E2E_VERIFY(servers_->startUdpEcho(QLatin1String(webServer1Ipv4)));
        HG_E2E_VERIFY(servers_->startUdpEcho(QLatin1String(webServer1Ipv6)));
    }

    void cleanupTestCase()
    {
        servers_.reset();
        stub_.reset();
        dns_.reset();
        cgroup_.reset();
        network_.reset();
    }

    void networkCarriesEveryTestAddress()
    {
        const QStringList addresses = network_->addresses();
        for (const char* expected : {clientIpv4, dnsServerIpv4, webServer1Ipv4, webServer2Ipv4, webServer3Ipv4,
                                     clientIpv6, webServer1Ipv6, webServer2Ipv6, webServer3Ipv6}) {
            QVERIFY2(addresses.contains(QLatin1String(expected)), qPrintable(addresses.join(QLatin1Char(' '))));
        }
    }

    void addressOutsideTestRangesIsRefused_data()
    {
        QTest::addColumn<QString>("cidr");
        QTest::newRow("host address") << QStringLiteral("192.0.2.2/24");
        QTest::newRow("private network") << QStringLiteral("10.0.0.1/8");
        QTest::newRow("host IPv6") << QStringLiteral("fd00::2/64");
        QTest::newRow("test address with too short prefix") << QStringLiteral("203.0.113.20/16");
        QTest::newRow("test IPv6 with too short prefix") << QStringLiteral("2001:db8::20/16");
        QTest::newRow("garbage") << QStringLiteral("not-an-address/24");
    }

    void addressOutsideTestRangesIsRefused()
    {
        QFETCH(QString, cidr);
        const auto added = network_->addAddress(cidr);
        QVERIFY(!added);
        QVERIFY2(describe(added.error()).contains(QStringLiteral("Refusing")), qPrintable(describe(added.error())));
        QVERIFY(!network_->addresses().contains(cidr.section(QLatin1Char('/'), 0, 0)));
    }

    void addedTestAddressIsUsableInTheNetwork()
    {
        HG_E2E_VERIFY(network_->addAddress(QStringLiteral("203.0.113.99/24")));
        QVERIFY(network_->addresses().contains(QStringLiteral("203.0.113.99")));
    }

    void firewallCommandOutsideTestNetworkIsRefused_data()
    {
        QTest::addColumn<QStringList>("argv");
        QTest::newRow("iptables") << QStringList{QStringLiteral("iptables"), QStringLiteral("-A"),
                                                 QStringLiteral("OUTPUT"), QStringLiteral("-j"),
                                                 QStringLiteral("DROP")};
        QTest::newRow("nft by path") << QStringList{QStringLiteral("/usr/sbin/nft"), QStringLiteral("flush"),
                                                    QStringLiteral("ruleset")};
        QTest::newRow("hidden in a shell script")
            << QStringList{QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("true; ip6tables -F")};
    }

    void firewallCommandOutsideTestNetworkIsRefused()
    {
        QFETCH(QStringList, argv);
        const RunResult result = run({}, argv, 5s);
        QCOMPARE(result.exitCode, -1);
        QVERIFY2(result.err.contains("Refusing"), qPrintable(result.describe()));
    }

    void firewallCommandInsideTestNetworkRuns()
    {
        const RunResult result = run(Placement::in(*network_),
                                     {QStringLiteral("iptables"), QStringLiteral("-S"), QStringLiteral("OUTPUT")}, 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QVERIFY2(result.out.contains("-P OUTPUT ACCEPT"), qPrintable(result.describe()));
    }

    void cgroupIsAChildOfTheCgroup2MountAndNeverTheRoot()
    {
        const auto mount = findCgroup2Mount();
        HG_E2E_VERIFY(mount);
        QCOMPARE(cgroup_->mountPoint(), QDir::cleanPath(*mount));
        QVERIFY(cgroup_->path() != cgroup_->mountPoint());
        QVERIFY2(cgroup_->path().startsWith(cgroup_->mountPoint() + QStringLiteral("/hostgate-test-selftest-")),
                 qPrintable(cgroup_->path()));
        QVERIFY(QFile::exists(cgroup_->path() + QStringLiteral("/cgroup.procs")));
    }

    void cgroupTagThatCouldEscapeTheMountIsRefused()
    {
        const ChildCgroup escaping(QStringLiteral("../../etc"));
        QVERIFY(!escaping.status());
        QVERIFY(escaping.path().isEmpty());
    }

    void dnsServerAnswersWithRequestedRecordAndTtl_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("expectedType");
        QTest::addColumn<QString>("expectedData");
        QTest::newRow("A of host record") << webName << "A"
                                          << "A" << QString::fromLatin1(webServer1Ipv4);
        QTest::newRow("AAAA of host record") << webName << "AAAA"
                                             << "AAAA" << QString::fromLatin1(webServer1Ipv6);
        QTest::newRow("CNAME to host record") << aliasName << "A"
                                              << "CNAME" << webName;
        QTest::newRow("A of name under domain record") << wildName << "A"
                                                       << "A" << QString::fromLatin1(webServer2Ipv4);
    }

    void dnsServerAnswersWithRequestedRecordAndTtl()
    {
        QFETCH(QString, name);
        QFETCH(QString, type);
        QFETCH(QString, expectedType);
        QFETCH(QString, expectedData);
        const auto answers = queryDns(Placement::in(*network_), dns_->address(), name, type);
        HG_E2E_VERIFY(answers);
        QVERIFY2(!answers->isEmpty(), qPrintable(dns_->log()));
        const DnsAnswer& first = answers->first();
        QCOMPARE(first.name, name);
        QCOMPARE(first.type, expectedType);
        QCOMPARE(first.data, expectedData);
        QCOMPARE(first.ttl, recordTtl);
    }

    void stubResolverForwardsToTheDnsServer()
    {
        const auto answers =
            queryDns(Placement::in(*network_), QLatin1String(stubResolverIpv4), webName, QStringLiteral("A"));
        HG_E2E_VERIFY(answers);
        QVERIFY2(!answers->isEmpty(), qPrintable(stub_->log()));
        QCOMPARE(answers->first().data, QString::fromLatin1(webServer1Ipv4));
        QVERIFY2(stub_->log().contains(QStringLiteral("forwarded %1 to %2").arg(webName, QLatin1String(dnsServerIpv4))),
                 qPrintable(stub_->log()));
    }

    void clientInCgroupAndNetworkFetchesHttpBody_data()
    {
        QTest::addColumn<QString>("server");
        QTest::newRow("IPv4") << QString::fromLatin1(webServer1Ipv4);
        QTest::newRow("IPv6") << QString::fromLatin1(webServer1Ipv6);
    }

    void clientInCgroupAndNetworkFetchesHttpBody()
    {
        QFETCH(QString, server);
        const RunResult result = run(Placement::in(*network_).inCgroup(*cgroup_), curlCommand(httpUrl(server)), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(server, 80));
    }

    void clientResolvesNamesThroughItsResolvConf_data()
    {
        QTest::addColumn<QString>("nameserver");
        QTest::newRow("DNS server") << QString::fromLatin1(dnsServerIpv4);
        QTest::newRow("local stub resolver") << QString::fromLatin1(stubResolverIpv4);
    }

    void clientResolvesNamesThroughItsResolvConf()
    {
        QFETCH(QString, nameserver);
        const Placement placement = Placement::in(*network_).inCgroup(*cgroup_).withResolvConf(nameserver);
        const RunResult resolvConf = run(placement, {QStringLiteral("cat"), QStringLiteral("/etc/resolv.conf")}, 5s);
        QVERIFY2(resolvConf.out.startsWith(QStringLiteral("nameserver %1\n").arg(nameserver).toLatin1()),
                 qPrintable(resolvConf.describe()));
        const RunResult result = run(placement, curlIpv4Command(httpUrl(webName)), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(QLatin1String(webServer1Ipv4), 80));
    }

    void clientRunsInsideTheChildCgroup()
    {
        const RunResult result = run(Placement::in(*network_).inCgroup(*cgroup_),
                                     {QStringLiteral("cat"), QStringLiteral("/proc/self/cgroup")}, 5s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QVERIFY2(result.out.contains(QStringLiteral("0::%1\n").arg(cgroup_->relativePath()).toLatin1()),
                 qPrintable(result.describe()));
    }

    void clientRunsAsTheRequestedUserWithoutSupplementaryGroups()
    {
        const RunResult result = run(Placement::in(*network_).inCgroup(*cgroup_).asUser(nobodyUid),
                                     {QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("id -u; id -G")}, 5s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, QByteArray("65534\n65534\n"));
    }

    void unprivilegedClientFetchesHttpBodyByName()
    {
        const RunResult result = run(
            Placement::in(*network_).inCgroup(*cgroup_).asUser(nobodyUid).withResolvConf(QLatin1String(dnsServerIpv4)),
            curlIpv4Command(httpUrl(webName)), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(QLatin1String(webServer1Ipv4), 80));
    }

    void udpEchoServerEchoesDatagram_data()
    {
        QTest::addColumn<QString>("server");
        QTest::newRow("IPv4") << QString::fromLatin1(webServer1Ipv4);
        QTest::newRow("IPv6") << QString::fromLatin1(webServer1Ipv6);
    }

    void udpEchoServerEchoesDatagram()
    {
        QFETCH(QString, server);
        const RunResult result =
            run(Placement::in(*network_).inCgroup(*cgroup_), udpEchoClientCommand(server, 7), 10s, "ping 42");
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, QByteArray("ping 42"));
    }

    void addressOutsideTheNetworkIsUnreachable()
    {
        const RunResult result = run(Placement::in(*network_), curlCommand(QStringLiteral("http://192.0.2.2/")), 10s);
        QVERIFY(!result.succeeded());
        QVERIFY2(result.err.contains("Couldn't connect") || result.err.contains("unreachable"),
                 qPrintable(result.describe()));
        QVERIFY(result.elapsed < 2s);
    }

    void commandIsKilledAtItsTimeout()
    {
        const RunResult result =
            run(Placement::in(*network_).inCgroup(*cgroup_), {QStringLiteral("sleep"), QStringLiteral("30")}, 300ms);
        QVERIFY(result.timedOut);
        QCOMPARE(result.exitCode, -1);
        QVERIFY2(result.elapsed < 5s, qPrintable(result.describe()));
    }

    void failedPlacementExitsWith125AndSaysWhy()
    {
        const ChildCgroup vanished(QStringLiteral("vanished"));
        HG_E2E_VERIFY(vanished.status());
        QVERIFY(QDir().rmdir(vanished.path()));
        const RunResult result = run(Placement::in(*network_).inCgroup(vanished), {QStringLiteral("true")}, 5s);
        QCOMPARE(result.exitCode, 125);
        QVERIFY2(result.err.contains("hostgate-e2e: Failed to join cgroup"), qPrintable(result.describe()));
    }

    void backgroundProcessIsInTheCgroupAndKilledWhenDestroyed()
    {
        pid_t pid = 0;
        {
            auto sleeper = startBackground(Placement::in(*network_).inCgroup(*cgroup_),
                                           {QStringLiteral("sleep"), QStringLiteral("300")});
            HG_E2E_VERIFY(sleeper);
            pid = sleeper->pid();
            QVERIFY(sleeper->isRunning());
            QVERIFY2(cgroup_->procs().contains(pid), qPrintable(sleeper->command()));
            QVERIFY(network_->pids().contains(pid));
        }
        QVERIFY(!isProcessAlive(pid));
        QVERIFY(!cgroup_->procs().contains(pid));
    }

    void backgroundProcessReportsItsOutputAndExit()
    {
        auto reader =
            startBackground(Placement::in(*network_), {QStringLiteral("sh"), QStringLiteral("-c"),
                                                       QStringLiteral("echo ready; read line; echo got $line")});
        HG_E2E_VERIFY(reader);
        HG_E2E_VERIFY(reader->waitForStdout("ready\n", 5s));
        reader->writeStdin("hello\n");
        const RunResult result = reader->finish(5s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, QByteArray("ready\ngot hello\n"));
    }

    void cgroupDestructionKillsLeftoverMembersAndRemovesIt()
    {
        QString path;
        pid_t orphan = 0;
        {
            const ChildCgroup cgroup(QStringLiteral("orphans"));
            HG_E2E_VERIFY(cgroup.status());
            path = cgroup.path();
            const RunResult started = run(Placement::host().inCgroup(cgroup), orphanSleeperCommand(), 5s);
            QVERIFY2(started.succeeded(), qPrintable(started.describe()));
            orphan = static_cast<pid_t>(started.out.trimmed().toInt());
            QVERIFY(cgroup.procs().contains(orphan));
        }
        QVERIFY(!QDir(path).exists());
        QVERIFY(!isProcessAlive(orphan));
    }

    void networkDestructionKillsItsProcessesAndDeletesIt()
    {
        QString name;
        pid_t orphan = 0;
        {
            const TestNetwork network(QStringLiteral("orphans"));
            HG_E2E_VERIFY(network.status());
            name = network.name();
            const RunResult started = run(Placement::in(network), orphanSleeperCommand(), 5s);
            QVERIFY2(started.succeeded(), qPrintable(started.describe()));
            orphan = static_cast<pid_t>(started.out.trimmed().toInt());
            QVERIFY(network.pids().contains(orphan));
        }
        QVERIFY(!QFile::exists(QStringLiteral("/run/netns/") + name));
        QVERIFY(!isProcessAlive(orphan));
    }

    void leftoverOfACrashedRunIsReplaced()
    {
        const QString name = QStringLiteral("hg-leftover-%1").arg(getpid());
        const RunResult added =
            run({}, {QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("add"), name}, 5s);
        QVERIFY2(added.succeeded(), qPrintable(added.describe()));
        const TestNetwork network(QStringLiteral("leftover"));
        HG_E2E_VERIFY(network.status());
        QCOMPARE(network.name(), name);
        QVERIFY(network.addresses().contains(QLatin1String(clientIpv4)));
    }

    void wholeEnvironmentLeavesNothingBehind()
    {
        QString networkName;
        QString cgroupPath;
        QList<pid_t> pids;
        {
            TestNetwork network(QStringLiteral("teardown"));
            HG_E2E_VERIFY(network.status());
            const ChildCgroup cgroup(QStringLiteral("teardown"));
            HG_E2E_VERIFY(cgroup.status());
            DnsServer dns(network, testZone());
            HG_E2E_VERIFY(dns.start());
            Servers servers(network);
            HG_E2E_VERIFY(servers.startHttp(QLatin1String(webServer2Ipv4)));
            HG_E2E_VERIFY(servers.startUdpEcho(QLatin1String(webServer2Ipv6), 9000));
            auto client = startBackground(Placement::in(network).inCgroup(cgroup),
                                          {QStringLiteral("sleep"), QStringLiteral("300")});
            HG_E2E_VERIFY(client);
            networkName = network.name();
            cgroupPath = cgroup.path();
            pids = servers.pids() << dns.pid() << client->pid();
            for (const pid_t pid : pids) {
                QVERIFY(isProcessAlive(pid));
            }
        }
        QVERIFY(!QFile::exists(QStringLiteral("/run/netns/") + networkName));
        QVERIFY(!QDir(cgroupPath).exists());
        for (const pid_t pid : pids) {
            QVERIFY2(!isProcessAlive(pid), qPrintable(QString::number(pid)));
        }
    }

private:
    std::unique_ptr<TestNetwork> network_;
    std::unique_ptr<ChildCgroup> cgroup_;
    std::unique_ptr<DnsServer> dns_;
    std::unique_ptr<DnsServer> stub_;
    std::unique_ptr<Servers> servers_;
};

QTEST_GUILESS_MAIN(HarnessSelfTest)
#include "harness_selftest.moc"
