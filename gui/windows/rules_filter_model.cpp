// SPDX-License-Identifier: GPL-3.0-or-later
// RulesFilterModel: the search box and application filter of the rules window.
#include "windows/rules_filter_model.h"

namespace hostgate::gui {

RulesFilterModel::RulesFilterModel(RulesModel& rules, QObject* parent) : QSortFilterProxyModel(parent), rules_(rules)
{
    setSourceModel(&rules_);
    setSortRole(RulesModel::SortRole);
    // Sorting is by the model's SortRole values, which are already case-folded where they are text.
    setSortCaseSensitivity(Qt::CaseSensitive);
}

void RulesFilterModel::setSearchText(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == searchText_) {
        return;
    }
    searchText_ = trimmed;
    refilter();
}

void RulesFilterModel::setApplication(std::optional<QString> app)
{
    if (app == application_) {
        return;
    }
    application_ = std::move(app);
    refilter();
}

void RulesFilterModel::refilter()
{
    emit refilterStarting();
    invalidateFilter();
    emit refiltered();
}

bool RulesFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (sourceParent.isValid()) {
        return false;
    }
    const RuleRecord& rule = rules_.ruleAt(sourceRow);
    if (application_ && rule.app != *application_) {
        return false;
    }
    if (searchText_.isEmpty()) {
        return true;
    }
    return rule.app.contains(searchText_, Qt::CaseInsensitive) ||
           rule.script.contains(searchText_, Qt::CaseInsensitive) ||
           rule.host.contains(searchText_, Qt::CaseInsensitive) || rule.note.contains(searchText_, Qt::CaseInsensitive);
}

} // namespace hostgate::gui
