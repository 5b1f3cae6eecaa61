// SPDX-License-Identifier: GPL-3.0-or-later
// Runs commands where a test wants them: inside the test cgroup and netns, as a given user, with a chosen DNS.
#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>

namespace hostgate::e2e {

class ChildCgroup;
class TestNetwork;

// Where a command runs. Everything is optional; an empty Placement runs on the host as root, and then
// firewall tools (iptables, nft, ...) are refused.
//
// The child is placed between fork and exec (QProcess::setChildProcessModifier), in this order: join the
// cgroup (write 0 to cgroup.procs, so it is a member before it owns a single socket), setns() into the
// netns (keeps /sys, unlike `ip netns exec`), then a private mount namespace with RESOLV bind-mounted on
// /etc/resolv.conf; `setpriv --reuid --regid --clear-groups` is exec'd last to drop privileges. So once
// run()/startBackground() has started the process, it is already fully placed, and pid() is the client's
// own PID. Every child also gets PR_SET_PDEATHSIG=SIGKILL, so a crashed or SIGKILLed test takes its
// servers and clients with it (setpriv'd clients lose it when credentials change). A placement step that fails exits with code 125 and a "hostgate-e2e: Failed to ..." line on
// stderr. A mount namespace per command (instead of /etc/netns/NAME) lets clients in the same netns use
// different resolvers and never writes to the host's /etc.
//
// Build one fluently (GCC 12 warns about designated initializers that omit fields):
//   Placement::in(network).inCgroup(cgroup).asUser(65534).withResolvConf(dnsServerIpv4)
struct Placement {
    const TestNetwork* network = nullptr;
    const ChildCgroup* cgroup = nullptr;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid; // defaults to the primary group of `uid`
    QString resolvConf;       // nameserver address for /etc/resolv.conf, e.g. dnsServerIpv4; needs `network`

    static Placement host() { return {}; }
    static Placement in(const TestNetwork& testNetwork);
    Placement inCgroup(const ChildCgroup& childCgroup) const;
    Placement asUser(uid_t user, std::optional<gid_t> group = std::nullopt) const;
    Placement withResolvConf(const QString& nameserver) const;
};

struct RunResult {
    int exitCode = -1; // -1 when the command crashed, timed out or could not start
    QByteArray out;
    QByteArray err;
    std::chrono::milliseconds elapsed{0}; // from start to exit, including placement (a few ms)
    bool timedOut = false;
    bool crashed = false; // killed by a signal (a timed-out command is killed too)
    QString command;      // placement and argv as run, for diagnostics

    bool succeeded() const { return exitCode == 0 && !timedOut && !crashed; }
    // Multi-line summary (command, exit code, elapsed, stdout, stderr) for QVERIFY2 messages.
    QString describe() const;
};

// Runs argv to completion. `timeout` is only an upper bound: on expiry the command is SIGKILLed and
// timedOut is set. stdinData is written and stdin closed, so readers see EOF. An unsafe placement (see
// Placement) yields exitCode -1 with the refusal in `err`.
RunResult run(const Placement& placement, const QStringList& argv, std::chrono::milliseconds timeout,
              const QByteArray& stdinData = {});

// A long-running command; SIGKILLed (by PID, through a pidfd) and reaped when destroyed.
class BackgroundProcess {
public:
    BackgroundProcess(BackgroundProcess&& other) noexcept;
    // Kills the process this handle held before taking over `other`'s.
    BackgroundProcess& operator=(BackgroundProcess&& other) noexcept;
    ~BackgroundProcess();

    pid_t pid() const;
    bool isRunning() const;
    const QString& command() const { return command_; }

    void writeStdin(const QByteArray& data);
    void closeStdin();

    // Waits (event-driven, at most `bound`) until stdout has produced `needle`; stdout so far in the error.
    Result<void> waitForStdout(const QByteArray& needle, std::chrono::milliseconds bound);
    // Output captured so far (empty when redirected to files).
    QByteArray stdoutSoFar();
    QByteArray stderrSoFar();

    // Waits at most `bound` for the process to exit by itself; on expiry it is killed and timedOut set.
    RunResult finish(std::chrono::milliseconds bound);
    // SIGKILL now and reap.
    void kill();

private:
    friend Result<BackgroundProcess> startBackground(const Placement&, const QStringList&, const QString&,
                                                     const QString&);
    BackgroundProcess(std::unique_ptr<QProcess> process, QString command);

    std::unique_ptr<QProcess> process_;
    QString command_;
    QByteArray out_;
    QByteArray err_;
    std::chrono::steady_clock::time_point started_;
};

// Starts argv at `placement` and waits (bounded) until it has been exec'd. With stdoutFile/stderrFile the
// output goes to those files instead of pipes, so a chatty server can never block on a full pipe.
Result<BackgroundProcess> startBackground(const Placement& placement, const QStringList& argv,
                                          const QString& stdoutFile = {}, const QString& stderrFile = {});

} // namespace hostgate::e2e
