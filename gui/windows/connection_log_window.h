// SPDX-License-Identifier: GPL-3.0-or-later
// ConnectionLogWindow: the daemon's recent decisions, updated live, with a way to turn one into a rule.
#pragma once

#include "client/firewall_client.h"

#include <QMainWindow>

#include <deque>

class QAction;
class QComboBox;
class QLineEdit;
class QTreeView;

namespace hostgate::gui {

class ConnectionLogFilterModel;
class ConnectionLogModel;

class ConnectionLogWindow : public QMainWindow {
    Q_OBJECT
public:
    // How many events are read from the daemon's history when the window opens or refreshes.
    static constexpr uint historyLimit = 1000;

    explicit ConnectionLogWindow(FirewallClient& client, QWidget* parent = nullptr);
    ~ConnectionLogWindow() override;

    // Reads the latest history again; live events that arrive meanwhile are kept and added after it.
    void refresh();
    // While paused, live events are held (bounded like the log) and shown when updates resume.
    void setPaused(bool paused);
    bool isPaused() const { return paused_; }
    // Emits makeRuleRequested for the selected event, if any.
    void makeRuleFromSelection();
    // Disables the rule that decided the selected event (the daemon refuses it for an admin rule), so the
    // next such connection is decided anew.
    void disableRuleOfSelection();

    ConnectionLogModel& model() { return *model_; }
    ConnectionLogFilterModel& filterModel() { return *filter_; }
    QTreeView& view() { return *view_; }

signals:
    void makeRuleRequested(const hostgate::gui::ConnectionRecord& event);

private:
    void buildUi();
    void receiveEvent(const ConnectionRecord& event);
    void showHeldEvents();
    void updateActions();
    const ConnectionRecord* selectedEvent() const;
    void showHeldCount();

    FirewallClient& client_;
    ConnectionLogModel* model_ = nullptr;
    ConnectionLogFilterModel* filter_ = nullptr;
    QTreeView* view_ = nullptr;
    QLineEdit* searchEdit_ = nullptr;
    QComboBox* verdictCombo_ = nullptr;
    QAction* pauseAction_ = nullptr;
    QAction* makeRuleAction_ = nullptr;
    QAction* disableRuleAction_ = nullptr;
    bool paused_ = false;
    bool fetching_ = false;
    quint64 fetchGeneration_ = 0;
    std::deque<ConnectionRecord> held_; // oldest first
};

} // namespace hostgate::gui
