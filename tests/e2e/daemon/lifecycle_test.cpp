// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end: rules reloaded while running, and what a stopped or killed daemon leaves behind.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString allowedAddress = QStringLiteral("203.0.113.10");
const QString reloadAddress = QStringLiteral("203.0.113.11");
const QString unknownAddress = QStringLiteral("203.0.113.12");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("allowed.test"), allowedAddress, {}},
                        {QStringLiteral("reload.test"), reloadAddress, {}},
                        {QStringLiteral("unknown.test"), unknownAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress, reloadAddress, unknownAddress};
    return world;
}

QString baseRules()
{
    return ruleToml(curlPath, QStringLiteral("allowed.test"), QStringLiteral("allow"));
}

QString rulesAllowingReloadTest()
{
    return baseRules() + ruleToml(curlPath, QStringLiteral("reload.test"), QStringLiteral("allow"));
}

DaemonSettings enforcingDaemon()
{
    return {baseRules(),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

QString url(const QString& host)
{
    return QStringLiteral("http://%1/").arg(host);
}

const char* const cgroupPrograms[] = {"hg_sock_create", "hg_connect4", "hg_connect6", "hg_sendmsg4", "hg_sendmsg6"};

// systemd's end of sd_notify: a datagram socket the daemon is pointed at with NOTIFY_SOCKET.
class NotifySocket {
public:
    explicit NotifySocket(const QString& path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.toStdString().copy(address.sun_path, sizeof(address.sun_path) - 1);
        bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    }
    ~NotifySocket()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    bool bound() const { return bound_; }
    // Every datagram received so far, in order.
    const QStringList& messages()
    {
        char buffer[4096];
        for (ssize_t length; (length = ::recv(fd_, buffer, sizeof(buffer), 0)) > 0;)
            messages_ << QString::fromUtf8(buffer, static_cast<int>(length));
        return messages_;
    }
    qsizetype count(const QString& line) { return messages().filter(line).size(); }

private:
    int fd_ = -1;
    bool bound_ = false;
    QStringList messages_;
};

} // namespace

class LifecycleTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("bpftool") << QStringLiteral("iptables-save")
                                                 << QStringLiteral("ip6tables-save"))) {
            return;
        }
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-life"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        fixture_.reset();
    }

    // Every test starts from a daemon enforcing the base rules; one whose rules a test changed is restarted.
    void init()
    {
        HG_E2E_VERIFY(fixture_->ensureDaemon(enforcingDaemon()));
        mark_ = fixture_->daemonLogSize();
    }

    void checkConfigShowsTheSavedModeUnlessModeIsGiven()
    {
        // --check-config prints what the daemon would run with: the mode last chosen over D-Bus (the state
        // directory's "mode" file), unless --mode overrides it.
        QTemporaryDir state;
        QVERIFY(state.isValid());
        QVERIFY(QFile::setPermissions(state.path(),
                                      QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
        QFile mode(state.path() + QStringLiteral("/mode"));
        QVERIFY(mode.open(QIODevice::WriteOnly));
        mode.write("learning\n");
        mode.close();
        QVERIFY(mode.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        const RunResult saved =
            run(Placement::host(),
                {hostgatedExecutable(), QStringLiteral("--check-config"), QStringLiteral("--state-dir"), state.path()},
                30s);
        QVERIFY2(saved.succeeded(), qPrintable(saved.describe()));
        QVERIFY2(saved.out.contains("\nmode = \"learning\"\n"), qPrintable(saved.describe()));
        const RunResult given =
            run(Placement::host(),
                {hostgatedExecutable(), QStringLiteral("--check-config"), QStringLiteral("--state-dir"), state.path(),
                 QStringLiteral("--mode"), QStringLiteral("silent-deny")},
                30s);
        QVERIFY2(given.succeeded(), qPrintable(given.describe()));
        QVERIFY2(given.out.contains("\nmode = \"silent-deny\"\n"), qPrintable(given.describe()));
    }

    void replacedRuleFileAppliesToTheNextConnection()
    {
        const RunResult before =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("reload.test"))), 10s);
        QVERIFY2(before.exitCode == 7, qPrintable(before.describe()));

        HG_E2E_VERIFY(fixture_->replaceAdminRules(rulesAllowingReloadTest()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded"), QStringLiteral("admin=2")}, mark_));

        const RunResult after =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("reload.test"))), 10s);
        QVERIFY2(after.succeeded(), qPrintable(after.describe()));
        QCOMPARE(after.out, Servers::defaultBody(reloadAddress, 80));
    }

    void sighupReloadsAChangeTheFileWatchCannotSee()
    {
        HG_E2E_VERIFY(fixture_->rewriteAdminRulesUnnoticed(rulesAllowingReloadTest()));
        const RunResult unnoticed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("reload.test"))), 10s);
        QVERIFY2(unnoticed.exitCode == 7, qPrintable(unnoticed.describe()));
        QCOMPARE(fixture_->countLogLines(QStringLiteral("Rules reloaded"), mark_), 0);

        HG_E2E_VERIFY(fixture_->signalDaemon(SIGHUP));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded"), QStringLiteral("admin=2")}, mark_));

        const RunResult reloaded =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("reload.test"))), 10s);
        QVERIFY2(reloaded.succeeded(), qPrintable(reloaded.describe()));
        QCOMPARE(reloaded.out, Servers::defaultBody(reloadAddress, 80));
    }

    void brokenRuleFileKeepsTheLastGoodRules()
    {
        HG_E2E_VERIFY(fixture_->replaceAdminRules(
            baseRules() + QStringLiteral("[[rule]]\nhost = \"reload.test\"\naction = \"maybe\"\n")));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Failed to load rule file, keeping its last good rules"), QStringLiteral("10-test.toml")},
            mark_));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded")}, mark_));

        const RunResult allowed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        const RunResult unknown =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("unknown.test"))), 10s);
        QVERIFY2(unknown.exitCode == 7 && unknown.elapsed < failsFast, qPrintable(unknown.describe()));
    }

    void sigtermLeavesNoProgramChainOrQueueBehind()
    {
        // While running, all of them are there: the checks after the stop can fail.
        auto programs = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(programs);
        QVERIFY2(programs->contains("hg_connect4") && programs->contains("hg_sendmsg6"), programs->constData());
        auto queues = systemState(State::BoundQueues);
        HG_E2E_VERIFY(queues);
        QVERIFY2(queues->contains(" 7800 ") && queues->contains(" 7801 "), queues->constData());
        for (const State rules : {State::Ipv4Rules, State::Ipv6Rules}) {
            const auto saved = systemState(rules);
            HG_E2E_VERIFY(saved);
            QVERIFY2(saved->contains("HOSTGATE"), saved->constData());
        }

        HG_E2E_VERIFY(fixture_->stopDaemon());

        programs = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(programs);
        QCOMPARE(programs->trimmed(), QByteArray());
        queues = systemState(State::BoundQueues);
        HG_E2E_VERIFY(queues);
        QCOMPARE(queues->trimmed(), QByteArray());
        for (const State rules : {State::Ipv4Rules, State::Ipv6Rules}) {
            const auto saved = systemState(rules);
            HG_E2E_VERIFY(saved);
            QVERIFY2(!saved->contains("HOSTGATE"), saved->constData());
        }
        QVERIFY2(fixture_->daemonLog().contains("Firewall chains removed"), fixture_->daemonLog().constData());
    }

    void chainsLeftByAKilledDaemonAreReplacedByTheNextStart()
    {
        fixture_->killDaemon();
        // SIGKILL gives no chance to clean up: the chains stay, and so do the programs, whose links are pinned.
        const auto left = systemState(State::Ipv4Rules);
        HG_E2E_VERIFY(left);
        QVERIFY2(left->contains("-A OUTPUT -j HOSTGATE-OUT"), left->constData());
        const auto programs = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(programs);
        for (const char* program : {"hg_sock_create", "hg_connect4", "hg_connect6", "hg_sendmsg4", "hg_sendmsg6"})
            QCOMPARE(programs->count(program), qsizetype{1});

        HG_E2E_VERIFY(fixture_->startDaemon(enforcingDaemon()));
        const auto rules = systemState(State::Ipv4Rules);
        HG_E2E_VERIFY(rules);
        QCOMPARE(rules->count("-A OUTPUT -j HOSTGATE-OUT"), qsizetype{1});
        QCOMPARE(rules->count("-A INPUT -j HOSTGATE-IN"), qsizetype{1});
        // Taken over, not attached a second time.
        const auto adopted = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(adopted);
        for (const char* program : {"hg_sock_create", "hg_connect4", "hg_connect6", "hg_sendmsg4", "hg_sendmsg6"})
            QCOMPARE(adopted->count(program), qsizetype{1});
        const RunResult allowed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        QCOMPARE(allowed.out, Servers::defaultBody(allowedAddress, 80));
        const RunResult unknown =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("unknown.test"))), 10s);
        QVERIFY2(unknown.exitCode == 7 && unknown.elapsed < failsFast, qPrintable(unknown.describe()));
    }

    // What `systemctl start` waits for with Type=notify: READY=1 comes when the programs are attached, the chains
    // in place and the privileges dropped; keep-alives follow from the event loop under the seccomp filter (a
    // syscall outside the allow-list would kill the daemon), and STOPPING=1 at SIGTERM.
    void theServiceManagerHearsReadyOnceTheDaemonEnforcesThenKeepAlivesThenStopping()
    {
        HG_E2E_VERIFY(fixture_->stopDaemon());
        QTemporaryDir dir;
        NotifySocket manager(dir.filePath(QStringLiteral("notify")));
        QVERIFY(manager.bound());
        // 0.4 s: a keep-alive every 0.2 s.
        fixture_->setLauncher({QStringLiteral("env"),
                               QStringLiteral("NOTIFY_SOCKET=") + dir.filePath(QStringLiteral("notify")),
                               QStringLiteral("WATCHDOG_USEC=400000")});
        const auto started = fixture_->startDaemon(enforcingDaemon());
        fixture_->setLauncher({});
        HG_E2E_VERIFY(started);

        QVERIFY2(QTest::qWaitFor([&] { return manager.count(QStringLiteral("READY=1")) == 1; }, 5000),
                 qPrintable(manager.messages().join(QLatin1Char('|'))));
        QVERIFY2(fixture_->daemonLog().contains("Privileges dropped"), fixture_->daemonLog().constData());
        const auto programs = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(programs);
        for (const char* program : cgroupPrograms)
            QCOMPARE(programs->count(program), qsizetype{1});
        const auto chains = systemState(State::Ipv4Rules);
        HG_E2E_VERIFY(chains);
        QVERIFY2(chains->contains("-A OUTPUT -j HOSTGATE-OUT"), chains->constData());
        QCOMPARE(manager.messages().first(), QStringLiteral("READY=1\nSTATUS=Enforcing"));

        QVERIFY2(QTest::qWaitFor([&] { return manager.count(QStringLiteral("WATCHDOG=1")) >= 3; }, 5000),
                 qPrintable(manager.messages().join(QLatin1Char('|'))));
        QVERIFY(fixture_->daemonIsRunning());
        QCOMPARE(manager.count(QStringLiteral("STOPPING=1")), qsizetype{0});

        HG_E2E_VERIFY(fixture_->stopDaemon());
        QCOMPARE(manager.count(QStringLiteral("STOPPING=1")), qsizetype{1});
    }

    // The package upgrade's restart (debian/hostgate.postinst): with a keep-kernel-state request in the runtime
    // directory, SIGTERM leaves the pinned programs and the chains enforcing, and the next daemon takes them over.
    void aKeepKernelStateRequestHandsTheKernelStateToTheNextDaemon()
    {
        HG_E2E_VERIFY(fixture_->stopDaemon());
        QTemporaryDir runtime;
        const QString request = runtime.filePath(QStringLiteral("keep-kernel-state"));
        // systemd names the unit's RuntimeDirectory= in RUNTIME_DIRECTORY.
        fixture_->setLauncher({QStringLiteral("env"), QStringLiteral("RUNTIME_DIRECTORY=") + runtime.path()});
        const auto started = fixture_->startDaemon(enforcingDaemon());
        fixture_->setLauncher({});
        HG_E2E_VERIFY(started);
        QFile file(request);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();

        HG_E2E_VERIFY(fixture_->stopDaemon());
        QVERIFY2(fixture_->daemonLog().contains("handing the kernel state over"), fixture_->daemonLog().constData());
        QVERIFY2(!fixture_->daemonLog().contains("Firewall chains removed"), fixture_->daemonLog().constData());
        QVERIFY2(!QFile::exists(request), "the request applies to one stop only");
        // Still enforcing with nobody running: programs attached through their pinned links, chains in place.
        const auto programs = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(programs);
        for (const char* program : cgroupPrograms)
            QCOMPARE(programs->count(program), qsizetype{1});
        const auto left = systemState(State::Ipv4Rules);
        HG_E2E_VERIFY(left);
        QVERIFY2(left->contains("-A OUTPUT -j HOSTGATE-OUT"), left->constData());

        HG_E2E_VERIFY(fixture_->startDaemon(enforcingDaemon()));
        QVERIFY2(fixture_->daemonLog().contains("Adopted the kernel state of the previous run"),
                 fixture_->daemonLog().constData());
        const auto adopted = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(adopted);
        for (const char* program : cgroupPrograms)
            QCOMPARE(adopted->count(program), qsizetype{1});
        const RunResult allowed =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        const RunResult unknown =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("unknown.test"))), 10s);
        QVERIFY2(unknown.exitCode == 7 && unknown.elapsed < failsFast, qPrintable(unknown.describe()));

        // Without a request the next stop is an orderly one again: everything goes.
        HG_E2E_VERIFY(fixture_->stopDaemon());
        const auto gone = systemState(State::CgroupPrograms);
        HG_E2E_VERIFY(gone);
        QCOMPARE(gone->trimmed(), QByteArray());
    }

private:
    enum class State {
        CgroupPrograms, // bpftool cgroup show <child cgroup>
        Ipv4Rules,      // iptables-save in the test netns
        Ipv6Rules,      // ip6tables-save in the test netns
        BoundQueues,    // /proc/net/netfilter/nfnetlink_queue, read from inside the test netns (it is per netns)
    };

    hostgate::Result<QByteArray> systemState(State state) const
    {
        QStringList argv;
        Placement placement = Placement::in(fixture_->network());
        switch (state) {
        case State::CgroupPrograms:
            placement = Placement::host();
            argv = {QStringLiteral("bpftool"), QStringLiteral("cgroup"), QStringLiteral("show"),
                    fixture_->cgroup().path()};
            break;
        case State::Ipv4Rules:
            argv = {QStringLiteral("iptables-save")};
            break;
        case State::Ipv6Rules:
            argv = {QStringLiteral("ip6tables-save")};
            break;
        case State::BoundQueues:
            argv = {QStringLiteral("cat"), QStringLiteral("/proc/net/netfilter/nfnetlink_queue")};
            break;
        }
        const RunResult result = run(placement, argv, 10s);
        if (!result.succeeded()) {
            return harnessError(QStringLiteral("Failed to read the kernel's state: %1").arg(result.describe()));
        }
        return result.out;
    }

    std::unique_ptr<DaemonFixture> fixture_;
    qint64 mark_ = 0;
};

QTEST_GUILESS_MAIN(LifecycleTest)
#include "lifecycle_test.moc"
