// SPDX-License-Identifier: GPL-3.0-or-later
// ConnectionLogModel: the most recent connection events, newest first, bounded so a busy machine
// cannot grow the log window without limit.
#pragma once

#include "client/records.h"

#include <QAbstractTableModel>
#include <QIcon>

#include <deque>

namespace hostgate::gui {

class ConnectionLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        VerdictColumn,
        AppColumn,
        HostColumn,
        AddressColumn,
        ProtocolColumn,
        RuleColumn,
        ExplanationColumn,
        ColumnCount,
    };
    enum Role {
        VerdictRole = Qt::UserRole + 1,
        EventIdRole,
    };
    static constexpr int defaultCapacity = 5000;

    explicit ConnectionLogModel(QObject* parent = nullptr);

    // Replaces the log with `events` (newest first), keeping at most capacity() of them.
    void setEvents(const QList<ConnectionRecord>& events);
    // Adds one event at the top; the oldest row falls off once the log is full.
    void prependEvent(const ConnectionRecord& event);
    void setCapacity(int capacity);
    int capacity() const { return capacity_; }
    const ConnectionRecord& eventAt(int row) const { return events_.at(static_cast<std::size_t>(row)); }
    // The id of the newest event shown, or -1 when the log is empty.
    qint64 newestId() const { return events_.empty() ? -1 : events_.front().id; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "203.0.113.10:443", "[2001:db8::1]:443".
    static QString describeEndpoint(const QString& address, quint16 port);

private:
    void dropOldestBeyondCapacity();
    QVariant displayText(const ConnectionRecord& event, int column) const;

    std::deque<ConnectionRecord> events_;
    int capacity_ = defaultCapacity;
    QIcon allowedIcon_;
    QIcon deniedIcon_;
    QIcon askedIcon_;
};

} // namespace hostgate::gui
