// SPDX-License-Identifier: GPL-3.0-or-later
// TrayApplication: which signal reaches which object; no logic of its own beyond the wiring.
#include "app/tray_application.h"

#include "notify/denial_notifier.h"
#include "notify/desktop_notifications.h"

#include "windows/connection_log_window.h"
#include "windows/monitor_window.h"
#include "windows/proposals_model.h"
#include "windows/proposals_window.h"
#include "windows/rules_window.h"

#include <QSettings>

#include <unistd.h>

namespace hostgate::gui {

namespace {

void showAndRaise(QWidget& window)
{
    window.show();
    window.raise();
    window.activateWindow();
}

} // namespace

TrayApplication::TrayApplication(const QDBusConnection& bus, TrayApplicationOptions chosen, QObject* parent)
    : QObject(parent), options(chosen), client(bus), prompts(apps), agent(bus, client), tray(client)
{
    connect(&agent, &PromptAgent::promptRequested, &prompts, &PromptQueue::enqueue);
    connect(&agent, &PromptAgent::promptCancelled, &prompts,
            [this](quint64 id, const QString&) { prompts.cancel(id); });
    connect(&prompts, &PromptQueue::answered, &agent, &PromptAgent::answer);
    connect(&agent, &PromptAgent::registrationFailed, &tray,
            [this](const CallError& error) { tray.showBalloon(tr("Prompts are not shown"), error.describe()); });

    connect(&tray, &TrayIcon::pausePromptsToggled, this, [this](bool paused) {
        agent.setPaused(paused);
        tray.setPromptsPaused(paused);
    });
    connect(&tray, &TrayIcon::rulesWindowRequested, this, &TrayApplication::showRulesWindow);
    connect(&tray, &TrayIcon::connectionLogRequested, this, &TrayApplication::showConnectionLog);
    connect(&tray, &TrayIcon::monitorRequested, this, &TrayApplication::showMonitor);
    connect(&tray, &TrayIcon::proposalsWindowRequested, this, &TrayApplication::showProposals);
    connect(&tray, &TrayIcon::quitRequested, this, &TrayApplication::quitRequested);

    if (options.notificationBus) {
        notifications = std::make_unique<DesktopNotifications>(*options.notificationBus);
        notifier = std::make_unique<DenialNotifier>(client, *notifications, static_cast<uint>(getuid()));
        tray.addSettingsMenu(&notifier->settingsMenu());
        connect(notifier.get(), &DenialNotifier::monitorRequested, this, &TrayApplication::showMonitor);
        connect(notifier.get(), &DenialNotifier::proposalsRequested, this, &TrayApplication::showProposals);
        connect(notifier.get(), &DenialNotifier::promptRequested, this, [this] { showAndRaise(prompts.dialog()); });
        connect(notifier.get(), &DenialNotifier::actionFailed, &tray, &TrayIcon::showBalloon);
        connect(&prompts, &PromptQueue::unfocused, notifier.get(), &DenialNotifier::notifyUnfocusedPrompt);
        connect(&prompts, &PromptQueue::idle, notifier.get(), &DenialNotifier::promptClosed);
    }
}

TrayApplication::~TrayApplication() = default;

QString TrayApplication::start()
{
    tray.show();
    if (notifier) {
        notifier->start();
    }
    if (options.explainFirstRun) {
        QSettings settings(QStringLiteral("hostgate"), QStringLiteral("hostgate"));
        if (!settings.value(QStringLiteral("firstRunExplained"), false).toBool()) {
            client.fetchStatus([this](const StatusRecord& status, const CallError& error) {
                if (error.failed())
                    return; // the daemon is not there yet: explained at a later start
                tray.showBalloon(tr("Welcome to hostgate"), TrayIcon::firstRunExplanation(status));
                QSettings(QStringLiteral("hostgate"), QStringLiteral("hostgate"))
                    .setValue(QStringLiteral("firstRunExplained"), true);
            });
        }
    }
    if (!options.promptAgent) {
        // Never exported, so there is nothing to resume: the menu cannot offer it.
        agent.setPaused(true);
        tray.setPromptsPaused(true);
        tray.pausePromptsAction()->setEnabled(false);
        return {};
    }
    return agent.start();
}

RulesWindow& TrayApplication::rules()
{
    if (!rulesWindow) {
        rulesWindow = std::make_unique<RulesWindow>(client);
    }
    return *rulesWindow;
}

void TrayApplication::showProposals()
{
    if (!proposalsWindow) {
        proposalsWindow = std::make_unique<ProposalsWindow>(client);
    } else {
        proposalsWindow->model().reload();
    }
    showAndRaise(*proposalsWindow);
}

void TrayApplication::showRulesWindow()
{
    showAndRaise(rules());
}

void TrayApplication::showMonitor()
{
    if (!monitorWindow) {
        monitorWindow = std::make_unique<MonitorWindow>(client);
        connect(monitorWindow.get(), &MonitorWindow::makeRuleRequested, this, [this](const ConnectionRecord& event) {
            showAndRaise(rules());
            rules().openNewRuleFrom(event);
        });
        connect(monitorWindow.get(), &MonitorWindow::rulesRequested, this, &TrayApplication::showRulesOf);
    }
    showAndRaise(*monitorWindow);
}

void TrayApplication::showRulesOf(const QString& app)
{
    showAndRaise(rules());
    rules().showRulesOf(app);
}

void TrayApplication::showConnectionLog()
{
    if (!connectionLog) {
        connectionLog = std::make_unique<ConnectionLogWindow>(client);
        connect(connectionLog.get(), &ConnectionLogWindow::makeRuleRequested, this,
                [this](const ConnectionRecord& event) {
                    showAndRaise(rules());
                    rules().openNewRuleFrom(event);
                });
    }
    showAndRaise(*connectionLog);
}

} // namespace hostgate::gui
