// SPDX-License-Identifier: GPL-3.0-or-later
// PromptAgent: this user's org.hostgate.PromptAgent1 object; turns the daemon's Ask calls into queued prompts.
//
// Ask is answered later (delayed reply), so the GUI never blocks on a prompt. Only the current owner of
// org.hostgate.Firewall1 may ask: another process on the bus cannot make the tray show a prompt.
#pragma once

#include "client/firewall_client.h"
#include "client/records.h"

#include <QDBusConnection>
#include <QDBusContext>
#include <QDBusMessage>
#include <QDBusServiceWatcher>
#include <QHash>
#include <QObject>

namespace hostgate::gui {

class PromptAgent : public QObject, protected QDBusContext {
    Q_OBJECT
public:
    static constexpr const char* objectPath = "/org/hostgate/PromptAgent1";
    static constexpr const char* dismissedError = "org.hostgate.PromptAgent1.Error.Dismissed";

    // `bus` must be the connection `client` talks over, so the daemon sees the agent under the client's name.
    PromptAgent(const QDBusConnection& bus, FirewallClient& client, QObject* parent = nullptr);
    ~PromptAgent() override;

    // Exports the agent object and registers it with the daemon now and whenever the daemon reappears.
    // Returns "" or why the object could not be exported.
    QString start();
    // Paused: unregistered, so the daemon applies its default action without asking; pending prompts are dismissed.
    void setPaused(bool paused);
    bool isPaused() const { return paused; }
    bool isRegistered() const { return registered; }

    // Sends the answer to a prompt the daemon is waiting for.
    void answer(quint64 id, const PromptAnswerRecord& answer);

    // org.hostgate.PromptAgent1, called by the generated adaptor.
    QVariantMap Ask(const QVariantMap& request);
    void Cancel(qulonglong id, const QString& reason);

signals:
    void promptRequested(const hostgate::gui::PromptRequestRecord& request);
    void promptCancelled(quint64 id, const QString& reason);
    void registrationChanged(bool registered);
    void registrationFailed(const hostgate::gui::CallError& error);

private:
    QDBusConnection bus;
    FirewallClient& client;
    QDBusServiceWatcher daemonWatcher;
    QString daemonOwner; // unique name of org.hostgate.Firewall1's owner, "" when none
    QHash<quint64, QDBusMessage> waitingCalls;
    bool exported = false;
    bool paused = false;
    bool registered = false;

    void registerWithDaemon();
    void setRegistered(bool nowRegistered);
    void dismissAll(const QString& reason);
    void queryDaemonOwner();
};

} // namespace hostgate::gui
