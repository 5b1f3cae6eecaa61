// SPDX-License-Identifier: GPL-3.0-or-later
// XvfbServer, the tray host and screenshots: the X processes the GUI end-to-end test starts and owns by PID.
#include "x_session.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace hostgate::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto xvfbStartBound = 10s;
constexpr auto xvfbStopBound = 5s;
constexpr auto screenshotBound = 30s;
// The descriptor Xvfb writes its display number to (-displayfd).
constexpr int displayFdInChild = 3;

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

QString readLog(const QString& logFile)
{
    QFile file(logFile);
    return file.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(file.readAll()) : QString();
}

// Waits (bounded) for the child to exit by itself and reaps it; returns whether it did.
bool reapWithin(pid_t pid, std::chrono::milliseconds bound)
{
    // A pidfd turns "has it exited?" into an event poll() can wait for.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
        pollfd exited{pidfd, POLLIN, 0};
        ::poll(&exited, 1, static_cast<int>(bound.count()));
        ::close(pidfd);
    }
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == pid;
}

void stopChild(pid_t pid)
{
    ::kill(pid, SIGTERM);
    if (!reapWithin(pid, xvfbStopBound)) {
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
}

constexpr int noDisplayInTime = -1;
constexpr int exitedWithoutDisplay = -2;

// Reads Xvfb's "N\n" from `fd`, waiting at most until `deadline`.
int readDisplayNumber(int fd, Clock::time_point deadline)
{
    QByteArray text;
    while (!text.contains('\n')) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return noDisplayInTime;
        }
        pollfd readable{fd, POLLIN, 0};
        const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            return noDisplayInTime;
        }
        char buffer[32];
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got <= 0) {
            return exitedWithoutDisplay;
        }
        text.append(buffer, static_cast<int>(got));
    }
    bool parsed = false;
    const int number = text.trimmed().toInt(&parsed);
    return parsed ? number : exitedWithoutDisplay;
}

} // namespace

Result<std::unique_ptr<XvfbServer>> XvfbServer::start(const QString& logFile, const QString& screen)
{
    const QByteArray logPath = QFile::encodeName(logFile);
    const int log = ::open(logPath.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) {
        return harnessError(QStringLiteral("Failed to create the Xvfb log %1: %2").arg(logFile, errnoText(errno)));
    }
    int displayPipe[2];
    if (::pipe2(displayPipe, O_CLOEXEC) != 0) {
        const int error = errno;
        ::close(log);
        return harnessError(QStringLiteral("Failed to create the Xvfb display pipe: %1").arg(errnoText(error)));
    }
    const QByteArray screenGeometry = screen.toLatin1();
    const QByteArray displayFd = QByteArray::number(displayFdInChild);
    const char* const argv[] = {"Xvfb",      "-displayfd", displayFd.constData(),
                                "-screen",   "0",          screenGeometry.constData(),
                                "-nolisten", "tcp",        nullptr};

    // Forked before the QApplication exists, so the process is still single-threaded here.
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int error = errno;
        ::close(log);
        ::close(displayPipe[0]);
        ::close(displayPipe[1]);
        return harnessError(QStringLiteral("Failed to fork for Xvfb: %1").arg(errnoText(error)));
    }
    if (pid == 0) {
        // A test killed by CTest's timeout must not leave its X server behind.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        // dup2 clears close-on-exec on the copies, so exactly these survive the exec (dup2 onto itself does not:
        // then the flag is cleared by hand).
        const bool pipeInPlace = displayPipe[1] == displayFdInChild;
        if (devNull < 0 || ::dup2(devNull, STDIN_FILENO) < 0 || ::dup2(log, STDOUT_FILENO) < 0 ||
            ::dup2(log, STDERR_FILENO) < 0 ||
            (pipeInPlace ? ::fcntl(displayFdInChild, F_SETFD, 0) : ::dup2(displayPipe[1], displayFdInChild)) < 0) {
            ::_exit(126);
        }
        ::execvp(argv[0], const_cast<char* const*>(argv));
        ::dprintf(STDERR_FILENO, "Failed to execute Xvfb: %s\n", std::strerror(errno));
        ::_exit(127);
    }
    ::close(log);
    ::close(displayPipe[1]);
    const int number = readDisplayNumber(displayPipe[0], Clock::now() + xvfbStartBound);
    ::close(displayPipe[0]);
    if (number < 0) {
        stopChild(pid);
        const QString why =
            number == exitedWithoutDisplay
                ? QStringLiteral("it exited without announcing a display")
                : QStringLiteral("no display number within %1 s").arg(std::chrono::seconds(xvfbStartBound).count());
        return harnessError(
            QStringLiteral("Failed to start Xvfb: %1\nXvfb log (%2):\n%3").arg(why, logFile, readLog(logFile)));
    }
    std::unique_ptr<XvfbServer> server(new XvfbServer(pid, number));
    if (!QFileInfo::exists(server->socketPath())) {
        return harnessError(QStringLiteral("Failed to start Xvfb: display %1 announced, but %2 does not exist")
                                .arg(server->displayName(), server->socketPath()));
    }
    return server;
}

XvfbServer::~XvfbServer()
{
    stopChild(pid_);
}

Result<BackgroundProcess> startTrayHost(const QString& logFile)
{
    // A panel that only holds the tray, opaque, so the screenshot shows it against a plain background.
    return startBackground(
        Placement::host(),
        {QStringLiteral("trayer"), QStringLiteral("--edge"), QStringLiteral("bottom"), QStringLiteral("--align"),
         QStringLiteral("right"), QStringLiteral("--widthtype"), QStringLiteral("pixel"), QStringLiteral("--width"),
         QString::number(trayHostSize.width()), QStringLiteral("--heighttype"), QStringLiteral("pixel"),
         QStringLiteral("--height"), QString::number(trayHostSize.height()),
         // A fully opaque tint: "transparent" only enables the tint.
         QStringLiteral("--transparent"), QStringLiteral("true"), QStringLiteral("--alpha"), QStringLiteral("0"),
         QStringLiteral("--tint"), QStringLiteral("0x3c3c3c"), QStringLiteral("--SetDockType"), QStringLiteral("true")},
        logFile, logFile);
}

QRect trayHostArea(const QSize& screen)
{
    return QRect(QPoint(screen.width() - trayHostSize.width(), screen.height() - trayHostSize.height()), trayHostSize);
}

int runOnPrivateDisplay(int& argc, char** argv, const QString& outputDir, const QString& logName,
                        const std::function<int(XvfbServer* display, const QString& displayProblem)>& run)
{
    QString displayProblem;
    std::unique_ptr<XvfbServer> display;
    if (!QDir().mkpath(outputDir)) {
        displayProblem = QStringLiteral("Failed to create %1").arg(outputDir);
    } else if (auto started = XvfbServer::start(outputDir + QLatin1Char('/') + logName); !started) {
        displayProblem = describe(started.error());
    } else {
        display = std::move(*started);
    }
    qputenv("QT_QPA_PLATFORM", display ? "xcb" : "offscreen");
    if (display) {
        qputenv("DISPLAY", display->displayName().toLocal8Bit());
    }
    QApplication app(argc, argv);
    QApplication::setQuitOnLastWindowClosed(false);
    return run(display.get(), displayProblem);
}

Result<void> screenshotRootWindow(const QString& display, const QString& file)
{
    QFile::remove(file);
    const RunResult shot = run(Placement::host(),
                               {QStringLiteral("import"), QStringLiteral("-display"), display,
                                QStringLiteral("-window"), QStringLiteral("root"), file},
                               screenshotBound);
    if (!shot.succeeded() || !QFileInfo::exists(file)) {
        return harnessError(QStringLiteral("Failed to take the screenshot %1:\n%2").arg(file, shot.describe()));
    }
    return Ok{};
}

int distinctColours(const QImage& image, int enough)
{
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            colours.insert(image.pixel(x, y));
            if (colours.size() >= enough) {
                return static_cast<int>(colours.size());
            }
        }
    }
    return static_cast<int>(colours.size());
}

Result<void> verifyScreenshotShowsSomething(const QString& file, int minimumColours)
{
    const QImage image(file);
    if (image.isNull()) {
        return harnessError(QStringLiteral("Failed to load the screenshot %1 as an image").arg(file));
    }
    const int colours = distinctColours(image, minimumColours);
    if (colours < minimumColours) {
        return harnessError(QStringLiteral("The screenshot %1 (%2x%3) looks blank: only %4 distinct colours")
                                .arg(file)
                                .arg(image.width())
                                .arg(image.height())
                                .arg(colours));
    }
    return Ok{};
}

} // namespace hostgate::e2e
