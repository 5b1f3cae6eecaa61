// SPDX-License-Identifier: GPL-3.0-or-later
// DbusFirewallClient: asynchronous calls with QDBusPendingCallWatcher, availability from the bus name's owner.
#include "client/dbus_firewall_client.h"

#include "firewall1_proxy.h"

#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

#include <algorithm>

namespace hostgate::gui {
namespace {

// Long enough for a person to type a password into the polkit agent.
constexpr int interactiveTimeoutMs = 5 * 60 * 1000;

const QString firewallInterface = QStringLiteral("org.hostgate.Firewall1");
// Pages as large as the daemon gives (it bounds them by bytes too); the connection log's bound as before.
constexpr uint pageLimit = 500;
constexpr uint defaultConnectionLimit = 100;
constexpr uint maxConnectionLimit = 10000;

bool isUnknownMethod(const CallError& error)
{
    return error.name == QLatin1String("org.freedesktop.DBus.Error.UnknownMethod");
}

template <class T>
T argumentAt(const QDBusMessage& reply, int index)
{
    if (reply.arguments().size() <= index) {
        return T{};
    }
    return qdbus_cast<T>(reply.arguments().at(index));
}

CallError errorOf(const QDBusError& error)
{
    return {error.name(), error.message()};
}

// The first reply argument as T, for replies read through QDBusMessage (complex types arrive as QDBusArgument).
template <class T>
T firstArgument(const QDBusMessage& reply)
{
    if (reply.arguments().isEmpty()) {
        return T{};
    }
    return qdbus_cast<T>(reply.arguments().constFirst());
}

template <class Record>
QList<Record> recordsFrom(const QList<QVariantMap>& maps)
{
    QList<Record> records;
    records.reserve(maps.size());
    for (const QVariantMap& map : maps) {
        records.append(Record::fromMap(map));
    }
    return records;
}

} // namespace

DbusFirewallClient::DbusFirewallClient(const QDBusConnection& busConnection, QObject* parent)
    : FirewallClient(parent), bus(busConnection),
      serviceWatcher(QString::fromLatin1(serviceName), busConnection, QDBusServiceWatcher::WatchForOwnerChange)
{
    qDBusRegisterMetaType<QList<QVariantMap>>();
    proxy = std::make_unique<OrgHostgateFirewall1Interface>(QString::fromLatin1(serviceName),
                                                            QString::fromLatin1(objectPath), bus);
    connect(proxy.get(), &OrgHostgateFirewall1Interface::RulesChanged, this, &FirewallClient::rulesChanged);
    connect(proxy.get(), &OrgHostgateFirewall1Interface::ModeChanged, this, &FirewallClient::modeChanged);
    connect(proxy.get(), &OrgHostgateFirewall1Interface::ConnectionEvent, this,
            [this](const QVariantMap& event) { emit connectionEvent(ConnectionRecord::fromMap(event)); });
    connect(proxy.get(), &OrgHostgateFirewall1Interface::ProposalsChanged, this, &FirewallClient::proposalsChanged);
    // A restart shows as the old owner leaving and a new one arriving (possibly in one change).
    connect(&serviceWatcher, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString&, const QString& oldOwner, const QString& newOwner) {
                if (!oldOwner.isEmpty()) {
                    setAvailable(false);
                }
                if (!newOwner.isEmpty()) {
                    setAvailable(true);
                }
            });
    queryInitialAvailability();
}

DbusFirewallClient::~DbusFirewallClient() = default;

void DbusFirewallClient::setAvailable(bool nowAvailable)
{
    if (available == nowAvailable) {
        return;
    }
    available = nowAvailable;
    emit availabilityChanged(available);
}

void DbusFirewallClient::queryInitialAvailability()
{
    if (!bus.isConnected()) {
        return;
    }
    QDBusMessage ask =
        QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
                                       QStringLiteral("org.freedesktop.DBus"), QStringLiteral("NameHasOwner"));
    ask << QString::fromLatin1(serviceName);
    whenFinished(bus.asyncCall(ask), [this](const QDBusMessage& reply, const CallError& error) {
        if (!error.failed() && firstArgument<bool>(reply)) {
            setAvailable(true);
        }
    });
}

QDBusPendingCall DbusFirewallClient::callInteractively(const QString& method, const QVariantList& arguments)
{
    QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(serviceName),
                                                       QString::fromLatin1(objectPath), firewallInterface, method);
    call.setArguments(arguments);
    call.setInteractiveAuthorizationAllowed(true);
    return bus.asyncCall(call, interactiveTimeoutMs);
}

void DbusFirewallClient::whenFinished(const QDBusPendingCall& call,
                                      std::function<void(const QDBusMessage& reply, const CallError& error)> handle)
{
    auto* watcher = new QDBusPendingCallWatcher(call, this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [watcher, handle = std::move(handle)] {
        watcher->deleteLater();
        if (watcher->isError()) {
            handle(QDBusMessage(), errorOf(watcher->error()));
            return;
        }
        handle(watcher->reply(), CallError{});
    });
}

void DbusFirewallClient::whenDone(const QDBusPendingCall& call, Done done)
{
    whenFinished(call, [done = std::move(done)](const QDBusMessage&, const CallError& error) { done(error); });
}

void DbusFirewallClient::fetchStatus(Callback<StatusRecord> done)
{
    whenFinished(proxy->GetStatus(), [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
        done(error.failed() ? StatusRecord{} : StatusRecord::fromMap(firstArgument<QVariantMap>(reply)), error);
    });
}

void DbusFirewallClient::setMode(const QString& mode, Done done)
{
    whenDone(callInteractively(QStringLiteral("SetMode"), {mode}), std::move(done));
}

void DbusFirewallClient::fetchRules(Callback<QList<RuleRecord>> done)
{
    fetchRulesFrom(0, std::make_shared<QList<RuleRecord>>(), std::move(done));
}

void DbusFirewallClient::fetchRulesFrom(quint64 offset, std::shared_ptr<QList<RuleRecord>> collected,
                                        Callback<QList<RuleRecord>> done)
{
    whenFinished(
        proxy->ListRulesPage(offset, pageLimit),
        [this, offset, collected, done = std::move(done)](const QDBusMessage& reply, const CallError& error) mutable {
            if (error.failed()) {
                if (offset == 0 && isUnknownMethod(error)) {
                    // A daemon from before paging.
                    whenFinished(proxy->ListRules(), [done = std::move(done)](const QDBusMessage& whole,
                                                                              const CallError& failed) {
                        done(failed.failed() ? QList<RuleRecord>{}
                                             : recordsFrom<RuleRecord>(firstArgument<QList<QVariantMap>>(whole)),
                             failed);
                    });
                    return;
                }
                done(QList<RuleRecord>{}, error);
                return;
            }
            const auto page = firstArgument<QList<QVariantMap>>(reply);
            const auto total = argumentAt<qulonglong>(reply, 1);
            const auto next = argumentAt<qulonglong>(reply, 2);
            collected->append(recordsFrom<RuleRecord>(page));
            if (page.isEmpty() || next >= total || next <= offset) {
                done(std::move(*collected), CallError{});
                return;
            }
            fetchRulesFrom(next, collected, std::move(done));
        });
}

void DbusFirewallClient::addRule(const QVariantMap& fields, Callback<quint64> done)
{
    whenFinished(callInteractively(QStringLiteral("AddRule"), {fields}),
                 [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
                     done(error.failed() ? 0 : firstArgument<quint64>(reply), error);
                 });
}

void DbusFirewallClient::updateRule(quint64 id, const QVariantMap& changes, Done done)
{
    whenDone(callInteractively(QStringLiteral("UpdateRule"), {QVariant::fromValue(id), changes}), std::move(done));
}

void DbusFirewallClient::removeRule(quint64 id, Done done)
{
    whenDone(callInteractively(QStringLiteral("RemoveRule"), {QVariant::fromValue(id)}), std::move(done));
}

void DbusFirewallClient::setRuleEnabled(quint64 id, bool enabled, Done done)
{
    whenDone(callInteractively(QStringLiteral("SetRuleEnabled"), {QVariant::fromValue(id), enabled}), std::move(done));
}

void DbusFirewallClient::fetchLists(Callback<QList<QVariantMap>> done)
{
    whenFinished(proxy->ListLists(), [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
        done(error.failed() ? QList<QVariantMap>{} : firstArgument<QList<QVariantMap>>(reply), error);
    });
}

void DbusFirewallClient::fetchTraffic(Callback<QList<TrafficRecord>> done)
{
    // Authorized like the connection log (org.hostgate.read-log), so polkit may ask once.
    whenFinished(callInteractively(QStringLiteral("ListTraffic"), {0u}),
                 [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
                     done(error.failed() ? QList<TrafficRecord>{}
                                         : recordsFrom<TrafficRecord>(firstArgument<QList<QVariantMap>>(reply)),
                          error);
                 });
}

void DbusFirewallClient::setListEnabled(const QString& name, bool enabled, Done done)
{
    whenDone(callInteractively(QStringLiteral("SetListEnabled"), {name, enabled}), std::move(done));
}

void DbusFirewallClient::exportRules(Callback<QString> done)
{
    whenFinished(proxy->ExportRules(), [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
        done(error.failed() ? QString() : firstArgument<QString>(reply), error);
    });
}

void DbusFirewallClient::importRules(const QString& toml, bool replace, Callback<uint> done)
{
    whenFinished(callInteractively(QStringLiteral("ImportRules"), {toml, replace}),
                 [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
                     done(error.failed() ? 0 : firstArgument<uint>(reply), error);
                 });
}

void DbusFirewallClient::fetchConnections(uint limit, const QVariantMap& filter, Callback<QList<ConnectionRecord>> done)
{
    const uint wanted = limit == 0 ? defaultConnectionLimit : std::min(limit, maxConnectionLimit);
    fetchConnectionsFrom(wanted, filter, std::make_shared<QList<ConnectionRecord>>(), std::move(done));
}

void DbusFirewallClient::fetchConnectionsFrom(uint wanted, QVariantMap filter,
                                              std::shared_ptr<QList<ConnectionRecord>> collected,
                                              Callback<QList<ConnectionRecord>> done)
{
    const uint ask = std::min<uint>(wanted - static_cast<uint>(collected->size()), pageLimit);
    // Reading the log may need polkit (org.hostgate.read-log), so it may ask too.
    whenFinished(callInteractively(QStringLiteral("ListConnectionsPage"), {ask, filter}),
                 [this, wanted, filter, collected, done = std::move(done)](const QDBusMessage& reply,
                                                                           const CallError& error) mutable {
                     if (error.failed()) {
                         if (collected->isEmpty() && isUnknownMethod(error)) {
                             whenFinished(callInteractively(QStringLiteral("ListConnections"), {wanted, filter}),
                                          [done = std::move(done)](const QDBusMessage& whole, const CallError& failed) {
                                              done(failed.failed() ? QList<ConnectionRecord>{}
                                                                   : recordsFrom<ConnectionRecord>(
                                                                         firstArgument<QList<QVariantMap>>(whole)),
                                                   failed);
                                          });
                             return;
                         }
                         done(QList<ConnectionRecord>{}, error);
                         return;
                     }
                     const auto page = firstArgument<QList<QVariantMap>>(reply);
                     const auto next = argumentAt<QString>(reply, 1);
                     collected->append(recordsFrom<ConnectionRecord>(page));
                     if (page.isEmpty() || next.isEmpty() || collected->size() >= qsizetype(wanted)) {
                         if (collected->size() > qsizetype(wanted))
                             collected->resize(wanted);
                         done(std::move(*collected), CallError{});
                         return;
                     }
                     filter.insert(QStringLiteral("cursor"), next);
                     fetchConnectionsFrom(wanted, std::move(filter), collected, std::move(done));
                 });
}

void DbusFirewallClient::fetchProposals(Callback<QList<ProposalRecord>> done)
{
    fetchProposalsFrom(0, std::make_shared<QList<ProposalRecord>>(), std::move(done));
}

void DbusFirewallClient::fetchProposalsFrom(quint64 offset, std::shared_ptr<QList<ProposalRecord>> collected,
                                            Callback<QList<ProposalRecord>> done)
{
    // Proposals name destinations, as the log does (org.hostgate.read-log), so polkit may ask.
    whenFinished(
        callInteractively(QStringLiteral("ListProposalsPage"), {QVariant::fromValue(offset), pageLimit}),
        [this, offset, collected, done = std::move(done)](const QDBusMessage& reply, const CallError& error) mutable {
            if (error.failed()) {
                done(QList<ProposalRecord>{}, error);
                return;
            }
            const auto page = firstArgument<QList<QVariantMap>>(reply);
            const auto total = argumentAt<qulonglong>(reply, 1);
            const auto next = argumentAt<qulonglong>(reply, 2);
            collected->append(recordsFrom<ProposalRecord>(page));
            if (page.isEmpty() || next >= total || next <= offset) {
                done(std::move(*collected), CallError{});
                return;
            }
            fetchProposalsFrom(next, collected, std::move(done));
        });
}

void DbusFirewallClient::acceptProposal(quint64 id, const QVariantMap& edits, Callback<quint64> done)
{
    whenFinished(callInteractively(QStringLiteral("AcceptProposal"), {QVariant::fromValue(id), edits}),
                 [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
                     done(error.failed() ? 0 : firstArgument<quint64>(reply), error);
                 });
}

void DbusFirewallClient::acceptProposals(const QVariantMap& selection, Callback<QList<quint64>> done)
{
    whenFinished(callInteractively(QStringLiteral("AcceptProposals"), {selection}),
                 [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
                     done(error.failed() ? QList<quint64>{} : firstArgument<QList<quint64>>(reply), error);
                 });
}

void DbusFirewallClient::rejectProposal(quint64 id, Done done)
{
    whenDone(callInteractively(QStringLiteral("RejectProposal"), {QVariant::fromValue(id)}), std::move(done));
}

void DbusFirewallClient::rejectProposals(const QVariantMap& selection, Callback<uint> done)
{
    whenFinished(callInteractively(QStringLiteral("RejectProposals"), {selection}),
                 [done = std::move(done)](const QDBusMessage& reply, const CallError& error) {
                     done(error.failed() ? 0 : firstArgument<uint>(reply), error);
                 });
}

void DbusFirewallClient::registerAgent(const QString& agentPath, Done done)
{
    whenDone(callInteractively(QStringLiteral("RegisterAgent"), {QVariant::fromValue(QDBusObjectPath(agentPath))}),
             std::move(done));
}

void DbusFirewallClient::unregisterAgent(const QString& agentPath, Done done)
{
    whenDone(proxy->UnregisterAgent(QDBusObjectPath(agentPath)), std::move(done));
}

} // namespace hostgate::gui
