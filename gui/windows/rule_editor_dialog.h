// SPDX-License-Identifier: GPL-3.0-or-later
// RuleEditorDialog: creates a rule or edits a user rule, checking each field before the daemon sees it.
#pragma once

#include "client/firewall_client.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace hostgate::gui {

class RuleEditorDialog : public QDialog {
    Q_OBJECT
public:
    // Starts as a new rule with no action chosen: allowing or denying is always a deliberate choice.
    explicit RuleEditorDialog(FirewallClient& client, QWidget* parent = nullptr);

    // Fills the fields for a new rule (e.g. from a connection event); saving calls AddRule.
    void prefillNewRule(const RuleRecord& draft);
    // Edits an existing user rule; saving calls UpdateRule with only the keys that changed.
    void editRule(const RuleRecord& rule);

    // The rule as the fields describe it now.
    RuleRecord draft() const;
    // What AddRule would receive.
    QVariantMap fields() const;
    // The first problem with the fields, as a sentence; empty when the rule can be saved.
    QString validationProblem() const;
    bool isEditing() const { return original_.has_value(); }

    // Validators shared with anything else that accepts rule text.
    static bool isValidHost(const QString& host);
    static bool isValidPorts(const QString& ports);

public slots:
    // Saves through the client; the dialog closes only when the daemon accepted the rule.
    void accept() override;

signals:
    void ruleSaved(quint64 id);
    void saveFailed(const QString& action, const hostgate::gui::CallError& error);

private:
    void buildForm();
    void showRule(const RuleRecord& rule);
    void refreshValidation();
    void setBusy(bool busy);
    void finishSave(quint64 id, const CallError& error);

    FirewallClient& client_;
    std::optional<RuleRecord> original_;
    bool busy_ = false;

    QLineEdit* appEdit_ = nullptr;
    QLineEdit* scriptEdit_ = nullptr;
    QLineEdit* userEdit_ = nullptr;
    QLineEdit* hostEdit_ = nullptr;
    QLineEdit* portsEdit_ = nullptr;
    QComboBox* protocolCombo_ = nullptr;
    QComboBox* actionCombo_ = nullptr;
    QComboBox* lifetimeCombo_ = nullptr;
    QDateTimeEdit* untilEdit_ = nullptr;
    QCheckBox* enabledCheck_ = nullptr;
    QLineEdit* noteEdit_ = nullptr;
    QLabel* problemLabel_ = nullptr;
    QDialogButtonBox* buttons_ = nullptr;
};

} // namespace hostgate::gui
