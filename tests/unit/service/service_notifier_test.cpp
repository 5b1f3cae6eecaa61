// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of ServiceNotifier (sd_notify to a socket the test binds, as systemd's) and of the
// keep-kernel-state request of a handover restart.
#include "loop_helpers.h"
#include "service/restart_handover.h"
#include "service/service_notifier.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <fstream>
#include <string>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace hostgate;

namespace {

// The service manager's end: a datagram socket at DIR/notify, as systemd binds /run/systemd/notify.
class NotifySocket {
public:
    explicit NotifySocket(const std::string& path) : path_(path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.copy(address.sun_path, sizeof(address.sun_path) - 1);
        bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    }
    ~NotifySocket()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    bool bound() const { return bound_; }
    // The next datagram, or "" when none is queued.
    std::string receive() const
    {
        char buffer[4096];
        const ssize_t length = ::recv(fd_, buffer, sizeof(buffer), 0);
        return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : std::string();
    }

private:
    std::string path_;
    int fd_ = -1;
    bool bound_ = false;
};

} // namespace

class ServiceNotifierTest : public QObject {
    Q_OBJECT

private slots:
    void cleanup()
    {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
        ::unsetenv("WATCHDOG_PID");
        ::unsetenv("RUNTIME_DIRECTORY");
    }

    void withoutNotifySocketEveryNotificationIsANoOp()
    {
        const auto notifier = ServiceNotifier::fromEnvironment();
        QVERIFY(!notifier.enabled());
        QVERIFY(!notifier.keepAliveInterval());
        QVERIFY(notifier.ready("Enforcing").ok());
        QVERIFY(notifier.keepAlive().ok());
        QVERIFY(notifier.stopping("Stopping").ok());
    }

    void readyAndStoppingReachTheServiceManagersSocket()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("notify")).toStdString();
        NotifySocket manager(path);
        QVERIFY(manager.bound());
        ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
        const auto notifier = ServiceNotifier::fromEnvironment();
        QVERIFY(notifier.enabled());

        QVERIFY(notifier.ready("Enforcing").ok());
        QCOMPARE(manager.receive(), std::string("READY=1\nSTATUS=Enforcing"));
        QVERIFY(notifier.stopping("Stopping").ok());
        QCOMPARE(manager.receive(), std::string("STOPPING=1\nSTATUS=Stopping"));
    }

    void aVanishedServiceManagerIsAnErrorNotACrash()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("gone")).toStdString();
        ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
        const auto notifier = ServiceNotifier::fromEnvironment();
        QVERIFY(!notifier.ready("Enforcing").ok());
    }

    void theKeepAliveIntervalIsHalfTheWatchdogTimeoutOfThisProcess()
    {
        ::setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
        ::setenv("WATCHDOG_USEC", "20000000", 1);
        ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
        QCOMPARE(ServiceNotifier::fromEnvironment().keepAliveInterval(), std::chrono::microseconds(10000000));
        // A watchdog meant for another process (our parent, say) is not ours to feed.
        ::setenv("WATCHDOG_PID", std::to_string(::getppid()).c_str(), 1);
        QVERIFY(!ServiceNotifier::fromEnvironment().keepAliveInterval());
    }

    void theLoopSendsKeepAlivesWhileItRuns()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("notify")).toStdString();
        NotifySocket manager(path);
        QVERIFY(manager.bound());
        ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
        ::setenv("WATCHDOG_USEC", "100000", 1); // 0.1 s: a keep-alive every 50 ms
        const auto notifier = ServiceNotifier::fromEnvironment();
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        int errors = 0;
        startKeepAlives(*loop, notifier, [&](const Error&) { ++errors; });
        int keepAlives = 0;
        QVERIFY(test::runUntil(*loop, [&] {
            for (std::string message = manager.receive(); !message.empty(); message = manager.receive())
                if (message == "WATCHDOG=1")
                    ++keepAlives;
            return keepAlives >= 3;
        }));
        QCOMPARE(errors, 0);
    }

    void noWatchdogMeansNoKeepAliveTimer()
    {
        ::setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        startKeepAlives(*loop, ServiceNotifier::fromEnvironment(), {});
        QCOMPARE(loop->timerCount(), std::size_t{0});
    }

    void theRuntimeDirectoryIsTheFirstOfSystemdsList()
    {
        QVERIFY(!runtimeDirectoryFromEnvironment());
        ::setenv("RUNTIME_DIRECTORY", "/run/hostgate:/run/other", 1);
        QCOMPARE(runtimeDirectoryFromEnvironment(), std::optional<std::filesystem::path>("/run/hostgate"));
    }

    void aKeepKernelStateRequestAppliesToOneStopOnly()
    {
        QTemporaryDir dir;
        const std::filesystem::path runtime = dir.path().toStdString();
        QVERIFY(!takeKeepKernelStateRequest(runtime));
        std::ofstream(runtime / kKeepKernelStateFile).flush();
        // The tests run as root (CI); the request must be root's.
        QCOMPARE(::geteuid(), uid_t{0});
        QVERIFY(takeKeepKernelStateRequest(runtime));
        QVERIFY(!std::filesystem::exists(runtime / kKeepKernelStateFile));
        QVERIFY(!takeKeepKernelStateRequest(runtime));
    }

    void aRequestThatIsNotRootsOrIsASymlinkIsIgnored()
    {
        QTemporaryDir dir;
        const std::filesystem::path runtime = dir.path().toStdString();
        std::ofstream(runtime / "target").flush();
        std::filesystem::create_symlink(runtime / "target", runtime / kKeepKernelStateFile);
        QVERIFY(!takeKeepKernelStateRequest(runtime));
        std::filesystem::remove(runtime / kKeepKernelStateFile);
        std::ofstream(runtime / kKeepKernelStateFile).flush();
        QCOMPARE(::chown((runtime / kKeepKernelStateFile).c_str(), 65534, 65534), 0);
        QVERIFY(!takeKeepKernelStateRequest(runtime));
        QVERIFY(std::filesystem::exists(runtime / kKeepKernelStateFile));
    }
};

QTEST_GUILESS_MAIN(ServiceNotifierTest)
#include "service_notifier_test.moc"
