// RulesModel: how each rule field reads in the rules table, and the enabled checkbox.
#include "windows/rules_model.h"

#include <QBrush>
#include <QFileInfo>
#include <QFont>
#include <QPalette>
#include <QSet>

#include <algorithm>
#include <limits>

namespace hostgate::gui {

namespace {

QString timeText(const QDateTime& time, const QDateTime& now)
{
    const QDateTime local = time.toLocalTime();
    if (local.date() == now.toLocalTime().date()) {
        return local.toString(QStringLiteral("HH:mm"));
    }
    return local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

} // namespace

RulesModel::RulesModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RulesModel::setRules(QList<RuleRecord> rules)
{
    beginResetModel();
    rules_ = std::move(rules);
    endResetModel();
}

QStringList RulesModel::applications() const
{
    QSet<QString> seen;
    for (const RuleRecord& rule : rules_) {
        seen.insert(rule.app);
    }
    QStringList apps(seen.begin(), seen.end());
    std::sort(apps.begin(), apps.end());
    return apps;
}

int RulesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(rules_.size());
}

int RulesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RulesModel::describeLifetime(const RuleRecord& rule, const QDateTime& now)
{
    if (rule.lifetime == QLatin1String("once")) {
        return tr("once");
    }
    if (rule.lifetime == QLatin1String("until-exit")) {
        return rule.pid ? tr("until app quits (pid %1)").arg(*rule.pid) : tr("until app quits");
    }
    if (rule.lifetime == QLatin1String("until-time")) {
        return rule.until ? tr("until %1").arg(timeText(*rule.until, now)) : tr("until a time not given");
    }
    if (rule.lifetime == QLatin1String("forever")) {
        return tr("forever");
    }
    return rule.lifetime;
}

QString RulesModel::describeApp(const RuleRecord& rule)
{
    if (rule.app.isEmpty()) {
        return tr("any application");
    }
    QString text = QFileInfo(rule.app).fileName();
    if (!rule.script.isEmpty()) {
        text += QLatin1Char(' ') + QFileInfo(rule.script).fileName();
    }
    return text;
}

QVariant RulesModel::displayText(const RuleRecord& rule, int column) const
{
    switch (column) {
    case AppColumn:
        return describeApp(rule);
    case HostColumn:
        return rule.host.isEmpty() || rule.host == QLatin1String("*") ? tr("any host") : rule.host;
    case PortsColumn:
        return rule.ports.isEmpty() || rule.ports == QLatin1String("*") ? tr("any") : rule.ports;
    case ProtocolColumn:
        return rule.protocol;
    case ActionColumn:
        return rule.action;
    case LifetimeColumn:
        return describeLifetime(rule, QDateTime::currentDateTime());
    case HitsColumn:
        return QString::number(rule.hitCount);
    case LastHitColumn:
        return rule.lastHit ? timeText(*rule.lastHit, QDateTime::currentDateTime()) : tr("never");
    case UserColumn:
        return rule.user ? QString::number(*rule.user) : tr("any");
    case NoteColumn:
        return rule.note;
    case OriginColumn:
        return rule.origin;
    default:
        return {};
    }
}

QVariant RulesModel::sortValue(const RuleRecord& rule, int column) const
{
    switch (column) {
    case EnabledColumn:
        return rule.enabled ? 1 : 0;
    case HitsColumn:
        return rule.hitCount;
    case LastHitColumn:
        return rule.lastHit ? rule.lastHit->toMSecsSinceEpoch() : qint64{-1};
    case UserColumn:
        return rule.user ? qint64{*rule.user} : qint64{-1};
    case LifetimeColumn:
        // Rules that end soonest first; open-ended ones last.
        return rule.until ? rule.until->toMSecsSinceEpoch() : std::numeric_limits<qint64>::max();
    default:
        return displayText(rule, column).toString().toLower();
    }
}

QString RulesModel::toolTip(const RuleRecord& rule, int column) const
{
    QStringList lines;
    if (column == AppColumn) {
        lines << (rule.app.isEmpty() ? tr("Any application") : rule.app);
        if (!rule.script.isEmpty()) {
            lines << tr("Script: %1").arg(rule.script);
        }
    } else if (column == NoteColumn && !rule.note.isEmpty()) {
        lines << rule.note;
    }
    if (rule.readOnly) {
        lines << tr("Admin rule from %1 (read-only)").arg(rule.source.isEmpty() ? tr("an admin rules file") : rule.source);
    }
    return lines.join(QLatin1Char('\n'));
}

QVariant RulesModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rules_.size()) {
        return {};
    }
    const RuleRecord& rule = rules_.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return column == EnabledColumn ? QVariant() : displayText(rule, column);
    case Qt::CheckStateRole:
        return column == EnabledColumn ? QVariant(rule.enabled ? Qt::Checked : Qt::Unchecked) : QVariant();
    case Qt::ToolTipRole: {
        const QString tip = toolTip(rule, column);
        return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
    case Qt::ForegroundRole:
        if (rule.readOnly || !rule.enabled) {
            return QBrush(QPalette().color(QPalette::Disabled, QPalette::Text));
        }
        return {};
    case Qt::FontRole:
        if (column == AppColumn && rule.app.isEmpty()) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case RuleIdRole:
        return rule.id;
    case SortRole:
        return sortValue(rule, column);
    case ReadOnlyRole:
        return rule.readOnly;
    default:
        return {};
    }
}

QVariant RulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case EnabledColumn: return tr("On");
    case AppColumn: return tr("Application");
    case HostColumn: return tr("Host");
    case PortsColumn: return tr("Ports");
    case ProtocolColumn: return tr("Protocol");
    case ActionColumn: return tr("Action");
    case LifetimeColumn: return tr("Lifetime");
    case HitsColumn: return tr("Hits");
    case LastHitColumn: return tr("Last hit");
    case UserColumn: return tr("User");
    case NoteColumn: return tr("Note");
    case OriginColumn: return tr("Origin");
    default: return {};
    }
}

Qt::ItemFlags RulesModel::flags(const QModelIndex& index) const
{
    if (!index.isValid()) {
        return Qt::NoItemFlags;
    }
    Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
    if (index.column() == EnabledColumn && !rules_.at(index.row()).readOnly) {
        flags |= Qt::ItemIsUserCheckable;
    }
    return flags;
}

bool RulesModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!index.isValid() || index.column() != EnabledColumn || role != Qt::CheckStateRole) {
        return false;
    }
    RuleRecord& rule = rules_[index.row()];
    const bool enabled = static_cast<Qt::CheckState>(value.toInt()) == Qt::Checked;
    if (rule.readOnly || rule.enabled == enabled) {
        return false;
    }
    rule.enabled = enabled;
    emit dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    emit enabledToggled(rule.id, enabled);
    return true;
}

} // namespace hostgate::gui
