// SPDX-License-Identifier: GPL-3.0-or-later
// PrivateSystemBus / PrivatePolkit: the TESTING.md recipes as RAII objects.
#include "harness/private_bus.h"

#include "harness/harness_result.h"
#include "harness/process_kill.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusServiceWatcher>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QTimer>
#include <QUuid>

#include <cstdlib>

namespace hostgate::testbus {

namespace {

using namespace std::chrono_literals;

constexpr auto startBound = 15s;

// Directories polkitd (which drops to its own user) and unprivileged clients must be able to enter.
bool makeWorldReadable(const QString& path, bool directory)
{
    const auto read =
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther;
    const auto enter = QFileDevice::ExeOwner | QFileDevice::ExeGroup | QFileDevice::ExeOther;
    return QFile::setPermissions(path, directory ? (read | enter) : read);
}

Result<void> writeFile(const QString& path, const QByteArray& content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
        return e2e::harnessError(QStringLiteral("Failed to write %1: %2").arg(path, file.errorString()));
    file.close();
    if (!makeWorldReadable(path, false))
        return e2e::harnessError(QStringLiteral("Failed to make %1 readable").arg(path));
    return Ok{};
}

Result<void> copyInto(const QStringList& files, const QString& directory)
{
    for (const auto& source : files) {
        QFile file(source);
        if (!file.open(QIODevice::ReadOnly))
            return e2e::harnessError(QStringLiteral("Failed to read %1: %2").arg(source, file.errorString()));
        auto written = writeFile(directory + "/" + QFileInfo(source).fileName(), file.readAll());
        if (!written)
            return written;
    }
    return Ok{};
}

QString busConfig(const QString& dir)
{
    return QStringLiteral(R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <pidfile>%1/pid</pidfile>
  <auth>EXTERNAL</auth>
  <listen>unix:path=%1/system_bus_socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <includedir>%1/policy</includedir>
</busconfig>
)")
        .arg(dir);
}

} // namespace

Result<std::unique_ptr<PrivateSystemBus>> PrivateSystemBus::start(const QStringList& policyFiles)
{
    std::unique_ptr<PrivateSystemBus> bus(new PrivateSystemBus());
    const QString dir = bus->dir_.path();
    if (!bus->dir_.isValid() || !makeWorldReadable(dir, true) || !QDir(dir).mkdir("policy"))
        return e2e::harnessError(QStringLiteral("Failed to create the private bus directory %1").arg(dir));
    if (auto copied = copyInto(policyFiles, dir + "/policy"); !copied)
        return copied.error();
    if (auto written = writeFile(dir + "/system.conf", busConfig(dir).toUtf8()); !written)
        return written.error();

    if (auto started = bus->startAgain(); !started)
        return started.error();
    return bus;
}

Result<void> PrivateSystemBus::startAgain()
{
    const QString dir = dir_.path();
    auto daemon = e2e::startBackground(e2e::Placement::host(), {"dbus-daemon", "--config-file=" + dir + "/system.conf",
                                                                "--nofork", "--print-address"});
    if (!daemon)
        return daemon.error();
    daemon_.emplace(std::move(daemon).value());
    if (auto listening = daemon_->waitForStdout("unix:", startBound); !listening)
        return listening.error();
    address_ = "unix:path=" + dir + "/system_bus_socket";
    return Ok{};
}

void PrivateSystemBus::stop()
{
    if (daemon_) {
        daemon_->kill();
        daemon_.reset();
    }
    // A killed dbus-daemon leaves its pid file, and a new one refuses to start while it exists.
    QFile::remove(dir_.path() + "/pid");
}

bool PrivateSystemBus::isRunning() const
{
    return daemon_ && daemon_->isRunning();
}

PrivateSystemBus::~PrivateSystemBus()
{
    if (exported_) {
        if (previousAddress_)
            qputenv("DBUS_SYSTEM_BUS_ADDRESS", *previousAddress_);
        else
            qunsetenv("DBUS_SYSTEM_BUS_ADDRESS");
    }
    if (daemon_)
        daemon_->kill();
}

pid_t PrivateSystemBus::pid() const
{
    return daemon_ ? daemon_->pid() : 0;
}

void PrivateSystemBus::exportAddress()
{
    if (!exported_ && qEnvironmentVariableIsSet("DBUS_SYSTEM_BUS_ADDRESS"))
        previousAddress_ = qgetenv("DBUS_SYSTEM_BUS_ADDRESS");
    exported_ = true;
    qputenv("DBUS_SYSTEM_BUS_ADDRESS", address_.toUtf8());
}

Result<void> PrivateSystemBus::waitForName(const QString& name, std::chrono::milliseconds bound) const
{
    const QString connectionName = "hostgate-test-bus-" + QUuid::createUuid().toString(QUuid::WithoutBraces);
    Result<void> result = Ok{};
    {
        QDBusConnection connection = QDBusConnection::connectToBus(address_, connectionName);
        if (!connection.isConnected()) {
            result = e2e::harnessError(QStringLiteral("Failed to connect to the private bus %1: %2")
                                           .arg(address_, connection.lastError().message()));
        } else {
            QDBusServiceWatcher watcher(name, connection, QDBusServiceWatcher::WatchForRegistration);
            QEventLoop loop;
            QTimer bounded;
            bounded.setSingleShot(true);
            QObject::connect(&watcher, &QDBusServiceWatcher::serviceRegistered, &loop, &QEventLoop::quit);
            QObject::connect(&bounded, &QTimer::timeout, &loop, &QEventLoop::quit);
            bounded.start(bound);
            // Checked after the watcher exists, so a registration in between cannot be missed.
            if (!connection.interface()->isServiceRegistered(name).value())
                loop.exec();
            if (!connection.interface()->isServiceRegistered(name).value())
                result = e2e::harnessError(
                    QStringLiteral("%1 did not appear on the private bus within %2 ms").arg(name).arg(bound.count()));
        }
    }
    QDBusConnection::disconnectFromBus(connectionName);
    return result;
}

Result<std::unique_ptr<PrivatePolkit>> PrivatePolkit::start(const PrivateSystemBus& bus, const QStringList& actionFiles,
                                                            const QString& rulesJs)
{
    std::unique_ptr<PrivatePolkit> polkit(new PrivatePolkit());
    const QString dir = polkit->dir_.path();
    QDir root(dir);
    if (!polkit->dir_.isValid() || !makeWorldReadable(dir, true) || !root.mkdir("actions") || !root.mkdir("rules") ||
        !root.mkdir("empty") || !makeWorldReadable(dir + "/actions", true) ||
        !makeWorldReadable(dir + "/rules", true) || !makeWorldReadable(dir + "/empty", true))
        return e2e::harnessError(QStringLiteral("Failed to create the private polkit directory %1").arg(dir));
    if (auto copied = copyInto(actionFiles, dir + "/actions"); !copied)
        return copied.error();
    if (auto written = writeFile(dir + "/rules/50-hostgate-test.rules", rulesJs.toUtf8()); !written)
        return written.error();

    const QString script = QStringLiteral("mount --bind %1/actions /usr/share/polkit-1/actions && "
                                          "mount --bind %1/rules /etc/polkit-1/rules.d && "
                                          "mount --bind %1/empty /usr/share/polkit-1/rules.d && "
                                          "exec env DBUS_SYSTEM_BUS_ADDRESS=%2 /usr/lib/polkit-1/polkitd --no-debug")
                               .arg(dir, bus.address());
    auto polkitd = e2e::startBackground(e2e::Placement::host(),
                                        {"unshare", "--mount", "--propagation", "private", "sh", "-c", script},
                                        dir + "/stdout.log", dir + "/stderr.log");
    if (!polkitd)
        return polkitd.error();
    polkit->polkitd_.emplace(std::move(polkitd).value());
    if (auto owned = bus.waitForName("org.freedesktop.PolicyKit1", startBound); !owned) {
        return e2e::harnessError(QStringLiteral("Failed to start polkitd: %1; its log: %2")
                                     .arg(e2e::describe(owned.error()), QString::fromLocal8Bit(polkit->log())));
    }
    return polkit;
}

PrivatePolkit::~PrivatePolkit()
{
    stop();
}

void PrivatePolkit::stop()
{
    if (polkitd_) {
        polkitd_->kill();
        polkitd_.reset();
    }
}

bool PrivatePolkit::isRunning() const
{
    return polkitd_ && polkitd_->isRunning();
}

QByteArray PrivatePolkit::log() const
{
    QFile file(dir_.path() + "/stderr.log");
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace hostgate::testbus
