// SPDX-License-Identifier: GPL-3.0-or-later
// Kernel test of BpfFirewall: real programs on a child cgroup, real clients in a throwaway network namespace.
// Project headers first: Qt's `forever` macro would otherwise clobber the core's Lifetime::permanent().
#include "capture/bpf_firewall.h"

#include "bpf_test_sandbox.h"

#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>

using namespace hostgate;
using namespace hostgate::test;
using namespace std::chrono_literals;

namespace {

// The daemon's own default bit, so the programs and the chains agree as they do in production.
constexpr std::uint32_t kMarkBit = hostgate::kernel_defaults::maskOf(hostgate::kernel_defaults::undecidedMarkBit);
constexpr std::uint16_t kHttpPort = 8080;
constexpr std::uint16_t kOtherHttpPort = 8081;
constexpr std::uint16_t kUdpPort = 9999;
constexpr std::uint32_t kNobody = 65534;

AppKey appKeyOf(const QString& executable)
{
    struct stat st {};
    if (::stat(executable.toLocal8Bit().constData(), &st) != 0) {
        return {};
    }
    return BpfFirewall::appKeyFromStat(st);
}

VerdictKey keyFor(const AppKey& app, const char* address, std::uint16_t port, Protocol protocol = Protocol::Tcp,
                  std::uint32_t uid = 0)
{
    VerdictKey key;
    key.app = app;
    key.uid = uid;
    key.address = IpAddress::parse(address).value();
    key.port = port;
    key.protocol = protocol;
    return key;
}

QString httpUrl(const char* host, std::uint16_t port)
{
    return QString("http://%1:%2/").arg(host).arg(port);
}

} // namespace

class BpfFirewallTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void openRejectsADirectoryThatIsNotACgroup();
    void openRejectsAMarkWithMoreThanOneBit();
    void openRefusesTheRootCgroupWhenAskedTo();
    void deniedApplicationFailsToConnectImmediately();
    void deniedConnectFailsWithEperm();
    void allowedApplicationConnectsWithoutAMissEvent();
    void missConnectsAndReportsOwnerAndDestination();
    void missSetsTheMarkBitAndKeepsOtherMarkBits_data();
    void missSetsTheMarkBitAndKeepsOtherMarkBits();
    void ownerIsRecordedUnderTheSocketCookie();
    void packetsOfAMissCarryTheMarkBit_data();
    void packetsOfAMissCarryTheMarkBit();
    void copyOfAnExecutableDoesNotInheritItsVerdict();
    void ipv6DenyRefusesTheConnection();
    void ipv4MappedAddressOnIpv6SocketUsesTheIpv4Verdict();
    void deniedUdpSendFailsWithEperm_data();
    void deniedUdpSendFailsWithEperm();
    void expiredVerdictActsAsAMissAndIsSwept();
    void unexpiredVerdictStillApplies();
    void anyPortVerdictCoversEveryPort();
    void exactPortVerdictTakesPrecedenceOverAnyPort();
    void everyCallAVerdictDecidesIsCountedOnItWithItsRule();
    void anExpiredVerdictCountsNothing();
    void verdictAppliesOnlyToItsUser();
    void dnsToATrustedResolverIsNeitherJudgedNorReportedButItsOwnerIsRecorded();
    void dnsToAnyOtherServerIsJudgedLikeAnyConnection();
    void unconnectedDatagramOfASocketWithoutTheMarkIsRefusedAndReported();
    void perProcessVerdictAppliesOnlyToThatProcessImage();
    void loopbackMissIsNotMarkedButItsOwnerIsRecorded_data();
    void loopbackMissIsNotMarkedButItsOwnerIsRecorded();
    void removedVerdictNoLongerApplies();
    void removeVerdictsIfRemovesOnlyMatchingEntries();
    void processOutsideTheCgroupIsUnaffected();
    void destroyingTheFirewallDetachesEveryProgram();

private:
    CommandResult curl(const QString& url, const QStringList& wrapper = {}, const QString& program = "curl",
                       bool inCgroup = true);
    ProbeResult probe(const char* kind, const char* address, std::uint16_t port, std::uint32_t presetMark = 0);
    std::vector<MissEvent> takeEvents();

    std::unique_ptr<TestNetns> netns_;
    std::unique_ptr<TestCgroup> cgroup_;
    std::unique_ptr<HttpResponder> responder_;
    std::optional<BpfFirewall> firewall_;
    AppKey curlKey_;
    AppKey pythonKey_;
    QString python_;
};

void BpfFirewallTest::initTestCase()
{
    QVERIFY2(::geteuid() == 0, "the kernel tests load BPF programs and create namespaces: run them as root");
    const KernelFeatures features = BpfFirewall::probe();
    QStringList missing;
    for (const auto& problem : features.missing()) {
        missing << QString::fromStdString(problem);
    }
    QVERIFY2(features.usable(), qPrintable(missing.join("; ")));

    const std::string suffix = std::to_string(::getpid());
    netns_ = std::make_unique<TestNetns>("hg-bpf-" + suffix);
    QVERIFY2(netns_->ready(), qPrintable(netns_->failure()));
    cgroup_ = std::make_unique<TestCgroup>(*features.cgroup2Mount, "hostgate-test-bpf-" + suffix);
    QVERIFY2(cgroup_->ready(), "could not create the child cgroup");
    responder_ = std::make_unique<HttpResponder>(
        netns_->path(), std::vector<HttpResponder::Endpoint>{
                            {"198.51.100.1", kHttpPort}, {"198.51.100.1", kOtherHttpPort}, {"2001:db8::1", kHttpPort}});
    QVERIFY2(responder_->ready(), qPrintable(responder_->failure()));

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

    curlKey_ = appKeyOf(QStandardPaths::findExecutable("curl"));
    python_ = QStandardPaths::findExecutable("python3", {"/usr/bin"});
    pythonKey_ = appKeyOf(python_);
    QVERIFY(curlKey_.inode != 0 && pythonKey_.inode != 0);
}

void BpfFirewallTest::init()
{
    QVERIFY(firewall_.has_value());
    QVERIFY(firewall_->clearVerdicts().ok());
    takeEvents();
}

void BpfFirewallTest::cleanupTestCase()
{
    firewall_.reset();
    responder_.reset();
    cgroup_.reset();
    netns_.reset();
}

CommandResult BpfFirewallTest::curl(const QString& url, const QStringList& wrapper, const QString& program,
                                    bool inCgroup)
{
    QStringList argv = wrapper;
    argv << program << "--silent"
         << "--show-error"
         << "--noproxy"
         << "*"
         << "--max-time"
         << "10" << url;
    return runInSandbox(inCgroup ? cgroup_->path() : std::filesystem::path(), netns_->path(), argv);
}

ProbeResult BpfFirewallTest::probe(const char* kind, const char* address, std::uint16_t port, std::uint32_t presetMark)
{
    return runSocketProbe(cgroup_->path(), netns_->path(), python_, kind, address, port, presetMark);
}

std::vector<MissEvent> BpfFirewallTest::takeEvents()
{
    std::vector<MissEvent> events;
    auto polled = firewall_->pollEvents([&](const MissEvent& event) { events.push_back(event); });
    if (!polled) {
        qWarning("%s", polled.error().describe().c_str());
    }
    return events;
}

void BpfFirewallTest::openRejectsADirectoryThatIsNotACgroup()
{
    QTemporaryDir directory;
    BpfFirewall::Options options;
    options.cgroup = directory.path().toStdString();
    auto opened = BpfFirewall::open(options);
    QVERIFY(!opened.ok());
    QVERIFY(opened.error().message.find("not a cgroup v2 directory") != std::string::npos);
}

void BpfFirewallTest::openRejectsAMarkWithMoreThanOneBit()
{
    BpfFirewall::Options options;
    options.cgroup = cgroup_->path();
    options.markBit = 0x3;
    auto opened = BpfFirewall::open(options);
    QVERIFY(!opened.ok());
    QVERIFY(opened.error().message.find("exactly one bit") != std::string::npos);
}

void BpfFirewallTest::openRefusesTheRootCgroupWhenAskedTo()
{
    BpfFirewall::Options options;
    options.cgroup = *BpfFirewall::probe().cgroup2Mount;
    options.refuseRootCgroup = true;
    options.markBit = 0; // invalid too: should the guard ever break, open() still fails before attaching
    auto opened = BpfFirewall::open(options);
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message.find("root of the hierarchy") != std::string::npos, opened.error().message.c_str());
}

void BpfFirewallTest::deniedApplicationFailsToConnectImmediately()
{
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort), Action::Deny).ok());
    const CommandResult result = curl(httpUrl("198.51.100.1", kHttpPort));
    QCOMPARE(result.exitCode, 7); // curl: couldn't connect
    QVERIFY2(result.elapsedMs < 1000, qPrintable(QString("took %1 ms").arg(result.elapsedMs)));
    QVERIFY(takeEvents().empty());
}

void BpfFirewallTest::deniedConnectFailsWithEperm()
{
    QVERIFY(firewall_->setVerdict(keyFor(pythonKey_, "198.51.100.1", kHttpPort), Action::Deny).ok());
    QCOMPARE(probe("tcp", "198.51.100.1", kHttpPort).error, EPERM);
}

void BpfFirewallTest::allowedApplicationConnectsWithoutAMissEvent()
{
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort), Action::Allow).ok());
    const CommandResult result = curl(httpUrl("198.51.100.1", kHttpPort));
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.standardOutput, QByteArray("ok\n"));
    QVERIFY(takeEvents().empty());
}

void BpfFirewallTest::missConnectsAndReportsOwnerAndDestination()
{
    const CommandResult result = curl(httpUrl("198.51.100.1", kHttpPort));
    QCOMPARE(result.exitCode, 0);

    const auto events = takeEvents();
    QCOMPARE(events.size(), std::size_t{1});
    const MissEvent& miss = events.front();
    QCOMPARE(miss.destination.toString(), std::string("198.51.100.1"));
    QCOMPARE(miss.port, kHttpPort);
    QVERIFY(miss.protocol == Protocol::Tcp);
    QCOMPARE(miss.markError, 0);
    QCOMPARE(miss.owner.app.inode, curlKey_.inode);
    QCOMPARE(miss.owner.app.device, curlKey_.device);
    QCOMPARE(miss.owner.uid, ::getuid());
    QCOMPARE(miss.owner.command, std::string("curl"));

    const auto owner = firewall_->ownerOfCookie(miss.owner.cookie);
    QVERIFY(owner.has_value());
    QCOMPARE(owner->app.inode, curlKey_.inode);
    QCOMPARE(owner->uid, ::getuid());
    QCOMPARE(owner->pid, miss.owner.pid);
}

void BpfFirewallTest::missSetsTheMarkBitAndKeepsOtherMarkBits_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::addColumn<std::uint32_t>("presetMark");
    QTest::addColumn<int>("error");
    QTest::newRow("TCP, unmarked socket") << "tcp"
                                          << "198.51.100.1" << int{kHttpPort} << std::uint32_t{0} << 0;
    QTest::newRow("TCP, socket with a routing mark") << "tcp"
                                                     << "198.51.100.1" << int{kHttpPort} << std::uint32_t{0xca6c} << 0;
    QTest::newRow("TCP over IPv6") << "tcp"
                                   << "2001:db8::1" << int{kHttpPort} << std::uint32_t{0} << 0;
    QTest::newRow("UDP, unmarked socket") << "udp"
                                          << "198.51.100.1" << int{kUdpPort} << std::uint32_t{0} << 0;
    // Setting SO_MARK after socket() dropped the birth bit: this datagram would leave unmarked, so it is
    // refused; the socket gets the bit back (its routing bits kept) and its next datagram is held.
    QTest::newRow("UDP over IPv6, socket with a routing mark")
        << "udp"
        << "2001:db8::1" << int{kUdpPort} << std::uint32_t{0xca6c} << EPERM;
}

void BpfFirewallTest::missSetsTheMarkBitAndKeepsOtherMarkBits()
{
    QFETCH(QString, kind);
    QFETCH(QString, address);
    QFETCH(int, port);
    QFETCH(std::uint32_t, presetMark);
    QFETCH(int, error);
    const ProbeResult result = probe(kind.toLatin1().constData(), address.toLatin1().constData(),
                                     static_cast<std::uint16_t>(port), presetMark);
    QCOMPARE(result.error, error);
    QCOMPARE(result.mark, presetMark | kMarkBit);
    QCOMPARE(takeEvents().size(), std::size_t{1});
}

void BpfFirewallTest::packetsOfAMissCarryTheMarkBit_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("firstPacketMarked");
    QTest::newRow("TCP: from the SYN on") << "tcp" << int{kOtherHttpPort} << true;
    QTest::newRow("connected UDP: from the first datagram on") << "udp-connected" << int{kUdpPort} << true;
    // udp_sendmsg() copies sk_mark before the sendmsg hook runs: only the birth mark (hg_sock_create) can
    // reach the first datagram of an unconnected socket.
    QTest::newRow("unconnected UDP: from the first datagram on") << "udp" << int{kUdpPort} << true;
}

void BpfFirewallTest::packetsOfAMissCarryTheMarkBit()
{
    QFETCH(QString, kind);
    QFETCH(int, port);
    QFETCH(bool, firstPacketMarked);
    const QString mark = QString("0x%1/0x%1").arg(kMarkBit, 0, 16);
    const QStringList match = {"-p",      kind == "tcp" ? "tcp" : "udp",
                               "-d",      "198.51.100.1",
                               "--dport", QString::number(port),
                               "-m",      "mark",
                               "--mark",  mark};
    ProbeResult result;
    const auto markedCount = countOutputPackets(netns_->name(), match, [&] {
        result = probe(kind.toLatin1().constData(), "198.51.100.1", static_cast<std::uint16_t>(port));
    });
    QVERIFY(markedCount.has_value());
    QCOMPARE(result.error, 0);
    QCOMPARE(result.mark, kMarkBit);
    QCOMPARE(*markedCount > 0, firstPacketMarked);
}

void BpfFirewallTest::ownerIsRecordedUnderTheSocketCookie()
{
    const ProbeResult result = probe("tcp", "198.51.100.1", kHttpPort);
    QCOMPARE(result.error, 0);
    const auto owner = firewall_->ownerOfCookie(result.cookie);
    QVERIFY(owner.has_value());
    QCOMPARE(owner->cookie, result.cookie);
    QCOMPARE(owner->pid, result.pid);
    QCOMPARE(owner->tid, result.pid); // single-threaded: the main thread connected
    QCOMPARE(owner->app.inode, pythonKey_.inode);
    QCOMPARE(owner->app.device, pythonKey_.device);
    QCOMPARE(owner->uid, ::getuid());
    QCOMPARE(owner->gid, ::getgid());
}

void BpfFirewallTest::copyOfAnExecutableDoesNotInheritItsVerdict()
{
    QTemporaryDir directory;
    const QString copy = directory.filePath("curl-copy");
    QVERIFY(QFile::copy(QStandardPaths::findExecutable("curl"), copy));
    QVERIFY(QFile::setPermissions(copy, QFile::ReadOwner | QFile::ExeOwner));
    const AppKey copyKey = appKeyOf(copy);
    QVERIFY(copyKey.inode != curlKey_.inode);

    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort), Action::Deny).ok());
    const CommandResult result = curl(httpUrl("198.51.100.1", kHttpPort), {}, copy);
    QCOMPARE(result.exitCode, 0);
    const auto events = takeEvents();
    QCOMPARE(events.size(), std::size_t{1});
    QCOMPARE(events.front().owner.app.inode, copyKey.inode);
}

void BpfFirewallTest::ipv6DenyRefusesTheConnection()
{
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "2001:db8::1", kHttpPort), Action::Deny).ok());
    const CommandResult denied = curl(httpUrl("[2001:db8::1]", kHttpPort));
    QCOMPARE(denied.exitCode, 7);
    QVERIFY2(denied.elapsedMs < 1000, qPrintable(QString("took %1 ms").arg(denied.elapsedMs)));
    // The IPv6 entry says nothing about the same host's IPv4 address.
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
}

void BpfFirewallTest::ipv4MappedAddressOnIpv6SocketUsesTheIpv4Verdict()
{
    QVERIFY(firewall_->setVerdict(keyFor(pythonKey_, "198.51.100.1", kHttpPort), Action::Deny).ok());
    QCOMPARE(probe("tcp", "::ffff:198.51.100.1", kHttpPort).error, EPERM);
    QVERIFY(firewall_->setVerdict(keyFor(pythonKey_, "198.51.100.1", kHttpPort), Action::Allow).ok());
    QCOMPARE(probe("tcp", "::ffff:198.51.100.1", kHttpPort).error, 0);
    QVERIFY(takeEvents().empty());
}

void BpfFirewallTest::deniedUdpSendFailsWithEperm_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("address");
    QTest::newRow("IPv4 (sendmsg4)") << "udp"
                                     << "198.51.100.1";
    QTest::newRow("IPv6 (sendmsg6)") << "udp"
                                     << "2001:db8::1";
    QTest::newRow("IPv4 (connect4)") << "udp-connected"
                                     << "198.51.100.1";
    QTest::newRow("IPv6 (connect6)") << "udp-connected"
                                     << "2001:db8::1";
}

void BpfFirewallTest::deniedUdpSendFailsWithEperm()
{
    QFETCH(QString, kind);
    QFETCH(QString, address);
    const QByteArray text = address.toLatin1();
    QVERIFY(firewall_->setVerdict(keyFor(pythonKey_, text.constData(), kUdpPort, Protocol::Udp), Action::Deny).ok());
    QCOMPARE(probe(kind.toLatin1().constData(), text.constData(), kUdpPort).error, EPERM);
    // The TCP entry space is separate: a UDP deny does not touch TCP to the same port.
    QCOMPARE(probe("tcp", text.constData(), kHttpPort).error, 0);
}

void BpfFirewallTest::expiredVerdictActsAsAMissAndIsSwept()
{
    const auto now = std::chrono::steady_clock::now();
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort), Action::Deny, now - 1ms).ok());
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
    QCOMPARE(takeEvents().size(), std::size_t{1});
    QCOMPARE(firewall_->sweepExpired(now), std::size_t{1});
    QCOMPARE(firewall_->sweepExpired(now), std::size_t{0});
}

void BpfFirewallTest::unexpiredVerdictStillApplies()
{
    const auto now = std::chrono::steady_clock::now();
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort), Action::Deny, now + 1h).ok());
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 7);
    QCOMPARE(firewall_->sweepExpired(), std::size_t{0});
}

void BpfFirewallTest::anyPortVerdictCoversEveryPort()
{
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", 0), Action::Deny).ok());
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 7);
    QCOMPARE(curl(httpUrl("198.51.100.1", kOtherHttpPort)).exitCode, 7);
}

void BpfFirewallTest::exactPortVerdictTakesPrecedenceOverAnyPort()
{
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", 0), Action::Deny).ok());
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kOtherHttpPort), Action::Allow).ok());
    QCOMPARE(curl(httpUrl("198.51.100.1", kOtherHttpPort)).exitCode, 0);
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 7);
}

void BpfFirewallTest::everyCallAVerdictDecidesIsCountedOnItWithItsRule()
{
    const VerdictKey allowed = keyFor(curlKey_, "198.51.100.1", kHttpPort);
    const VerdictKey denied = keyFor(curlKey_, "198.51.100.1", 0);
    QVERIFY(firewall_->setVerdict(allowed, Action::Allow, std::nullopt, 12).ok());
    QVERIFY(firewall_->setVerdict(denied, Action::Deny, std::nullopt, 13).ok());
    const auto before = std::chrono::steady_clock::now();
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
    QCOMPARE(curl(httpUrl("198.51.100.1", kOtherHttpPort)).exitCode, 7); // the any-port entry decides it
    const auto after = std::chrono::steady_clock::now();
    const auto one = firewall_->verdictCounter(allowed);
    QVERIFY(one);
    QCOMPARE(one->ruleId, RuleId{12});
    QCOMPARE(one->hits, std::uint64_t{2});
    QVERIFY(one->lastHit >= before && one->lastHit <= after);
    // The batched read of the whole map says the same.
    const auto all = firewall_->readVerdictCounters();
    QVERIFY2(all, all ? "" : all.error().message.c_str());
    QCOMPARE(all->size(), std::size_t{2});
    for (const auto& counter : *all) {
        QCOMPARE(counter.hits, counter.key == allowed ? std::uint64_t{2} : std::uint64_t{1});
        QCOMPARE(counter.ruleId, counter.key == allowed ? RuleId{12} : RuleId{13});
    }
    // Rewriting an entry restarts its count.
    QVERIFY(firewall_->setVerdict(allowed, Action::Allow, std::nullopt, 12).ok());
    QCOMPARE(firewall_->verdictCounter(allowed)->hits, std::uint64_t{0});
}

void BpfFirewallTest::anExpiredVerdictCountsNothing()
{
    const VerdictKey key = keyFor(curlKey_, "198.51.100.1", kHttpPort);
    QVERIFY(firewall_->setVerdict(key, Action::Deny, std::chrono::steady_clock::now() - 1ms, 12).ok());
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0); // a miss
    QCOMPARE(firewall_->verdictCounter(key)->hits, std::uint64_t{0});
}

void BpfFirewallTest::verdictAppliesOnlyToItsUser()
{
    QVERIFY(
        firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort, Protocol::Tcp, kNobody), Action::Deny).ok());
    const QStringList asNobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort), asNobody).exitCode, 7);
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
}

void BpfFirewallTest::dnsToATrustedResolverIsNeitherJudgedNorReportedButItsOwnerIsRecorded()
{
    QVERIFY(firewall_->setTrustedResolvers({IpAddress::parse("198.51.100.1").value()}).ok());
    const ProbeResult result = probe("udp", "198.51.100.1", 53);
    QVERIFY(firewall_->setTrustedResolvers({}).ok());
    QCOMPARE(result.error, 0);
    // Untouched birth mark: the firewall's trusted-DNS rule precedes its mark rule (bpf_udp_test checks the queues).
    QCOMPARE(result.mark, kMarkBit);
    QVERIFY(takeEvents().empty());
    const auto owner = firewall_->ownerOfCookie(result.cookie);
    QVERIFY(owner.has_value());
    QCOMPARE(owner->pid, result.pid);
}

void BpfFirewallTest::dnsToAnyOtherServerIsJudgedLikeAnyConnection()
{
    QVERIFY(firewall_->setVerdict(keyFor(pythonKey_, "198.51.100.1", 0, Protocol::Udp), Action::Deny).ok());
    QCOMPARE(probe("udp", "198.51.100.1", 53).error, EPERM);
    QVERIFY(firewall_->clearVerdicts().ok());
    const ProbeResult miss = probe("tcp", "198.51.100.1", 53);
    QCOMPARE(miss.mark, kMarkBit); // marked: its first packet is held for a decision
    const auto events = takeEvents();
    QCOMPARE(events.size(), std::size_t{1});
    QCOMPARE(events[0].port, std::uint16_t{53});
    QVERIFY(!events[0].refused);
}

void BpfFirewallTest::unconnectedDatagramOfASocketWithoutTheMarkIsRefusedAndReported()
{
    // Another program rewrote SO_MARK after socket(): the datagram would leave without the miss mark.
    const ProbeResult result = probe("udp", "198.51.100.1", kUdpPort, 0x1);
    QCOMPARE(result.error, EPERM);
    QCOMPARE(result.mark, 0x1u | kMarkBit); // re-marked, other bits kept: the next datagram is held
    const auto events = takeEvents();
    QCOMPARE(events.size(), std::size_t{1});
    QVERIFY(events[0].refused && events[0].unmarked && !events[0].foreignNetns);
}

void BpfFirewallTest::perProcessVerdictAppliesOnlyToThatProcessImage()
{
    // An interpreter's verdict for one process never becomes the interpreter's: another python is a miss.
    VerdictKey key = keyFor(pythonKey_, "198.51.100.1", kHttpPort);
    key.process = (std::uint64_t{0x7fffffff} << 32) | 1; // a pid no process has
    QVERIFY(firewall_->setVerdict(key, Action::Deny).ok());
    const ProbeResult result = probe("tcp", "198.51.100.1", kHttpPort);
    QCOMPARE(result.error, 0);
    QCOMPARE(takeEvents().size(), std::size_t{1});
}

void BpfFirewallTest::loopbackMissIsNotMarkedButItsOwnerIsRecorded_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("address");
    QTest::addColumn<std::uint32_t>("mark");
    QTest::newRow("TCP over IPv4") << "tcp"
                                   << "127.0.0.1" << std::uint32_t{0};
    QTest::newRow("TCP over IPv6") << "tcp"
                                   << "::1" << std::uint32_t{0};
    QTest::newRow("connected UDP: the birth mark is cleared") << "udp-connected"
                                                              << "127.0.0.1" << std::uint32_t{0};
    QTest::newRow("connected UDP over IPv6") << "udp-connected"
                                             << "::1" << std::uint32_t{0};
    // Clearing it on sendto() would let the socket's next datagram to an unknown host out unqueued.
    QTest::newRow("unconnected UDP: the birth mark stays") << "udp"
                                                           << "127.0.0.1" << kMarkBit;
}

void BpfFirewallTest::loopbackMissIsNotMarkedButItsOwnerIsRecorded()
{
    QFETCH(QString, kind);
    QFETCH(QString, address);
    QFETCH(std::uint32_t, mark);
    const ProbeResult result = probe(kind.toLatin1().constData(), address.toLatin1().constData(), kUdpPort);
    QVERIFY2(result.error != -1 && result.error != EPERM, qPrintable(QString::number(result.error)));
    QCOMPARE(result.mark, mark);
    QVERIFY(takeEvents().empty());
    QVERIFY(firewall_->ownerOfCookie(result.cookie).has_value());
}

void BpfFirewallTest::removedVerdictNoLongerApplies()
{
    const VerdictKey key = keyFor(curlKey_, "198.51.100.1", kHttpPort);
    QVERIFY(firewall_->setVerdict(key, Action::Deny).ok());
    QVERIFY(firewall_->removeVerdict(key).ok());
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
    QVERIFY(firewall_->removeVerdict(key).ok()); // removing what is not there is not an error
}

void BpfFirewallTest::removeVerdictsIfRemovesOnlyMatchingEntries()
{
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort), Action::Deny).ok());
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "2001:db8::1", kHttpPort), Action::Deny).ok());
    QVERIFY(firewall_->setVerdict(keyFor(pythonKey_, "198.51.100.1", kHttpPort), Action::Deny).ok());
    const auto removed = firewall_->removeVerdictsIf([&](const VerdictKey& key) { return key.app == curlKey_; });
    QCOMPARE(removed, std::size_t{2});
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
    QCOMPARE(probe("tcp", "198.51.100.1", kHttpPort).error, EPERM);
}

void BpfFirewallTest::processOutsideTheCgroupIsUnaffected()
{
    QVERIFY(firewall_->setVerdict(keyFor(curlKey_, "198.51.100.1", kHttpPort), Action::Deny).ok());
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort), {}, "curl", false).exitCode, 0);
    QVERIFY(takeEvents().empty());
}

void BpfFirewallTest::destroyingTheFirewallDetachesEveryProgram()
{
    auto attached = [this] {
        QProcess bpftool;
        bpftool.start("bpftool", {"cgroup", "show", QString::fromStdString(cgroup_->path().string())});
        bpftool.waitForFinished(10000);
        return QString::fromLocal8Bit(bpftool.readAllStandardOutput()).trimmed();
    };
    const QString before = attached();
    for (const char* program : {"hg_sock_create", "hg_connect4", "hg_connect6", "hg_sendmsg4", "hg_sendmsg6"}) {
        QVERIFY2(before.contains(program), qPrintable(before));
    }
    firewall_.reset();
    QCOMPARE(attached(), QString());
    QCOMPARE(curl(httpUrl("198.51.100.1", kHttpPort)).exitCode, 0);
    QCOMPARE(probe("new-udp", "198.51.100.1", kUdpPort).mark, 0u);
}

QTEST_GUILESS_MAIN(BpfFirewallTest)
#include "bpf_firewall_test.moc"
