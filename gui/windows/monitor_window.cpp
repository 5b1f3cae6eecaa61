// SPDX-License-Identifier: GPL-3.0-or-later
// MonitorWindow: polling while shown, the tree with its filter and sort, the chart, and the row actions.
#include "windows/monitor_window.h"

#include "ui/font_units.h"
#include "windows/failure_report.h"
#include "windows/rule_actions.h"
#include "windows/traffic_chart.h"
#include "windows/traffic_model.h"

#include <QAction>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>

namespace hostgate::gui {

MonitorWindow::MonitorWindow(FirewallClient& client, QWidget* parent)
    : QMainWindow(parent), client_(client), model_(new TrafficModel(this)), filter_(new QSortFilterProxyModel(this))
{
    setWindowTitle(tr("Network monitor — hostgate"));
    filter_->setSourceModel(model_);
    filter_->setSortRole(TrafficModel::SortRole);
    filter_->setFilterRole(TrafficModel::SearchRole);
    filter_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    filter_->setRecursiveFilteringEnabled(true);
    filter_->setAutoAcceptChildRows(true);
    timer_ = new QTimer(this);
    timer_->setInterval(refreshMilliseconds);
    connect(timer_, &QTimer::timeout, this, &MonitorWindow::refresh);
    connect(&client_, &FirewallClient::availabilityChanged, this, [this](bool available) {
        if (available && isVisible())
            refresh();
    });
    buildUi();
}

MonitorWindow::~MonitorWindow() = default;

void MonitorWindow::buildUi()
{
    auto* toolbar = addToolBar(tr("Monitor"));
    toolbar->setObjectName(QStringLiteral("monitorToolbar"));
    toolbar->setMovable(false);

    searchEdit_ = new QLineEdit(this);
    searchEdit_->setObjectName(QStringLiteral("searchEdit"));
    searchEdit_->setPlaceholderText(tr("Filter by application, host or address"));
    searchEdit_->setClearButtonEnabled(true);
    connect(searchEdit_, &QLineEdit::textChanged, filter_, [this](const QString& text) {
        filter_->setFilterFixedString(text);
        view_->expandAll();
    });
    toolbar->addWidget(searchEdit_);
    toolbar->addSeparator();

    makeRuleAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("list-add")), tr("&Make rule…"), this,
                                         &MonitorWindow::makeRuleFromSelection);
    makeRuleAction_->setObjectName(QStringLiteral("makeRuleAction"));
    makeRuleAction_->setToolTip(tr("Make a rule for this application and destination"));
    showRulesAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("document-properties")), tr("&Show in rules"),
                                          this, &MonitorWindow::showRulesOfSelection);
    showRulesAction_->setObjectName(QStringLiteral("showRulesAction"));
    showRulesAction_->setToolTip(tr("Open the rules of this application"));
    disableRuleAction_ = toolbar->addAction(QIcon::fromTheme(QStringLiteral("process-stop")), tr("&Disable its rule"),
                                            this, &MonitorWindow::disableRuleOfSelection);
    disableRuleAction_->setObjectName(QStringLiteral("disableRuleAction"));
    disableRuleAction_->setToolTip(tr("Turn off the rule that decided this connection"));
    toolbar->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this, &MonitorWindow::refresh)
        ->setShortcut(QKeySequence::Refresh);

    view_ = new QTreeView(this);
    view_->setObjectName(QStringLiteral("monitorView"));
    view_->setModel(filter_);
    view_->setUniformRowHeights(true);
    view_->setAlternatingRowColors(true);
    view_->setSortingEnabled(true);
    view_->sortByColumn(TrafficModel::RateColumn, Qt::DescendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setAllColumnsShowFocus(true);
    view_->setContextMenuPolicy(Qt::ActionsContextMenu);
    view_->addAction(makeRuleAction_);
    view_->addAction(showRulesAction_);
    view_->addAction(disableRuleAction_);
    view_->setAccessibleName(tr("Applications and their connections"));
    setColumnWidthsInCharacters(*view_, {44, 18, 24, 10, 11, 11});
    view_->header()->setStretchLastSection(true);
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        updateSummary();
    });

    chart_ = new TrafficChart(this);
    chart_->setMinimumHeight(textLines(*this, 12));

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(view_);
    splitter->addWidget(chart_);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    setCentralWidget(splitter);

    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("summaryLabel"));
    statusBar()->addPermanentWidget(summary_);
    resize(initialWindowSize(*this, 150, 42));
    updateActions();
}

void MonitorWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    timer_->start(); // before the first fetch, whose failure stops it
    refresh();
}

void MonitorWindow::hideEvent(QHideEvent* event)
{
    timer_->stop();
    QMainWindow::hideEvent(event);
}

bool MonitorWindow::isPolling() const
{
    return timer_->isActive();
}

void MonitorWindow::refresh()
{
    if (fetching_)
        return;
    fetching_ = true;
    QPointer<MonitorWindow> self(this);
    client_.fetchTraffic([self](const QList<TrafficRecord>& flows, const CallError& error) {
        if (!self)
            return;
        self->fetching_ = false;
        if (error.daemonUnreachable()) {
            self->statusBar()->showMessage(tr("The hostgate daemon is not running; traffic is not shown."));
            return;
        }
        if (error.failed()) {
            self->timer_->stop(); // one error box, not one a second
            reportFailure(*self, tr("read the network monitor"), error.describe());
            return;
        }
        self->statusBar()->clearMessage();
        self->model_->update(flows, QDateTime::currentDateTimeUtc());
        if (self->firstSnapshot_ && self->model_->appCount() > 0) {
            self->firstSnapshot_ = false;
            self->view_->expandAll();
        }
        self->updateActions();
        self->updateSummary();
        emit self->refreshed();
    });
}

QModelIndex MonitorWindow::selectedSourceIndex() const
{
    const QModelIndexList rows = view_->selectionModel()->selectedRows();
    return rows.isEmpty() ? QModelIndex() : filter_->mapToSource(rows.first());
}

void MonitorWindow::updateActions()
{
    const QModelIndex selected = selectedSourceIndex();
    const TrafficRecord* flow = model_->flowAt(selected);
    makeRuleAction_->setEnabled(flow != nullptr && !flow->app.isEmpty());
    showRulesAction_->setEnabled(selected.isValid() && !model_->appAt(selected).isEmpty());
    disableRuleAction_->setEnabled(flow != nullptr && flow->ruleId.has_value());
    disableRuleAction_->setText(flow && flow->ruleId ? tr("&Disable rule #%1").arg(*flow->ruleId)
                                                     : tr("&Disable its rule"));
}

void MonitorWindow::updateSummary()
{
    const QModelIndex selected = selectedSourceIndex();
    const QString app = model_->groupAt(selected);
    const QModelIndex appRow = app.isEmpty() ? QModelIndex() : model_->indexOfApp(app);
    const QString whose = appRow.isValid() ? model_->data(appRow, Qt::DisplayRole).toString() : tr("All applications");
    chart_->plot(model_->history(appRow.isValid() ? app : QString()), QDateTime::currentDateTimeUtc(), whose);
    summary_->setText(
        tr("%n application(s)", nullptr, model_->appCount()) + QStringLiteral(" · ") +
        tr("%n open connection(s)", nullptr, model_->openConnections()) + QStringLiteral(" · ") +
        tr("sent %1, received %2")
            .arg(TrafficModel::formatBytes(model_->totalSent()), TrafficModel::formatBytes(model_->totalReceived())));
}

void MonitorWindow::makeRuleFromSelection()
{
    const TrafficRecord* flow = model_->flowAt(selectedSourceIndex());
    if (flow == nullptr || flow->app.isEmpty())
        return;
    ConnectionRecord event;
    event.time = flow->since;
    event.verdict = flow->verdict;
    event.app = flow->app;
    event.pid = flow->pid;
    event.uid = flow->uid;
    event.host = flow->host;
    event.address = flow->address;
    event.port = flow->port;
    event.protocol = flow->protocol;
    event.ruleId = flow->ruleId;
    event.explanation = flow->explanation;
    emit makeRuleRequested(event);
}

void MonitorWindow::showRulesOfSelection()
{
    const QString app = model_->appAt(selectedSourceIndex());
    if (!app.isEmpty())
        emit rulesRequested(app);
}

void MonitorWindow::disableRuleOfSelection()
{
    const TrafficRecord* flow = model_->flowAt(selectedSourceIndex());
    if (flow == nullptr || !flow->ruleId)
        return;
    disableRuleFrom(*this, client_, *flow->ruleId);
}

} // namespace hostgate::gui
