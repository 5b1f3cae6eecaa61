// SPDX-License-Identifier: GPL-3.0-or-later
// TrafficChart: the monitor's throughput chart, painted with QPainter: bytes per second sent and received over
// the last minutes, of every application or of the one selected. Sizes follow the font.
#pragma once

#include "windows/traffic_model.h"

#include <QWidget>

namespace hostgate::gui {

class TrafficChart : public QWidget {
    Q_OBJECT
public:
    explicit TrafficChart(QWidget* parent = nullptr);

    // Redraws from `samples` (oldest first) as of `now`; `title` says whose traffic it is.
    void plot(const std::deque<TrafficModel::Sample>& samples, const QDateTime& now, const QString& title);
    int pointCount() const { return static_cast<int>(points_.size()); }
    QString title() const { return title_; }
    // The largest rate shown, bytes per second (the scale's top is a round number above it).
    double highest() const { return highest_; }

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    struct Point {
        double secondsAgo = 0;
        double sent = 0;
        double received = 0;
    };
    std::vector<Point> points_;
    QString title_;
    double highest_ = 0;
};

} // namespace hostgate::gui
