// SPDX-License-Identifier: GPL-3.0-or-later
// PromptAgent: delayed replies keyed by prompt id, registration that follows the daemon's restarts.
#include "prompt/prompt_agent.h"

#include "promptagent1_adaptor.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

namespace hostgate::gui {
namespace {

const QString firewallService = QStringLiteral("org.hostgate.Firewall1");

} // namespace

PromptAgent::PromptAgent(const QDBusConnection& busConnection, FirewallClient& firewall, QObject* parent)
    : QObject(parent), bus(busConnection), client(firewall),
      daemonWatcher(firewallService, busConnection, QDBusServiceWatcher::WatchForOwnerChange)
{
    new PromptAgent1Adaptor(this);
    connect(&daemonWatcher, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString&, const QString&, const QString& newOwner) {
                daemonOwner = newOwner;
                // Prompts of the daemon that left are over: it applied its defaults.
                dismissAll(QStringLiteral("daemon-gone"));
            });
    connect(&client, &FirewallClient::availabilityChanged, this, [this](bool available) {
        if (!available) {
            setRegistered(false);
            return;
        }
        registerWithDaemon();
    });
}

PromptAgent::~PromptAgent()
{
    dismissAll(QStringLiteral("shutdown"));
    if (exported) {
        bus.unregisterObject(QString::fromLatin1(objectPath));
    }
}

QString PromptAgent::start()
{
    if (!exported) {
        if (!bus.isConnected()) {
            return tr("Failed to export the prompt agent: not connected to the system bus");
        }
        if (!bus.registerObject(QString::fromLatin1(objectPath), this, QDBusConnection::ExportAdaptors)) {
            return tr("Failed to export the prompt agent: %1").arg(bus.lastError().message());
        }
        exported = true;
    }
    queryDaemonOwner();
    registerWithDaemon();
    return {};
}

void PromptAgent::queryDaemonOwner()
{
    QDBusMessage ask =
        QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
                                       QStringLiteral("org.freedesktop.DBus"), QStringLiteral("GetNameOwner"));
    ask << firewallService;
    auto* watcher = new QDBusPendingCallWatcher(bus.asyncCall(ask), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, watcher] {
        watcher->deleteLater();
        const QDBusPendingReply<QString> reply = *watcher;
        if (!reply.isError()) {
            daemonOwner = reply.value();
        }
    });
}

void PromptAgent::registerWithDaemon()
{
    if (paused || !exported || !client.isAvailable()) {
        return;
    }
    client.registerAgent(QString::fromLatin1(objectPath), [this](const CallError& error) {
        if (error.failed()) {
            setRegistered(false);
            emit registrationFailed(error);
            return;
        }
        // Paused while the call was in flight: take it back.
        if (paused) {
            client.unregisterAgent(QString::fromLatin1(objectPath), [](const CallError&) {});
            return;
        }
        setRegistered(true);
    });
}

void PromptAgent::setRegistered(bool nowRegistered)
{
    if (registered == nowRegistered) {
        return;
    }
    registered = nowRegistered;
    emit registrationChanged(registered);
}

void PromptAgent::setPaused(bool nowPaused)
{
    if (paused == nowPaused) {
        return;
    }
    paused = nowPaused;
    if (!paused) {
        registerWithDaemon();
        return;
    }
    dismissAll(QStringLiteral("paused"));
    if (registered) {
        client.unregisterAgent(QString::fromLatin1(objectPath), [](const CallError&) {});
    }
    setRegistered(false);
}

void PromptAgent::answer(quint64 id, const PromptAnswerRecord& promptAnswer)
{
    const auto waiting = waitingCalls.find(id);
    if (waiting == waitingCalls.end()) {
        return; // cancelled meanwhile, or asked without the bus (tests)
    }
    bus.send(waiting->createReply(QVariant(promptAnswer.toMap())));
    waitingCalls.erase(waiting);
}

QVariantMap PromptAgent::Ask(const QVariantMap& requestMap)
{
    const PromptRequestRecord request = PromptRequestRecord::fromMap(requestMap);
    if (calledFromDBus()) {
        if (message().service() != daemonOwner || daemonOwner.isEmpty()) {
            sendErrorReply(QDBusError::AccessDenied, tr("Only %1 may ask this agent").arg(firewallService));
            return {};
        }
        if (paused) {
            sendErrorReply(QString::fromLatin1(dismissedError), tr("Prompts are paused"));
            return {};
        }
        setDelayedReply(true);
        // The daemon asked again with the same id (a merged prompt): the newer call is the one it waits for.
        if (const auto older = waitingCalls.find(request.id); older != waitingCalls.end()) {
            bus.send(older->createErrorReply(QString::fromLatin1(dismissedError), tr("Asked again")));
        }
        waitingCalls.insert(request.id, message());
    }
    emit promptRequested(request);
    return {};
}

void PromptAgent::Cancel(qulonglong id, const QString& reason)
{
    if (calledFromDBus() && message().service() != daemonOwner) {
        return;
    }
    waitingCalls.remove(id);
    emit promptCancelled(id, reason);
}

void PromptAgent::dismissAll(const QString& reason)
{
    const QList<quint64> ids = waitingCalls.keys();
    for (const quint64 id : ids) {
        bus.send(waitingCalls.value(id).createErrorReply(QString::fromLatin1(dismissedError), reason));
        emit promptCancelled(id, reason);
    }
    waitingCalls.clear();
}

} // namespace hostgate::gui
