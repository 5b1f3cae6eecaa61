// SPDX-License-Identifier: GPL-3.0-or-later
// TrayApplication: the one object that wires hostgate's tray: client, prompt agent and queue, tray icon, windows.
#pragma once

#include "client/dbus_firewall_client.h"
#include "prompt/app_info.h"
#include "prompt/prompt_agent.h"
#include "prompt/prompt_queue.h"
#include "tray/tray_icon.h"

#include <QDBusConnection>
#include <QObject>

#include <memory>
#include <optional>

namespace hostgate::gui {

class ConnectionLogWindow;
class DenialNotifier;
class DesktopNotifications;
class ProposalsWindow;
class MonitorWindow;
class RulesWindow;

struct TrayApplicationOptions {
    bool promptAgent = true; // false: never registers, the daemon applies its defaults
    // At this user's first start (QSettings "hostgate/firstRunExplained"), a balloon explains the mode.
    bool explainFirstRun = false;
    // The session bus whose org.freedesktop.Notifications shows denial notifications (normally
    // QDBusConnection::sessionBus()); none: no notifications.
    std::optional<QDBusConnection> notificationBus;
};

class TrayApplication : public QObject {
    Q_OBJECT
public:
    TrayApplication(const QDBusConnection& bus, TrayApplicationOptions options, QObject* parent = nullptr);
    ~TrayApplication() override;

    // Shows the tray icon and starts the prompt agent; returns "" or why prompts will not be shown.
    QString start();

    // Windows are made on first use: opening the log may need authorization, which must not pop up at login.
    void showRulesWindow();
    void showConnectionLog();
    void showProposals();
    void showMonitor();
    // The rules window, filtered to `app`'s rules.
    void showRulesOf(const QString& app);
    // Null until the monitor was first opened.
    MonitorWindow* monitor() { return monitorWindow.get(); }

    // The parts, for the end-to-end test that drives the real wiring.
    DbusFirewallClient& firewallClient() { return client; }
    PromptAgent& promptAgent() { return agent; }
    PromptQueue& promptQueue() { return prompts; }
    TrayIcon& trayIcon() { return tray; }
    // Null without a notification bus.
    DenialNotifier* denialNotifier() { return notifier.get(); }

signals:
    void quitRequested();

private:
    TrayApplicationOptions options;
    DbusFirewallClient client;
    AppInfoResolver apps;
    PromptQueue prompts;
    PromptAgent agent;
    TrayIcon tray;
    std::unique_ptr<DesktopNotifications> notifications;
    std::unique_ptr<DenialNotifier> notifier;
    std::unique_ptr<RulesWindow> rulesWindow;
    std::unique_ptr<ConnectionLogWindow> connectionLog;
    std::unique_ptr<ProposalsWindow> proposalsWindow;
    std::unique_ptr<MonitorWindow> monitorWindow;

    RulesWindow& rules();
};

} // namespace hostgate::gui
