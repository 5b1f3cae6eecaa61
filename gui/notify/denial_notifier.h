// SPDX-License-Identifier: GPL-3.0-or-later
// DenialNotifier: turns the daemon's ConnectionEvent signals into desktop notifications in the silent modes.
//
// In silent-deny mode a denied connection of this user's processes notifies, in learning mode an allowed
// (learned) one; NotificationThrottle coalesces them per app and limits the rate. The actions go through the
// daemon's API: "Allow once" and "Always allow" add rules (AddRule, lifetime once / forever) for the
// destinations the notification names; "Open monitor" (or a click on the notification) opens the network
// monitor. A prompt that did not get the focus notifies too ("Show prompt").
// Settings (QSettings "notifications/..."): enabled, repeat for apps already notified, the notified apps.
#pragma once

#include "client/firewall_client.h"
#include "client/records.h"
#include "notify/notification_throttle.h"

#include <QHash>
#include <QMenu>
#include <QObject>

#include <functional>

class QAction;

namespace hostgate::gui {

class DesktopNotifications;

class DenialNotifier : public QObject {
    Q_OBJECT
public:
    // The action keys of the notifications (org.freedesktop.Notifications actions).
    static constexpr const char* allowOnceAction = "allow-once";
    static constexpr const char* allowAlwaysAction = "allow-always";
    static constexpr const char* openMonitorAction = "open-monitor";
    static constexpr const char* reviewAction = "review-proposals";
    static constexpr const char* showPromptAction = "show-prompt";

    using Clock = NotificationThrottle::Clock;

    // `ownUid`: only connections of this user's processes notify (the tray is one user's).
    DenialNotifier(FirewallClient& client, DesktopNotifications& notifications, uint ownUid, QObject* parent = nullptr);
    ~DenialNotifier() override;

    // Reads the settings (QSettings) and the daemon's mode.
    void start();
    // The tray menu's "Notifications" submenu: the settings as check boxes.
    QMenu& settingsMenu() { return menu; }
    QAction* enabledAction() const { return enabledToggle; }
    QAction* repeatAction() const { return repeatToggle; }
    const NotificationThrottle& throttle() const { return throttled; }
    // For tests: the clock the throttle sees.
    void setClock(std::function<Clock::time_point()> now) { clock = std::move(now); }

    // A prompt is on screen but did not get the focus (e.g. a full-screen app holds it).
    void notifyUnfocusedPrompt(const PromptRequestRecord& request);
    void promptClosed();

public slots:
    void onConnectionEvent(const hostgate::gui::ConnectionRecord& event);
    void onModeChanged(const QString& mode);

signals:
    void monitorRequested();
    void proposalsRequested();
    void promptRequested();
    // An action's rule could not be added (e.g. not authorized), for the tray's balloon.
    void actionFailed(const QString& title, const QString& message);
    void rulesAdded(int rules);

private:
    enum class Kind { Denied, Learned };
    struct Shown {
        quint32 id = 0; // the server's id; 0 while the Notify call is under way
        bool callPending = false;
        bool dirty = false; // changed while the call was under way: send again once the id is known
        Kind kind = Kind::Denied;
        QList<ConnectionRecord> events; // one per named destination
        int connections = 0;
    };

    FirewallClient& client;
    DesktopNotifications& notifications;
    uint uid;
    QString mode;
    NotificationThrottle throttled;
    QHash<QString, Shown> shownByApp;
    quint32 promptNotification = 0;
    QMenu menu;
    QAction* enabledToggle = nullptr;
    QAction* repeatToggle = nullptr;
    std::function<Clock::time_point()> clock = [] { return Clock::now(); };

    void buildMenu();
    void loadSettings();
    void saveSettings() const;
    void send(const QString& app);
    void onActionInvoked(quint32 id, const QString& actionKey);
    void onClosed(quint32 id);
    void addRules(const QList<ConnectionRecord>& events, const QString& lifetime);
};

// "example.com:443/tcp" (the address when no name is known).
QString destinationOf(const ConnectionRecord& event);
// The AddRule fields that allow `event`'s app to reach its destination (host, port, protocol) for `lifetime`.
QVariantMap allowRuleFor(const ConnectionRecord& event, const QString& lifetime);

} // namespace hostgate::gui
