// SPDX-License-Identifier: GPL-3.0-or-later
// ConnectionLogFilterModel: narrows the connection log by application/host text and by verdict.
#pragma once

#include "windows/connection_log_model.h"

#include <QSortFilterProxyModel>

namespace hostgate::gui {

class ConnectionLogFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit ConnectionLogFilterModel(ConnectionLogModel& log, QObject* parent = nullptr);

    // Case-insensitive substring over application path, host name and address; "" shows every event.
    void setSearchText(const QString& text);
    // "allowed", "denied", "asked", or "" for every verdict.
    void setVerdict(const QString& verdict);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    ConnectionLogModel& log_;
    QString searchText_;
    QString verdict_;
};

} // namespace hostgate::gui
