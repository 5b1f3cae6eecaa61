// SPDX-License-Identifier: GPL-3.0-or-later
// RulesGroupModel: the rules window's default view, the filtered and sorted rules grouped under one row per
// application (its name and icon from its .desktop file, the executable's name otherwise; an interpreter's script
// is an application of its own, as in the network monitor; "any application" gathers the rules for every app).
#pragma once

#include "prompt/app_info.h"
#include "windows/rules_model.h"

#include <QAbstractProxyModel>
#include <QHash>
#include <QPersistentModelIndex>

#include <functional>
#include <optional>
#include <vector>

namespace hostgate::gui {

class RulesFilterModel;

class RulesGroupModel : public QAbstractProxyModel {
    Q_OBJECT
public:
    enum Role {
        GroupKeyRole = RulesModel::ReadOnlyRole + 1, // an application row's key (groupKey); invalid on a rule row
        RuleCountRole,                               // how many rules an application row holds (as filtered)
    };
    // The name and icon of an application, asked once per application and script, then remembered.
    using AppLookup = std::function<AppInfo(const QString& app, const QString& script)>;

    // Follows `rules` (its filter and its sort): an application appears when one of its rules passes the filter,
    // applications in the order of their first rule, rules in the filter's order below them.
    explicit RulesGroupModel(RulesFilterModel& rules, QObject* parent = nullptr);

    void setAppLookup(AppLookup lookup);
    // What the rules of one application share: its path and its script ("" and "" for the rules of any app).
    static QString groupKey(const RuleRecord& rule);

    bool isGroup(const QModelIndex& index) const;
    // The application row of `key` in `column`; invalid when no rule of it passes the filter.
    QModelIndex groupIndex(const QString& key, int column = 0) const;
    // The rule a rule row shows; nullptr for an application row.
    const RuleRecord* ruleAt(const QModelIndex& index) const;
    // The rules under an application row, in the view's order.
    QList<const RuleRecord*> rulesUnder(const QModelIndex& group) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    QModelIndex sibling(int row, int column, const QModelIndex& index) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    QModelIndex mapToSource(const QModelIndex& proxyIndex) const override;
    QModelIndex mapFromSource(const QModelIndex& sourceIndex) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Sorts the rules through the filter model (the view's header sorts here); applications follow their rules.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

signals:
    // After every regrouping (a reset or a layout change), once the views have taken it in: the rules window
    // restores which applications are expanded here.
    void regrouped();

private:
    struct Group {
        QString key;
        QString app;
        QString script;
        std::vector<int> rows; // rows of the filter model
        quint64 hits = 0;
        std::optional<QDateTime> lastHit;
        int disabled = 0;
    };
    struct Saved {
        QModelIndex proxy;
        bool group = false;
        QString groupKey;             // an application row's
        QPersistentModelIndex source; // a rule row's, kept up to date by the filter model
    };

    void rebuild();
    void summarize(Group& group) const;
    void beginRegroup();
    void endRegroup();
    void sourceDataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight, const QList<int>& roles);
    const AppInfo& infoOf(const Group& group) const;
    QVariant groupData(int row, int column, int role) const;

    RulesFilterModel& filter_;
    AppLookup lookup_;
    std::vector<Group> groups_;
    QHash<QString, int> groupOfKey_;
    // Filter row → (group, position in it).
    std::vector<std::pair<int, int>> positionOfRow_;
    std::vector<Saved> saved_;
    // Nested changes of the filter's rows (a new search removes and inserts block by block) are one regrouping.
    int regroupDepth_ = 0;
    mutable QHash<QString, AppInfo> infos_;
};

} // namespace hostgate::gui
