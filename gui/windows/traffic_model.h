// SPDX-License-Identifier: GPL-3.0-or-later
// TrafficModel: the network monitor's tree: one row per application (name and icon from its .desktop file, the
// executable otherwise), its flows below (destination, port, the decision, bytes each way, rate). Updated in
// place from each ListTraffic snapshot, so selection and expansion survive the refresh; keeps the last minutes of
// throughput per application and in total for the chart.
#pragma once

#include "client/records.h"
#include "prompt/app_info.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QHash>

#include <deque>
#include <memory>
#include <vector>

namespace hostgate::gui {

class TrafficModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,       // app name / destination
        ConnectionColumn, // open connections / port and protocol
        DecisionColumn,
        SinceColumn,
        SentColumn,
        ReceivedColumn,
        RateColumn,
        ColumnCount,
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // a number (or text) to sort by
        SearchRole,                  // what the filter matches: app, name, host, address
        AppRole,                     // the app's path ("" unknown)
    };
    struct Sample {
        QDateTime at;
        double sentPerSecond = 0;
        double receivedPerSecond = 0;
    };
    static constexpr int historySeconds = 300;

    explicit TrafficModel(QObject* parent = nullptr, AppInfoResolver* apps = nullptr);
    ~TrafficModel() override;

    // Applies a snapshot taken at `sampledAt`: rows of apps and flows that are gone are removed, new ones
    // appended, the others updated; rates and history come from the difference to the previous snapshot.
    void update(const QList<TrafficRecord>& flows, const QDateTime& sampledAt);

    // nullptr for an app row.
    const TrafficRecord* flowAt(const QModelIndex& index) const;
    QString appAt(const QModelIndex& index) const;   // the app of an app row or of a flow row
    QString groupAt(const QModelIndex& index) const; // the group (as indexOfApp and history take it) of either
    // The row of a group (an app id, a path and script, "?comm"), or the first of an executable's path.
    QModelIndex indexOfApp(const QString& app) const;
    // Throughput history (oldest first) of one app, or of all with an empty `app`.
    const std::deque<Sample>& history(const QString& app = {}) const;
    quint64 totalSent() const;
    quint64 totalReceived() const;
    int openConnections() const;
    int appCount() const { return static_cast<int>(apps_.size()); }

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString formatBytes(quint64 bytes);
    static QString formatRate(double bytesPerSecond);

private:
    struct Flow {
        TrafficRecord record;
        double sentPerSecond = 0;
        double receivedPerSecond = 0;
    };
    struct App {
        QString app;  // the group (groupOf): app id, or path and script, or "?comm"
        QString path; // the executable ("" unknown), what rules name
        AppInfo info;
        std::vector<Flow> flows;
        double sentPerSecond = 0;
        double receivedPerSecond = 0;
        quint64 sent() const;
        quint64 received() const;
        int open() const;
    };

    int rowOf(const App* app) const;
    QVariant appData(const App& app, int column, int role) const;
    QVariant flowData(const App& app, const Flow& flow, int column, int role) const;
    static void record(std::deque<Sample>& series, const Sample& sample);

    AppInfoResolver* resolver_;
    std::unique_ptr<AppInfoResolver> ownResolver_;
    std::vector<std::unique_ptr<App>> apps_;
    QHash<QString, std::pair<quint64, quint64>> previousBytes_; // flow key → (sent, received)
    QDateTime previousSample_;
    std::deque<Sample> total_;
    QHash<QString, std::deque<Sample>> perApp_;
};

} // namespace hostgate::gui
