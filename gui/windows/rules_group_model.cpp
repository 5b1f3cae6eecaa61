// SPDX-License-Identifier: GPL-3.0-or-later
// RulesGroupModel: the rules grouped by application, rebuilt from the filter model's rows on every change of them;
// persistent indexes (the view's selection, current row and expanded applications) are carried across.
#include "windows/rules_group_model.h"

#include "windows/rules_filter_model.h"

#include <QFileInfo>
#include <QFont>
#include <QSet>

#include <algorithm>

namespace hostgate::gui {

namespace {

// internalId of an application row; a rule row's is its group's row + 1.
constexpr quintptr groupId = 0;

} // namespace

RulesGroupModel::RulesGroupModel(RulesFilterModel& rules, QObject* parent) : QAbstractProxyModel(parent), filter_(rules)
{
    QAbstractProxyModel::setSourceModel(&filter_);
    connect(&filter_, &QAbstractItemModel::modelAboutToBeReset, this, [this] { beginResetModel(); });
    connect(&filter_, &QAbstractItemModel::modelReset, this, [this] {
        rebuild();
        endResetModel();
        emit regrouped();
    });
    // Every change of the filter's rows is one layout change here: rows move between applications, and
    // applications appear and go, with the persistent indexes following their rule or application.
    connect(&filter_, &QAbstractItemModel::layoutAboutToBeChanged, this, &RulesGroupModel::beginRegroup);
    connect(&filter_, &QAbstractItemModel::layoutChanged, this, &RulesGroupModel::endRegroup);
    connect(&filter_, &QAbstractItemModel::rowsAboutToBeInserted, this, &RulesGroupModel::beginRegroup);
    connect(&filter_, &QAbstractItemModel::rowsInserted, this, &RulesGroupModel::endRegroup);
    connect(&filter_, &QAbstractItemModel::rowsAboutToBeRemoved, this, &RulesGroupModel::beginRegroup);
    connect(&filter_, &QAbstractItemModel::rowsRemoved, this, &RulesGroupModel::endRegroup);
    connect(&filter_, &QAbstractItemModel::rowsAboutToBeMoved, this, &RulesGroupModel::beginRegroup);
    connect(&filter_, &QAbstractItemModel::rowsMoved, this, &RulesGroupModel::endRegroup);
    // A new search removes and inserts rows block by block: regrouped once, at the end.
    connect(&filter_, &RulesFilterModel::refilterStarting, this, &RulesGroupModel::beginRegroup);
    connect(&filter_, &RulesFilterModel::refiltered, this, &RulesGroupModel::endRegroup);
    connect(&filter_, &QAbstractItemModel::dataChanged, this, &RulesGroupModel::sourceDataChanged);
    connect(&filter_, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
    rebuild();
}

void RulesGroupModel::setAppLookup(AppLookup lookup)
{
    lookup_ = std::move(lookup);
    infos_.clear();
    if (!groups_.empty()) {
        emit dataChanged(index(0, 0), index(static_cast<int>(groups_.size()) - 1, RulesModel::ColumnCount - 1));
    }
}

QString RulesGroupModel::groupKey(const RuleRecord& rule)
{
    return rule.app + QLatin1Char('\n') + rule.script;
}

bool RulesGroupModel::isGroup(const QModelIndex& index) const
{
    return index.isValid() && index.model() == this && index.internalId() == groupId;
}

QModelIndex RulesGroupModel::groupIndex(const QString& key, int column) const
{
    const auto found = groupOfKey_.constFind(key);
    return found == groupOfKey_.cend() ? QModelIndex() : index(*found, column);
}

const RuleRecord* RulesGroupModel::ruleAt(const QModelIndex& index) const
{
    const QModelIndex source = mapToSource(index);
    return source.isValid() ? &filter_.ruleAt(source.row()) : nullptr;
}

QList<const RuleRecord*> RulesGroupModel::rulesUnder(const QModelIndex& group) const
{
    QList<const RuleRecord*> rules;
    if (!isGroup(group) || group.row() >= static_cast<int>(groups_.size())) {
        return rules;
    }
    for (int row : groups_[static_cast<std::size_t>(group.row())].rows) {
        rules << &filter_.ruleAt(row);
    }
    return rules;
}

void RulesGroupModel::rebuild()
{
    groups_.clear();
    groupOfKey_.clear();
    const int rows = filter_.rowCount();
    positionOfRow_.assign(static_cast<std::size_t>(rows), {-1, -1});
    for (int row = 0; row < rows; ++row) {
        const RuleRecord& rule = filter_.ruleAt(row);
        const QString key = groupKey(rule);
        auto found = groupOfKey_.find(key);
        if (found == groupOfKey_.end()) {
            found = groupOfKey_.insert(key, static_cast<int>(groups_.size()));
            Group group;
            group.key = key;
            group.app = rule.app;
            group.script = rule.script;
            groups_.push_back(std::move(group));
        }
        Group& group = groups_[static_cast<std::size_t>(*found)];
        positionOfRow_[static_cast<std::size_t>(row)] = {*found, static_cast<int>(group.rows.size())};
        group.rows.push_back(row);
    }
    for (Group& group : groups_) {
        summarize(group);
    }
}

void RulesGroupModel::summarize(Group& group) const
{
    group.hits = 0;
    group.lastHit.reset();
    group.disabled = 0;
    for (int row : group.rows) {
        const RuleRecord& rule = filter_.ruleAt(row);
        group.hits += rule.hitCount;
        if (rule.lastHit && (!group.lastHit || *rule.lastHit > *group.lastHit)) {
            group.lastHit = rule.lastHit;
        }
        group.disabled += rule.enabled ? 0 : 1;
    }
}

void RulesGroupModel::beginRegroup()
{
    if (regroupDepth_++ > 0) {
        return; // one regrouping is under way; it takes in this change too
    }
    emit layoutAboutToBeChanged();
    saved_.clear();
    for (const QModelIndex& index : persistentIndexList()) {
        if (isGroup(index)) {
            const auto row = static_cast<std::size_t>(index.row());
            saved_.push_back(Saved{.proxy = index, .group = true, .groupKey = groups_.at(row).key, .source = {}});
        } else {
            saved_.push_back(Saved{.proxy = index, .group = false, .groupKey = {}, .source = mapToSource(index)});
        }
    }
}

void RulesGroupModel::endRegroup()
{
    if (regroupDepth_ == 0 || --regroupDepth_ > 0) {
        return;
    }
    rebuild();
    QModelIndexList from;
    QModelIndexList to;
    from.reserve(static_cast<qsizetype>(saved_.size()));
    to.reserve(static_cast<qsizetype>(saved_.size()));
    for (const Saved& saved : saved_) {
        from << saved.proxy;
        to << (saved.group ? groupIndex(saved.groupKey, saved.proxy.column()) : mapFromSource(saved.source));
    }
    saved_.clear();
    changePersistentIndexList(from, to);
    emit layoutChanged();
    emit regrouped();
}

void RulesGroupModel::sourceDataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight,
                                        const QList<int>& roles)
{
    if (regroupDepth_ > 0 || !topLeft.isValid() || !bottomRight.isValid()) {
        return; // the regrouping under way shows everything anew
    }
    // Per application, the span of its rows that changed: one signal each, however many rules changed.
    QHash<int, std::pair<int, int>> spans;
    for (int row = topLeft.row(); row <= bottomRight.row(); ++row) {
        if (row >= static_cast<int>(positionOfRow_.size())) {
            break;
        }
        const auto [group, position] = positionOfRow_[static_cast<std::size_t>(row)];
        if (group < 0) {
            continue;
        }
        auto span = spans.find(group);
        if (span == spans.end()) {
            spans.insert(group, {position, position});
        } else {
            span->first = std::min(span->first, position);
            span->second = std::max(span->second, position);
        }
    }
    for (auto span = spans.cbegin(); span != spans.cend(); ++span) {
        const int group = span.key();
        const QModelIndex parent = index(group, 0);
        emit dataChanged(index(span->first, topLeft.column(), parent),
                         index(span->second, bottomRight.column(), parent), roles);
        // The application row sums its rules: hits, last hit, how many are off.
        summarize(groups_[static_cast<std::size_t>(group)]);
        emit dataChanged(index(group, 0), index(group, RulesModel::ColumnCount - 1));
    }
}

const AppInfo& RulesGroupModel::infoOf(const Group& group) const
{
    auto found = infos_.find(group.key);
    if (found != infos_.end()) {
        return *found;
    }
    AppInfo info;
    if (group.app.isEmpty()) {
        info.name = tr("Any application");
    } else if (lookup_) {
        info = lookup_(group.app, group.script);
    }
    if (info.name.isEmpty()) {
        info.name = QFileInfo(group.script.isEmpty() ? group.app : group.script).fileName();
    }
    return *infos_.insert(group.key, info);
}

QVariant RulesGroupModel::groupData(int row, int column, int role) const
{
    const Group& group = groups_[static_cast<std::size_t>(row)];
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case RulesModel::AppColumn:
            return infoOf(group).name;
        case RulesModel::HostColumn: {
            const int count = static_cast<int>(group.rows.size());
            return group.disabled == 0 ? tr("%n rule(s)", nullptr, count)
                                       : tr("%n rule(s), %1 off", nullptr, count).arg(group.disabled);
        }
        case RulesModel::HitsColumn:
            return QString::number(group.hits);
        case RulesModel::LastHitColumn:
            return RulesModel::describeLastHit(group.lastHit, QDateTime::currentDateTime());
        default:
            return {};
        }
    case Qt::DecorationRole: {
        if (column != RulesModel::AppColumn) {
            return {};
        }
        const QIcon icon = infoOf(group).icon();
        return icon.isNull() ? QVariant() : QVariant(icon);
    }
    case Qt::ToolTipRole:
        if (column != RulesModel::AppColumn) {
            return {};
        }
        if (group.app.isEmpty()) {
            return tr("Rules that apply to every application");
        }
        return group.script.isEmpty() ? group.app : tr("%1 running %2").arg(group.app, group.script);
    case Qt::FontRole:
        if (column == RulesModel::AppColumn) {
            QFont font;
            font.setBold(true);
            font.setItalic(group.app.isEmpty());
            return font;
        }
        return {};
    case GroupKeyRole:
        return group.key;
    case RuleCountRole:
        return static_cast<int>(group.rows.size());
    default:
        return {};
    }
}

QModelIndex RulesGroupModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= RulesModel::ColumnCount) {
        return {};
    }
    if (!parent.isValid()) {
        return row < static_cast<int>(groups_.size()) ? createIndex(row, column, groupId) : QModelIndex();
    }
    if (!isGroup(parent) || parent.column() != 0 || parent.row() >= static_cast<int>(groups_.size())) {
        return {};
    }
    const Group& group = groups_[static_cast<std::size_t>(parent.row())];
    return row < static_cast<int>(group.rows.size()) ? createIndex(row, column, static_cast<quintptr>(parent.row()) + 1)
                                                     : QModelIndex();
}

QModelIndex RulesGroupModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == groupId) {
        return {};
    }
    return createIndex(static_cast<int>(child.internalId() - 1), 0, groupId);
}

QModelIndex RulesGroupModel::sibling(int row, int column, const QModelIndex& index) const
{
    return this->index(row, column, parent(index));
}

int RulesGroupModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid()) {
        return static_cast<int>(groups_.size());
    }
    if (!isGroup(parent) || parent.column() != 0 || parent.row() >= static_cast<int>(groups_.size())) {
        return 0;
    }
    return static_cast<int>(groups_[static_cast<std::size_t>(parent.row())].rows.size());
}

int RulesGroupModel::columnCount(const QModelIndex&) const
{
    return RulesModel::ColumnCount;
}

bool RulesGroupModel::hasChildren(const QModelIndex& parent) const
{
    return rowCount(parent) > 0;
}

QModelIndex RulesGroupModel::mapToSource(const QModelIndex& proxyIndex) const
{
    if (!proxyIndex.isValid() || proxyIndex.internalId() == groupId) {
        return {};
    }
    const auto group = static_cast<std::size_t>(proxyIndex.internalId() - 1);
    if (group >= groups_.size()) {
        return {};
    }
    const std::vector<int>& rows = groups_[group].rows;
    if (proxyIndex.row() >= static_cast<int>(rows.size())) {
        return {};
    }
    return filter_.index(rows[static_cast<std::size_t>(proxyIndex.row())], proxyIndex.column());
}

QModelIndex RulesGroupModel::mapFromSource(const QModelIndex& sourceIndex) const
{
    if (!sourceIndex.isValid() || sourceIndex.row() >= static_cast<int>(positionOfRow_.size())) {
        return {};
    }
    const auto [group, position] = positionOfRow_[static_cast<std::size_t>(sourceIndex.row())];
    if (group < 0) {
        return {};
    }
    return createIndex(position, sourceIndex.column(), static_cast<quintptr>(group) + 1);
}

QVariant RulesGroupModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid()) {
        return {};
    }
    if (index.internalId() == groupId) {
        return index.row() < static_cast<int>(groups_.size()) ? groupData(index.row(), index.column(), role)
                                                              : QVariant();
    }
    return filter_.data(mapToSource(index), role);
}

QVariant RulesGroupModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return orientation == Qt::Horizontal ? filter_.headerData(section, orientation, role) : QVariant();
}

Qt::ItemFlags RulesGroupModel::flags(const QModelIndex& index) const
{
    if (!index.isValid()) {
        return Qt::NoItemFlags;
    }
    if (index.internalId() == groupId) {
        return Qt::ItemIsEnabled | Qt::ItemIsSelectable; // selecting an application selects its rules
    }
    return filter_.flags(mapToSource(index));
}

void RulesGroupModel::sort(int column, Qt::SortOrder order)
{
    filter_.sort(column, order); // the filter's layout change regroups
}

} // namespace hostgate::gui
