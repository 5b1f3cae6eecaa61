// SPDX-License-Identifier: GPL-3.0-or-later
// DenialNotifier: which events notify, what the notification says, and what its actions ask of the daemon.
#include "notify/denial_notifier.h"

#include "notify/desktop_notifications.h"

#include <QAction>
#include <QFileInfo>
#include <QSettings>

#include <memory>

namespace hostgate::gui {

namespace {

const QString enabledKey = QStringLiteral("notifications/enabled");
const QString repeatKey = QStringLiteral("notifications/repeatForNotifiedApps");
const QString notifiedAppsKey = QStringLiteral("notifications/notifiedApps");

QSettings traySettings()
{
    return QSettings(QStringLiteral("hostgate"), QStringLiteral("hostgate"));
}

QString appTitle(const QString& app)
{
    if (app.isEmpty()) {
        return DenialNotifier::tr("An unknown application");
    }
    const QString name = QFileInfo(app).fileName();
    return name.isEmpty() ? app : name;
}

} // namespace

QString destinationOf(const ConnectionRecord& event)
{
    const QString where = event.host.isEmpty() ? event.address : event.host;
    return QStringLiteral("%1:%2/%3").arg(where).arg(event.port).arg(event.protocol);
}

QVariantMap allowRuleFor(const ConnectionRecord& event, const QString& lifetime)
{
    QVariantMap rule{{QStringLiteral("app"), event.app},
                     {QStringLiteral("host"), event.host.isEmpty() ? event.address : event.host},
                     {QStringLiteral("action"), QStringLiteral("allow")},
                     {QStringLiteral("lifetime"), lifetime},
                     {QStringLiteral("note"), DenialNotifier::tr("Allowed from a notification")}};
    if (event.port != 0) {
        rule.insert(QStringLiteral("ports"), QString::number(event.port));
    }
    if (event.protocol == QLatin1String("tcp") || event.protocol == QLatin1String("udp")) {
        rule.insert(QStringLiteral("protocol"), event.protocol);
    }
    return rule;
}

DenialNotifier::DenialNotifier(FirewallClient& firewall, DesktopNotifications& desktop, uint ownUid, QObject* parent)
    : QObject(parent), client(firewall), notifications(desktop), uid(ownUid)
{
    buildMenu();
    connect(&client, &FirewallClient::connectionEvent, this, &DenialNotifier::onConnectionEvent);
    connect(&client, &FirewallClient::modeChanged, this, &DenialNotifier::onModeChanged);
    connect(&client, &FirewallClient::availabilityChanged, this, [this](bool available) {
        if (available) {
            start();
        }
    });
    connect(&notifications, &DesktopNotifications::actionInvoked, this, &DenialNotifier::onActionInvoked);
    connect(&notifications, &DesktopNotifications::closed, this, [this](quint32 id, quint32) { onClosed(id); });
}

DenialNotifier::~DenialNotifier() = default;

void DenialNotifier::buildMenu()
{
    menu.setTitle(tr("&Notifications"));
    enabledToggle = menu.addAction(tr("&Notify about denied and learned connections"));
    enabledToggle->setCheckable(true);
    enabledToggle->setChecked(true);
    repeatToggle = menu.addAction(tr("&Repeat for applications already notified"));
    repeatToggle->setCheckable(true);
    QAction* forget = menu.addAction(tr("&Forget which applications were notified"));
    connect(enabledToggle, &QAction::toggled, this, [this](bool on) {
        NotificationPolicy policy = throttled.policy();
        policy.enabled = on;
        throttled.setPolicy(policy);
        repeatToggle->setEnabled(on);
        saveSettings();
    });
    connect(repeatToggle, &QAction::toggled, this, [this](bool on) {
        NotificationPolicy policy = throttled.policy();
        policy.repeatForNotifiedApps = on;
        throttled.setPolicy(policy);
        saveSettings();
    });
    connect(forget, &QAction::triggered, this, [this] {
        throttled.forgetNotifiedApps();
        saveSettings();
    });
}

void DenialNotifier::loadSettings()
{
    const QSettings settings = traySettings();
    NotificationPolicy policy = throttled.policy();
    policy.enabled = settings.value(enabledKey, true).toBool();
    policy.repeatForNotifiedApps = settings.value(repeatKey, false).toBool();
    throttled = NotificationThrottle(policy, settings.value(notifiedAppsKey).toStringList());
    const QSignalBlocker blockEnabled(enabledToggle);
    const QSignalBlocker blockRepeat(repeatToggle);
    enabledToggle->setChecked(policy.enabled);
    repeatToggle->setChecked(policy.repeatForNotifiedApps);
    repeatToggle->setEnabled(policy.enabled);
}

void DenialNotifier::saveSettings() const
{
    QSettings settings = traySettings();
    settings.setValue(enabledKey, throttled.policy().enabled);
    settings.setValue(repeatKey, throttled.policy().repeatForNotifiedApps);
    settings.setValue(notifiedAppsKey, throttled.notifiedApps());
}

void DenialNotifier::start()
{
    loadSettings();
    client.fetchStatus([this](const StatusRecord& status, const CallError& error) {
        if (!error.failed()) {
            onModeChanged(status.mode);
        }
    });
}

void DenialNotifier::onModeChanged(const QString& newMode)
{
    mode = newMode;
}

void DenialNotifier::onConnectionEvent(const ConnectionRecord& event)
{
    if (event.uid != uid) {
        return; // another user's process: their tray tells them
    }
    Kind kind;
    if (mode == QLatin1String("silent-deny") && event.verdict == QLatin1String("denied")) {
        kind = Kind::Denied;
    } else if (mode == QLatin1String("learning") && event.verdict == QLatin1String("allowed") &&
               event.explanation.contains(QLatin1String("learning mode"))) {
        kind = Kind::Learned;
    } else {
        return;
    }
    const QString destination = destinationOf(event);
    const NotificationThrottle::Decision decision = throttled.offer(event.app, destination, clock());
    switch (decision.outcome) {
    case NotificationThrottle::Outcome::Show: {
        Shown& shown = shownByApp[event.app];
        if (shown.id != 0) {
            notifications.close(shown.id); // an old one the server never reported closed
        }
        shown = Shown{};
        shown.kind = kind;
        shown.events = {event};
        shown.connections = 1;
        saveSettings();
        send(event.app);
        return;
    }
    case NotificationThrottle::Outcome::Update: {
        Shown& shown = shownByApp[event.app];
        if (decision.destinationAdded) {
            shown.events.append(event);
        }
        shown.connections = decision.connections;
        send(event.app);
        return;
    }
    case NotificationThrottle::Outcome::Quiet:
    case NotificationThrottle::Outcome::RateLimited:
    case NotificationThrottle::Outcome::Disabled:
        return;
    }
}

void DenialNotifier::send(const QString& app)
{
    Shown& shown = shownByApp[app];
    if (shown.callPending) {
        shown.dirty = true;
        return;
    }
    QStringList names;
    for (const ConnectionRecord& event : shown.events) {
        names.append(destinationOf(event));
    }
    const int unnamed = shown.connections - static_cast<int>(shown.events.size());
    QString body = names.join(QLatin1Char('\n'));
    if (unnamed > 0) {
        body += QLatin1Char('\n') + tr("and %n more connection(s)", nullptr, unnamed);
    }
    QString summary;
    QStringList actions;
    if (shown.kind == Kind::Denied) {
        summary = tr("%1: %n connection(s) denied", nullptr, shown.connections).arg(appTitle(app));
        actions = {QString::fromLatin1(allowOnceAction),   tr("Allow once"),
                   QString::fromLatin1(allowAlwaysAction), tr("Always allow"),
                   QString::fromLatin1(openMonitorAction), tr("Open monitor")};
    } else {
        summary = tr("%1: %n connection(s) learned", nullptr, shown.connections).arg(appTitle(app));
        actions = {QString::fromLatin1(allowAlwaysAction), tr("Always allow"), QString::fromLatin1(reviewAction),
                   tr("Review learned rules")};
    }
    shown.callPending = true;
    notifications.notify(shown.id, summary, body, actions, [this, app](quint32 id) {
        auto it = shownByApp.find(app);
        if (it == shownByApp.end()) {
            return;
        }
        it->callPending = false;
        if (id != 0) {
            it->id = id;
        }
        if (it->dirty) {
            it->dirty = false;
            send(app);
        }
    });
}

void DenialNotifier::onClosed(quint32 id)
{
    if (id == promptNotification) {
        promptNotification = 0;
        return;
    }
    for (auto it = shownByApp.begin(); it != shownByApp.end(); ++it) {
        if (it->id == id) {
            throttled.closed(it.key());
            shownByApp.erase(it);
            return;
        }
    }
}

void DenialNotifier::onActionInvoked(quint32 id, const QString& actionKey)
{
    if (id != 0 && id == promptNotification) {
        if (actionKey == QLatin1String(showPromptAction) || actionKey == QLatin1String("default")) {
            emit promptRequested();
        }
        return;
    }
    for (auto it = shownByApp.cbegin(); it != shownByApp.cend(); ++it) {
        if (it->id != id) {
            continue;
        }
        const QList<ConnectionRecord> events = it->events;
        if (actionKey == QLatin1String(allowOnceAction)) {
            addRules(events, QStringLiteral("once"));
        } else if (actionKey == QLatin1String(allowAlwaysAction)) {
            addRules(events, QStringLiteral("forever"));
        } else if (actionKey == QLatin1String(openMonitorAction) || actionKey == QLatin1String("default")) {
            emit monitorRequested();
        } else if (actionKey == QLatin1String(reviewAction)) {
            emit proposalsRequested();
        }
        return;
    }
}

void DenialNotifier::addRules(const QList<ConnectionRecord>& events, const QString& lifetime)
{
    auto remaining = std::make_shared<int>(0);
    auto added = std::make_shared<int>(0);
    for (const ConnectionRecord& event : events) {
        if (event.app.isEmpty()) {
            continue; // never a rule for every application from one unknown one
        }
        ++*remaining;
    }
    for (const ConnectionRecord& event : events) {
        if (event.app.isEmpty()) {
            continue;
        }
        client.addRule(allowRuleFor(event, lifetime), [this, remaining, added](quint64, const CallError& error) {
            if (error.failed()) {
                emit actionFailed(tr("The rule was not added"), error.describe());
            } else {
                ++*added;
            }
            if (--*remaining == 0 && *added > 0) {
                emit rulesAdded(*added);
            }
        });
    }
}

void DenialNotifier::notifyUnfocusedPrompt(const PromptRequestRecord& request)
{
    if (!throttled.policy().enabled) {
        return;
    }
    const QString where = request.hostnames.isEmpty() ? request.address : request.hostnames.constFirst();
    const QString summary = tr("%1 asks to connect").arg(appTitle(request.app));
    const QString body = tr("%1 port %2 (%3). The prompt is waiting behind another window.")
                             .arg(where)
                             .arg(request.port)
                             .arg(request.protocol);
    notifications.notify(promptNotification, summary, body, {QString::fromLatin1(showPromptAction), tr("Show prompt")},
                         [this](quint32 id) {
                             if (id != 0) {
                                 promptNotification = id;
                             }
                         });
}

void DenialNotifier::promptClosed()
{
    if (promptNotification != 0) {
        notifications.close(promptNotification);
        promptNotification = 0;
    }
}

} // namespace hostgate::gui
