// SPDX-License-Identifier: GPL-3.0-or-later
// Launching commands inside the test cgroup/netns through an exec chain, with bounded waits and PID kills.
#include "harness/process_runner.h"

#include "harness/child_cgroup.h"
#include "harness/harness_result.h"
#include "harness/process_kill.h"
#include "harness/test_addresses.h"
#include "harness/test_network.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <vector>

namespace hostgate::e2e {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds startBound{5000};
constexpr milliseconds reapBound{5000};

// Everything the child needs between fork and exec, prepared in the parent (the child may only make
// async-signal-safe calls, so no allocation happens there).
struct LaunchPlan {
    QStringList argv;
    QByteArray cgroupProcs;
    QByteArray netnsPath;
    QByteArray resolvConf;
    QString description;
};

// Child side, after fork: raw syscalls only.
void failPlacement(const char* what, const QByteArray& path)
{
    const char prefix[] = "hostgate-e2e: Failed to ";
    [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
    ignored = write(STDERR_FILENO, what, strlen(what));
    ignored = write(STDERR_FILENO, path.constData(), static_cast<size_t>(path.size()));
    ignored = write(STDERR_FILENO, "\n", 1);
    _exit(125);
}

void placeChild(const QByteArray& cgroupProcs, const QByteArray& netnsPath, const QByteArray& resolvConf)
{
    // If the test binary dies, its servers and clients die with it instead of lingering in the netns.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!cgroupProcs.isEmpty()) {
        const int fd = open(cgroupProcs.constData(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1) {
            failPlacement("join cgroup via ", cgroupProcs);
        }
        close(fd);
    }
    if (!netnsPath.isEmpty()) {
        const int fd = open(netnsPath.constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
            failPlacement("enter network namespace ", netnsPath);
        }
        close(fd);
    }
    if (!resolvConf.isEmpty()) {
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount(resolvConf.constData(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) {
            failPlacement("bind-mount on /etc/resolv.conf: ", resolvConf);
        }
    }
}

gid_t primaryGroupOf(uid_t uid)
{
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
        return found->pw_gid;
    }
    return static_cast<gid_t>(uid);
}

QString shellQuoted(const QStringList& argv)
{
    QStringList quoted;
    for (const QString& argument : argv) {
        static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:=@%+,-]+$"));
        quoted.append(plain.match(argument).hasMatch() ? argument
                                                       : QStringLiteral("'%1'").arg(QString(argument).replace(
                                                             QLatin1Char('\''), QStringLiteral("'\\''"))));
    }
    return quoted.join(QLatin1Char(' '));
}

std::unique_ptr<QProcess> newProcess(const LaunchPlan& plan)
{
    auto process = std::make_unique<QProcess>();
    process->setProgram(plan.argv.first());
    process->setArguments(plan.argv.mid(1));
    process->setChildProcessModifier(
        [cgroupProcs = plan.cgroupProcs, netnsPath = plan.netnsPath, resolvConf = plan.resolvConf] {
            placeChild(cgroupProcs, netnsPath, resolvConf);
        });
    return process;
}

milliseconds since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
}

// Waits for exit within `bound`; otherwise kills by PID. Fills everything but `command`.
RunResult collect(QProcess& process, milliseconds bound, std::chrono::steady_clock::time_point started,
                  QByteArray out = {}, QByteArray err = {})
{
    RunResult result;
    if (process.state() != QProcess::NotRunning && !process.waitForFinished(static_cast<int>(bound.count()))) {
        result.timedOut = true;
        killAndWait(static_cast<pid_t>(process.processId()), reapBound);
        process.waitForFinished(static_cast<int>(reapBound.count()));
    }
    result.elapsed = since(started);
    result.out = out + process.readAllStandardOutput();
    result.err = err + process.readAllStandardError();
    result.crashed = process.exitStatus() == QProcess::CrashExit;
    result.exitCode = (result.timedOut || result.crashed) ? -1 : process.exitCode();
    return result;
}

} // namespace

Placement Placement::in(const TestNetwork& testNetwork)
{
    Placement placement;
    placement.network = &testNetwork;
    return placement;
}

Placement Placement::inCgroup(const ChildCgroup& childCgroup) const
{
    Placement placement = *this;
    placement.cgroup = &childCgroup;
    return placement;
}

Placement Placement::asUser(uid_t user, std::optional<gid_t> group) const
{
    Placement placement = *this;
    placement.uid = user;
    placement.gid = group;
    return placement;
}

Placement Placement::withResolvConf(const QString& nameserver) const
{
    Placement placement = *this;
    placement.resolvConf = nameserver;
    return placement;
}

QString RunResult::describe() const
{
    return QStringLiteral("command: %1\nexit code: %2%3%4, elapsed %5 ms\nstdout: %6\nstderr: %7")
        .arg(command)
        .arg(exitCode)
        .arg(timedOut ? QStringLiteral(" (timed out)") : QString())
        .arg(crashed ? QStringLiteral(" (crashed)") : QString())
        .arg(elapsed.count())
        .arg(QString::fromLocal8Bit(out), QString::fromLocal8Bit(err));
}

namespace {

Result<LaunchPlan> planLaunch(const Placement& placement, const QStringList& argv)
{
    if (argv.isEmpty()) {
        return harnessError(QStringLiteral("Failed to run a command: argv is empty"));
    }
    LaunchPlan plan;
    QStringList where;
    if (placement.cgroup != nullptr) {
        if (!placement.cgroup->status() || placement.cgroup->path().isEmpty()) {
            return harnessError(QStringLiteral("Failed to place a command in a cgroup that was not created"));
        }
        plan.cgroupProcs = QFile::encodeName(placement.cgroup->path() + QStringLiteral("/cgroup.procs"));
        where << QStringLiteral("cgroup=%1").arg(placement.cgroup->path());
    }
    if (placement.network != nullptr) {
        if (!placement.network->status()) {
            return harnessError(QStringLiteral("Failed to place a command in network %1: it was not created")
                                    .arg(placement.network->name()));
        }
        plan.netnsPath = QFile::encodeName(placement.network->namespacePath());
        where << QStringLiteral("netns=%1").arg(placement.network->name());
    } else if (auto safe = checkNoFirewallCommand(argv); !safe) {
        return safe.error();
    }
    if (!placement.resolvConf.isEmpty()) {
        if (placement.network == nullptr) {
            return harnessError(QStringLiteral("Failed to set resolv.conf: Placement::resolvConf needs a network"));
        }
        auto resolvConf = placement.network->resolvConfFor(placement.resolvConf);
        if (!resolvConf) {
            return resolvConf.error();
        }
        plan.resolvConf = QFile::encodeName(*resolvConf);
        where << QStringLiteral("nameserver=%1").arg(placement.resolvConf);
    }
    if (placement.uid) {
        const gid_t gid = placement.gid ? *placement.gid : primaryGroupOf(*placement.uid);
        plan.argv << QStringLiteral("setpriv") << QStringLiteral("--reuid=%1").arg(*placement.uid)
                  << QStringLiteral("--regid=%1").arg(gid) << QStringLiteral("--clear-groups") << QStringLiteral("--");
    } else if (placement.gid) {
        return harnessError(QStringLiteral("Failed to set the group: Placement::gid needs Placement::uid"));
    }
    plan.argv += argv;
    plan.description = QStringLiteral("[%1] %2").arg(
        where.isEmpty() ? QStringLiteral("host") : where.join(QLatin1Char(' ')), shellQuoted(plan.argv));
    return plan;
}

} // namespace

RunResult run(const Placement& placement, const QStringList& argv, milliseconds timeout, const QByteArray& stdinData)
{
    auto plan = planLaunch(placement, argv);
    if (!plan) {
        RunResult refused;
        refused.command = shellQuoted(argv);
        refused.err = describe(plan.error()).toLocal8Bit();
        return refused;
    }
    const auto process = newProcess(*plan);
    const auto started = std::chrono::steady_clock::now();
    process->start();
    RunResult result;
    if (!process->waitForStarted(static_cast<int>(startBound.count()))) {
        result.err =
            QStringLiteral("Failed to start %1: %2").arg(plan->argv.first(), process->errorString()).toLocal8Bit();
    } else {
        if (!stdinData.isEmpty()) {
            process->write(stdinData);
        }
        process->closeWriteChannel();
        result = collect(*process, timeout, started);
    }
    result.command = plan->description;
    return result;
}

BackgroundProcess::BackgroundProcess(std::unique_ptr<QProcess> process, QString command)
    : process_(std::move(process)), command_(std::move(command)), started_(std::chrono::steady_clock::now())
{}

BackgroundProcess::BackgroundProcess(BackgroundProcess&& other) noexcept
    : process_(std::move(other.process_)), command_(std::move(other.command_)), out_(std::move(other.out_)),
      err_(std::move(other.err_)), started_(other.started_)
{}

BackgroundProcess& BackgroundProcess::operator=(BackgroundProcess&& other) noexcept
{
    if (this != &other) {
        kill();
        process_ = std::move(other.process_);
        command_ = std::move(other.command_);
        out_ = std::move(other.out_);
        err_ = std::move(other.err_);
        started_ = other.started_;
    }
    return *this;
}

BackgroundProcess::~BackgroundProcess()
{
    kill();
}

pid_t BackgroundProcess::pid() const
{
    return process_ ? static_cast<pid_t>(process_->processId()) : 0;
}

bool BackgroundProcess::isRunning() const
{
    if (!process_) {
        return false;
    }
    // Reap a process that exited meanwhile, so the state is current without an event loop.
    process_->waitForFinished(0);
    return process_->state() == QProcess::Running;
}

void BackgroundProcess::writeStdin(const QByteArray& data)
{
    if (process_) {
        process_->write(data);
        process_->waitForBytesWritten(static_cast<int>(startBound.count()));
    }
}

void BackgroundProcess::closeStdin()
{
    if (process_) {
        process_->closeWriteChannel();
    }
}

QByteArray BackgroundProcess::stdoutSoFar()
{
    if (process_) {
        out_ += process_->readAllStandardOutput();
    }
    return out_;
}

QByteArray BackgroundProcess::stderrSoFar()
{
    if (process_) {
        err_ += process_->readAllStandardError();
    }
    return err_;
}

Result<void> BackgroundProcess::waitForStdout(const QByteArray& needle, milliseconds bound)
{
    QDeadlineTimer deadline(bound.count());
    while (!stdoutSoFar().contains(needle)) {
        if (!process_ || deadline.hasExpired() || process_->state() != QProcess::Running) {
            return harnessError(
                QStringLiteral("Failed to see '%1' on stdout of %2 within %3 ms; stdout: %4; stderr: %5")
                    .arg(QString::fromLocal8Bit(needle), command_)
                    .arg(bound.count())
                    .arg(QString::fromLocal8Bit(out_), QString::fromLocal8Bit(stderrSoFar())));
        }
        process_->waitForReadyRead(static_cast<int>(deadline.remainingTime()));
    }
    return Ok{};
}

RunResult BackgroundProcess::finish(milliseconds bound)
{
    if (!process_) {
        RunResult gone;
        gone.command = command_;
        gone.err = "hostgate-e2e: the process was already killed";
        return gone;
    }
    RunResult result = collect(*process_, bound, started_, std::move(out_), std::move(err_));
    out_.clear();
    err_.clear();
    result.command = command_;
    return result;
}

void BackgroundProcess::kill()
{
    if (process_ && process_->state() != QProcess::NotRunning) {
        killAndWait(pid(), reapBound);
        process_->waitForFinished(static_cast<int>(reapBound.count()));
    }
}

Result<BackgroundProcess> startBackground(const Placement& placement, const QStringList& argv,
                                          const QString& stdoutFile, const QString& stderrFile)
{
    auto plan = planLaunch(placement, argv);
    if (!plan) {
        return plan.error();
    }
    auto process = newProcess(*plan);
    if (!stdoutFile.isEmpty()) {
        process->setStandardOutputFile(stdoutFile, QIODevice::Append);
    }
    if (!stderrFile.isEmpty()) {
        process->setStandardErrorFile(stderrFile, QIODevice::Append);
    }
    process->start();
    if (!process->waitForStarted(static_cast<int>(startBound.count()))) {
        return harnessError(QStringLiteral("Failed to start %1: %2").arg(plan->description, process->errorString()));
    }
    return BackgroundProcess(std::move(process), plan->description);
}

} // namespace hostgate::e2e
