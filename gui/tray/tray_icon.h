// SPDX-License-Identifier: GPL-3.0-or-later
// TrayIcon: the firewall's state at a glance (icon, tooltip) and the menu to change mode, pause prompts and open windows.
//
// It never polls: the status is fetched when the daemon reports a change (mode, rules, availability) and
// the counters follow the connection events.
#pragma once

#include "client/firewall_client.h"
#include "client/records.h"

#include <QActionGroup>
#include <QMenu>
#include <QObject>
#include <QSystemTrayIcon>

#include <memory>

namespace hostgate::gui {

enum class TrayState { Enforcing, SilentAllow, SilentDeny, Learning, Unreachable, FeaturesMissing, Paused };

class TrayIcon : public QObject {
    Q_OBJECT
public:
    explicit TrayIcon(FirewallClient& client, QObject* parent = nullptr);
    ~TrayIcon() override;

    // Unreachable first, then problems (missing kernel features, broken rule files), then paused, then the mode.
    static TrayState stateFor(bool available, const StatusRecord& status, bool promptsPaused);
    // The icon resource of a state, e.g. ":/icons/hostgate-enforcing.svg".
    static QString iconPathFor(TrayState state);
    // What the tray says at its first start for this user: the mode and what it means, what happens to
    // system services, and where to change it.
    static QString firstRunExplanation(const StatusRecord& status);

    TrayState state() const { return currentState; }
    QString toolTip() const;
    QString iconPath() const { return iconPathFor(currentState); }
    QMenu& menu() { return contextMenu; }
    QAction* modeAction(const QString& mode) const;
    QAction* pausePromptsAction() const { return pausePrompts; }
    // "Review learned rules (N)…": opens the review of learning proposals; N is how many wait.
    QAction* proposalsAction() const { return reviewProposals; }
    void show() { trayIcon.show(); }

    // A balloon from the tray (or a message box where there is no tray); also emitted as messageShown.
    void showBalloon(const QString& title, const QString& text) { showMessage(title, text); }
    // Reflects the prompt agent's pause state (the menu's check mark and the icon).
    void setPromptsPaused(bool paused);
    // A settings submenu (e.g. the notifications'), placed before "Quit"; owned by the caller.
    void addSettingsMenu(QMenu* settings);

public slots:
    void refresh();

signals:
    void pausePromptsToggled(bool paused);
    void rulesWindowRequested();
    void connectionLogRequested();
    void monitorRequested();
    void proposalsWindowRequested();
    void quitRequested();
    // Every message shown to the user (balloon or message box), e.g. a refused mode change.
    void messageShown(const QString& title, const QString& text);

private:
    FirewallClient& client;
    QSystemTrayIcon trayIcon;
    QMenu contextMenu;
    QAction* stateHeader = nullptr;
    QActionGroup* modeGroup = nullptr;
    QAction* pausePrompts = nullptr;
    QAction* reviewProposals = nullptr;
    QAction* quitAction = nullptr;
    StatusRecord status;
    bool statusKnown = false;
    bool promptsPaused = false;
    TrayState currentState = TrayState::Unreachable;

    void buildMenu();
    void requestMode(const QString& mode);
    void applyStatus();
    void countEvent(const ConnectionRecord& event);
    void showMessage(const QString& title, const QString& text);
};

QString modeTitle(const QString& mode);

} // namespace hostgate::gui
