// SPDX-License-Identifier: GPL-3.0-or-later
// BusWorld: what the D-Bus end-to-end tests share — a private system bus and polkitd (hostgate_test_bus),
// hostgated on it inside a DaemonFixture, and helpers that run hostgatectl and the test agent as given users.
#pragma once

#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>

namespace hostgate::e2e {

// The users of the polkit test rules: nobody may do everything, "daemon" nothing; root needs no polkit.
inline constexpr uid_t rootUid = 0;
inline constexpr uid_t allowedUid = 65534;
inline constexpr uid_t deniedUid = 1;

QString hostgatectlExecutable();
QString testAgentExecutable();

// The test agent (hostgate_test_agent ARGS) as `uid` (root when unset), on the host, once it has registered with the
// daemon; nullopt (with the reason logged) when it did not start or register.
std::optional<BackgroundProcess> startTestAgent(std::optional<uid_t> uid, const QStringList& arguments);
// SIGTERM, then everything the agent printed up to its exit, so no line is still in the pipe.
QByteArray stopTestAgent(BackgroundProcess& agent);
// The JSON lines of the agent's output whose "event" is `event` ("ask", "cancel", ...).
QList<QJsonObject> agentLines(const QByteArray& output, const QString& event);

class BusWorld {
public:
    explicit BusWorld(const QString& tag);
    ~BusWorld();
    BusWorld(const BusWorld&) = delete;
    BusWorld& operator=(const BusWorld&) = delete;

    // Starts the bus and polkitd, points DBUS_SYSTEM_BUS_ADDRESS of this process (and so of every child) at
    // the bus, then sets up the fixture's network.
    Result<void> setUp(const DaemonEnvironment& environment);
    // Starts hostgated and waits until it serves the bus ("D-Bus service ready" in its log).
    Result<void> startDaemon(const DaemonSettings& settings);

    // Kills polkitd and the bus daemon (every client, hostgated too, is disconnected), and starts them again
    // on the same socket path; in between, the test sees a machine without a bus.
    void stopBus();
    Result<void> startBusAgain();
    // Waits until `name` is owned on the bus, at most `bound`.
    Result<void> waitForName(const QString& name, std::chrono::milliseconds bound) const;

    DaemonFixture& fixture() { return *fixture_; }
    // The daemon's user rule file.
    QString userRulesFile() const;

    // hostgatectl ARGS as `uid` (root without setpriv), on the host: the bus is a unix socket path.
    RunResult ctl(std::optional<uid_t> uid, const QStringList& arguments, const QByteArray& stdinData = {}) const;
    // `hostgatectl --json ARGS` as root, parsed; fails the Result when the exit status is not 0.
    Result<QJsonDocument> ctlJson(const QStringList& arguments) const;

private:
    struct Bus;
    std::unique_ptr<Bus> bus_;
    std::unique_ptr<DaemonFixture> fixture_;
};

} // namespace hostgate::e2e
