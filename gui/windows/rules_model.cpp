// SPDX-License-Identifier: GPL-3.0-or-later
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

RulesModel::RulesModel(QObject* parent) : QAbstractTableModel(parent) {}

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
        if (!rule.until) {
            return tr("until a time not given");
        }
        const qint64 left = now.secsTo(*rule.until);
        if (left <= 0) {
            return tr("ended at %1").arg(timeText(*rule.until, now));
        }
        return tr("until %1 (%2)").arg(timeText(*rule.until, now), describeCountdown(left));
    }
    if (rule.lifetime == QLatin1String("forever")) {
        return tr("forever");
    }
    return rule.lifetime;
}

QString RulesModel::describeCountdown(qint64 seconds)
{
    constexpr qint64 minute = 60;
    constexpr qint64 hour = 60 * minute;
    constexpr qint64 day = 24 * hour;
    if (seconds < minute) {
        return tr("in %1 s").arg(seconds);
    }
    if (seconds < hour) {
        return tr("in %1 min").arg(seconds / minute);
    }
    if (seconds < day) {
        const qint64 minutes = seconds % hour / minute;
        return minutes == 0 ? tr("in %1 h").arg(seconds / hour) : tr("in %1 h %2 min").arg(seconds / hour).arg(minutes);
    }
    const qint64 hours = seconds % day / hour;
    return hours == 0 ? tr("in %1 d").arg(seconds / day) : tr("in %1 d %2 h").arg(seconds / day).arg(hours);
}

QString RulesModel::describeOrigin(const RuleRecord& rule)
{
    if (rule.origin == QLatin1String("base")) {
        return rule.source.isEmpty() ? tr("base policy") : tr("base policy %1").arg(QFileInfo(rule.source).fileName());
    }
    if (rule.readOnly || rule.origin == QLatin1String("admin")) {
        return rule.source.isEmpty() ? tr("admin file") : tr("admin file %1").arg(QFileInfo(rule.source).fileName());
    }
    if (rule.lifetime == QLatin1String("until-exit")) {
        return tr("prompt");
    }
    return rule.origin.isEmpty() ? tr("user") : rule.origin;
}

void RulesModel::setIconLookup(IconLookup lookup)
{
    iconLookup_ = std::move(lookup);
    icons_.clear();
    if (!rules_.isEmpty()) {
        emit dataChanged(index(0, AppColumn), index(static_cast<int>(rules_.size()) - 1, AppColumn),
                         {Qt::DecorationRole});
    }
}

QIcon RulesModel::iconFor(const RuleRecord& rule) const
{
    if (!iconLookup_ || rule.app.isEmpty()) {
        return {};
    }
    const QString key = rule.app + QLatin1Char('\n') + rule.script;
    auto found = icons_.constFind(key);
    if (found == icons_.constEnd()) {
        found = icons_.insert(key, iconLookup_(rule));
    }
    return *found;
}

void RulesModel::refreshCountdowns()
{
    if (!rules_.isEmpty()) {
        emit dataChanged(index(0, LifetimeColumn), index(static_cast<int>(rules_.size()) - 1, LifetimeColumn),
                         {Qt::DisplayRole});
    }
}

QString RulesModel::describeLastHit(const std::optional<QDateTime>& lastHit, const QDateTime& now)
{
    return lastHit ? timeText(*lastHit, now) : tr("never");
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
        return describeLastHit(rule.lastHit, QDateTime::currentDateTime());
    case UserColumn:
        return rule.user ? QString::number(*rule.user) : tr("any");
    case NoteColumn:
        return rule.note;
    case OriginColumn:
        return describeOrigin(rule);
    case IdColumn:
        return QStringLiteral("#%1").arg(rule.id);
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
    case IdColumn:
        return rule.id;
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
        lines << tr("Admin rule from %1 (read-only)")
                     .arg(rule.source.isEmpty() ? tr("an admin rules file") : rule.source);
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
    case Qt::DecorationRole: {
        if (column != AppColumn) {
            return {};
        }
        const QIcon icon = iconFor(rule);
        return icon.isNull() ? QVariant() : QVariant(icon);
    }
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
    case EnabledColumn:
        return tr("On");
    case AppColumn:
        return tr("Application");
    case HostColumn:
        return tr("Host");
    case PortsColumn:
        return tr("Ports");
    case ProtocolColumn:
        return tr("Protocol");
    case ActionColumn:
        return tr("Action");
    case LifetimeColumn:
        return tr("Lifetime");
    case HitsColumn:
        return tr("Hits");
    case LastHitColumn:
        return tr("Last hit");
    case UserColumn:
        return tr("User");
    case NoteColumn:
        return tr("Note");
    case OriginColumn:
        return tr("Origin");
    case IdColumn:
        return tr("Id");
    default:
        return {};
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
