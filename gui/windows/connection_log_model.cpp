// SPDX-License-Identifier: GPL-3.0-or-later
// ConnectionLogModel: how a connection event reads in the log, with a colour and shape per verdict.
#include "windows/connection_log_model.h"

#include <QBrush>
#include <QFileInfo>
#include <QPainter>
#include <QPixmap>

namespace hostgate::gui {

namespace {

// The same green, red and amber as the tray icons in desktop/icons.
constexpr QRgb allowedColor = 0xff26a269;
constexpr QRgb deniedColor = 0xffc01c28;
constexpr QRgb askedColor = 0xffe5a50a;

// A filled disc with a white mark: the shapes differ as well as the colours, for colour-blind users.
QIcon verdictIcon(QRgb color, const QString& verdict)
{
    QPixmap pixmap(32, 32);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor::fromRgba(color));
    painter.drawEllipse(QRectF(2, 2, 28, 28));
    QPen mark(Qt::white, 4, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    painter.setPen(mark);
    painter.setBrush(Qt::NoBrush);
    if (verdict == QLatin1String("allowed")) {
        painter.drawPolyline(QPolygonF({QPointF(9, 16.5), QPointF(14, 21.5), QPointF(23, 11)}));
    } else if (verdict == QLatin1String("denied")) {
        painter.drawLine(QPointF(9, 16), QPointF(23, 16));
    } else {
        painter.drawArc(QRectF(11, 7, 10, 10), 180 * 16, -270 * 16);
        painter.drawLine(QPointF(16, 17), QPointF(16, 19));
        painter.drawPoint(QPointF(16, 24.5));
    }
    painter.end();
    return QIcon(pixmap);
}

} // namespace

ConnectionLogModel::ConnectionLogModel(QObject* parent)
    : QAbstractTableModel(parent), allowedIcon_(verdictIcon(allowedColor, QStringLiteral("allowed"))),
      deniedIcon_(verdictIcon(deniedColor, QStringLiteral("denied"))),
      askedIcon_(verdictIcon(askedColor, QStringLiteral("asked")))
{}

void ConnectionLogModel::setEvents(const QList<ConnectionRecord>& events)
{
    beginResetModel();
    const qsizetype kept = std::min<qsizetype>(events.size(), capacity_);
    events_.assign(events.begin(), events.begin() + kept);
    endResetModel();
}

void ConnectionLogModel::prependEvent(const ConnectionRecord& event)
{
    beginInsertRows({}, 0, 0);
    events_.push_front(event);
    endInsertRows();
    dropOldestBeyondCapacity();
}

void ConnectionLogModel::setCapacity(int capacity)
{
    capacity_ = std::max(1, capacity);
    dropOldestBeyondCapacity();
}

void ConnectionLogModel::dropOldestBeyondCapacity()
{
    const int size = static_cast<int>(events_.size());
    if (size <= capacity_) {
        return;
    }
    beginRemoveRows({}, capacity_, size - 1);
    events_.resize(static_cast<std::size_t>(capacity_));
    endRemoveRows();
}

int ConnectionLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(events_.size());
}

int ConnectionLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ConnectionLogModel::describeEndpoint(const QString& address, quint16 port)
{
    const QString host = address.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(address) : address;
    return port == 0 ? host : QStringLiteral("%1:%2").arg(host).arg(port);
}

QVariant ConnectionLogModel::displayText(const ConnectionRecord& event, int column) const
{
    switch (column) {
    case TimeColumn:
        return event.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case VerdictColumn:
        return event.verdict;
    case AppColumn:
        return event.app.isEmpty() ? tr("unknown") : QFileInfo(event.app).fileName();
    case HostColumn:
        // A name only the app's first payload gave (no DNS answer) is marked as claimed, never shown as resolved.
        if (!event.claimedHost.isEmpty() && event.host.isEmpty())
            return tr("%1 (claimed)").arg(event.claimedHost);
        if (!event.claimedHost.isEmpty())
            return tr("%1 (claimed, trusted)").arg(event.host);
        return event.host;
    case AddressColumn:
        return describeEndpoint(event.address, event.port);
    case ProtocolColumn:
        return event.protocol;
    case RuleColumn:
        return event.ruleId ? QStringLiteral("#%1").arg(*event.ruleId) : tr("default");
    case ExplanationColumn:
        return event.explanation;
    default:
        return {};
    }
}

QVariant ConnectionLogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const ConnectionRecord& event = eventAt(index.row());
    const bool verdictColumn = index.column() == VerdictColumn;
    switch (role) {
    case Qt::DisplayRole:
        return displayText(event, index.column());
    case Qt::DecorationRole:
        if (!verdictColumn) {
            return {};
        }
        if (event.verdict == QLatin1String("allowed")) {
            return allowedIcon_;
        }
        return event.verdict == QLatin1String("denied") ? deniedIcon_ : askedIcon_;
    case Qt::ForegroundRole:
        if (!verdictColumn) {
            return {};
        }
        if (event.verdict == QLatin1String("allowed")) {
            return QBrush(QColor::fromRgba(allowedColor));
        }
        return QBrush(QColor::fromRgba(event.verdict == QLatin1String("denied") ? deniedColor : askedColor));
    case Qt::ToolTipRole:
        if (index.column() == AppColumn) {
            return tr("%1\npid %2, uid %3").arg(event.app).arg(event.pid).arg(event.uid);
        }
        if (index.column() == ExplanationColumn) {
            return event.explanation;
        }
        return {};
    case VerdictRole:
        return event.verdict;
    case EventIdRole:
        return event.id;
    default:
        return {};
    }
}

QVariant ConnectionLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case VerdictColumn:
        return tr("Verdict");
    case AppColumn:
        return tr("Application");
    case HostColumn:
        return tr("Host");
    case AddressColumn:
        return tr("Address");
    case ProtocolColumn:
        return tr("Protocol");
    case RuleColumn:
        return tr("Rule");
    case ExplanationColumn:
        return tr("Explanation");
    default:
        return {};
    }
}

} // namespace hostgate::gui
