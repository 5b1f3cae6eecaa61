// SPDX-License-Identifier: GPL-3.0-or-later
// ProposalsModel: the learning proposals waiting for review, as a table, with the review's actions (accept,
// possibly edited; reject; all of one application) sent through the FirewallClient.
#pragma once

#include "client/firewall_client.h"
#include "client/records.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <optional>

namespace hostgate::gui {

class ProposalsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        AppColumn,
        UserColumn,
        HostColumn,
        PortsColumn,
        ProtocolColumn,
        ConnectionsColumn,
        LastSeenColumn,
        ColumnCount
    };
    enum Role { ProposalIdRole = Qt::UserRole + 1 };

    explicit ProposalsModel(FirewallClient& client, QObject* parent = nullptr);

    // Fetches the proposals again (also done on the daemon's ProposalsChanged and RulesChanged).
    void reload();
    // Only one application's proposals are rows (nullopt: every application's; "" : unknown applications').
    void setApplication(std::optional<QString> app);
    const std::optional<QString>& application() const { return app_; }
    // Every application that has proposals, sorted.
    QStringList applications() const;

    const ProposalRecord& proposalAt(int row) const { return shown_.at(row); }
    const QList<ProposalRecord>& proposals() const { return all_; }

    // Accepts the row's proposal as a user rule; `edits` are rule keys the daemon applies (host, ports, ...).
    void accept(int row, const QVariantMap& edits = {});
    void reject(int row);
    // Every shown proposal (all, or the selected application's).
    void acceptShown();
    void rejectShown();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "curl", or "python3.11 sync.py" for a script; "unknown application" when the path is not known.
    static QString describeApp(const ProposalRecord& proposal);

signals:
    void loaded();
    // A call failed: e.g. "Not authorized: ..." (refused by polkit) — nothing changed.
    void failed(const QString& what, const hostgate::gui::CallError& error);
    // A change went through: "Accepted as rule 12", "Rejected 3 proposals".
    void done(const QString& what);

private:
    void setProposals(QList<ProposalRecord> proposals);
    void applyFilter();
    QVariantMap selection() const;

    FirewallClient& client_;
    QList<ProposalRecord> all_;
    QList<ProposalRecord> shown_;
    std::optional<QString> app_;
};

} // namespace hostgate::gui
