// SPDX-License-Identifier: GPL-3.0-or-later
// DbusFirewallClient: FirewallClient over the system bus, through the proxy generated from org.hostgate.Firewall1.xml.
#pragma once

#include "client/firewall_client.h"

#include <QDBusConnection>
#include <QDBusServiceWatcher>

#include <memory>

class QDBusMessage;
class QDBusPendingCall;
class OrgHostgateFirewall1Interface;

namespace hostgate::gui {

class DbusFirewallClient : public FirewallClient {
    Q_OBJECT
public:
    static constexpr const char* serviceName = "org.hostgate.Firewall1";
    static constexpr const char* objectPath = "/org/hostgate/Firewall1";

    // `bus` is normally QDBusConnection::systemBus() (which honours DBUS_SYSTEM_BUS_ADDRESS); agents must be
    // exported on the same connection so the daemon sees them under this client's unique name.
    explicit DbusFirewallClient(const QDBusConnection& bus, QObject* parent = nullptr);
    ~DbusFirewallClient() override;

    QDBusConnection connection() const { return bus; }

    bool isAvailable() const override { return available; }
    void fetchStatus(Callback<StatusRecord> done) override;
    void setMode(const QString& mode, Done done) override;
    void fetchRules(Callback<QList<RuleRecord>> done) override;
    void addRule(const QVariantMap& fields, Callback<quint64> done) override;
    void updateRule(quint64 id, const QVariantMap& changes, Done done) override;
    void removeRule(quint64 id, Done done) override;
    void setRuleEnabled(quint64 id, bool enabled, Done done) override;
    void fetchLists(Callback<QList<QVariantMap>> done) override;
    void fetchTraffic(Callback<QList<TrafficRecord>> done) override;
    void setListEnabled(const QString& name, bool enabled, Done done) override;
    void exportRules(Callback<QString> done) override;
    void importRules(const QString& toml, bool replace, Callback<uint> done) override;
    void fetchConnections(uint limit, const QVariantMap& filter, Callback<QList<ConnectionRecord>> done) override;
    void fetchProposals(Callback<QList<ProposalRecord>> done) override;
    void acceptProposal(quint64 id, const QVariantMap& edits, Callback<quint64> done) override;
    void acceptProposals(const QVariantMap& selection, Callback<QList<quint64>> done) override;
    void rejectProposal(quint64 id, Done done) override;
    void rejectProposals(const QVariantMap& selection, Callback<uint> done) override;
    void registerAgent(const QString& objectPath, Done done) override;
    void unregisterAgent(const QString& objectPath, Done done) override;

private:
    QDBusConnection bus;
    std::unique_ptr<OrgHostgateFirewall1Interface> proxy;
    QDBusServiceWatcher serviceWatcher;
    bool available = false;

    void setAvailable(bool nowAvailable);
    void queryInitialAvailability();
    // A call that may change state: polkit may ask the user for a password, so it may take a while.
    QDBusPendingCall callInteractively(const QString& method, const QVariantList& arguments);
    // Runs `handle` with the finished call on the GUI thread.
    void whenFinished(const QDBusPendingCall& call,
                      std::function<void(const QDBusMessage& reply, const CallError& error)> handle);
    void whenDone(const QDBusPendingCall& call, Done done);
    // The paged listings: each reply asks for the next page until the last, then `done` gets them all.
    void fetchRulesFrom(quint64 offset, std::shared_ptr<QList<RuleRecord>> collected, Callback<QList<RuleRecord>> done);
    void fetchProposalsFrom(quint64 offset, std::shared_ptr<QList<ProposalRecord>> collected,
                            Callback<QList<ProposalRecord>> done);
    void fetchConnectionsFrom(uint wanted, QVariantMap filter, std::shared_ptr<QList<ConnectionRecord>> collected,
                              Callback<QList<ConnectionRecord>> done);
};

} // namespace hostgate::gui
