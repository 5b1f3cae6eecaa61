// SPDX-License-Identifier: GPL-3.0-or-later
// RulesWindow: the rules table with its filters, and the add/edit/delete/import/export actions.
#include "windows/rules_window.h"

#include "prompt/app_info.h"
#include "ui/font_units.h"
#include "windows/failure_report.h"
#include "windows/rule_editor_dialog.h"
#include "windows/rules_filter_model.h"
#include "windows/rules_group_model.h"
#include "windows/rules_model.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSaveFile>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>

namespace hostgate::gui {

RulesWindow::RulesWindow(FirewallClient& client, QWidget* parent)
    : QMainWindow(parent), client_(client), model_(new RulesModel(this)), filter_(new RulesFilterModel(*model_, this)),
      groups_(new RulesGroupModel(*filter_, this))
{
    setWindowTitle(tr("Firewall rules — hostgate"));
    buildUi();

    connect(model_, &RulesModel::enabledToggled, this, [this](quint64 id, bool enabled) {
        QPointer<RulesWindow> self(this);
        client_.setRuleEnabled(id, enabled, [self, id, enabled](const CallError& error) {
            if (!self || !error.failed()) {
                return;
            }
            self->showError(enabled ? tr("enable rule #%1").arg(id) : tr("disable rule #%1").arg(id), error);
            self->reload(); // the checkbox was flipped optimistically; show the daemon's truth again
        });
    });
    // The applications' names and icons from their .desktop files, as prompts show them.
    auto resolver = std::make_shared<AppInfoResolver>();
    model_->setIconLookup(
        [resolver](const RuleRecord& rule) { return resolver->resolve(rule.app, rule.script).icon(); });
    groups_->setAppLookup(
        [resolver](const QString& app, const QString& script) { return resolver->resolve(app, script); });
    // Expiry countdowns ("in 25 min") move on while the window is open; nothing is asked of the daemon for it.
    auto* countdowns = new QTimer(this);
    countdowns->setObjectName(QStringLiteral("countdownTimer"));
    countdowns->setInterval(std::chrono::seconds(30));
    connect(countdowns, &QTimer::timeout, model_, &RulesModel::refreshCountdowns);
    countdowns->start();
    connect(&client_, &FirewallClient::rulesChanged, this, &RulesWindow::reload);
    connect(&client_, &FirewallClient::availabilityChanged, this, [this](bool available) {
        if (available) {
            reload();
        } else {
            statusBar()->showMessage(daemonGoneMessage());
        }
    });
    reload();
}

RulesWindow::~RulesWindow() = default;

QString RulesWindow::daemonGoneMessage() const
{
    return tr("The hostgate daemon is not running; rules cannot be changed.");
}

void RulesWindow::buildUi()
{
    auto* toolbar = addToolBar(tr("Rules"));
    toolbar->setObjectName(QStringLiteral("rulesToolbar"));
    toolbar->setMovable(false);
    addAction_ =
        toolbar->addAction(QIcon::fromTheme(QStringLiteral("list-add")), tr("&Add…"), this, &RulesWindow::addRule);
    addAction_->setShortcut(QKeySequence::New);
    editAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("document-edit")), tr("&Edit…"), this,
                                     &RulesWindow::editSelected);
    deleteAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("list-remove")), tr("&Delete"), this,
                                       &RulesWindow::deleteSelected);
    deleteAction_->setShortcut(QKeySequence::Delete);
    toolbar->addSeparator();
    importAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("document-import")), tr("&Import…"), this,
                                       &RulesWindow::importWithDialog);
    exportAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("document-export")), tr("E&xport…"), this,
                                       &RulesWindow::exportWithDialog);
    toolbar->addSeparator();
    refreshAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this,
                                        &RulesWindow::reload);
    refreshAction_->setShortcut(QKeySequence::Refresh);
    toolbar->addSeparator();
    groupAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("view-list-tree")), tr("&Group by application"));
    groupAction_->setObjectName(QStringLiteral("groupByApplication"));
    groupAction_->setCheckable(true);
    groupAction_->setChecked(true);
    groupAction_->setShortcut(Qt::CTRL | Qt::Key_G);
    groupAction_->setToolTip(tr("One row per application with its rules below (Ctrl+G)"));
    connect(groupAction_, &QAction::toggled, this, &RulesWindow::setGroupedByApplication);

    searchEdit_ = new QLineEdit(this);
    searchEdit_->setObjectName(QStringLiteral("searchEdit"));
    searchEdit_->setPlaceholderText(tr("Filter by application, host or note"));
    searchEdit_->setClearButtonEnabled(true);
    connect(searchEdit_, &QLineEdit::textChanged, filter_, &RulesFilterModel::setSearchText);

    appCombo_ = new QComboBox(this);
    appCombo_->setObjectName(QStringLiteral("appCombo"));
    appCombo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(appCombo_, &QComboBox::currentIndexChanged, this, [this](int index) {
        const QVariant app = appCombo_->itemData(index);
        filter_->setApplication(app.isValid() ? std::optional<QString>(app.toString()) : std::nullopt);
    });

    view_ = new QTreeView(this);
    view_->setObjectName(QStringLiteral("rulesView"));
    view_->setModel(groups_);
    view_->setRootIsDecorated(true);
    view_->setUniformRowHeights(true); // lets the view skip measuring each of thousands of rows
    view_->setAlternatingRowColors(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setAllColumnsShowFocus(true);
    view_->setSortingEnabled(true);
    view_->sortByColumn(RulesModel::AppColumn, Qt::AscendingOrder);
    view_->setContextMenuPolicy(Qt::ActionsContextMenu);
    view_->addActions({editAction_, deleteAction_});
    view_->header()->setStretchLastSection(true);
    setColumnWidthsInCharacters(*view_, {9, 23, 29, 13, 10, 9, 30, 9, 17, 9, 29, 24});
    connect(view_, &QTreeView::doubleClicked, this, [this](const QModelIndex& index) {
        if (!groups_->isGroup(index)) {
            editSelected(); // a double click on an application row expands or collapses it
        }
    });
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RulesWindow::updateActions);
    // Which applications are collapsed is the user's choice, kept across reloads, searches and sorting.
    connect(view_, &QTreeView::collapsed, this, [this](const QModelIndex& index) {
        if (groups_->isGroup(index)) {
            collapsedGroups_.insert(index.data(RulesGroupModel::GroupKeyRole).toString());
        }
    });
    connect(view_, &QTreeView::expanded, this, [this](const QModelIndex& index) {
        if (groups_->isGroup(index)) {
            collapsedGroups_.remove(index.data(RulesGroupModel::GroupKeyRole).toString());
        }
    });
    connect(groups_, &RulesGroupModel::regrouped, this, &RulesWindow::restoreExpansion);

    auto* filters = new QHBoxLayout;
    filters->addWidget(searchEdit_, 1);
    filters->addWidget(appCombo_);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addLayout(filters);
    layout->addWidget(view_);
    // Subscribed lists (lists.d) rank below every rule; they are the admin's, only switched on or off here.
    auto* listsLabel = new QLabel(tr("Subscribed lists (below every rule; checked = in force):"), central);
    listsView_ = new QListWidget(central);
    listsView_->setObjectName(QStringLiteral("subscribedLists"));
    listsView_->setMaximumHeight(textLines(*listsView_, 6.5));
    connect(listsView_, &QListWidget::itemChanged, this, &RulesWindow::listToggled);
    layout->addWidget(listsLabel);
    layout->addWidget(listsView_);
    setCentralWidget(central);
    // A permanent label, so reloads never overwrite the outcome of the action the user just took.
    countLabel_ = new QLabel(this);
    countLabel_->setObjectName(QStringLiteral("ruleCountLabel"));
    statusBar()->addPermanentWidget(countLabel_);
    resize(initialWindowSize(*this, 157, 35));
    rebuildApplicationFilter();
    restoreExpansion();
    updateActions();
}

void RulesWindow::setGroupedByApplication(bool grouped)
{
    if (grouped == groupedByApplication()) {
        return;
    }
    const QSignalBlocker quiet(groupAction_);
    groupAction_->setChecked(grouped);
    // The selection carries over: the rules selected stay selected in the other view.
    const QList<const RuleRecord*> selectedList = selectedRules();
    const QSet<const RuleRecord*> selected(selectedList.cbegin(), selectedList.cend());
    QItemSelectionModel* old = view_->selectionModel();
    view_->setModel(grouped ? static_cast<QAbstractItemModel*>(groups_) : static_cast<QAbstractItemModel*>(filter_));
    delete old; // setModel gave the view a new selection model; the old one is not deleted by Qt
    view_->setRootIsDecorated(grouped);
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RulesWindow::updateActions);
    if (grouped) {
        restoreExpansion();
    }
    QItemSelection selection;
    for (int row = 0; row < filter_->rowCount(); ++row) {
        if (selected.contains(&filter_->ruleAt(row))) {
            const QModelIndex index = filter_->index(row, 0);
            const QModelIndex shown = grouped ? groups_->mapFromSource(index) : index;
            selection.select(shown, shown);
        }
    }
    view_->selectionModel()->select(selection, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    updateActions();
}

bool RulesWindow::groupedByApplication() const
{
    return view_->model() == groups_;
}

void RulesWindow::restoreExpansion()
{
    if (!groupedByApplication()) {
        return;
    }
    if (collapsedGroups_.isEmpty()) {
        view_->expandAll(); // one layout pass, not one per application
        return;
    }
    for (int row = 0; row < groups_->rowCount(); ++row) {
        const QModelIndex group = groups_->index(row, 0);
        const bool expanded = !collapsedGroups_.contains(group.data(RulesGroupModel::GroupKeyRole).toString());
        if (view_->isExpanded(group) != expanded) {
            view_->setExpanded(group, expanded);
        }
    }
}

void RulesWindow::reloadLists()
{
    const quint64 generation = ++listsGeneration_;
    QPointer<RulesWindow> self(this);
    client_.fetchLists([self, generation](const QList<QVariantMap>& lists, const CallError& error) {
        if (!self || generation != self->listsGeneration_ || error.failed()) {
            return; // an older daemon without lists, or unreachable: the rules part says so
        }
        const QSignalBlocker quiet(self->listsView_);
        self->listsView_->clear();
        for (const QVariantMap& list : lists) {
            const QString name = list.value(QStringLiteral("name")).toString();
            QString text = tr("%1 — %2, %n entries", nullptr, list.value(QStringLiteral("entries")).toInt())
                               .arg(name, list.value(QStringLiteral("action")).toString());
            const QString lastError = list.value(QStringLiteral("last_error")).toString();
            if (!lastError.isEmpty()) {
                text += tr(" — last refresh failed: %1").arg(lastError);
            }
            auto* item = new QListWidgetItem(text, self->listsView_);
            item->setData(Qt::UserRole, name);
            item->setToolTip(list.value(QStringLiteral("source")).toString());
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
            item->setCheckState(list.value(QStringLiteral("enabled")).toBool() ? Qt::Checked : Qt::Unchecked);
        }
    });
}

void RulesWindow::listToggled(QListWidgetItem* item)
{
    const QString name = item->data(Qt::UserRole).toString();
    const bool enabled = item->checkState() == Qt::Checked;
    QPointer<RulesWindow> self(this);
    client_.setListEnabled(name, enabled, [self, name, enabled](const CallError& error) {
        if (!self) {
            return;
        }
        if (error.failed()) {
            self->showError(enabled ? tr("switch on the list %1").arg(name) : tr("switch off the list %1").arg(name),
                            error);
        } else {
            self->statusBar()->showMessage(enabled ? tr("List %1 switched on").arg(name)
                                                   : tr("List %1 switched off").arg(name));
        }
        self->reloadLists(); // what the daemon has now, also after a refusal
    });
}

void RulesWindow::reload()
{
    reloadLists();
    const quint64 generation = ++reloadGeneration_;
    QPointer<RulesWindow> self(this);
    client_.fetchRules([self, generation](const QList<RuleRecord>& rules, const CallError& error) {
        if (!self || generation != self->reloadGeneration_) {
            return;
        }
        if (error.daemonUnreachable()) {
            // A reload raced a daemon restart: availabilityChanged reloads again once it is back.
            self->statusBar()->showMessage(self->daemonGoneMessage());
            return;
        }
        if (error.failed()) {
            self->showError(tr("load the rules"), error);
            return;
        }
        self->model_->setRules(rules);
        if (self->statusBar()->currentMessage() == self->daemonGoneMessage())
            self->statusBar()->clearMessage(); // it is back: the rules shown are its own again
        self->rebuildApplicationFilter();
        self->applyWantedApp(true);
        self->updateActions();
        const auto admin =
            std::count_if(rules.begin(), rules.end(), [](const RuleRecord& rule) { return rule.readOnly; });
        self->countLabel_->setText(rules.size() == 1
                                       ? tr("1 rule, %1 from admin files").arg(admin)
                                       : tr("%1 rules, %2 from admin files").arg(rules.size()).arg(admin));
    });
}

void RulesWindow::showRulesOf(const QString& app)
{
    wantedApp_ = app;
    applyWantedApp(false);
    if (wantedApp_)
        reload(); // its answer says whether a rule names the app
}

void RulesWindow::applyWantedApp(bool rulesLoaded)
{
    if (!wantedApp_)
        return;
    const int index = appCombo_->findData(*wantedApp_);
    if (index >= 0) {
        // Its rules are what the user asked for: shown expanded, even if collapsed before.
        const QString prefix = *wantedApp_ + QLatin1Char('\n');
        collapsedGroups_.removeIf([&prefix](const QString& key) { return key.startsWith(prefix); });
        appCombo_->setCurrentIndex(index);
        restoreExpansion();
        wantedApp_.reset();
        return;
    }
    if (!rulesLoaded)
        return; // the answer of the reload under way decides
    statusBar()->showMessage(tr("No rule names %1 yet; showing all rules").arg(*wantedApp_));
    appCombo_->setCurrentIndex(0);
    wantedApp_.reset();
}

void RulesWindow::rebuildApplicationFilter()
{
    const QVariant current = appCombo_->currentData();
    QSignalBlocker blocker(appCombo_);
    appCombo_->clear();
    appCombo_->addItem(tr("All applications"));
    int restored = 0;
    for (const QString& app : model_->applications()) {
        if (app.isEmpty()) {
            appCombo_->addItem(tr("Any application (rules for every app)"), app);
        } else {
            appCombo_->addItem(QStringLiteral("%1 (%2)").arg(QFileInfo(app).fileName(), app), app);
        }
        appCombo_->setItemData(appCombo_->count() - 1,
                               app.isEmpty() ? tr("Rules that apply to every application") : app, Qt::ToolTipRole);
        if (current.isValid() && current.toString() == app) {
            restored = appCombo_->count() - 1;
        }
    }
    appCombo_->setCurrentIndex(restored);
    const QVariant app = appCombo_->currentData();
    filter_->setApplication(app.isValid() ? std::optional<QString>(app.toString()) : std::nullopt);
}

QList<const RuleRecord*> RulesWindow::selectedRules() const
{
    QList<const RuleRecord*> rules;
    QSet<const RuleRecord*> seen;
    const auto take = [&](const RuleRecord* rule) {
        if (rule && !seen.contains(rule)) {
            seen.insert(rule);
            rules << rule;
        }
    };
    const bool grouped = groupedByApplication();
    for (const QModelIndex& index : view_->selectionModel()->selectedRows()) {
        if (!grouped) {
            take(&filter_->ruleAt(index.row()));
        } else if (groups_->isGroup(index)) {
            for (const RuleRecord* rule : groups_->rulesUnder(index)) {
                take(rule);
            }
        } else {
            take(groups_->ruleAt(index));
        }
    }
    return rules;
}

QList<quint64> RulesWindow::selectedRuleIds(bool* includesReadOnly) const
{
    QList<quint64> ids;
    *includesReadOnly = false;
    for (const RuleRecord* rule : selectedRules()) {
        if (rule->readOnly) {
            *includesReadOnly = true;
        } else {
            ids << rule->id;
        }
    }
    return ids;
}

void RulesWindow::updateActions()
{
    const QList<const RuleRecord*> rules = selectedRules();
    editAction_->setEnabled(rules.size() == 1 && !rules.first()->readOnly);
    deleteAction_->setEnabled(
        std::any_of(rules.begin(), rules.end(), [](const RuleRecord* rule) { return !rule->readOnly; }));
}

RuleEditorDialog* RulesWindow::openEditor()
{
    auto* dialog = new RuleEditorDialog(client_, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RuleEditorDialog::saveFailed, this, &RulesWindow::showError);
    connect(dialog, &RuleEditorDialog::ruleSaved, this,
            [this](quint64 id) { statusBar()->showMessage(tr("Saved rule #%1").arg(id)); });
    return dialog;
}

void RulesWindow::addRule()
{
    openEditor()->open();
}

void RulesWindow::editSelected()
{
    const QList<const RuleRecord*> rules = selectedRules();
    if (rules.size() != 1) {
        return;
    }
    const RuleRecord& rule = *rules.first();
    if (rule.readOnly) {
        statusBar()->showMessage(tr("Rule #%1 comes from %2 and is read-only; an administrator changes it there.")
                                     .arg(rule.id)
                                     .arg(rule.source));
        return;
    }
    RuleEditorDialog* dialog = openEditor();
    dialog->editRule(rule);
    dialog->open();
}

void RulesWindow::openNewRuleFrom(const ConnectionRecord& event)
{
    RuleRecord draft;
    draft.app = event.app;
    draft.host = event.host.isEmpty() ? event.address : event.host;
    draft.ports = event.port != 0 ? QString::number(event.port) : QString();
    const QString protocol = event.protocol.toLower();
    draft.protocol =
        protocol == QLatin1String("tcp") || protocol == QLatin1String("udp") ? protocol : QStringLiteral("any");
    draft.action = QStringLiteral("allow");
    draft.lifetime = QStringLiteral("forever");
    show();
    raise();
    activateWindow();
    RuleEditorDialog* dialog = openEditor();
    dialog->prefillNewRule(draft);
    dialog->open();
}

void RulesWindow::deleteSelected()
{
    bool readOnly = false;
    const QList<quint64> ids = selectedRuleIds(&readOnly);
    if (ids.isEmpty()) {
        if (readOnly) {
            statusBar()->showMessage(tr("Admin rules are read-only; they are changed in /etc/hostgate/rules.d."));
        }
        return;
    }
    QString question =
        ids.size() == 1 ? tr("Delete rule #%1?").arg(ids.first()) : tr("Delete these %1 rules?").arg(ids.size());
    if (readOnly) {
        question += QLatin1Char(' ') + tr("The selected admin rules are read-only and stay.");
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete rules"), question,
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmDelete"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, ids](int) {
        if (box->standardButton(box->clickedButton()) == QMessageBox::Yes) {
            removeRules(ids);
        }
    });
    box->open();
}

void RulesWindow::removeRules(const QList<quint64>& ids)
{
    // The calls run in parallel; the last one to answer reports the failures together.
    struct Progress {
        qsizetype remaining = 0;
        QList<quint64> failed;
        CallError firstError;
    };
    auto progress = std::make_shared<Progress>();
    progress->remaining = ids.size();
    QPointer<RulesWindow> self(this);
    for (quint64 id : ids) {
        client_.removeRule(id, [self, progress, id, total = ids.size()](const CallError& error) {
            if (error.failed()) {
                if (progress->failed.isEmpty()) {
                    progress->firstError = error;
                }
                progress->failed << id;
            }
            if (--progress->remaining > 0 || !self) {
                return;
            }
            if (progress->failed.isEmpty()) {
                self->statusBar()->showMessage(total == 1 ? tr("Deleted the rule") : tr("Deleted %1 rules").arg(total));
            } else if (total == 1) {
                self->showError(tr("delete rule #%1").arg(id), progress->firstError);
            } else {
                self->showError(tr("delete %1 of %2 rules").arg(progress->failed.size()).arg(total),
                                progress->firstError);
            }
        });
    }
}

void RulesWindow::importWithDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Import rules"), QDir::homePath(),
                                                      tr("Rule files (*.toml);;All files (*)"));
    if (path.isEmpty()) {
        return;
    }
    QMessageBox box(QMessageBox::Question, tr("Import rules"),
                    tr("Add the rules from %1 to your rules, or replace all your rules with them?").arg(path),
                    QMessageBox::Cancel, this);
    QPushButton* append = box.addButton(tr("&Add to my rules"), QMessageBox::AcceptRole);
    QPushButton* replace = box.addButton(tr("&Replace my rules"), QMessageBox::DestructiveRole);
    box.setDefaultButton(append);
    box.exec();
    if (box.clickedButton() == append || box.clickedButton() == replace) {
        importFromFile(path, box.clickedButton() == replace);
    }
}

void RulesWindow::importFromFile(const QString& path, bool replace)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        showFailure(tr("read %1").arg(path), file.errorString());
        return;
    }
    const QString toml = QString::fromUtf8(file.readAll());
    QPointer<RulesWindow> self(this);
    client_.importRules(toml, replace, [self, path](uint imported, const CallError& error) {
        if (!self) {
            return;
        }
        if (error.failed()) {
            self->showError(tr("import rules from %1").arg(path), error);
            return;
        }
        self->statusBar()->showMessage(imported == 1
                                           ? tr("Imported 1 rule from %1").arg(path)
                                           : tr("Imported %1 rules from %2").arg(QString::number(imported), path));
    });
}

void RulesWindow::exportWithDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export rules"),
                                                      QDir::home().filePath(QStringLiteral("hostgate-rules.toml")),
                                                      tr("Rule files (*.toml);;All files (*)"));
    if (!path.isEmpty()) {
        exportToFile(path);
    }
}

void RulesWindow::exportToFile(const QString& path)
{
    QPointer<RulesWindow> self(this);
    client_.exportRules([self, path](const QString& toml, const CallError& error) {
        if (!self) {
            return;
        }
        if (error.failed()) {
            self->showError(tr("export the rules"), error);
            return;
        }
        // QSaveFile writes a temporary file and renames it, so a failed export never truncates the old one.
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Text) || file.write(toml.toUtf8()) < 0 || !file.commit()) {
            self->showFailure(tr("write %1").arg(path), file.errorString());
            return;
        }
        self->statusBar()->showMessage(tr("Exported the rules to %1").arg(path));
    });
}

void RulesWindow::showError(const QString& action, const CallError& error)
{
    showFailure(action, error.describe());
}

void RulesWindow::showFailure(const QString& action, const QString& reason)
{
    reportFailure(*this, action, reason);
}

} // namespace hostgate::gui
