// SPDX-License-Identifier: GPL-3.0-or-later
// MonitorWindow: the network monitor: per application, its current and recent connections (destination, the
// decision and its rule, bytes each way from the kernel's counters, rate) and a chart of the last minutes'
// throughput. Polls ListTraffic once a second while it is shown, never while hidden, so the bus stays quiet.
#pragma once

#include "client/firewall_client.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTimer;
class QTreeView;

namespace hostgate::gui {

class TrafficChart;
class TrafficModel;

class MonitorWindow : public QMainWindow {
    Q_OBJECT
public:
    static constexpr int refreshMilliseconds = 1000;

    explicit MonitorWindow(FirewallClient& client, QWidget* parent = nullptr);
    ~MonitorWindow() override;

    // Asks for a snapshot now (one at a time: a slow answer is not queued behind another).
    void refresh();
    bool isPolling() const;

    // Emits makeRuleRequested for the selected flow.
    void makeRuleFromSelection();
    // Emits rulesRequested with the selected row's app.
    void showRulesOfSelection();
    // Disables the rule that decided the selected flow.
    void disableRuleOfSelection();

    TrafficModel& model() { return *model_; }
    QSortFilterProxyModel& filterModel() { return *filter_; }
    QTreeView& view() { return *view_; }
    TrafficChart& chart() { return *chart_; }

signals:
    void makeRuleRequested(const hostgate::gui::ConnectionRecord& event);
    void rulesRequested(const QString& app);
    // Every applied snapshot (tests synchronize on it).
    void refreshed();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void buildUi();
    void updateActions();
    void updateSummary();
    QModelIndex selectedSourceIndex() const;

    FirewallClient& client_;
    TrafficModel* model_ = nullptr;
    QSortFilterProxyModel* filter_ = nullptr;
    QTreeView* view_ = nullptr;
    TrafficChart* chart_ = nullptr;
    QLineEdit* searchEdit_ = nullptr;
    QLabel* summary_ = nullptr;
    QTimer* timer_ = nullptr;
    QAction* makeRuleAction_ = nullptr;
    QAction* showRulesAction_ = nullptr;
    QAction* disableRuleAction_ = nullptr;
    bool fetching_ = false;
    bool firstSnapshot_ = true;
};

} // namespace hostgate::gui
