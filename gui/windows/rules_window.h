// SPDX-License-Identifier: GPL-3.0-or-later
// RulesWindow: lists, filters and edits the daemon's rules; admin rules are shown but never editable.
#pragma once

#include "client/firewall_client.h"

#include <QMainWindow>
#include <QSet>

#include <optional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QTreeView;

namespace hostgate::gui {

class RuleEditorDialog;
class RulesFilterModel;
class RulesGroupModel;
class RulesModel;
struct RuleRecord;

class RulesWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit RulesWindow(FirewallClient& client, QWidget* parent = nullptr);
    ~RulesWindow() override;

    // Opens the rule editor filled from a logged connection: its app, host (or address), port and
    // protocol, with action allow.
    void openNewRuleFrom(const ConnectionRecord& event);
    // Shows only the rules naming `app` (the application filter), once they are loaded; says so when none does.
    void showRulesOf(const QString& app);
    // Fetches every rule again; the table is replaced in one reset when the answer arrives.
    void reload();

    // Asks for confirmation, then removes the selected user rules.
    void deleteSelected();
    void addRule();
    void editSelected();
    // The file-dialog-free halves of import and export, so they can be driven directly.
    void importFromFile(const QString& path, bool replace);
    void exportToFile(const QString& path);

    // The subscribed lists, one checkable row each (checked: in force); toggling one calls SetListEnabled.
    QListWidget& listsView() { return *listsView_; }
    void reloadLists();

    // Grouped (the default): one row per application, its icon and name, with its rules below; otherwise one
    // flat table of rules. The toolbar's "Group by application" switches.
    void setGroupedByApplication(bool grouped);
    bool groupedByApplication() const;

    RulesModel& model() { return *model_; }
    RulesFilterModel& filterModel() { return *filter_; }
    RulesGroupModel& groupModel() { return *groups_; }
    QTreeView& view() { return *view_; }

private:
    QString daemonGoneMessage() const;
    void buildUi();
    void rebuildApplicationFilter();
    void updateActions();
    // The rules of the selected rows, an application row standing for its rules; each rule once.
    QList<const RuleRecord*> selectedRules() const;
    QList<quint64> selectedRuleIds(bool* includesReadOnly) const;
    // Expands every application row the user has not collapsed.
    void restoreExpansion();
    void removeRules(const QList<quint64>& ids);
    void importWithDialog();
    void exportWithDialog();
    RuleEditorDialog* openEditor();
    // Status bar line plus a message box: "Failed to <action>: <reason>".
    void showError(const QString& action, const CallError& error);
    void showFailure(const QString& action, const QString& reason);
    void listToggled(QListWidgetItem* item);
    void applyWantedApp(bool rulesLoaded);

    FirewallClient& client_;
    RulesModel* model_ = nullptr;
    RulesFilterModel* filter_ = nullptr;
    RulesGroupModel* groups_ = nullptr;
    QTreeView* view_ = nullptr;
    QAction* groupAction_ = nullptr;
    QSet<QString> collapsedGroups_; // RulesGroupModel::groupKey of the applications the user collapsed
    QLineEdit* searchEdit_ = nullptr;
    QComboBox* appCombo_ = nullptr;
    std::optional<QString> wantedApp_; // showRulesOf() before the rules naming it were loaded
    QLabel* countLabel_ = nullptr;
    QListWidget* listsView_ = nullptr;
    quint64 listsGeneration_ = 0;
    QAction* addAction_ = nullptr;
    QAction* editAction_ = nullptr;
    QAction* deleteAction_ = nullptr;
    QAction* importAction_ = nullptr;
    QAction* exportAction_ = nullptr;
    QAction* refreshAction_ = nullptr;
    // Answers to older fetches are dropped so a slow reply cannot overwrite a newer one.
    quint64 reloadGeneration_ = 0;
};

} // namespace hostgate::gui
