// SPDX-License-Identifier: GPL-3.0-or-later
// DaemonFixture: starting, watching and stopping hostgated inside the test netns, with its log as a file.
#include "daemon/daemon_fixture.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#ifndef HOSTGATED_PATH
#error "HOSTGATED_PATH must name the hostgated binary under test"
#endif

namespace hostgate::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto startBound = 10s;
constexpr auto stopBound = 10s;
const QString adminRulesFileName = QStringLiteral("10-test.toml");

Result<void> writeFile(const QString& fileName, const QString& text)
{
    // QSaveFile writes a temporary file and renames it over the target, so a reader never sees half a file.
    QSaveFile file(fileName);
    const QByteArray bytes = text.toUtf8();
    // 0644 whatever the umask: the daemon refuses rule files others can write.
    if (!file.open(QIODevice::WriteOnly) ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                             QFileDevice::ReadOther) ||
        file.write(bytes) != bytes.size() || !file.commit()) {
        return harnessError(QStringLiteral("Failed to write %1: %2").arg(fileName, file.errorString()));
    }
    return Ok{};
}

QByteArray readFile(const QString& fileName)
{
    QFile file(fileName);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString lineContainingAll(const QByteArray& text, const QStringList& fragments)
{
    for (const QByteArray& rawLine : text.split('\n')) {
        const QString line = QString::fromUtf8(rawLine);
        bool all = true;
        for (const QString& fragment : fragments) {
            all = all && line.contains(fragment);
        }
        if (all) {
            return line;
        }
    }
    return {};
}

} // namespace

// HOSTGATE_TEST_HOSTGATED runs the tests against another build of the daemon (scripts/test.sh: the
// ThreadSanitizer build); the default is the binary of this build.
QString hostgatedExecutable()
{
    const QString other = qEnvironmentVariable("HOSTGATE_TEST_HOSTGATED");
    return other.isEmpty() ? QStringLiteral(HOSTGATED_PATH) : other;
}

DaemonFixture::DaemonFixture(const QString& tag)
    : network_(std::make_unique<TestNetwork>(tag)), cgroup_(std::make_unique<ChildCgroup>(tag))
{}

DaemonFixture::~DaemonFixture()
{
    // Killed before the servers and the netns go, so it never judges traffic of a half-torn-down world.
    daemon_.reset();
    servers_.reset();
    dns_.reset();
    // The pins of a killed daemon keep its programs attached: unmounting our private bpffs releases them.
    if (!bpffs_.isEmpty())
        ::umount2(bpffs_.toLocal8Bit().constData(), MNT_DETACH);
    cgroup_.reset();
    network_.reset();
}

Result<void> DaemonFixture::setUp(const DaemonEnvironment& environment)
{
    if (!network_->status()) {
        return network_->status();
    }
    if (!cgroup_->status()) {
        return cgroup_->status();
    }
    for (const QString& cidr : environment.extraAddresses) {
        if (auto added = network_->addAddress(cidr); !added) {
            return added;
        }
    }
    for (const QString& address : environment.httpAddresses + environment.udpEchoAddresses) {
        if (!network_->addresses().contains(address)) {
            if (auto added =
                    network_->addAddress(address + (isIpv6(address) ? QStringLiteral("/64") : QStringLiteral("/24")));
                !added) {
                return added;
            }
        }
    }
    dns_ = std::make_unique<DnsServer>(*network_, environment.zone);
    if (auto started = dns_->start(); !started) {
        return started;
    }
    servers_ = std::make_unique<Servers>(*network_);
    for (const QString& address : environment.httpAddresses) {
        if (auto started = servers_->startHttp(address); !started) {
            return started;
        }
    }
    for (const QString& address : environment.udpEchoAddresses) {
        if (auto started = servers_->startUdpEcho(address); !started) {
            return started;
        }
    }
    for (const QString& directory :
         {path(QStringLiteral("rules.d")), path(QStringLiteral("state")), path(QStringLiteral("bpffs"))}) {
        // 0755 whatever the umask: the daemon refuses rule directories others can write.
        if (!QDir().mkpath(directory) || ::chmod(QFile::encodeName(directory).constData(), 0755) != 0) {
            return harnessError(QStringLiteral("Failed to create %1").arg(directory));
        }
    }
    // A private bpf filesystem instance for this fixture alone: nothing is ever pinned anywhere else.
    if (::mount("bpf", path(QStringLiteral("bpffs")).toLocal8Bit().constData(), "bpf", 0, "mode=0700") != 0) {
        return harnessError(QStringLiteral("Failed to mount a bpf filesystem on %1: %2")
                                .arg(path(QStringLiteral("bpffs")), QString::fromLocal8Bit(std::strerror(errno))));
    }
    bpffs_ = path(QStringLiteral("bpffs"));
    const QString resolvers = QStringLiteral("# trusted resolvers of the test world\nnameserver %1\nnameserver %2\n")
                                  .arg(QLatin1String(dnsServerIpv4), QLatin1String(stubResolverIpv4));
    if (auto written = writeFile(resolverFile(), resolvers); !written) {
        return written;
    }
    return Ok{};
}

QString DaemonFixture::bpfPinDirectory() const
{
    return path(QStringLiteral("bpffs/hostgate"));
}

QString DaemonFixture::resolverFile() const
{
    return path(QStringLiteral("resolv.conf"));
}

QString DaemonFixture::path(const QString& name) const
{
    return network_->scratchPath(QStringLiteral("hostgated/") + name);
}

QString DaemonFixture::rulesDirectory() const
{
    return path(QStringLiteral("rules.d"));
}
QString DaemonFixture::baseRulesDirectory() const
{
    return path(QStringLiteral("base-rules.d"));
}

Placement DaemonFixture::confined() const
{
    return unconfined().inCgroup(*cgroup_);
}

Placement DaemonFixture::unconfined() const
{
    return Placement::in(*network_).withResolvConf(QLatin1String(dnsServerIpv4));
}

Result<void> DaemonFixture::startDaemon(const DaemonSettings& settings)
{
    if (daemon_) {
        return harnessError(QStringLiteral("Failed to start hostgated: one is already running"));
    }
    const QString configPath = path(QStringLiteral("hostgated.toml"));
    if (auto written = writeFile(configPath, settings.configToml); !written) {
        return written;
    }
    if (auto written = writeFile(rulesDirectory() + QLatin1Char('/') + adminRulesFileName, settings.adminRules);
        !written) {
        return written;
    }
    logPath_ = path(QStringLiteral("hostgated-%1.log").arg(++starts_));
    const QString stateDirectory = path(QStringLiteral("state"));
    const QStringList argv = QStringList{hostgatedExecutable(),
                                         QStringLiteral("--config"),
                                         configPath,
                                         QStringLiteral("--cgroup"),
                                         cgroup_->path(),
                                         QStringLiteral("--admin-rules-dir"),
                                         rulesDirectory(),
                                         QStringLiteral("--base-rules-dir"),
                                         baseRulesDirectory(),
                                         QStringLiteral("--user-rules"),
                                         stateDirectory + QStringLiteral("/rules.toml"),
                                         QStringLiteral("--state-dir"),
                                         stateDirectory,
                                         QStringLiteral("--bpf-pin-dir"),
                                         bpfPinDirectory(),
                                         QStringLiteral("--resolver-files"),
                                         resolverFile()} +
                             settings.extraArguments;
    // The shell only redirects and exec's, so the PID is hostgated's and its exit status is the daemon's; the
    // log file is opened by the shell, leaving the harness's (unread) pipes empty.
    const QString redirect = QStringLiteral("exec \"$0\" \"$@\" >>'%1' 2>&1").arg(logPath_);
    auto started = startBackground(
        Placement::in(*network_), launcher_ + QStringList{QStringLiteral("sh"), QStringLiteral("-c"), redirect} + argv);
    if (!started) {
        return started.error();
    }
    daemon_.emplace(std::move(*started));
    settings_ = settings;
    const bool settled =
        QTest::qWaitFor([this] { return !daemon_->isRunning() || daemonLog().contains("hostgated started"); },
                        static_cast<int>(std::chrono::milliseconds(startBound).count()));
    if (!settled || !daemonLog().contains("hostgated started")) {
        const bool running = daemon_->isRunning();
        daemon_.reset();
        settings_.reset();
        return harnessError(
            QStringLiteral("Failed to start hostgated (%1): %2\nlog:\n%3")
                .arg(running ? QStringLiteral("no \"hostgated started\" within 10 s") : QStringLiteral("it exited"),
                     argv.join(QLatin1Char(' ')), QString::fromUtf8(daemonLog())));
    }
    return Ok{};
}

Result<void> DaemonFixture::ensureDaemon(const DaemonSettings& settings)
{
    if (daemon_ && daemon_->isRunning() && settings_ == settings) {
        return Ok{};
    }
    if (daemon_) {
        if (auto stopped = stopDaemon(); !stopped) {
            return stopped;
        }
    }
    return startDaemon(settings);
}

Result<void> DaemonFixture::stopDaemon()
{
    if (!daemon_) {
        return harnessError(QStringLiteral("Failed to stop hostgated: none is running"));
    }
    if (daemon_->isRunning()) {
        ::kill(daemon_->pid(), SIGTERM);
    }
    const RunResult exit = daemon_->finish(stopBound);
    daemon_.reset();
    settings_.reset();
    // A sanitizer's report fails the test even when the daemon's exit status would not show it.
    if (const QByteArray log = daemonLog();
        log.contains("WARNING: ThreadSanitizer") || log.contains("ERROR: AddressSanitizer")) {
        return harnessError(QStringLiteral("hostgated's log has a sanitizer report:\n%1").arg(QString::fromUtf8(log)));
    }
    if (!exit.succeeded()) {
        return harnessError(QStringLiteral("hostgated did not exit cleanly on SIGTERM: exit code %1%2%3\nlog:\n%4")
                                .arg(exit.exitCode)
                                .arg(exit.timedOut ? QStringLiteral(" (timed out)") : QString(),
                                     exit.crashed ? QStringLiteral(" (crashed)") : QString(),
                                     QString::fromUtf8(daemonLog())));
    }
    return Ok{};
}

void DaemonFixture::killDaemon()
{
    daemon_.reset(); // BackgroundProcess kills with SIGKILL through a pidfd and reaps
    settings_.reset();
}

Result<void> DaemonFixture::signalDaemon(int signal)
{
    if (!daemon_ || !daemon_->isRunning()) {
        return harnessError(QStringLiteral("Failed to signal hostgated: none is running"));
    }
    if (::kill(daemon_->pid(), signal) != 0) {
        return harnessError(QStringLiteral("Failed to send signal %1 to hostgated").arg(signal));
    }
    return Ok{};
}

bool DaemonFixture::daemonIsRunning() const
{
    return daemon_ && daemon_->isRunning();
}

pid_t DaemonFixture::daemonPid() const
{
    return daemonIsRunning() ? daemon_->pid() : -1;
}

QString DaemonFixture::stateDirectory() const
{
    return path(QStringLiteral("state"));
}

Result<void> DaemonFixture::replaceAdminRules(const QString& text)
{
    if (auto written = writeFile(rulesDirectory() + QLatin1Char('/') + adminRulesFileName, text); !written) {
        return written;
    }
    // The running daemon no longer has the settings it was started with: the next ensureDaemon restarts it.
    if (settings_) {
        settings_->adminRules = text;
    }
    return Ok{};
}

Result<void> DaemonFixture::writeAdminRuleFile(const QString& fileName, const QString& text)
{
    return writeFile(rulesDirectory() + QLatin1Char('/') + fileName, text);
}

Result<void> DaemonFixture::writeBaseRuleFile(const QString& fileName, const QString& text)
{
    if (!QDir().mkpath(baseRulesDirectory()) || ::chmod(QFile::encodeName(baseRulesDirectory()).constData(), 0755) != 0)
        return harnessError(QStringLiteral("Failed to create %1").arg(baseRulesDirectory()));
    return writeFile(baseRulesDirectory() + QLatin1Char('/') + fileName, text);
}

Result<void> DaemonFixture::removeAdminRuleFile(const QString& fileName)
{
    if (!QFile::remove(rulesDirectory() + QLatin1Char('/') + fileName))
        return harnessError(QStringLiteral("Failed to remove the admin rule file %1").arg(fileName));
    return Ok{};
}

Result<void> DaemonFixture::rewriteAdminRulesUnnoticed(const QString& text)
{
    const QString link = path(QStringLiteral("rules-hard-link"));
    QFile::remove(link);
    if (::link(QFile::encodeName(rulesDirectory() + QLatin1Char('/') + adminRulesFileName).constData(),
               QFile::encodeName(link).constData()) != 0) {
        return harnessError(QStringLiteral("Failed to hard-link the admin rule file to %1").arg(link));
    }
    QFile file(link);
    const QByteArray bytes = text.toUtf8();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size() || !file.flush()) {
        return harnessError(QStringLiteral("Failed to rewrite %1: %2").arg(link, file.errorString()));
    }
    file.close();
    if (settings_) {
        settings_->adminRules = text;
    }
    return Ok{};
}

QByteArray DaemonFixture::daemonLog() const
{
    return logPath_.isEmpty() ? QByteArray() : readFile(logPath_);
}

qint64 DaemonFixture::daemonLogSize() const
{
    return QFileInfo(logPath_).size();
}

Result<QString> DaemonFixture::waitForLogLine(const QStringList& fragments, qint64 fromOffset,
                                              std::chrono::milliseconds bound) const
{
    QString found;
    [[maybe_unused]] const bool seen = QTest::qWaitFor(
        [&] {
            found = lineContainingAll(daemonLog().mid(fromOffset), fragments);
            return !found.isEmpty();
        },
        static_cast<int>(bound.count()));
    if (found.isEmpty()) {
        return harnessError(
            QStringLiteral("Failed to see a hostgated log line containing [%1] within %2 ms; log since the mark:\n%3")
                .arg(fragments.join(QStringLiteral("] [")))
                .arg(bound.count())
                .arg(QString::fromUtf8(daemonLog().mid(fromOffset))));
    }
    return found;
}

int DaemonFixture::countLogLines(const QString& fragment, qint64 fromOffset) const
{
    int count = 0;
    for (const QByteArray& line : daemonLog().mid(fromOffset).split('\n')) {
        count += QString::fromUtf8(line).contains(fragment) ? 1 : 0;
    }
    return count;
}

} // namespace hostgate::e2e
