// SPDX-License-Identifier: GPL-3.0-or-later
// ProposalsWindow: the review of what learning mode proposes — per application, accept (with the host and ports
// edited) or reject one proposal, or all of the shown application's.
#pragma once

#include "client/firewall_client.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeView;

namespace hostgate::gui {

class ProposalsModel;

class ProposalsWindow : public QWidget {
    Q_OBJECT
public:
    explicit ProposalsWindow(FirewallClient& client, QWidget* parent = nullptr);
    ~ProposalsWindow() override;

    ProposalsModel& model() { return *model_; }
    QTreeView& view() { return *view_; }
    QComboBox& applicationFilter() { return *appCombo_; }
    QLineEdit& hostEdit() { return *hostEdit_; }
    QLineEdit& portsEdit() { return *portsEdit_; }
    QPushButton& acceptButton() { return *accept_; }
    QPushButton& rejectButton() { return *reject_; }
    QPushButton& acceptAllButton() { return *acceptAll_; }
    QPushButton& rejectAllButton() { return *rejectAll_; }
    QString statusText() const;

    // Accepts the selected proposal with the host and ports as edited (only what differs is sent).
    void acceptSelected();
    void rejectSelected();

private:
    void rebuildApplicationFilter();
    void selectionChanged();
    int selectedRow() const;

    FirewallClient& client_;
    ProposalsModel* model_ = nullptr;
    QTreeView* view_ = nullptr;
    QComboBox* appCombo_ = nullptr;
    QLineEdit* hostEdit_ = nullptr;
    QLineEdit* portsEdit_ = nullptr;
    QPushButton* accept_ = nullptr;
    QPushButton* reject_ = nullptr;
    QPushButton* acceptAll_ = nullptr;
    QPushButton* rejectAll_ = nullptr;
    QLabel* status_ = nullptr;
};

} // namespace hostgate::gui
