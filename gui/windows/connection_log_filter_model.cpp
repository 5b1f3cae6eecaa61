// SPDX-License-Identifier: GPL-3.0-or-later
// ConnectionLogFilterModel: the text and verdict filters of the connection log window.
#include "windows/connection_log_filter_model.h"

namespace hostgate::gui {

ConnectionLogFilterModel::ConnectionLogFilterModel(ConnectionLogModel& log, QObject* parent)
    : QSortFilterProxyModel(parent), log_(log)
{
    setSourceModel(&log_);
}

void ConnectionLogFilterModel::setSearchText(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == searchText_) {
        return;
    }
    searchText_ = trimmed;
    invalidateFilter();
}

void ConnectionLogFilterModel::setVerdict(const QString& verdict)
{
    if (verdict == verdict_) {
        return;
    }
    verdict_ = verdict;
    invalidateFilter();
}

bool ConnectionLogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (sourceParent.isValid()) {
        return false;
    }
    const ConnectionRecord& event = log_.eventAt(sourceRow);
    if (!verdict_.isEmpty() && event.verdict != verdict_) {
        return false;
    }
    return searchText_.isEmpty() || event.app.contains(searchText_, Qt::CaseInsensitive) ||
           event.host.contains(searchText_, Qt::CaseInsensitive) ||
           event.address.contains(searchText_, Qt::CaseInsensitive);
}

} // namespace hostgate::gui
