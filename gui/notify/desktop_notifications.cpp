// SPDX-License-Identifier: GPL-3.0-or-later
// DesktopNotifications: Notify and CloseNotification calls, ActionInvoked and NotificationClosed signals.
#include "notify/desktop_notifications.h"

#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QVariantMap>

namespace hostgate::gui {

namespace {
const QString notificationsInterface = QStringLiteral("org.freedesktop.Notifications");
// -1: the server's default expiry.
constexpr qint32 serverDefaultTimeout = -1;
} // namespace

DesktopNotifications::DesktopNotifications(const QDBusConnection& connection, QObject* parent)
    : QObject(parent), bus(connection)
{
    if (!bus.isConnected()) {
        return;
    }
    bus.connect(QString::fromLatin1(serviceName), QString::fromLatin1(objectPath), notificationsInterface,
                QStringLiteral("ActionInvoked"), this, SLOT(onActionInvoked(quint32, QString)));
    bus.connect(QString::fromLatin1(serviceName), QString::fromLatin1(objectPath), notificationsInterface,
                QStringLiteral("NotificationClosed"), this, SLOT(onClosed(quint32, quint32)));
}

void DesktopNotifications::notify(quint32 replacesId, const QString& summary, const QString& body,
                                  const QStringList& actions, std::function<void(quint32 id)> shown)
{
    if (!bus.isConnected()) {
        if (!reportedUnavailable) {
            reportedUnavailable = true;
            emit unavailable(tr("No session bus: %1").arg(bus.lastError().message()));
        }
        if (shown) {
            shown(0);
        }
        return;
    }
    QDBusMessage call =
        QDBusMessage::createMethodCall(QString::fromLatin1(serviceName), QString::fromLatin1(objectPath),
                                       notificationsInterface, QStringLiteral("Notify"));
    const QVariantMap hints{{QStringLiteral("desktop-entry"), QStringLiteral("hostgate")},
                            {QStringLiteral("category"), QStringLiteral("network")}};
    call << QStringLiteral("hostgate") << replacesId << QStringLiteral("hostgate") << summary << body << actions
         << hints << serverDefaultTimeout;
    auto* watcher = new QDBusPendingCallWatcher(bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, shown = std::move(shown)](QDBusPendingCallWatcher* finished) {
                finished->deleteLater();
                const QDBusPendingReply<quint32> reply = *finished;
                if (reply.isError()) {
                    if (!reportedUnavailable) {
                        reportedUnavailable = true;
                        emit unavailable(reply.error().message());
                    }
                    if (shown) {
                        shown(0);
                    }
                    return;
                }
                reportedUnavailable = false;
                if (shown) {
                    shown(reply.value());
                }
            });
}

void DesktopNotifications::close(quint32 id)
{
    if (!bus.isConnected() || id == 0) {
        return;
    }
    QDBusMessage call =
        QDBusMessage::createMethodCall(QString::fromLatin1(serviceName), QString::fromLatin1(objectPath),
                                       notificationsInterface, QStringLiteral("CloseNotification"));
    call << id;
    bus.asyncCall(call);
}

void DesktopNotifications::onActionInvoked(quint32 id, const QString& actionKey)
{
    emit actionInvoked(id, actionKey);
}

void DesktopNotifications::onClosed(quint32 id, quint32 reason)
{
    emit closed(id, reason);
}

} // namespace hostgate::gui
