// SPDX-License-Identifier: GPL-3.0-or-later
// ConnectionLogWindow: history on open, live events on top, filters, pause and "make rule".
#include "windows/connection_log_window.h"

#include "ui/font_units.h"
#include "windows/connection_log_filter_model.h"
#include "windows/connection_log_model.h"
#include "windows/failure_report.h"
#include "windows/rule_actions.h"

#include <QAction>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QPointer>
#include <QStatusBar>
#include <QToolBar>
#include <QTreeView>

namespace hostgate::gui {

ConnectionLogWindow::ConnectionLogWindow(FirewallClient& client, QWidget* parent)
    : QMainWindow(parent), client_(client), model_(new ConnectionLogModel(this)),
      filter_(new ConnectionLogFilterModel(*model_, this))
{
    setWindowTitle(tr("Connection log — hostgate"));
    buildUi();
    connect(&client_, &FirewallClient::connectionEvent, this, &ConnectionLogWindow::receiveEvent);
    connect(&client_, &FirewallClient::availabilityChanged, this, [this](bool available) {
        if (available) {
            refresh();
        } else {
            statusBar()->showMessage(tr("The hostgate daemon is not running; no new events."));
        }
    });
    refresh();
}

ConnectionLogWindow::~ConnectionLogWindow() = default;

void ConnectionLogWindow::buildUi()
{
    auto* toolbar = addToolBar(tr("Log"));
    toolbar->setObjectName(QStringLiteral("logToolbar"));
    toolbar->setMovable(false);

    searchEdit_ = new QLineEdit(this);
    searchEdit_->setObjectName(QStringLiteral("searchEdit"));
    searchEdit_->setPlaceholderText(tr("Filter by application, host or address"));
    searchEdit_->setClearButtonEnabled(true);
    connect(searchEdit_, &QLineEdit::textChanged, filter_, &ConnectionLogFilterModel::setSearchText);
    toolbar->addWidget(searchEdit_);

    verdictCombo_ = new QComboBox(this);
    verdictCombo_->setObjectName(QStringLiteral("verdictCombo"));
    verdictCombo_->addItem(tr("All verdicts"), QString());
    verdictCombo_->addItem(tr("Allowed"), QStringLiteral("allowed"));
    verdictCombo_->addItem(tr("Denied"), QStringLiteral("denied"));
    verdictCombo_->addItem(tr("Asked"), QStringLiteral("asked"));
    connect(verdictCombo_, &QComboBox::currentIndexChanged, this,
            [this](int index) { filter_->setVerdict(verdictCombo_->itemData(index).toString()); });
    toolbar->addWidget(verdictCombo_);
    toolbar->addSeparator();

    pauseAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("media-playback-pause")), tr("&Pause"));
    pauseAction_->setObjectName(QStringLiteral("pauseAction"));
    pauseAction_->setCheckable(true);
    pauseAction_->setToolTip(tr("Hold new events so the list stays still while you read it"));
    connect(pauseAction_, &QAction::toggled, this, &ConnectionLogWindow::setPaused);

    makeRuleAction_ =
        toolbar->addAction(QIcon::fromTheme(QStringLiteral("list-add")), tr("&Make rule from this event…"), this,
                           &ConnectionLogWindow::makeRuleFromSelection);
    makeRuleAction_->setObjectName(QStringLiteral("makeRuleAction"));
    disableRuleAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("process-stop")), tr("&Disable its rule"),
                                            this, &ConnectionLogWindow::disableRuleOfSelection);
    disableRuleAction_->setObjectName(QStringLiteral("disableRuleAction"));
    disableRuleAction_->setToolTip(tr("Turn off the rule that decided this connection"));
    toolbar
        ->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this,
                    &ConnectionLogWindow::refresh)
        ->setShortcut(QKeySequence::Refresh);

    view_ = new QTreeView(this);
    view_->setObjectName(QStringLiteral("logView"));
    view_->setModel(filter_);
    view_->setRootIsDecorated(false);
    view_->setUniformRowHeights(true);
    view_->setAlternatingRowColors(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setAllColumnsShowFocus(true);
    view_->setContextMenuPolicy(Qt::ActionsContextMenu);
    view_->addAction(makeRuleAction_);
    view_->addAction(disableRuleAction_);
    view_->header()->setStretchLastSection(true);
    setColumnWidthsInCharacters(*view_, {21, 13, 20, 29, 27, 10, 9});
    connect(view_, &QTreeView::doubleClicked, this, &ConnectionLogWindow::makeRuleFromSelection);
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ConnectionLogWindow::updateActions);
    setCentralWidget(view_);
    resize(initialWindowSize(*this, 157, 35));
    updateActions();
}

void ConnectionLogWindow::refresh()
{
    fetching_ = true;
    const quint64 generation = ++fetchGeneration_;
    QPointer<ConnectionLogWindow> self(this);
    client_.fetchConnections(
        historyLimit, {}, [self, generation](const QList<ConnectionRecord>& events, const CallError& error) {
            if (!self || generation != self->fetchGeneration_) {
                return;
            }
            self->fetching_ = false;
            if (error.daemonUnreachable()) {
                self->statusBar()->showMessage(tr("The hostgate daemon is not running; no new events."));
            } else if (error.failed()) {
                reportFailure(*self, tr("read the connection log"), error.describe());
            } else {
                self->model_->setEvents(events);
            }
            // Events that arrived during the fetch may also be in its answer; only newer ones are added.
            const qint64 newest = self->model_->newestId();
            std::erase_if(self->held_, [newest](const ConnectionRecord& held) { return held.id <= newest; });
            if (!self->paused_) {
                self->showHeldEvents();
            }
            self->updateActions();
        });
}

void ConnectionLogWindow::receiveEvent(const ConnectionRecord& event)
{
    if (!paused_ && !fetching_) {
        model_->prependEvent(event);
        return;
    }
    held_.push_back(event);
    while (held_.size() > static_cast<std::size_t>(model_->capacity())) {
        held_.pop_front();
    }
    if (paused_) {
        showHeldCount();
    }
}

void ConnectionLogWindow::setPaused(bool paused)
{
    if (paused == paused_) {
        return;
    }
    paused_ = paused;
    if (pauseAction_->isChecked() != paused) {
        pauseAction_->setChecked(paused);
    }
    if (paused) {
        showHeldCount();
    } else if (!fetching_) {
        showHeldEvents();
    }
}

void ConnectionLogWindow::showHeldEvents()
{
    for (const ConnectionRecord& event : held_) {
        model_->prependEvent(event);
    }
    held_.clear();
    statusBar()->clearMessage();
}

void ConnectionLogWindow::showHeldCount()
{
    statusBar()->showMessage(held_.size() == 1 ? tr("Paused: 1 new event held")
                                               : tr("Paused: %1 new events held").arg(held_.size()));
}

const ConnectionRecord* ConnectionLogWindow::selectedEvent() const
{
    const QModelIndexList rows = view_->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        return nullptr;
    }
    return &model_->eventAt(filter_->mapToSource(rows.first()).row());
}

void ConnectionLogWindow::updateActions()
{
    const ConnectionRecord* event = selectedEvent();
    makeRuleAction_->setEnabled(event != nullptr);
    disableRuleAction_->setEnabled(event != nullptr && event->ruleId.has_value());
    disableRuleAction_->setText(event && event->ruleId ? tr("&Disable rule #%1").arg(*event->ruleId)
                                                       : tr("&Disable its rule"));
}

void ConnectionLogWindow::makeRuleFromSelection()
{
    if (const ConnectionRecord* event = selectedEvent()) {
        emit makeRuleRequested(*event);
    }
}

void ConnectionLogWindow::disableRuleOfSelection()
{
    const ConnectionRecord* event = selectedEvent();
    if (event == nullptr || !event->ruleId) {
        return;
    }
    disableRuleFrom(*this, client_, *event->ruleId);
}

} // namespace hostgate::gui
