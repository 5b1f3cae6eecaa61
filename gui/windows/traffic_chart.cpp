// SPDX-License-Identifier: GPL-3.0-or-later
// TrafficChart: a frame, a rate scale rounded to 1/2/5 × 10^n, a time axis of the last five minutes and two
// polylines (sent, received) in the palette's highlight and link colours, with a legend.
#include "windows/traffic_chart.h"

#include "ui/font_units.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace hostgate::gui {

namespace {

// The smallest of 1, 2, 5 × 10^n at or above `value` (at least 1 KiB/s, so an idle chart has a scale).
double niceCeiling(double value)
{
    value = std::max(value, 1024.0);
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : {1.0, 2.0, 5.0, 10.0})
        if (value <= step * magnitude)
            return step * magnitude;
    return 10 * magnitude;
}

} // namespace

TrafficChart::TrafficChart(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("trafficChart"));
    setAccessibleName(tr("Traffic of the last five minutes"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QSize TrafficChart::sizeHint() const
{
    return {textColumns(*this, 100), textLines(*this, 12)};
}

void TrafficChart::plot(const std::deque<TrafficModel::Sample>& samples, const QDateTime& now, const QString& title)
{
    points_.clear();
    highest_ = 0;
    for (const TrafficModel::Sample& sample : samples) {
        points_.push_back({sample.at.msecsTo(now) / 1000.0, sample.sentPerSecond, sample.receivedPerSecond});
        highest_ = std::max({highest_, sample.sentPerSecond, sample.receivedPerSecond});
    }
    title_ = title;
    setToolTip(tr("%1: at most %2 in the last five minutes").arg(title, TrafficModel::formatRate(highest_)));
    update();
}

void TrafficChart::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette& colors = palette();
    painter.fillRect(rect(), colors.base());
    const int line = textLines(*this, 1);
    const double top = niceCeiling(highest_);
    const QString topLabel = TrafficModel::formatRate(top);
    const int left =
        std::max(textColumns(*this, 12), fontMetrics().horizontalAdvance(topLabel) + textColumns(*this, 2));
    const QRect plot = rect().adjusted(left, line * 2, -textColumns(*this, 2), -line * 2);
    if (plot.width() <= 0 || plot.height() <= 0)
        return;

    painter.setPen(colors.color(QPalette::Text));
    painter.drawText(QRect(0, 0, width(), line * 2), Qt::AlignCenter, title_);
    painter.setPen(QPen(colors.color(QPalette::Mid), 1));
    painter.drawRect(plot);
    for (int i = 1; i < 4; ++i) {
        const int y = plot.bottom() - plot.height() * i / 4;
        painter.drawLine(plot.left(), y, plot.right(), y);
    }
    painter.setPen(colors.color(QPalette::Text));
    painter.drawText(QRect(0, plot.top() - line / 2, left - textColumns(*this, 1), line),
                     Qt::AlignRight | Qt::AlignVCenter, topLabel);
    // Above the baseline, clear of the time axis's labels under it.
    painter.drawText(QRect(0, plot.bottom() - line, left - textColumns(*this, 1), line),
                     Qt::AlignRight | Qt::AlignBottom, TrafficModel::formatRate(0));
    const int minutes = TrafficModel::historySeconds / 60;
    for (int minute = 0; minute <= minutes; ++minute) {
        const int x = plot.right() - plot.width() * minute / minutes;
        painter.drawText(QRect(x - left / 2, plot.bottom(), left, line), Qt::AlignCenter,
                         minute == 0 ? tr("now") : tr("-%1 min").arg(minute));
    }

    const auto pointAt = [&](double secondsAgo, double value) {
        return QPointF(plot.right() - plot.width() * secondsAgo / TrafficModel::historySeconds,
                       plot.bottom() - plot.height() * std::min(value / top, 1.0));
    };
    const QColor sentColor = colors.color(QPalette::Highlight);
    const QColor receivedColor = colors.color(QPalette::Link).lighter(130);
    for (const auto& [color, sent] : {std::pair{sentColor, true}, std::pair{receivedColor, false}}) {
        // From the baseline up to the first sample: one sample alone is a visible spike, not an invisible dot.
        QPainterPath path;
        if (!points_.empty())
            path.moveTo(pointAt(points_.front().secondsAgo, 0));
        for (const Point& point : points_)
            path.lineTo(pointAt(point.secondsAgo, sent ? point.sent : point.received));
        painter.setPen(QPen(color, 2));
        painter.drawPath(path);
    }
    // Legend, under the time axis.
    const int legendY = plot.bottom() + line;
    int x = plot.left();
    for (const auto& [color, label] : {std::pair{sentColor, tr("Sent")}, std::pair{receivedColor, tr("Received")}}) {
        painter.fillRect(QRect(x, legendY + line / 3, textColumns(*this, 2), line / 3), color);
        x += textColumns(*this, 3);
        painter.setPen(colors.color(QPalette::Text));
        painter.drawText(QRect(x, legendY, textColumns(*this, 14), line), Qt::AlignLeft | Qt::AlignVCenter, label);
        x += textColumns(*this, 14);
    }
}

} // namespace hostgate::gui
