// SPDX-License-Identifier: GPL-3.0-or-later
// TestNotificationServer: the recorded calls and the signals a desktop's notification server would send.
#include "test_notification_server.h"

#include <QDBusError>

namespace hostgate::testing {

namespace {
const QString service = QStringLiteral("org.freedesktop.Notifications");
const QString path = QStringLiteral("/org/freedesktop/Notifications");
} // namespace

QStringList ReceivedNotification::actionKeys() const
{
    QStringList keys;
    for (qsizetype index = 0; index + 1 < actions.size(); index += 2) {
        keys.append(actions.at(index));
    }
    return keys;
}

TestNotificationServer::TestNotificationServer(const QDBusConnection& connection, QObject* parent)
    : QObject(parent), bus(connection)
{
    if (!bus.registerObject(path, this,
                            QDBusConnection::ExportScriptableSlots | QDBusConnection::ExportScriptableSignals)) {
        problem = QStringLiteral("Failed to export %1: %2").arg(path, bus.lastError().message());
        return;
    }
    if (!bus.registerService(service)) {
        problem = QStringLiteral("Failed to own %1: %2").arg(service, bus.lastError().message());
        bus.unregisterObject(path);
        return;
    }
    registered = true;
}

TestNotificationServer::~TestNotificationServer()
{
    if (registered) {
        bus.unregisterService(service);
        bus.unregisterObject(path);
    }
}

uint TestNotificationServer::Notify(const QString& appName, uint replacesId, const QString&, const QString& summary,
                                    const QString& body, const QStringList& actions, const QVariantMap& hints, int)
{
    ReceivedNotification notification{
        replacesId != 0 ? replacesId : nextId++, replacesId, appName, summary, body, actions, hints};
    notifications.append(notification);
    return notification.id;
}

void TestNotificationServer::CloseNotification(uint id)
{
    closedByClient.append(id);
    emit NotificationClosed(id, 3);
}

QStringList TestNotificationServer::GetCapabilities()
{
    return {QStringLiteral("actions"), QStringLiteral("body")};
}

QString TestNotificationServer::GetServerInformation(QString& vendor, QString& version, QString& specVersion)
{
    vendor = QStringLiteral("hostgate tests");
    version = QStringLiteral("1");
    specVersion = QStringLiteral("1.2");
    return QStringLiteral("hostgate-test-notifications");
}

void TestNotificationServer::invokeAction(uint id, const QString& key)
{
    emit ActionInvoked(id, key);
}

void TestNotificationServer::dismiss(uint id)
{
    emit NotificationClosed(id, 2);
}

} // namespace hostgate::testing
