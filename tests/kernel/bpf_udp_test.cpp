// SPDX-License-Identifier: GPL-3.0-or-later
// Kernel test of UDP enforcement: with the daemon's real firewall rules in a throwaway namespace, which queue
// (decision or DNS) the first packet of each kind of flow reaches, given BpfFirewall's marks.
// Project headers first: Qt's `forever` macro would otherwise clobber the core's Lifetime::permanent().
#include "capture/bpf_firewall.h"
#include "capture/firewall_rules.h"

#include "bpf_test_sandbox.h"

#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QtTest>

#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <optional>

using namespace hostgate;
using namespace hostgate::test;

namespace {

// The daemon's own default bit, so the programs and the chains agree as they do in production.
constexpr std::uint32_t kMarkBit = hostgate::kernel_defaults::maskOf(hostgate::kernel_defaults::undecidedMarkBit);
constexpr std::uint16_t kHttpPort = 8080;
constexpr std::uint16_t kUdpPort = 9999;
constexpr std::uint16_t kDnsPort = 53;

// The rules exactly as the daemon installs them, but failing open: with no daemon bound to the queues the
// packets pass, and each NFQUEUE rule's counter says how many packets it would have held.
FirewallConfig firewallConfig()
{
    FirewallConfig config;
    config.chainPrefix = "HGUDPTEST";
    config.markMask = kMarkBit;
    config.failOpen = true;
    config.ipv6 = true;
    config.trustedResolvers = {IpAddress::parse("198.51.100.1").value(), IpAddress::parse("2001:db8::1").value()};
    return config;
}

// Which NFQUEUE rule of the output chain to read.
struct QueueRule {
    std::uint16_t queue;
    int protocol; // IPPROTO_* as iptables -L prints it
};

AppKey appKeyOf(const QString& executable)
{
    struct stat st {};
    if (::stat(executable.toLocal8Bit().constData(), &st) != 0) {
        return {};
    }
    return BpfFirewall::appKeyFromStat(st);
}

bool isV6(const QString& address)
{
    return address.contains(':');
}

} // namespace

class BpfUdpTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void newUdpSocketsAreBornMarkedAndOtherSocketsAreNot_data();
    void newUdpSocketsAreBornMarkedAndOtherSocketsAreNot();
    void firstUnconnectedDatagramOfAMissIsQueuedForADecision_data();
    void firstUnconnectedDatagramOfAMissIsQueuedForADecision();
    void firstUnconnectedDatagramToAnAllowedDestinationIsStillQueued();
    void connectedUdpMissIsQueuedFromItsFirstDatagram();
    void connectedUdpToAnAllowedDestinationIsNeverQueued_data();
    void connectedUdpToAnAllowedDestinationIsNeverQueued();
    void deniedUdpFailsWithEpermAndNothingIsQueued_data();
    void deniedUdpFailsWithEpermAndNothingIsQueued();
    void dnsDatagramReachesTheDnsQueueNotTheDecisionQueue_data();
    void dnsDatagramReachesTheDnsQueueNotTheDecisionQueue();
    void dnsDatagramToAnotherServerIsHeldForADecision();
    void tcpIsQueuedOnlyOnAMiss_data();
    void tcpIsQueuedOnlyOnAMiss();
    void connectedUdpToLoopbackIsNeverQueued();

private:
    ProbeResult probe(const QString& kind, const QString& address, std::uint16_t port);
    QStringList netnsCommand(bool ipv6, const QString& tool) const;
    // Packets the NFQUEUE rule has matched since init(); nullopt when the chain could not be read.
    std::optional<int> queued(bool ipv6, QueueRule rule) const;
    std::optional<int> decisionQueued(bool ipv6, int protocol) const
    {
        return queued(ipv6, {rules_->config().decisionQueue, protocol});
    }
    // Packets the trusted-resolver chain sent to the DNS queue since init().
    std::optional<int> trustedDnsQueued(bool ipv6) const;
    std::size_t takeEvents();
    VerdictKey udpKey(const QString& address, std::uint16_t port) const;

    std::unique_ptr<TestNetns> netns_;
    std::unique_ptr<TestCgroup> cgroup_;
    std::unique_ptr<HttpResponder> responder_;
    std::unique_ptr<FirewallRules> rules_;
    std::optional<BpfFirewall> firewall_;
    AppKey pythonKey_;
    QString python_;
};

void BpfUdpTest::initTestCase()
{
    QVERIFY2(::geteuid() == 0, "the kernel tests load BPF programs and create namespaces: run them as root");
    const KernelFeatures features = BpfFirewall::probe();
    QVERIFY2(features.usable() && features.cgroup2Mount, "cgroup BPF is not usable on this kernel");

    const std::string suffix = std::to_string(::getpid());
    netns_ = std::make_unique<TestNetns>("hg-udp-" + suffix);
    QVERIFY2(netns_->ready(), qPrintable(netns_->failure()));
    cgroup_ = std::make_unique<TestCgroup>(*features.cgroup2Mount, "hostgate-test-udp-" + suffix);
    QVERIFY2(cgroup_->ready(), "could not create the child cgroup");
    responder_ = std::make_unique<HttpResponder>(
        netns_->path(), std::vector<HttpResponder::Endpoint>{{"198.51.100.1", kHttpPort}, {"2001:db8::1", kHttpPort}});
    QVERIFY2(responder_->ready(), qPrintable(responder_->failure()));

    // Only the script text comes from FirewallRules; it is applied with `ip netns exec`, so it can only ever
    // land in the test's namespace (and disappears with it).
    rules_ = std::make_unique<FirewallRules>(firewallConfig(), FirewallBackend::IptablesNft);
    for (const bool ipv6 : {false, true}) {
        QProcess restore;
        restore.start("ip", netnsCommand(ipv6, "restore") + QStringList{"--noflush"});
        restore.write(QByteArray::fromStdString(rules_->iptablesRestoreScript(ipv6)));
        restore.closeWriteChannel();
        QVERIFY(restore.waitForFinished(15000));
        QVERIFY2(restore.exitCode() == 0, restore.readAllStandardError().constData());
    }

    BpfFirewall::Options options;
    options.cgroup = cgroup_->path();
    options.markBit = kMarkBit;
    options.refuseRootCgroup = true;
    // No daemon heartbeats here: the programs must keep treating misses as "hold for a decision".
    options.staleAfter = std::chrono::hours(24);
    options.denyOtherProtocols = false; // raw sockets are probed below
    options.refuseForeignNetns = false; // the probes run in the test's namespace, this process does not
    auto opened = BpfFirewall::open(options);
    QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().describe().c_str());
    firewall_.emplace(std::move(opened.value()));
    QVERIFY(firewall_->setTrustedResolvers(firewallConfig().trustedResolvers).ok());

    python_ = QStandardPaths::findExecutable("python3", {"/usr/bin"});
    pythonKey_ = appKeyOf(python_);
    QVERIFY(pythonKey_.inode != 0);
}

void BpfUdpTest::init()
{
    QVERIFY(firewall_.has_value());
    QVERIFY(firewall_->clearVerdicts().ok());
    takeEvents();
    const QString chain = QString::fromStdString(rules_->config().chainPrefix + "-OUT");
    for (const bool ipv6 : {false, true}) {
        const QStringList zero = netnsCommand(ipv6, "") + QStringList{"-w", "-Z", chain};
        QCOMPARE(runChecked("ip", zero), QString());
        const QStringList zeroDns =
            netnsCommand(ipv6, "") +
            QStringList{"-w", "-Z", QString::fromStdString(rules_->config().chainPrefix + "-DNS")};
        QCOMPARE(runChecked("ip", zeroDns), QString());
    }
}

void BpfUdpTest::cleanupTestCase()
{
    firewall_.reset();
    responder_.reset();
    cgroup_.reset();
    netns_.reset(); // takes the rules with it
}

ProbeResult BpfUdpTest::probe(const QString& kind, const QString& address, std::uint16_t port)
{
    return runSocketProbe(cgroup_->path(), netns_->path(), python_, kind.toLatin1().constData(),
                          address.toLatin1().constData(), port);
}

QStringList BpfUdpTest::netnsCommand(bool ipv6, const QString& tool) const
{
    const QString program = QString(ipv6 ? "ip6tables" : "iptables") + (tool.isEmpty() ? "" : "-" + tool);
    return {"netns", "exec", QString::fromStdString(netns_->name()), program};
}

std::optional<int> BpfUdpTest::queued(bool ipv6, QueueRule rule) const
{
    const QString chain = QString::fromStdString(rules_->config().chainPrefix + "-OUT");
    QProcess list;
    list.start("ip", netnsCommand(ipv6, "") + QStringList{"-w", "-n", "-v", "-x", "-L", chain});
    if (!list.waitForFinished(10000) || list.exitCode() != 0) {
        return std::nullopt;
    }
    // "pkts bytes target prot opt in out source destination ... NFQUEUE num N [bypass]", prot as a number.
    // Every rule of that protocol into that queue: new flows, and (TCP) flows waiting for a claimed name.
    const QRegularExpression queueNumber(" NFQUEUE num (\\d+)");
    std::optional<int> packets;
    for (const QString& line : QString::fromLocal8Bit(list.readAllStandardOutput()).split('\n')) {
        const QStringList columns = line.split(' ', Qt::SkipEmptyParts);
        const auto match = queueNumber.match(line);
        if (columns.size() > 3 && columns[2] == "NFQUEUE" && columns[3].toInt() == rule.protocol && match.hasMatch() &&
            match.captured(1).toInt() == rule.queue) {
            packets = packets.value_or(0) + columns[0].toInt();
        }
    }
    return packets;
}

std::optional<int> BpfUdpTest::trustedDnsQueued(bool ipv6) const
{
    const QString chain = QString::fromStdString(rules_->config().chainPrefix + "-DNS");
    QProcess list;
    list.start("ip", netnsCommand(ipv6, "") + QStringList{"-w", "-n", "-v", "-x", "-L", chain});
    if (!list.waitForFinished(10000) || list.exitCode() != 0) {
        return std::nullopt;
    }
    int packets = 0;
    const QRegularExpression queueNumber(" NFQUEUE num (\\d+)");
    for (const QString& line : QString::fromLocal8Bit(list.readAllStandardOutput()).split('\n')) {
        const QStringList columns = line.split(' ', Qt::SkipEmptyParts);
        const auto match = queueNumber.match(line);
        if (columns.size() > 2 && columns[2] == "NFQUEUE" && match.hasMatch() &&
            match.captured(1).toInt() == rules_->config().dnsQueue) {
            packets += columns[0].toInt();
        }
    }
    return packets;
}

std::size_t BpfUdpTest::takeEvents()
{
    std::size_t count = 0;
    auto polled = firewall_->pollEvents([&](const MissEvent&) { ++count; });
    if (!polled) {
        qWarning("%s", polled.error().describe().c_str());
    }
    return count;
}

VerdictKey BpfUdpTest::udpKey(const QString& address, std::uint16_t port) const
{
    return {pythonKey_, 0, ::getuid(), IpAddress::parse(address.toStdString()).value(), port, Protocol::Udp};
}

void BpfUdpTest::newUdpSocketsAreBornMarkedAndOtherSocketsAreNot_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("address");
    QTest::addColumn<std::uint32_t>("mark");
    QTest::newRow("UDP over IPv4") << "new-udp"
                                   << "198.51.100.1" << kMarkBit;
    QTest::newRow("UDP over IPv6") << "new-udp"
                                   << "2001:db8::1" << kMarkBit;
    QTest::newRow("TCP over IPv4") << "new-tcp"
                                   << "198.51.100.1" << std::uint32_t{0};
    QTest::newRow("TCP over IPv6") << "new-tcp"
                                   << "2001:db8::1" << std::uint32_t{0};
    QTest::newRow("raw socket for protocol 17") << "new-raw-udp"
                                                << "198.51.100.1" << std::uint32_t{0};
}

void BpfUdpTest::newUdpSocketsAreBornMarkedAndOtherSocketsAreNot()
{
    QFETCH(QString, kind);
    QFETCH(QString, address);
    QFETCH(std::uint32_t, mark);
    const ProbeResult result = probe(kind, address, kUdpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(result.mark, mark);
}

void BpfUdpTest::firstUnconnectedDatagramOfAMissIsQueuedForADecision_data()
{
    QTest::addColumn<QString>("address");
    QTest::newRow("IPv4 (sendmsg4)") << "198.51.100.1";
    QTest::newRow("IPv6 (sendmsg6)") << "2001:db8::1";
}

void BpfUdpTest::firstUnconnectedDatagramOfAMissIsQueuedForADecision()
{
    QFETCH(QString, address);
    const ProbeResult result = probe("udp", address, kUdpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(decisionQueued(isV6(address), IPPROTO_UDP), std::optional<int>(1));
    QCOMPARE(takeEvents(), std::size_t{1});
}

void BpfUdpTest::firstUnconnectedDatagramToAnAllowedDestinationIsStillQueued()
{
    // The documented price of the birth mark: the hook runs too late to unmark this datagram, so the
    // decision path sees it (and re-allows it); the kernel reports no miss.
    QVERIFY(firewall_->setVerdict(udpKey("198.51.100.1", kUdpPort), Action::Allow).ok());
    const ProbeResult result = probe("udp", "198.51.100.1", kUdpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(result.mark, kMarkBit);
    QCOMPARE(decisionQueued(false, IPPROTO_UDP), std::optional<int>(1));
    QCOMPARE(takeEvents(), std::size_t{0});
}

void BpfUdpTest::connectedUdpMissIsQueuedFromItsFirstDatagram()
{
    const ProbeResult result = probe("udp-connected", "198.51.100.1", kUdpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(result.mark, kMarkBit);
    QCOMPARE(decisionQueued(false, IPPROTO_UDP), std::optional<int>(1));
    QCOMPARE(takeEvents(), std::size_t{1});
}

void BpfUdpTest::connectedUdpToAnAllowedDestinationIsNeverQueued_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<std::uint16_t>("verdictPort");
    QTest::newRow("IPv4, exact port") << "198.51.100.1" << kUdpPort;
    QTest::newRow("IPv6, exact port") << "2001:db8::1" << kUdpPort;
    QTest::newRow("IPv4, any port") << "198.51.100.1" << std::uint16_t{0};
}

void BpfUdpTest::connectedUdpToAnAllowedDestinationIsNeverQueued()
{
    QFETCH(QString, address);
    QFETCH(std::uint16_t, verdictPort);
    QVERIFY(firewall_->setVerdict(udpKey(address, verdictPort), Action::Allow).ok());
    const ProbeResult result = probe("udp-connected", address, kUdpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(result.mark, 0u);
    QCOMPARE(decisionQueued(isV6(address), IPPROTO_UDP), std::optional<int>(0));
    QCOMPARE(takeEvents(), std::size_t{0});
}

void BpfUdpTest::deniedUdpFailsWithEpermAndNothingIsQueued_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("address");
    QTest::newRow("unconnected IPv4") << "udp"
                                      << "198.51.100.1";
    QTest::newRow("unconnected IPv6") << "udp"
                                      << "2001:db8::1";
    QTest::newRow("connected IPv4") << "udp-connected"
                                    << "198.51.100.1";
    QTest::newRow("connected IPv6") << "udp-connected"
                                    << "2001:db8::1";
}

void BpfUdpTest::deniedUdpFailsWithEpermAndNothingIsQueued()
{
    QFETCH(QString, kind);
    QFETCH(QString, address);
    QVERIFY(firewall_->setVerdict(udpKey(address, kUdpPort), Action::Deny).ok());
    QCOMPARE(probe(kind, address, kUdpPort).error, EPERM);
    QCOMPARE(decisionQueued(isV6(address), IPPROTO_UDP), std::optional<int>(0));
    QCOMPARE(takeEvents(), std::size_t{0});
}

void BpfUdpTest::dnsDatagramReachesTheDnsQueueNotTheDecisionQueue_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("address");
    QTest::newRow("unconnected IPv4 (birth-marked)") << "udp"
                                                     << "198.51.100.1";
    QTest::newRow("unconnected IPv6 (birth-marked)") << "udp"
                                                     << "2001:db8::1";
    QTest::newRow("connected IPv4 (glibc's resolver)") << "udp-connected"
                                                       << "198.51.100.1";
}

void BpfUdpTest::dnsDatagramReachesTheDnsQueueNotTheDecisionQueue()
{
    QFETCH(QString, kind);
    QFETCH(QString, address);
    // A trusted resolver: observed by the DNS path, never held as a connection.
    const ProbeResult result = probe(kind, address, kDnsPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(trustedDnsQueued(isV6(address)), std::optional<int>(1));
    QCOMPARE(decisionQueued(isV6(address), IPPROTO_UDP), std::optional<int>(0));
    QCOMPARE(takeEvents(), std::size_t{0});
}

void BpfUdpTest::dnsDatagramToAnotherServerIsHeldForADecision()
{
    // Port 53 is just a port: a server that is not a trusted resolver is a destination like any other.
    const ProbeResult result = probe("udp", "198.51.100.2", kDnsPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(trustedDnsQueued(false), std::optional<int>(0));
    QCOMPARE(decisionQueued(false, IPPROTO_UDP), std::optional<int>(1));
    QCOMPARE(takeEvents(), std::size_t{1});
}

void BpfUdpTest::tcpIsQueuedOnlyOnAMiss_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("IPv4 miss: the SYN is queued") << "198.51.100.1" << false;
    QTest::newRow("IPv4 allowed: nothing is queued") << "198.51.100.1" << true;
    QTest::newRow("IPv6 miss: the SYN is queued") << "2001:db8::1" << false;
    QTest::newRow("IPv6 allowed: nothing is queued") << "2001:db8::1" << true;
}

void BpfUdpTest::tcpIsQueuedOnlyOnAMiss()
{
    QFETCH(QString, address);
    QFETCH(bool, allowed);
    if (allowed) {
        const VerdictKey key{pythonKey_,   0, ::getuid(), IpAddress::parse(address.toStdString()).value(), kHttpPort,
                             Protocol::Tcp};
        QVERIFY(firewall_->setVerdict(key, Action::Allow).ok());
    }
    const ProbeResult result = probe("tcp", address, kHttpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(result.mark, allowed ? 0u : kMarkBit);
    QCOMPARE(decisionQueued(isV6(address), IPPROTO_TCP), std::optional<int>(allowed ? 0 : 1));
    QCOMPARE(decisionQueued(isV6(address), IPPROTO_UDP), std::optional<int>(0));
    QCOMPARE(takeEvents(), std::size_t{allowed ? 0u : 1u});
}

void BpfUdpTest::connectedUdpToLoopbackIsNeverQueued()
{
    const ProbeResult result = probe("udp-connected", "127.0.0.1", kUdpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(result.mark, 0u);
    QCOMPARE(decisionQueued(false, IPPROTO_UDP), std::optional<int>(0));
    QCOMPARE(takeEvents(), std::size_t{0});
}

QTEST_GUILESS_MAIN(BpfUdpTest)
#include "bpf_udp_test.moc"
