// SPDX-License-Identifier: GPL-3.0-or-later
// TestNotificationServer: a small org.freedesktop.Notifications service for tests, on a bus the test chose
// (a private session bus): records every Notify and CloseNotification and emits ActionInvoked on demand.
#pragma once

#include <QDBusConnection>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace hostgate::testing {

struct ReceivedNotification {
    uint id = 0;
    uint replacesId = 0;
    QString appName;
    QString summary;
    QString body;
    QStringList actions; // key, label, key, label, ...
    QVariantMap hints;

    QStringList actionKeys() const;
};

class TestNotificationServer : public QObject {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    // Registers org.freedesktop.Notifications at /org/freedesktop/Notifications on `bus`; false when the name
    // or the object could not be taken (see lastError()).
    explicit TestNotificationServer(const QDBusConnection& bus, QObject* parent = nullptr);
    ~TestNotificationServer() override;

    bool isRegistered() const { return registered; }
    QString lastError() const { return problem; }
    // Every Notify call, in order (a replacement is a new entry with replacesId set).
    const QList<ReceivedNotification>& received() const { return notifications; }
    QList<uint> closedIds() const { return closedByClient; }
    // What a person clicking the action `key` of notification `id` makes the server send.
    void invokeAction(uint id, const QString& key);
    // The server closed `id` (reason 2: dismissed by the user).
    void dismiss(uint id);

public slots:
    // The org.freedesktop.Notifications methods (specification 1.2).
    Q_SCRIPTABLE uint Notify(const QString& appName, uint replacesId, const QString& appIcon, const QString& summary,
                             const QString& body, const QStringList& actions, const QVariantMap& hints,
                             int expireTimeout);
    Q_SCRIPTABLE void CloseNotification(uint id);
    Q_SCRIPTABLE QStringList GetCapabilities();
    Q_SCRIPTABLE QString GetServerInformation(QString& vendor, QString& version, QString& specVersion);

signals:
    Q_SCRIPTABLE void ActionInvoked(uint id, const QString& actionKey);
    Q_SCRIPTABLE void NotificationClosed(uint id, uint reason);

private:
    QDBusConnection bus;
    bool registered = false;
    QString problem;
    uint nextId = 1;
    QList<ReceivedNotification> notifications;
    QList<uint> closedByClient;
};

} // namespace hostgate::testing
