// SPDX-License-Identifier: GPL-3.0-or-later
// ProposalsModel: rows from FetchProposals, filtered by application; review actions through the client.
#include "windows/proposals_model.h"

#include <QFileInfo>
#include <QLocale>

#include <algorithm>

namespace hostgate::gui {

ProposalsModel::ProposalsModel(FirewallClient& client, QObject* parent) : QAbstractTableModel(parent), client_(client)
{
    connect(&client_, &FirewallClient::proposalsChanged, this, &ProposalsModel::reload);
    connect(&client_, &FirewallClient::availabilityChanged, this, [this](bool available) {
        if (available) {
            reload();
        }
    });
}

void ProposalsModel::reload()
{
    client_.fetchProposals([this](const QList<ProposalRecord>& proposals, const CallError& error) {
        if (error.failed()) {
            emit failed(tr("Could not read the proposals"), error);
            return;
        }
        setProposals(proposals);
        emit loaded();
    });
}

void ProposalsModel::setProposals(QList<ProposalRecord> proposals)
{
    all_ = std::move(proposals);
    applyFilter();
}

void ProposalsModel::setApplication(std::optional<QString> app)
{
    app_ = std::move(app);
    applyFilter();
}

void ProposalsModel::applyFilter()
{
    beginResetModel();
    shown_.clear();
    for (const ProposalRecord& proposal : std::as_const(all_)) {
        if (!app_ || proposal.app == *app_) {
            shown_.append(proposal);
        }
    }
    endResetModel();
}

QStringList ProposalsModel::applications() const
{
    QStringList apps;
    for (const ProposalRecord& proposal : all_) {
        if (!apps.contains(proposal.app)) {
            apps.append(proposal.app);
        }
    }
    std::sort(apps.begin(), apps.end());
    return apps;
}

QVariantMap ProposalsModel::selection() const
{
    QVariantMap selection;
    if (app_) {
        selection.insert(QStringLiteral("app"), *app_);
    }
    return selection;
}

void ProposalsModel::accept(int row, const QVariantMap& edits)
{
    if (row < 0 || row >= shown_.size()) {
        return;
    }
    const ProposalRecord proposal = shown_.at(row);
    client_.acceptProposal(proposal.id, edits, [this, proposal](quint64 ruleId, const CallError& error) {
        if (error.failed()) {
            emit failed(tr("Could not accept the proposal for %1").arg(proposal.host), error);
            return;
        }
        emit done(tr("Accepted %1 as rule %2").arg(proposal.host).arg(ruleId));
        reload();
    });
}

void ProposalsModel::reject(int row)
{
    if (row < 0 || row >= shown_.size()) {
        return;
    }
    const ProposalRecord proposal = shown_.at(row);
    client_.rejectProposal(proposal.id, [this, proposal](const CallError& error) {
        if (error.failed()) {
            emit failed(tr("Could not reject the proposal for %1").arg(proposal.host), error);
            return;
        }
        emit done(tr("Rejected %1").arg(proposal.host));
        reload();
    });
}

void ProposalsModel::acceptShown()
{
    client_.acceptProposals(selection(), [this](const QList<quint64>& ruleIds, const CallError& error) {
        if (error.failed()) {
            emit failed(tr("Could not accept the proposals"), error);
        } else {
            emit done(tr("Accepted %n proposal(s)", nullptr, int(ruleIds.size())));
        }
        reload();
    });
}

void ProposalsModel::rejectShown()
{
    client_.rejectProposals(selection(), [this](uint rejected, const CallError& error) {
        if (error.failed()) {
            emit failed(tr("Could not reject the proposals"), error);
        } else {
            emit done(tr("Rejected %n proposal(s)", nullptr, int(rejected)));
        }
        reload();
    });
}

int ProposalsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(shown_.size());
}

int ProposalsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ProposalsModel::describeApp(const ProposalRecord& proposal)
{
    if (proposal.app.isEmpty()) {
        return tr("unknown application");
    }
    QString text = QFileInfo(proposal.app).fileName();
    if (!proposal.script.isEmpty()) {
        text +=
            QLatin1Char(' ') +
            (proposal.script.startsWith(QLatin1Char('<')) ? proposal.script : QFileInfo(proposal.script).fileName());
    }
    return text;
}

QVariant ProposalsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= shown_.size()) {
        return {};
    }
    const ProposalRecord& proposal = shown_.at(index.row());
    if (role == ProposalIdRole) {
        return proposal.id;
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == AppColumn) {
            return proposal.app.isEmpty()
                       ? describeApp(proposal)
                       : proposal.app + (proposal.script.isEmpty() ? QString() : QLatin1Char('\n') + proposal.script);
        }
        if (index.column() == HostColumn && !proposal.examples.isEmpty()) {
            return tr("Seen: %1").arg(proposal.examples.join(QStringLiteral(", ")));
        }
        return {};
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (index.column()) {
    case AppColumn:
        return describeApp(proposal);
    case UserColumn:
        return proposal.user;
    case HostColumn:
        return proposal.host;
    case PortsColumn:
        return proposal.ports == QLatin1String("*") ? tr("any") : proposal.ports;
    case ProtocolColumn:
        return proposal.protocol;
    case ConnectionsColumn:
        return proposal.connections;
    case LastSeenColumn:
        return QLocale().toString(proposal.lastSeen.toLocalTime(), QLocale::ShortFormat);
    default:
        return {};
    }
}

QVariant ProposalsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case AppColumn:
        return tr("Application");
    case UserColumn:
        return tr("User");
    case HostColumn:
        return tr("Host");
    case PortsColumn:
        return tr("Ports");
    case ProtocolColumn:
        return tr("Protocol");
    case ConnectionsColumn:
        return tr("Connections");
    case LastSeenColumn:
        return tr("Last seen");
    default:
        return {};
    }
}

} // namespace hostgate::gui
