// SPDX-License-Identifier: GPL-3.0-or-later
// RulesFilterModel: narrows and sorts the rules table by a search text and by application.
#pragma once

#include "windows/rules_model.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace hostgate::gui {

class RulesFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RulesFilterModel(RulesModel& rules, QObject* parent = nullptr);

    // Case-insensitive substring over application path, script, host and note; "" shows every rule.
    void setSearchText(const QString& text);
    // Only rules naming exactly this application ("" = the rules for any application); nullopt = all.
    void setApplication(std::optional<QString> app);

    RulesModel& rules() const { return rules_; }
    // The rule shown in this model's `row`.
    const RuleRecord& ruleAt(int row) const { return rules_.ruleAt(mapToSource(index(row, 0)).row()); }

signals:
    // Around a change of the search text or the application: the rows this model removes and inserts in between
    // are one change to the grouped view (RulesGroupModel), not one per block of rows.
    void refilterStarting();
    void refiltered();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    void refilter();

    RulesModel& rules_;
    QString searchText_;
    std::optional<QString> application_;
};

} // namespace hostgate::gui
