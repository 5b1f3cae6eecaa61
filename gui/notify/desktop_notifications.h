// SPDX-License-Identifier: GPL-3.0-or-later
// DesktopNotifications: the org.freedesktop.Notifications service of the user's session, over QtDBus.
//
// Every call is asynchronous (the desktop's server may be slow or absent); failures are reported once as
// `unavailable`, and the tray carries on without notifications.
#pragma once

#include <QDBusConnection>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

namespace hostgate::gui {

class DesktopNotifications : public QObject {
    Q_OBJECT
public:
    static constexpr const char* serviceName = "org.freedesktop.Notifications";
    static constexpr const char* objectPath = "/org/freedesktop/Notifications";

    // `bus` is normally QDBusConnection::sessionBus().
    explicit DesktopNotifications(const QDBusConnection& bus, QObject* parent = nullptr);

    // Shows a notification (replacing `replacesId` when not 0); `actions` alternate key and label, as in the
    // specification. `shown` receives the server's id, or 0 when the call failed.
    void notify(quint32 replacesId, const QString& summary, const QString& body, const QStringList& actions,
                std::function<void(quint32 id)> shown);
    void close(quint32 id);

signals:
    void actionInvoked(quint32 id, const QString& actionKey);
    void closed(quint32 id, quint32 reason);
    void unavailable(const QString& message);

private slots:
    void onActionInvoked(quint32 id, const QString& actionKey);
    void onClosed(quint32 id, quint32 reason);

private:
    QDBusConnection bus;
    bool reportedUnavailable = false;
};

} // namespace hostgate::gui
