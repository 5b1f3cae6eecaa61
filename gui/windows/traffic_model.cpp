// SPDX-License-Identifier: GPL-3.0-or-later
// TrafficModel: grouping a ListTraffic snapshot by application, diffing it into the tree, rates and history.
#include "windows/traffic_model.h"

#include "windows/connection_log_model.h"

#include <QFileInfo>
#include <QLocale>

#include <algorithm>
#include <map>

namespace hostgate::gui {

namespace {

// The tree's group of a flow: its sandbox app id, else its app (and an interpreter's script: each script is a
// program of its own), or for an unknown owner the process name the kernel recorded.
QString groupOf(const TrafficRecord& flow)
{
    if (!flow.appId.isEmpty())
        return flow.appId;
    if (flow.app.isEmpty())
        return QStringLiteral("?") + flow.comm;
    return flow.script.isEmpty() ? flow.app : flow.app + QLatin1Char('\n') + flow.script;
}

} // namespace

quint64 TrafficModel::App::sent() const
{
    quint64 total = 0;
    for (const Flow& flow : flows)
        total += flow.record.bytesSent;
    return total;
}

quint64 TrafficModel::App::received() const
{
    quint64 total = 0;
    for (const Flow& flow : flows)
        total += flow.record.bytesReceived;
    return total;
}

int TrafficModel::App::open() const
{
    return static_cast<int>(
        std::count_if(flows.begin(), flows.end(), [](const Flow& flow) { return flow.record.isOpen(); }));
}

TrafficModel::TrafficModel(QObject* parent, AppInfoResolver* apps) : QAbstractItemModel(parent), resolver_(apps)
{
    if (!resolver_) {
        ownResolver_ = std::make_unique<AppInfoResolver>();
        resolver_ = ownResolver_.get();
    }
}

TrafficModel::~TrafficModel() = default;

void TrafficModel::record(std::deque<Sample>& series, const Sample& sample)
{
    series.push_back(sample);
    while (!series.empty() && series.front().at.secsTo(sample.at) > historySeconds)
        series.pop_front();
}

void TrafficModel::update(const QList<TrafficRecord>& flows, const QDateTime& sampledAt)
{
    // Grouped in the order the apps first appear (most recently active first).
    std::vector<QString> order;
    std::map<QString, std::vector<TrafficRecord>> grouped;
    for (const TrafficRecord& flow : flows) {
        auto& group = grouped[groupOf(flow)];
        if (group.empty())
            order.push_back(groupOf(flow));
        group.push_back(flow);
    }

    // Throughput since the previous snapshot: a flow seen before counts its growth, a new one what it carried
    // since that snapshot (all of it when it began after it; nothing on the very first snapshot).
    const double seconds = previousSample_.isValid() ? std::max(0.001, previousSample_.msecsTo(sampledAt) / 1000.0) : 0;
    QHash<QString, std::pair<quint64, quint64>> bytesNow;
    QHash<QString, std::pair<double, double>> flowRates; // flow key → (sent, received) per second
    std::map<QString, std::pair<double, double>> appRates;
    double totalSent = 0, totalReceived = 0;
    for (const TrafficRecord& flow : flows) {
        bytesNow.insert(flow.key(), {flow.bytesSent, flow.bytesReceived});
        if (seconds <= 0)
            continue;
        quint64 sentDelta = 0, receivedDelta = 0;
        if (const auto previous = previousBytes_.constFind(flow.key()); previous != previousBytes_.cend()) {
            sentDelta = flow.bytesSent >= previous->first ? flow.bytesSent - previous->first : 0;
            receivedDelta = flow.bytesReceived >= previous->second ? flow.bytesReceived - previous->second : 0;
        } else if (flow.since >= previousSample_) {
            sentDelta = flow.bytesSent;
            receivedDelta = flow.bytesReceived;
        }
        const std::pair<double, double> rate{sentDelta / seconds, receivedDelta / seconds};
        flowRates.insert(flow.key(), rate);
        auto& appRate = appRates[groupOf(flow)];
        appRate.first += rate.first;
        appRate.second += rate.second;
        totalSent += rate.first;
        totalReceived += rate.second;
    }
    const auto flowRate = [&flowRates](const TrafficRecord& flow) {
        return flowRates.value(flow.key(), std::pair<double, double>{0, 0});
    };

    // Apps that are gone, then each remaining app's flows, then new apps.
    for (int row = static_cast<int>(apps_.size()) - 1; row >= 0; --row) {
        if (grouped.count(apps_[static_cast<std::size_t>(row)]->app) == 0) {
            beginRemoveRows({}, row, row);
            apps_.erase(apps_.begin() + row);
            endRemoveRows();
        }
    }
    for (int row = 0; row < static_cast<int>(apps_.size()); ++row) {
        App& app = *apps_[static_cast<std::size_t>(row)];
        const QModelIndex parentIndex = index(row, 0);
        const std::vector<TrafficRecord>& incoming = grouped[app.app];
        QHash<QString, const TrafficRecord*> byKey;
        for (const TrafficRecord& flow : incoming)
            byKey.insert(flow.key(), &flow);
        for (int child = static_cast<int>(app.flows.size()) - 1; child >= 0; --child) {
            if (!byKey.contains(app.flows[static_cast<std::size_t>(child)].record.key())) {
                beginRemoveRows(parentIndex, child, child);
                app.flows.erase(app.flows.begin() + child);
                endRemoveRows();
            }
        }
        QSet<QString> present;
        for (std::size_t child = 0; child < app.flows.size(); ++child) {
            Flow& flow = app.flows[child];
            present.insert(flow.record.key());
            flow.record = *byKey.value(flow.record.key());
            std::tie(flow.sentPerSecond, flow.receivedPerSecond) = flowRate(flow.record);
        }
        if (!app.flows.empty())
            emit dataChanged(index(0, 0, parentIndex),
                             index(static_cast<int>(app.flows.size()) - 1, ColumnCount - 1, parentIndex));
        std::vector<Flow> added;
        for (const TrafficRecord& flow : incoming)
            if (!present.contains(flow.key())) {
                Flow fresh{flow, 0, 0};
                std::tie(fresh.sentPerSecond, fresh.receivedPerSecond) = flowRate(flow);
                added.push_back(std::move(fresh));
            }
        if (!added.empty()) {
            const int first = static_cast<int>(app.flows.size());
            beginInsertRows(parentIndex, first, first + static_cast<int>(added.size()) - 1);
            for (Flow& flow : added)
                app.flows.push_back(std::move(flow));
            endInsertRows();
        }
        std::tie(app.sentPerSecond, app.receivedPerSecond) = appRates[app.app];
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    for (const QString& name : order) {
        if (std::any_of(apps_.begin(), apps_.end(), [&](const auto& app) { return app->app == name; }))
            continue;
        auto app = std::make_unique<App>();
        app->app = name;
        const TrafficRecord& first = grouped[name].front();
        if (first.app.isEmpty()) {
            app->info.name = first.comm.isEmpty() ? tr("Unknown application") : tr("Unknown (%1)").arg(first.comm);
        } else {
            app->info = resolver_->resolve(first.app, first.script, first.appId);
            app->path = first.app;
        }
        for (const TrafficRecord& flow : grouped[name]) {
            Flow fresh{flow, 0, 0};
            std::tie(fresh.sentPerSecond, fresh.receivedPerSecond) = flowRate(flow);
            app->flows.push_back(std::move(fresh));
        }
        std::tie(app->sentPerSecond, app->receivedPerSecond) = appRates[name];
        const int row = static_cast<int>(apps_.size());
        beginInsertRows({}, row, row);
        apps_.push_back(std::move(app));
        endInsertRows();
    }

    if (seconds > 0) {
        record(total_, {sampledAt, totalSent, totalReceived});
        for (const auto& app : apps_) {
            const auto rate = appRates[app->app];
            record(perApp_[app->app], {sampledAt, rate.first, rate.second});
        }
        for (auto series = perApp_.begin(); series != perApp_.end();) {
            if (!grouped.count(series.key()) &&
                (series->empty() || series->back().at.secsTo(sampledAt) > historySeconds))
                series = perApp_.erase(series);
            else
                ++series;
        }
    }
    previousBytes_ = std::move(bytesNow);
    previousSample_ = sampledAt;
}

int TrafficModel::rowOf(const App* app) const
{
    for (std::size_t row = 0; row < apps_.size(); ++row)
        if (apps_[row].get() == app)
            return static_cast<int>(row);
    return -1;
}

const TrafficRecord* TrafficModel::flowAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.internalPointer() == nullptr)
        return nullptr;
    const auto* app = static_cast<const App*>(index.internalPointer());
    if (index.row() < 0 || index.row() >= static_cast<int>(app->flows.size()))
        return nullptr;
    return &app->flows[static_cast<std::size_t>(index.row())].record;
}

QString TrafficModel::appAt(const QModelIndex& index) const
{
    if (!index.isValid())
        return {};
    if (const TrafficRecord* flow = flowAt(index))
        return flow->app;
    return apps_.at(static_cast<std::size_t>(index.row()))->path;
}

QString TrafficModel::groupAt(const QModelIndex& index) const
{
    if (!index.isValid())
        return {};
    if (const auto* app = static_cast<const App*>(index.internalPointer()))
        return app->app;
    return apps_.at(static_cast<std::size_t>(index.row()))->app;
}

QModelIndex TrafficModel::indexOfApp(const QString& app) const
{
    for (std::size_t row = 0; row < apps_.size(); ++row)
        if (apps_[row]->app == app || (!app.isEmpty() && apps_[row]->path == app))
            return index(static_cast<int>(row), 0);
    return {};
}

const std::deque<TrafficModel::Sample>& TrafficModel::history(const QString& app) const
{
    static const std::deque<Sample> none;
    if (app.isEmpty())
        return total_;
    const auto found = perApp_.constFind(app);
    return found == perApp_.cend() ? none : *found;
}

quint64 TrafficModel::totalSent() const
{
    quint64 total = 0;
    for (const auto& app : apps_)
        total += app->sent();
    return total;
}

quint64 TrafficModel::totalReceived() const
{
    quint64 total = 0;
    for (const auto& app : apps_)
        total += app->received();
    return total;
}

int TrafficModel::openConnections() const
{
    int open = 0;
    for (const auto& app : apps_)
        open += app->open();
    return open;
}

QModelIndex TrafficModel::index(int row, int column, const QModelIndex& parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < static_cast<int>(apps_.size()) ? createIndex(row, column, nullptr) : QModelIndex();
    if (parent.internalPointer() != nullptr || parent.row() >= static_cast<int>(apps_.size()))
        return {};
    App* app = apps_[static_cast<std::size_t>(parent.row())].get();
    return row < static_cast<int>(app->flows.size()) ? createIndex(row, column, app) : QModelIndex();
}

QModelIndex TrafficModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalPointer() == nullptr)
        return {};
    const int row = rowOf(static_cast<const App*>(child.internalPointer()));
    return row < 0 ? QModelIndex() : createIndex(row, 0, nullptr);
}

int TrafficModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return static_cast<int>(apps_.size());
    if (parent.internalPointer() != nullptr || parent.column() != 0 || parent.row() >= static_cast<int>(apps_.size()))
        return 0;
    return static_cast<int>(apps_[static_cast<std::size_t>(parent.row())]->flows.size());
}

int TrafficModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QString TrafficModel::formatBytes(quint64 bytes)
{
    return QLocale().formattedDataSize(static_cast<qint64>(bytes), 1, QLocale::DataSizeTraditionalFormat);
}

QString TrafficModel::formatRate(double bytesPerSecond)
{
    return tr("%1/s").arg(formatBytes(static_cast<quint64>(bytesPerSecond + 0.5)));
}

QVariant TrafficModel::appData(const App& app, int column, int role) const
{
    if (role == AppRole)
        return app.path;
    if (role == SearchRole)
        return app.info.name + QLatin1Char(' ') + app.app;
    if (role == Qt::DecorationRole && column == NameColumn)
        return app.info.icon();
    if (role == Qt::ToolTipRole && column == NameColumn)
        return app.path.isEmpty() ? tr("The socket's owner is not known")
                                  : QString(app.app).replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (role == SortRole) {
        switch (column) {
        case NameColumn:
            return app.info.name.toLower();
        case ConnectionColumn:
            return static_cast<qulonglong>(app.flows.size());
        case SentColumn:
            return static_cast<qulonglong>(app.sent());
        case ReceivedColumn:
            return static_cast<qulonglong>(app.received());
        case RateColumn:
            return app.sentPerSecond + app.receivedPerSecond;
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case NameColumn:
        return app.info.name;
    case ConnectionColumn:
        return tr("%n open", nullptr, app.open()) + tr(", %n in all", nullptr, static_cast<int>(app.flows.size()));
    case SentColumn:
        return formatBytes(app.sent());
    case ReceivedColumn:
        return formatBytes(app.received());
    case RateColumn:
        return tr("↑ %1  ↓ %2").arg(formatRate(app.sentPerSecond), formatRate(app.receivedPerSecond));
    default:
        return {};
    }
}

QVariant TrafficModel::flowData(const App& app, const Flow& flow, int column, int role) const
{
    const TrafficRecord& record = flow.record;
    if (role == AppRole)
        return record.app;
    if (role == SearchRole)
        return app.info.name + QLatin1Char(' ') + record.app + QLatin1Char(' ') + record.host + QLatin1Char(' ') +
               record.address;
    const QString destination =
        record.host.isEmpty() ? record.address : QStringLiteral("%1 (%2)").arg(record.host, record.address);
    QString decision;
    if (record.verdict == QLatin1String("allowed"))
        decision = record.ruleId ? tr("allowed by rule #%1").arg(*record.ruleId) : tr("allowed by default");
    else if (record.verdict == QLatin1String("denied"))
        decision = record.ruleId ? tr("denied by rule #%1").arg(*record.ruleId) : tr("denied by default");
    else if (record.verdict == QLatin1String("asked"))
        decision = tr("asked");
    else
        decision = tr("no decision recorded"); // decided by a verdict an earlier daemon cached
    if (role == Qt::ToolTipRole) {
        QStringList lines{destination};
        if (!record.explanation.isEmpty())
            lines << record.explanation;
        lines << tr("%1 packets sent, %2 received").arg(record.packetsSent).arg(record.packetsReceived);
        if (!record.container.isEmpty())
            lines << tr("Container: %1").arg(record.container);
        if (record.pid != 0)
            lines << tr("Process %1 (%2)").arg(record.pid).arg(record.comm);
        return lines.join(QLatin1Char('\n'));
    }
    if (role == Qt::ForegroundRole && !record.isOpen())
        return QColor(Qt::gray);
    if (role == SortRole) {
        switch (column) {
        case NameColumn:
            return destination.toLower();
        case ConnectionColumn:
            return record.port;
        case DecisionColumn:
            return decision;
        case SinceColumn:
            return record.since.toMSecsSinceEpoch();
        case SentColumn:
            return static_cast<qulonglong>(record.bytesSent);
        case ReceivedColumn:
            return static_cast<qulonglong>(record.bytesReceived);
        case RateColumn:
            return flow.sentPerSecond + flow.receivedPerSecond;
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case NameColumn:
        return destination;
    case ConnectionColumn: {
        const QString port = QStringLiteral("%1/%2").arg(record.port).arg(record.protocol);
        if (record.socket == 0)
            return tr("%1, refused").arg(port);
        return record.isOpen() ? tr("%1, open").arg(port) : tr("%1, closed").arg(port);
    }
    case DecisionColumn:
        return decision;
    case SinceColumn:
        return QLocale().toString(record.since.toLocalTime().time(), QLocale::ShortFormat);
    case SentColumn:
        return formatBytes(record.bytesSent);
    case ReceivedColumn:
        return formatBytes(record.bytesReceived);
    case RateColumn:
        return record.isOpen()
                   ? tr("↑ %1  ↓ %2").arg(formatRate(flow.sentPerSecond), formatRate(flow.receivedPerSecond))
                   : QString();
    default:
        return {};
    }
}

QVariant TrafficModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    if (index.internalPointer() == nullptr) {
        if (index.row() >= static_cast<int>(apps_.size()))
            return {};
        return appData(*apps_[static_cast<std::size_t>(index.row())], index.column(), role);
    }
    const auto* app = static_cast<const App*>(index.internalPointer());
    if (index.row() >= static_cast<int>(app->flows.size()))
        return {};
    return flowData(*app, app->flows[static_cast<std::size_t>(index.row())], index.column(), role);
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Application / destination");
    case ConnectionColumn:
        return tr("Connection");
    case DecisionColumn:
        return tr("Decision");
    case SinceColumn:
        return tr("Since");
    case SentColumn:
        return tr("Sent");
    case ReceivedColumn:
        return tr("Received");
    case RateColumn:
        return tr("Rate");
    default:
        return {};
    }
}

} // namespace hostgate::gui
