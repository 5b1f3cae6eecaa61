// SPDX-License-Identifier: GPL-3.0-or-later
// FakeFirewallClient: an in-memory hostgated for widget tests; records every call and can fail any method on demand.
#pragma once

#include "client/firewall_client.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QVariantList>

#include <algorithm>
#include <functional>
#include <optional>

namespace hostgate::gui {

// Replies synchronously by default (deferReplies = true queues them until flushReplies(), to observe a
// window while a call is in flight). Successful mutations emit rulesChanged/modeChanged like the daemon.
class FakeFirewallClient : public FirewallClient {
public:
    struct Call {
        QString method;    // e.g. "setMode", "addRule"
        QVariantList args; // the arguments in declaration order (callbacks left out)
    };

    using FirewallClient::FirewallClient;

    // State the fake serves; tests set it directly.
    bool available = true;
    StatusRecord status;
    QList<RuleRecord> rules;
    QList<ConnectionRecord> connections; // newest first, like ListConnections
    QString exportedToml;
    uint importedCount = 0;
    QList<ProposalRecord> proposals; // by id
    QList<QVariantMap> lists;        // ListLists records
    QList<TrafficRecord> traffic;    // ListTraffic records, most recently active first
    quint64 nextRuleId = 1000;

    // Every call, in order.
    QList<Call> calls;
    // An error the named method (e.g. "removeRule") reports instead of succeeding, every time until removed.
    QHash<QString, CallError> injectedErrors;
    bool deferReplies = false;

    void failNext(const QString& method, const CallError& error) { injectedErrors.insert(method, error); }
    static CallError notAuthorizedError()
    {
        return {QStringLiteral("org.hostgate.Firewall1.Error.NotAuthorized"),
                QStringLiteral("changing this needs an administrator")};
    }

    int callCount(const QString& method) const
    {
        return int(
            std::count_if(calls.cbegin(), calls.cend(), [&](const Call& call) { return call.method == method; }));
    }
    std::optional<Call> lastCall(const QString& method) const
    {
        for (auto call = calls.crbegin(); call != calls.crend(); ++call) {
            if (call->method == method) {
                return *call;
            }
        }
        return std::nullopt;
    }

    // Runs the replies held while deferReplies was set, oldest first.
    void flushReplies()
    {
        while (!pendingReplies.isEmpty()) {
            pendingReplies.takeFirst()();
        }
    }
    int pendingReplyCount() const { return int(pendingReplies.size()); }

    // The daemon's signals, as if they arrived from the bus.
    void setAvailable(bool nowAvailable)
    {
        available = nowAvailable;
        emit availabilityChanged(nowAvailable);
    }
    void emitRulesChanged() { emit rulesChanged(); }
    void emitModeChanged(const QString& mode)
    {
        status.mode = mode;
        emit modeChanged(mode);
    }
    void emitConnectionEvent(const ConnectionRecord& event)
    {
        connections.prepend(event);
        emit connectionEvent(event);
    }

    bool isAvailable() const override { return available; }

    void fetchStatus(Callback<StatusRecord> done) override
    {
        record(QStringLiteral("fetchStatus"), {});
        reply(QStringLiteral("fetchStatus"),
              [this, done](const CallError& error) { done(error.failed() ? StatusRecord{} : status, error); });
    }

    void setMode(const QString& mode, Done done) override
    {
        record(QStringLiteral("setMode"), {mode});
        reply(QStringLiteral("setMode"), [this, mode, done](const CallError& error) {
            if (!error.failed() && status.mode != mode) {
                status.mode = mode;
                emit modeChanged(mode);
            }
            done(error);
        });
    }

    void fetchRules(Callback<QList<RuleRecord>> done) override
    {
        record(QStringLiteral("fetchRules"), {});
        reply(QStringLiteral("fetchRules"),
              [this, done](const CallError& error) { done(error.failed() ? QList<RuleRecord>{} : rules, error); });
    }

    void addRule(const QVariantMap& fields, Callback<quint64> done) override
    {
        record(QStringLiteral("addRule"), {fields});
        reply(QStringLiteral("addRule"), [this, fields, done](const CallError& error) {
            if (error.failed()) {
                done(0, error);
                return;
            }
            RuleRecord rule = RuleRecord::fromMap(fields);
            rule.id = nextRuleId++;
            rule.origin = QStringLiteral("user");
            rules.append(rule);
            emit rulesChanged();
            done(rule.id, error);
        });
    }

    void updateRule(quint64 id, const QVariantMap& changes, Done done) override
    {
        record(QStringLiteral("updateRule"), {id, changes});
        reply(QStringLiteral("updateRule"), [this, id, changes, done](const CallError& error) {
            RuleRecord* rule = findRule(id);
            if (error.failed() || rule == nullptr) {
                done(error.failed() ? error : noSuchRule(id));
                return;
            }
            QVariantMap merged = rule->editableFields();
            for (auto change = changes.cbegin(); change != changes.cend(); ++change) {
                merged.insert(change.key(), change.value());
            }
            const RuleRecord updated = RuleRecord::fromMap(merged);
            rule->app = updated.app;
            rule->script = updated.script;
            rule->user = updated.user;
            rule->host = updated.host;
            rule->ports = updated.ports;
            rule->protocol = updated.protocol;
            rule->action = updated.action;
            rule->lifetime = updated.lifetime;
            rule->until = updated.until;
            rule->enabled = updated.enabled;
            rule->note = updated.note;
            emit rulesChanged();
            done(error);
        });
    }

    void removeRule(quint64 id, Done done) override
    {
        record(QStringLiteral("removeRule"), {id});
        reply(QStringLiteral("removeRule"), [this, id, done](const CallError& error) {
            if (error.failed()) {
                done(error);
                return;
            }
            const auto removed = rules.removeIf([id](const RuleRecord& rule) { return rule.id == id; });
            if (removed == 0) {
                done(noSuchRule(id));
                return;
            }
            emit rulesChanged();
            done(error);
        });
    }

    void fetchTraffic(Callback<QList<TrafficRecord>> done) override
    {
        record(QStringLiteral("fetchTraffic"), {});
        reply(QStringLiteral("fetchTraffic"),
              [this, done](const CallError& error) { done(error.failed() ? QList<TrafficRecord>{} : traffic, error); });
    }

    void fetchLists(Callback<QList<QVariantMap>> done) override
    {
        record(QStringLiteral("fetchLists"), {});
        reply(QStringLiteral("fetchLists"),
              [this, done](const CallError& error) { done(error.failed() ? QList<QVariantMap>{} : lists, error); });
    }

    void setListEnabled(const QString& name, bool enabled, Done done) override
    {
        record(QStringLiteral("setListEnabled"), {name, enabled});
        reply(QStringLiteral("setListEnabled"), [this, name, enabled, done](const CallError& error) {
            if (!error.failed())
                for (auto& list : lists)
                    if (list.value(QStringLiteral("name")).toString() == name)
                        list.insert(QStringLiteral("enabled"), enabled);
            done(error);
        });
    }

    void setRuleEnabled(quint64 id, bool enabled, Done done) override
    {
        record(QStringLiteral("setRuleEnabled"), {id, enabled});
        reply(QStringLiteral("setRuleEnabled"), [this, id, enabled, done](const CallError& error) {
            RuleRecord* rule = findRule(id);
            if (error.failed() || rule == nullptr) {
                done(error.failed() ? error : noSuchRule(id));
                return;
            }
            rule->enabled = enabled;
            emit rulesChanged();
            done(error);
        });
    }

    void exportRules(Callback<QString> done) override
    {
        record(QStringLiteral("exportRules"), {});
        reply(QStringLiteral("exportRules"),
              [this, done](const CallError& error) { done(error.failed() ? QString() : exportedToml, error); });
    }

    void importRules(const QString& toml, bool replace, Callback<uint> done) override
    {
        record(QStringLiteral("importRules"), {toml, replace});
        reply(QStringLiteral("importRules"), [this, done](const CallError& error) {
            if (!error.failed()) {
                emit rulesChanged();
            }
            done(error.failed() ? 0 : importedCount, error);
        });
    }

    // Honours limit (0 = 100) and the filter keys app, host (any case), verdict and since_usec.
    void fetchConnections(uint limit, const QVariantMap& filter, Callback<QList<ConnectionRecord>> done) override
    {
        record(QStringLiteral("fetchConnections"), {limit, filter});
        reply(QStringLiteral("fetchConnections"), [this, limit, filter, done](const CallError& error) {
            QList<ConnectionRecord> matching;
            const qsizetype wanted = limit == 0 ? 100 : qsizetype(limit);
            for (const ConnectionRecord& connection : std::as_const(connections)) {
                if (!error.failed() && matching.size() < wanted && matches(connection, filter)) {
                    matching.append(connection);
                }
            }
            done(matching, error);
        });
    }

    void fetchProposals(Callback<QList<ProposalRecord>> done) override
    {
        record(QStringLiteral("fetchProposals"), {});
        reply(QStringLiteral("fetchProposals"), [this, done](const CallError& error) {
            done(error.failed() ? QList<ProposalRecord>{} : proposals, error);
        });
    }

    // Like the daemon: the proposal's allow rule with the edits becomes a user rule, the proposal goes.
    void acceptProposal(quint64 id, const QVariantMap& edits, Callback<quint64> done) override
    {
        record(QStringLiteral("acceptProposal"), {id, edits});
        reply(QStringLiteral("acceptProposal"), [this, id, edits, done](const CallError& error) {
            const auto found = findProposal(id);
            if (error.failed() || !found) {
                done(0, error.failed() ? error : noSuchProposal(id));
                return;
            }
            done(acceptOne(*found, edits), error);
            emit rulesChanged();
            announceProposals();
        });
    }

    void acceptProposals(const QVariantMap& selection, Callback<QList<quint64>> done) override
    {
        record(QStringLiteral("acceptProposals"), {selection});
        reply(QStringLiteral("acceptProposals"), [this, selection, done](const CallError& error) {
            QList<quint64> ruleIds;
            if (!error.failed()) {
                for (const ProposalRecord& proposal : selected(selection)) {
                    ruleIds.append(acceptOne(proposal, {}));
                }
                emit rulesChanged();
                announceProposals();
            }
            done(ruleIds, error);
        });
    }

    void rejectProposal(quint64 id, Done done) override
    {
        record(QStringLiteral("rejectProposal"), {id});
        reply(QStringLiteral("rejectProposal"), [this, id, done](const CallError& error) {
            if (error.failed() || !findProposal(id)) {
                done(error.failed() ? error : noSuchProposal(id));
                return;
            }
            proposals.removeIf([id](const ProposalRecord& proposal) { return proposal.id == id; });
            announceProposals();
            done(error);
        });
    }

    void rejectProposals(const QVariantMap& selection, Callback<uint> done) override
    {
        record(QStringLiteral("rejectProposals"), {selection});
        reply(QStringLiteral("rejectProposals"), [this, selection, done](const CallError& error) {
            uint rejected = 0;
            if (!error.failed()) {
                for (const ProposalRecord& proposal : selected(selection)) {
                    proposals.removeIf([id = proposal.id](const ProposalRecord& other) { return other.id == id; });
                    ++rejected;
                }
                announceProposals();
            }
            done(rejected, error);
        });
    }

    void emitProposalsChanged() { announceProposals(); }

    void registerAgent(const QString& objectPath, Done done) override
    {
        record(QStringLiteral("registerAgent"), {objectPath});
        reply(QStringLiteral("registerAgent"), [done](const CallError& error) { done(error); });
    }

    void unregisterAgent(const QString& objectPath, Done done) override
    {
        record(QStringLiteral("unregisterAgent"), {objectPath});
        reply(QStringLiteral("unregisterAgent"), [done](const CallError& error) { done(error); });
    }

private:
    QList<std::function<void()>> pendingReplies;

    void record(const QString& method, const QVariantList& args) { calls.append({method, args}); }

    void reply(const QString& method, std::function<void(const CallError&)> respond)
    {
        const CallError error = injectedErrors.value(method);
        auto run = [respond = std::move(respond), error] { respond(error); };
        if (deferReplies) {
            pendingReplies.append(std::move(run));
        } else {
            run();
        }
    }

    RuleRecord* findRule(quint64 id)
    {
        for (RuleRecord& rule : rules) {
            if (rule.id == id) {
                return &rule;
            }
        }
        return nullptr;
    }

    std::optional<ProposalRecord> findProposal(quint64 id) const
    {
        for (const ProposalRecord& proposal : proposals) {
            if (proposal.id == id) {
                return proposal;
            }
        }
        return std::nullopt;
    }

    QList<ProposalRecord> selected(const QVariantMap& selection) const
    {
        QList<ProposalRecord> chosen;
        for (const ProposalRecord& proposal : proposals) {
            if (!selection.contains(QStringLiteral("app")) ||
                proposal.app == selection.value(QStringLiteral("app")).toString()) {
                chosen.append(proposal);
            }
        }
        return chosen;
    }

    quint64 acceptOne(const ProposalRecord& proposal, const QVariantMap& edits)
    {
        QVariantMap fields{
            {QStringLiteral("app"), proposal.app},           {QStringLiteral("user"), proposal.user},
            {QStringLiteral("host"), proposal.host},         {QStringLiteral("ports"), proposal.ports},
            {QStringLiteral("protocol"), proposal.protocol}, {QStringLiteral("action"), QStringLiteral("allow")}};
        for (auto edit = edits.cbegin(); edit != edits.cend(); ++edit) {
            fields.insert(edit.key(), edit.value());
        }
        RuleRecord rule = RuleRecord::fromMap(fields);
        rule.id = nextRuleId++;
        rule.origin = QStringLiteral("user");
        rules.append(rule);
        proposals.removeIf([id = proposal.id](const ProposalRecord& other) { return other.id == id; });
        return rule.id;
    }

    void announceProposals()
    {
        status.proposals = uint(proposals.size());
        emit proposalsChanged(status.proposals);
    }

    static CallError noSuchProposal(quint64 id)
    {
        return {QStringLiteral("org.hostgate.Firewall1.Error.NoSuchProposal"),
                QStringLiteral("No proposal has id %1").arg(id)};
    }

    static CallError noSuchRule(quint64 id)
    {
        return {QStringLiteral("org.hostgate.Firewall1.Error.NoSuchRule"), QStringLiteral("no rule %1").arg(id)};
    }

    static bool matches(const ConnectionRecord& connection, const QVariantMap& filter)
    {
        const QString app = filter.value(QStringLiteral("app")).toString();
        const QString host = filter.value(QStringLiteral("host")).toString();
        const QString verdict = filter.value(QStringLiteral("verdict")).toString();
        if (!app.isEmpty() && !connection.app.contains(app)) {
            return false;
        }
        if (!host.isEmpty() && !connection.host.contains(host, Qt::CaseInsensitive)) {
            return false;
        }
        if (!verdict.isEmpty() && connection.verdict != verdict) {
            return false;
        }
        if (filter.contains(QStringLiteral("since_usec")) &&
            toUsec(connection.time) < filter.value(QStringLiteral("since_usec")).toLongLong()) {
            return false;
        }
        return true;
    }
};

} // namespace hostgate::gui
