// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallClient: the tray's asynchronous view of hostgated. The D-Bus implementation talks to the
// daemon; widget tests use a fake. Every call returns at once and reports through its callback on the
// GUI thread, so no window ever waits on the bus.
#pragma once

#include "client/records.h"

#include <QObject>
#include <QString>

#include <functional>

namespace hostgate::gui {

// A failed call: `name` is the D-Bus error name (e.g. "org.hostgate.Firewall1.Error.NotAuthorized"),
// `message` the daemon's explanation. A default-constructed CallError means success.
struct CallError {
    QString name;
    QString message;

    bool failed() const { return !name.isEmpty(); }
    bool notAuthorized() const { return name.endsWith(QLatin1String(".NotAuthorized")); }
    // The daemon is not on the bus (stopped, restarting) or the bus is gone: nothing the user did wrong, so
    // windows say so quietly instead of raising an error box.
    bool daemonUnreachable() const;
    // One line for a status bar or message box, e.g. "Not authorized: changing rules needs an admin".
    QString describe() const;
};

class FirewallClient : public QObject {
    Q_OBJECT
public:
    template <class T>
    using Callback = std::function<void(const T& value, const CallError& error)>;
    using Done = std::function<void(const CallError& error)>;

    using QObject::QObject;
    ~FirewallClient() override = default;

    // True while the daemon's name has an owner on the bus.
    virtual bool isAvailable() const = 0;

    virtual void fetchStatus(Callback<StatusRecord> done) = 0;
    virtual void setMode(const QString& mode, Done done) = 0;
    virtual void fetchRules(Callback<QList<RuleRecord>> done) = 0;
    virtual void addRule(const QVariantMap& fields, Callback<quint64> done) = 0;
    virtual void updateRule(quint64 id, const QVariantMap& changes, Done done) = 0;
    virtual void removeRule(quint64 id, Done done) = 0;
    virtual void setRuleEnabled(quint64 id, bool enabled, Done done) = 0;
    virtual void exportRules(Callback<QString> done) = 0;
    virtual void importRules(const QString& toml, bool replace, Callback<uint> done) = 0;
    virtual void fetchConnections(uint limit, const QVariantMap& filter, Callback<QList<ConnectionRecord>> done) = 0;
    // Learning proposals: the list; accepting one (with rule edits, e.g. {"ports": "443"}) or every one of an app
    // (`app` empty: all apps' — see allApps) as user rules; rejecting one or an app's.
    virtual void fetchProposals(Callback<QList<ProposalRecord>> done) = 0;
    virtual void acceptProposal(quint64 id, const QVariantMap& edits, Callback<quint64> done) = 0;
    virtual void acceptProposals(const QVariantMap& selection, Callback<QList<quint64>> done) = 0;
    virtual void rejectProposal(quint64 id, Done done) = 0;
    virtual void rejectProposals(const QVariantMap& selection, Callback<uint> done) = 0;
    // The subscribed lists (ListLists records: name, action, enabled, entries, last_error, ...), and switching
    // one on or off (kept by the daemon; the same authorization as editing rules).
    virtual void fetchLists(Callback<QList<QVariantMap>> done) = 0;
    virtual void setListEnabled(const QString& name, bool enabled, Done done) = 0;
    // The network monitor's snapshot (ListTraffic): most recently active first.
    virtual void fetchTraffic(Callback<QList<TrafficRecord>> done) = 0;
    // Registers `objectPath` of this client's bus connection as the user's prompt agent.
    virtual void registerAgent(const QString& objectPath, Done done) = 0;
    virtual void unregisterAgent(const QString& objectPath, Done done) = 0;

signals:
    // The daemon appeared on or left the bus (e.g. restarted); agents must register again on `true`.
    void availabilityChanged(bool available);
    void rulesChanged();
    void modeChanged(const QString& mode);
    void connectionEvent(const hostgate::gui::ConnectionRecord& event);
    // The number of learning proposals waiting changed.
    void proposalsChanged(uint proposals);
};

} // namespace hostgate::gui
