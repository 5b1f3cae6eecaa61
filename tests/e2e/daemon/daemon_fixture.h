// SPDX-License-Identifier: GPL-3.0-or-later
// DaemonFixture: a test netns with dnsmasq and servers, and hostgated enforcing on a child cgroup inside it.
#pragma once

#include "harness/e2e_harness.h"
#include "util/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>

namespace hostgate::e2e {

// The hostgated binary under test (the build's target file).
QString hostgatedExecutable();

// Everything a daemon start depends on; two starts with equal settings enforce the same policy.
struct DaemonSettings {
    QString adminRules;         // text of <rules.d>/10-test.toml
    QString configToml;         // text of the --config file (settings without a command-line flag)
    QStringList extraArguments; // e.g. {"--default-action", "allow"}

    bool operator==(const DaemonSettings&) const = default;
};

// The world around the daemon: DNS zone, HTTP servers (port 80, default bodies), UDP echo servers (port 7),
// and extra addresses that carry no server.
struct DaemonEnvironment {
    DnsServer::Config zone;
    QStringList httpAddresses;
    QStringList udpEchoAddresses;
    QStringList extraAddresses; // "address/prefix"
};

// Owns the netns, the child cgroup, dnsmasq, the servers and at most one running hostgated. The daemon runs
// inside the netns but outside the child cgroup (it must not judge itself); its stderr goes to a log file per
// start, so a chatty daemon never blocks on a pipe the test is not reading.
class DaemonFixture {
public:
    // `tag` names the netns and cgroup ([a-z0-9-]{1,24}).
    explicit DaemonFixture(const QString& tag);
    ~DaemonFixture();
    DaemonFixture(const DaemonFixture&) = delete;
    DaemonFixture& operator=(const DaemonFixture&) = delete;

    // Creates the netns and cgroup, starts dnsmasq and the servers, each readiness-checked.
    Result<void> setUp(const DaemonEnvironment& environment);

    // Runs the next starts of hostgated through this command (e.g. {"setpriv", "--bounding-set=..."}); {} to stop.
    void setLauncher(const QStringList& launcher) { launcher_ = launcher; }
    // Starts hostgated with `settings` and returns once it logged "hostgated started" (bounded to 10 s).
    Result<void> startDaemon(const DaemonSettings& settings);
    // Leaves a daemon running with exactly `settings`: keeps the current one when its settings are equal,
    // otherwise stops it (exit status 0 required) and starts a new one.
    Result<void> ensureDaemon(const DaemonSettings& settings);
    // SIGTERM, then waits (bounded) for the exit; an exit status other than 0 is an error carrying the log.
    Result<void> stopDaemon();
    // SIGKILL: the daemon gets no chance to clean up.
    void killDaemon();
    // Sends `signal` (e.g. SIGHUP) to the running daemon.
    Result<void> signalDaemon(int signal);
    bool daemonIsRunning() const;
    // The running daemon's PID (for /proc/PID/status), -1 when none runs.
    pid_t daemonPid() const;
    // The daemon's state directory (its user rule file, mode file and connection log).
    QString stateDirectory() const;

    // Replaces the admin rule file atomically (temporary file + rename), as an administrator's editor would.
    Result<void> replaceAdminRules(const QString& text);
    // Another admin rule file next to it (e.g. "20-scale-1.toml"), written the same way; or removed.
    Result<void> writeAdminRuleFile(const QString& fileName, const QString& text);
    // Writes <base-rules.d>/fileName (creating the directory, mode 0755).
    Result<void> writeBaseRuleFile(const QString& fileName, const QString& text);
    Result<void> removeAdminRuleFile(const QString& fileName);
    // Rewrites the admin rule file in place through a hard link outside the rules directory: the rules change
    // but the daemon's watch on that directory sees no event, so only an explicit reload (SIGHUP) applies them.
    Result<void> rewriteAdminRulesUnnoticed(const QString& text);

    // The current daemon's log (stdout and stderr), and its size: a mark to search from.
    QByteArray daemonLog() const;
    qint64 daemonLogSize() const;
    // Waits until a log line at or after `fromOffset` contains every fragment; returns that line. Bounded by
    // `bound`; the error quotes the log since `fromOffset`.
    Result<QString> waitForLogLine(const QStringList& fragments, qint64 fromOffset,
                                   std::chrono::milliseconds bound = std::chrono::seconds(3)) const;
    // Number of lines at or after `fromOffset` containing `fragment`.
    int countLogLines(const QString& fragment, qint64 fromOffset) const;

    const TestNetwork& network() const { return *network_; }
    const ChildCgroup& cgroup() const { return *cgroup_; }
    const DnsServer& dns() const { return *dns_; }
    // Inside the netns and the child cgroup, resolving through dnsmasq: where hostgated enforces.
    Placement confined() const;
    // Inside the netns with the same resolver, but outside the child cgroup: not enforced.
    Placement unconfined() const;
    QString rulesDirectory() const;
    // The base policy directory hostgated is started with (--base-rules-dir): absent until a test writes to it.
    QString baseRulesDirectory() const;
    // The private bpf filesystem (mounted by setUp(), unmounted by the destructor) and the pin directory in it
    // that hostgated is started with: what a killed daemon leaves enforcing.
    QString bpfPinDirectory() const;
    // The resolv.conf-format file hostgated takes its trusted resolvers from (--resolver-files); it lists
    // dnsmasq's address and the stub resolver's. Rewrite it to change them at runtime.
    QString resolverFile() const;

private:
    QString path(const QString& name) const;

    std::unique_ptr<TestNetwork> network_;
    std::unique_ptr<ChildCgroup> cgroup_;
    std::unique_ptr<DnsServer> dns_;
    std::unique_ptr<Servers> servers_;
    std::optional<BackgroundProcess> daemon_;
    std::optional<DaemonSettings> settings_;
    QString logPath_;
    QString bpffs_; // mount point, empty when not mounted
    QStringList launcher_;
    int starts_ = 0;
};

} // namespace hostgate::e2e
