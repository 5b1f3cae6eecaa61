// SPDX-License-Identifier: GPL-3.0-or-later
// A private system bus (dbus-daemon) and a private polkitd for tests: nothing touches the host's buses.
#pragma once

#include "harness/process_runner.h"
#include "util/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>

namespace hostgate::testbus {

// A dbus-daemon with the system bus configuration (policy, EXTERNAL auth), listening on a socket in its
// own temp dir, with no <user>, no fork, no activation. Its policy includes /usr/share/dbus-1/system.d
// (polkit's) and copies of `policyFiles` (e.g. dbus/org.hostgate.Firewall1.conf). Stopped (SIGKILL by
// PID, then reaped) and its temp dir removed on destruction; the previous DBUS_SYSTEM_BUS_ADDRESS of this
// process is restored then too.
class PrivateSystemBus {
public:
    // Starts the bus and waits (event-driven, bounded) until it prints its address, i.e. it listens.
    static Result<std::unique_ptr<PrivateSystemBus>> start(const QStringList& policyFiles);
    ~PrivateSystemBus();
    PrivateSystemBus(const PrivateSystemBus&) = delete;
    PrivateSystemBus& operator=(const PrivateSystemBus&) = delete;

    // "unix:path=<dir>/system_bus_socket": the value for DBUS_SYSTEM_BUS_ADDRESS.
    QString address() const { return address_; }
    pid_t pid() const;
    // Sets DBUS_SYSTEM_BUS_ADDRESS in this process (children started later inherit it).
    void exportAddress();
    // Kills the dbus-daemon (by PID) and reaps it: every client is disconnected. The directory stays.
    void stop();
    // After stop(): a new dbus-daemon with the same configuration on the same socket path, waited for
    // as in start().
    Result<void> startAgain();
    bool isRunning() const;
    // Waits until `name` has an owner (QDBusServiceWatcher, no polling), at most `bound`.
    Result<void> waitForName(const QString& name, std::chrono::milliseconds bound) const;

private:
    PrivateSystemBus() = default;

    QTemporaryDir dir_;
    std::optional<e2e::BackgroundProcess> daemon_;
    QString address_;
    std::optional<QByteArray> previousAddress_;
    bool exported_ = false;
};

// polkitd on a PrivateSystemBus, in a private mount namespace where /usr/share/polkit-1/actions holds only
// copies of `actionFiles` (e.g. polkit/org.hostgate.policy), /etc/polkit-1/rules.d only `rulesJs` and
// /usr/share/polkit-1/rules.d nothing: the JavaScript decides everything (there is no logind here).
// Example rule: polkit.addRule(function(action, subject) {
//     if (action.id.indexOf("org.hostgate.") == 0) return subject.user == "nobody" ? polkit.Result.YES : polkit.Result.NO; });
class PrivatePolkit {
public:
    // Starts polkitd and waits until it owns org.freedesktop.PolicyKit1.
    static Result<std::unique_ptr<PrivatePolkit>> start(const PrivateSystemBus& bus, const QStringList& actionFiles,
                                                        const QString& rulesJs);
    ~PrivatePolkit();
    PrivatePolkit(const PrivatePolkit&) = delete;
    PrivatePolkit& operator=(const PrivatePolkit&) = delete;

    // Kills polkitd (by PID) and waits until it has exited; its mounts vanish with its namespace.
    void stop();
    bool isRunning() const;
    // polkitd's stderr so far, for failure messages.
    QByteArray log() const;

private:
    PrivatePolkit() = default;

    QTemporaryDir dir_;
    std::optional<e2e::BackgroundProcess> polkitd_;
};

} // namespace hostgate::testbus
