// SPDX-License-Identifier: GPL-3.0-or-later
// TrayIcon: state → icon and tooltip, menu actions → client calls, errors → a message the user sees.
#include "tray/tray_icon.h"

#include <QMessageBox>

// Resources of a static library are registered explicitly (desktop/icons/icons.qrc).
static void registerTrayIcons()
{
    Q_INIT_RESOURCE(icons);
}

namespace hostgate::gui {
namespace {

struct ModeChoice {
    const char* mode;
    const char* title;
};

constexpr ModeChoice modeChoices[] = {
    {"enforce", QT_TRANSLATE_NOOP("hostgate::gui::TrayIcon", "&Enforce (ask about new connections)")},
    {"silent-allow", QT_TRANSLATE_NOOP("hostgate::gui::TrayIcon", "Silently &allow")},
    {"silent-deny", QT_TRANSLATE_NOOP("hostgate::gui::TrayIcon", "Silently &deny")},
    {"learning", QT_TRANSLATE_NOOP("hostgate::gui::TrayIcon", "&Learning (allow and propose rules)")},
};

} // namespace

QString modeTitle(const QString& mode)
{
    if (mode == QLatin1String("enforce")) {
        return TrayIcon::tr("Enforcing");
    }
    if (mode == QLatin1String("silent-allow")) {
        return TrayIcon::tr("Silently allowing");
    }
    if (mode == QLatin1String("silent-deny")) {
        return TrayIcon::tr("Silently denying");
    }
    if (mode == QLatin1String("learning")) {
        return TrayIcon::tr("Learning");
    }
    return mode;
}

QString TrayIcon::firstRunExplanation(const StatusRecord& status)
{
    QString mode;
    if (status.mode == QLatin1String("enforce"))
        mode =
            status.defaultAction == QLatin1String("allow")
                ? tr("hostgate is enforcing: the first time a program connects to a host, the connection is held and "
                     "you are asked; your answer can become a rule. Unanswered questions are allowed.")
                : tr("hostgate is enforcing: the first time a program connects to a host, the connection is held and "
                     "you are asked; your answer can become a rule. Unanswered questions are denied.");
    else if (status.mode == QLatin1String("learning"))
        mode = tr("hostgate is learning: every connection is allowed and proposed as a rule; review the proposals from "
                  "this menu, then switch to Enforcing.");
    else if (status.mode == QLatin1String("silent-deny"))
        mode = tr("hostgate is silently denying: connections no rule allows are refused without a question.");
    else if (status.mode == QLatin1String("silent-allow"))
        mode = tr("hostgate is silently allowing: connections no rule denies are allowed without a question.");
    else
        mode = tr("hostgate is in mode %1.").arg(status.mode);
    return mode + QLatin1Char(' ') +
           tr("System services follow the shipped base policy (apt, time sync, NetworkManager, fwupd); their other "
              "connections are asked here and need an administrator's password. Change the mode from this menu.");
}

TrayIcon::TrayIcon(FirewallClient& firewall, QObject* parent) : QObject(parent), client(firewall)
{
    registerTrayIcons();
    buildMenu();
    trayIcon.setContextMenu(&contextMenu);
    connect(&trayIcon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger) {
            emit connectionLogRequested();
        }
    });
    connect(&client, &FirewallClient::availabilityChanged, this, [this](bool available) {
        if (!available) {
            statusKnown = false;
        }
        applyStatus();
        if (available) {
            refresh();
        }
    });
    connect(&client, &FirewallClient::modeChanged, this, &TrayIcon::refresh);
    connect(&client, &FirewallClient::rulesChanged, this, &TrayIcon::refresh);
    connect(&client, &FirewallClient::proposalsChanged, this, [this](uint proposals) {
        if (statusKnown) {
            status.proposals = proposals;
            applyStatus();
        }
    });
    connect(&client, &FirewallClient::connectionEvent, this, &TrayIcon::countEvent);
    applyStatus();
    if (client.isAvailable()) {
        refresh();
    }
}

TrayIcon::~TrayIcon() = default;

void TrayIcon::buildMenu()
{
    stateHeader = contextMenu.addAction(QString());
    stateHeader->setEnabled(false);
    contextMenu.addSeparator();
    modeGroup = new QActionGroup(this);
    modeGroup->setExclusive(true);
    for (const ModeChoice& choice : modeChoices) {
        QAction* action = contextMenu.addAction(tr(choice.title));
        action->setCheckable(true);
        action->setData(QString::fromLatin1(choice.mode));
        modeGroup->addAction(action);
        connect(action, &QAction::triggered, this,
                [this, mode = QString::fromLatin1(choice.mode)] { requestMode(mode); });
    }
    contextMenu.addSeparator();
    pausePrompts = contextMenu.addAction(tr("&Pause prompts"));
    pausePrompts->setCheckable(true);
    pausePrompts->setToolTip(tr("The daemon applies its default action instead of asking"));
    connect(pausePrompts, &QAction::toggled, this, [this](bool paused) {
        if (paused != promptsPaused) {
            emit pausePromptsToggled(paused);
        }
    });
    contextMenu.addSeparator();
    connect(contextMenu.addAction(tr("&Rules…")), &QAction::triggered, this, &TrayIcon::rulesWindowRequested);
    connect(contextMenu.addAction(tr("Network &monitor…")), &QAction::triggered, this, &TrayIcon::monitorRequested);
    connect(contextMenu.addAction(tr("&Connection log…")), &QAction::triggered, this,
            &TrayIcon::connectionLogRequested);
    reviewProposals = contextMenu.addAction(tr("Review &learned rules…"));
    connect(reviewProposals, &QAction::triggered, this, &TrayIcon::proposalsWindowRequested);
    contextMenu.addSeparator();
    quitAction = contextMenu.addAction(tr("&Quit"));
    connect(quitAction, &QAction::triggered, this, &TrayIcon::quitRequested);
}

QAction* TrayIcon::modeAction(const QString& mode) const
{
    const QList<QAction*> actions = modeGroup->actions();
    for (QAction* action : actions) {
        if (action->data().toString() == mode) {
            return action;
        }
    }
    return nullptr;
}

void TrayIcon::refresh()
{
    client.fetchStatus([this](const StatusRecord& fetched, const CallError& error) {
        if (error.failed()) {
            statusKnown = false;
        } else {
            status = fetched;
            statusKnown = true;
        }
        applyStatus();
    });
}

void TrayIcon::setPromptsPaused(bool paused)
{
    promptsPaused = paused;
    pausePrompts->setChecked(paused);
    applyStatus();
}

void TrayIcon::requestMode(const QString& mode)
{
    client.setMode(mode, [this, mode](const CallError& error) {
        if (error.failed()) {
            showMessage(tr("Could not switch to %1").arg(modeTitle(mode)), error.describe());
        }
        // The daemon's ModeChanged refreshes on success; on failure the check mark returns to the real mode.
        applyStatus();
    });
}

void TrayIcon::countEvent(const ConnectionRecord& event)
{
    if (!statusKnown) {
        return;
    }
    if (event.verdict == QLatin1String("allowed")) {
        ++status.allowed;
    } else if (event.verdict == QLatin1String("denied")) {
        ++status.denied;
    } else if (event.verdict == QLatin1String("asked")) {
        ++status.asked;
    }
    trayIcon.setToolTip(toolTip());
}

TrayState TrayIcon::stateFor(bool available, const StatusRecord& currentStatus, bool paused)
{
    if (!available) {
        return TrayState::Unreachable;
    }
    if (!currentStatus.missingFeatures.isEmpty() || !currentStatus.ruleErrors.isEmpty()) {
        return TrayState::FeaturesMissing;
    }
    if (paused) {
        return TrayState::Paused;
    }
    if (currentStatus.mode == QLatin1String("silent-allow")) {
        return TrayState::SilentAllow;
    }
    if (currentStatus.mode == QLatin1String("silent-deny")) {
        return TrayState::SilentDeny;
    }
    if (currentStatus.mode == QLatin1String("learning")) {
        return TrayState::Learning;
    }
    return TrayState::Enforcing;
}

QString TrayIcon::iconPathFor(TrayState state)
{
    switch (state) {
    case TrayState::Enforcing:
        return QStringLiteral(":/icons/hostgate-enforcing.svg");
    case TrayState::SilentAllow:
    case TrayState::SilentDeny:
        return QStringLiteral(":/icons/hostgate-silent.svg");
    case TrayState::Learning:
        return QStringLiteral(":/icons/hostgate-learning.svg");
    case TrayState::Unreachable:
        return QStringLiteral(":/icons/hostgate-unreachable.svg");
    case TrayState::FeaturesMissing:
        return QStringLiteral(":/icons/hostgate-warning.svg");
    case TrayState::Paused:
        return QStringLiteral(":/icons/hostgate-paused.svg");
    }
    return QStringLiteral(":/icons/hostgate.svg");
}

QString TrayIcon::toolTip() const
{
    if (currentState == TrayState::Unreachable) {
        return tr("hostgate: the firewall daemon is not reachable");
    }
    if (!statusKnown) {
        return tr("hostgate: status unknown");
    }
    QStringList lines{tr("hostgate: %1").arg(modeTitle(status.mode))};
    if (promptsPaused) {
        lines.append(tr("Prompts paused: the default action (%1) applies").arg(status.defaultAction));
    }
    lines.append(tr("%1 rules · %2 allowed · %3 denied · %4 asked")
                     .arg(status.rules)
                     .arg(status.allowed)
                     .arg(status.denied)
                     .arg(status.asked));
    if (status.proposals > 0) {
        lines.append(tr("%n learned rule(s) waiting for review", nullptr, int(status.proposals)));
    }
    if (!status.proposalsError.isEmpty()) {
        lines.append(tr("Learned rules could not be loaded: %1").arg(status.proposalsError));
    }
    if (!status.missingFeatures.isEmpty()) {
        lines.append(tr("Missing kernel features: %1").arg(status.missingFeatures.join(QStringLiteral(", "))));
    }
    if (!status.ruleErrors.isEmpty()) {
        lines.append(tr("Rule file errors: %1").arg(status.ruleErrors.join(QStringLiteral("; "))));
    }
    return lines.join(QLatin1Char('\n'));
}

void TrayIcon::applyStatus()
{
    const bool available = client.isAvailable();
    currentState = stateFor(available, statusKnown ? status : StatusRecord{}, promptsPaused);
    trayIcon.setIcon(QIcon(iconPathFor(currentState)));
    trayIcon.setToolTip(toolTip());
    stateHeader->setText(available ? (statusKnown ? modeTitle(status.mode) : tr("Status unknown"))
                                   : tr("Firewall daemon not reachable"));
    modeGroup->setEnabled(available);
    const uint waiting = statusKnown ? status.proposals : 0;
    reviewProposals->setText(waiting > 0 ? tr("Review &learned rules (%1)…").arg(waiting)
                                         : tr("Review &learned rules…"));
    reviewProposals->setEnabled(available);
    for (QAction* action : modeGroup->actions()) {
        action->setChecked(statusKnown && action->data().toString() == status.mode);
    }
}

void TrayIcon::showMessage(const QString& title, const QString& text)
{
    emit messageShown(title, text);
    if (QSystemTrayIcon::isSystemTrayAvailable() && QSystemTrayIcon::supportsMessages() && trayIcon.isVisible()) {
        trayIcon.showMessage(title, text, QSystemTrayIcon::Warning);
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextFormat(Qt::PlainText);
    box->show();
}

void TrayIcon::addSettingsMenu(QMenu* settings)
{
    contextMenu.insertMenu(quitAction, settings);
    contextMenu.insertSeparator(quitAction);
}

} // namespace hostgate::gui
