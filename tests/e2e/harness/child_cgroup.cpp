// SPDX-License-Identifier: GPL-3.0-or-later
// ChildCgroup: discovery of the cgroup2 mount, creation, member killing and removal of a test cgroup.
#include "harness/child_cgroup.h"

#include "harness/harness_result.h"
#include "harness/process_kill.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace hostgate::e2e {
namespace {

constexpr std::chrono::milliseconds emptyBound{5000};

// mountinfo escapes space, tab, newline and backslash as \ooo.
QString unescapeMountPath(const QByteArray& escaped)
{
    QByteArray path;
    for (qsizetype i = 0; i < escaped.size(); ++i) {
        if (escaped[i] == '\\' && i + 3 < escaped.size()) {
            path.append(static_cast<char>(escaped.mid(i + 1, 3).toInt(nullptr, 8)));
            i += 3;
        } else {
            path.append(escaped[i]);
        }
    }
    return QString::fromLocal8Bit(path);
}

bool isPopulated(const QString& cgroupPath)
{
    QFile events(cgroupPath + QStringLiteral("/cgroup.events"));
    if (!events.open(QIODevice::ReadOnly)) {
        return false;
    }
    return events.readAll().contains("populated 1");
}

// cgroup.events signals POLLPRI on every change, so waiting for "populated 0" needs no polling loop.
bool waitUntilUnpopulated(const QString& cgroupPath, std::chrono::milliseconds bound)
{
    const QByteArray eventsPath = QFile::encodeName(cgroupPath + QStringLiteral("/cgroup.events"));
    const int fd = open(eventsPath.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return !isPopulated(cgroupPath);
    }
    const auto deadline = std::chrono::steady_clock::now() + bound;
    bool empty = !isPopulated(cgroupPath);
    while (!empty) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        char discard[256];
        lseek(fd, 0, SEEK_SET);
        [[maybe_unused]] const ssize_t unused = read(fd, discard, sizeof discard);
        pollfd changed{fd, POLLPRI, 0};
        poll(&changed, 1, static_cast<int>(left.count()));
        empty = !isPopulated(cgroupPath);
    }
    close(fd);
    return empty;
}

QList<pid_t> readProcs(const QString& cgroupPath)
{
    QList<pid_t> pids;
    QFile procsFile(cgroupPath + QStringLiteral("/cgroup.procs"));
    if (procsFile.open(QIODevice::ReadOnly)) {
        for (const QByteArray& line : procsFile.readAll().split('\n')) {
            if (!line.isEmpty()) {
                pids.append(static_cast<pid_t>(line.toLong()));
            }
        }
    }
    return pids;
}

Result<void> killMembersOf(const QString& cgroupPath)
{
    // cgroup.kill also catches members forked while we kill; per-PID kill is the fallback for old kernels.
    QFile killFile(cgroupPath + QStringLiteral("/cgroup.kill"));
    if (!killFile.open(QIODevice::WriteOnly) || killFile.write("1") != 1) {
        for (const pid_t pid : readProcs(cgroupPath)) {
            killAndWait(pid);
        }
    }
    killFile.close();
    if (!waitUntilUnpopulated(cgroupPath, emptyBound)) {
        QStringList survivors;
        for (const pid_t pid : readProcs(cgroupPath)) {
            survivors.append(QString::number(pid));
        }
        return harnessError(QStringLiteral("Failed to empty cgroup %1: processes [%2] survived SIGKILL for %3 ms")
                                .arg(cgroupPath, survivors.join(QLatin1Char(' ')))
                                .arg(emptyBound.count()));
    }
    return Ok{};
}

Result<void> removeCgroupDir(const QString& cgroupPath)
{
    if (!QDir(cgroupPath).exists()) {
        return Ok{};
    }
    if (auto killed = killMembersOf(cgroupPath); !killed) {
        return killed;
    }
    const QByteArray encoded = QFile::encodeName(cgroupPath);
    if (rmdir(encoded.constData()) != 0) {
        return harnessError(
            QStringLiteral("Failed to remove cgroup %1: %2").arg(cgroupPath, QString::fromLocal8Bit(strerror(errno))));
    }
    return Ok{};
}

// Cgroups of the same test from runs that died: owner PID gone and no members left. rmdir of an empty
// cgroup cannot disturb anyone, and a populated one is never touched.
void removeAbandonedCgroups(const QString& mount, const QString& tag)
{
    const QRegularExpression sameTest(QStringLiteral("^hostgate-test-%1-(\\d+)$").arg(QRegularExpression::escape(tag)));
    for (const QString& name : QDir(mount).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QRegularExpressionMatch match = sameTest.match(name);
        const pid_t owner = match.hasMatch() ? static_cast<pid_t>(match.captured(1).toInt()) : 0;
        const QString path = mount + QLatin1Char('/') + name;
        if (owner > 0 && owner != getpid() && !QFile::exists(QStringLiteral("/proc/%1").arg(owner)) &&
            readProcs(path).isEmpty()) {
            rmdir(QFile::encodeName(path).constData());
        }
    }
}

} // namespace

Result<QString> findCgroup2Mount()
{
    QFile mountInfo(QStringLiteral("/proc/self/mountinfo"));
    if (!mountInfo.open(QIODevice::ReadOnly)) {
        return harnessError(QStringLiteral("Failed to read /proc/self/mountinfo: %1").arg(mountInfo.errorString()));
    }
    // Fields: id parent dev root mountpoint options [optional...] - fstype source superoptions
    for (const QByteArray& line : mountInfo.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        const qsizetype separator = fields.indexOf("-");
        if (separator > 4 && separator + 1 < fields.size() && fields[separator + 1] == "cgroup2") {
            return unescapeMountPath(fields[4]);
        }
    }
    return harnessError(QStringLiteral("Failed to find a cgroup2 mount in /proc/self/mountinfo"));
}

ChildCgroup::ChildCgroup(const QString& tag) : status_(create(tag)) {}

ChildCgroup::~ChildCgroup()
{
    if (auto removed = remove(); !removed) {
        qWarning("%s", qPrintable(describe(removed.error())));
    }
}

Result<void> ChildCgroup::create(const QString& tag)
{
    static const QRegularExpression validTag(QStringLiteral("^[a-z0-9-]{1,24}$"));
    if (!validTag.match(tag).hasMatch()) {
        return harnessError(QStringLiteral("Failed to create cgroup: tag '%1' must match [a-z0-9-]{1,24}").arg(tag));
    }
    auto mount = findCgroup2Mount();
    if (!mount) {
        return mount.error();
    }
    mount_ = QDir::cleanPath(*mount);
    const QString candidate = QStringLiteral("%1/hostgate-test-%2-%3").arg(mount_, tag).arg(getpid());
    if (QDir::cleanPath(candidate) == mount_ || !candidate.startsWith(mount_ + QStringLiteral("/hostgate-test-"))) {
        return harnessError(QStringLiteral("Refusing cgroup path %1: it must be a child of %2").arg(candidate, mount_));
    }
    removeAbandonedCgroups(mount_, tag);
    if (auto leftover = removeCgroupDir(candidate); !leftover) {
        return harnessError(QStringLiteral("Failed to remove leftover cgroup: %1").arg(describe(leftover.error())));
    }
    const QByteArray encoded = QFile::encodeName(candidate);
    if (mkdir(encoded.constData(), 0755) != 0) {
        return harnessError(
            QStringLiteral("Failed to create cgroup %1: %2").arg(candidate, QString::fromLocal8Bit(strerror(errno))));
    }
    path_ = candidate;
    return Ok{};
}

Result<void> ChildCgroup::remove() const
{
    if (path_.isEmpty()) {
        return Ok{};
    }
    return removeCgroupDir(path_);
}

QString ChildCgroup::relativePath() const
{
    return path_.isEmpty() ? QString() : path_.mid(mount_.size());
}

QList<pid_t> ChildCgroup::procs() const
{
    return path_.isEmpty() ? QList<pid_t>() : readProcs(path_);
}

Result<void> ChildCgroup::killAll() const
{
    if (path_.isEmpty()) {
        return harnessError(QStringLiteral("Failed to kill cgroup members: the cgroup was not created"));
    }
    return killMembersOf(path_);
}

} // namespace hostgate::e2e
