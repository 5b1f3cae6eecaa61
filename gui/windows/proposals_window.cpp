// SPDX-License-Identifier: GPL-3.0-or-later
// ProposalsWindow: an application filter, the proposals table, the edits of the selected one and the actions.
#include "windows/proposals_window.h"

#include "ui/font_units.h"
#include "windows/proposals_model.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace hostgate::gui {

namespace {

// The combo box's item data: "all" for every application, else the application's path ("" = unknown).
const QString allApplications = QStringLiteral("\x01all");

} // namespace

ProposalsWindow::ProposalsWindow(FirewallClient& client, QWidget* parent)
    : QWidget(parent), client_(client), model_(new ProposalsModel(client, this))
{
    setWindowTitle(tr("hostgate — learned rules to review"));
    auto* layout = new QVBoxLayout(this);

    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Application:"), this));
    appCombo_ = new QComboBox(this);
    filterRow->addWidget(appCombo_, 1);
    layout->addLayout(filterRow);

    view_ = new QTreeView(this);
    view_->setModel(model_);
    view_->setRootIsDecorated(false);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->header()->setStretchLastSection(true);
    layout->addWidget(view_, 1);

    auto* edits = new QFormLayout;
    hostEdit_ = new QLineEdit(this);
    hostEdit_->setToolTip(tr("*, a name, *.domain, an address or a CIDR"));
    portsEdit_ = new QLineEdit(this);
    portsEdit_->setToolTip(tr("e.g. 443 or 80,8000-8100; * for any port"));
    edits->addRow(tr("Allow &host:"), hostEdit_);
    edits->addRow(tr("On &ports:"), portsEdit_);
    layout->addLayout(edits);

    auto* buttons = new QHBoxLayout;
    accept_ = new QPushButton(tr("&Accept"), this);
    reject_ = new QPushButton(tr("&Reject"), this);
    acceptAll_ = new QPushButton(tr("Accept a&ll shown"), this);
    rejectAll_ = new QPushButton(tr("Reject all s&hown"), this);
    for (QPushButton* button : {accept_, reject_, acceptAll_, rejectAll_}) {
        buttons->addWidget(button);
    }
    layout->addLayout(buttons);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    layout->addWidget(status_);

    connect(accept_, &QPushButton::clicked, this, &ProposalsWindow::acceptSelected);
    connect(reject_, &QPushButton::clicked, this, &ProposalsWindow::rejectSelected);
    connect(acceptAll_, &QPushButton::clicked, model_, &ProposalsModel::acceptShown);
    connect(rejectAll_, &QPushButton::clicked, model_, &ProposalsModel::rejectShown);
    connect(appCombo_, &QComboBox::currentIndexChanged, this, [this] {
        const QString chosen = appCombo_->currentData().toString();
        model_->setApplication(chosen == allApplications ? std::nullopt : std::optional(chosen));
    });
    connect(model_, &ProposalsModel::loaded, this, &ProposalsWindow::rebuildApplicationFilter);
    connect(model_, &QAbstractItemModel::modelReset, this, &ProposalsWindow::selectionChanged);
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ProposalsWindow::selectionChanged);
    connect(model_, &ProposalsModel::failed, this, [this](const QString& what, const CallError& error) {
        status_->setText(what + QStringLiteral(": ") + error.describe());
    });
    connect(model_, &ProposalsModel::done, status_, &QLabel::setText);
    resize(initialWindowSize(*this, 128, 28));
    selectionChanged();
    model_->reload();
}

ProposalsWindow::~ProposalsWindow() = default;

QString ProposalsWindow::statusText() const
{
    return status_->text();
}

void ProposalsWindow::rebuildApplicationFilter()
{
    const QString current = appCombo_->currentData().toString();
    const QSignalBlocker quiet(appCombo_);
    appCombo_->clear();
    appCombo_->addItem(tr("All applications (%1)").arg(model_->proposals().size()), allApplications);
    for (const QString& app : model_->applications()) {
        appCombo_->addItem(app.isEmpty() ? tr("unknown application") : app, app);
    }
    const int index = appCombo_->findData(current.isEmpty() && !model_->application() ? allApplications : current);
    appCombo_->setCurrentIndex(index < 0 ? 0 : index);
    const QString chosen = appCombo_->currentData().toString();
    if ((chosen == allApplications) != !model_->application().has_value() ||
        (model_->application() && *model_->application() != chosen)) {
        model_->setApplication(chosen == allApplications ? std::nullopt : std::optional(chosen));
    }
    if (model_->proposals().isEmpty()) {
        status_->setText(tr("Nothing to review: no proposals are waiting."));
    }
}

int ProposalsWindow::selectedRow() const
{
    const QModelIndexList rows = view_->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
}

void ProposalsWindow::selectionChanged()
{
    const int row = selectedRow();
    const bool selected = row >= 0;
    accept_->setEnabled(selected);
    reject_->setEnabled(selected);
    hostEdit_->setEnabled(selected);
    portsEdit_->setEnabled(selected);
    acceptAll_->setEnabled(model_->rowCount() > 0);
    rejectAll_->setEnabled(model_->rowCount() > 0);
    if (selected) {
        const ProposalRecord& proposal = model_->proposalAt(row);
        hostEdit_->setText(proposal.host);
        portsEdit_->setText(proposal.ports);
    } else {
        hostEdit_->clear();
        portsEdit_->clear();
    }
}

void ProposalsWindow::acceptSelected()
{
    const int row = selectedRow();
    if (row < 0) {
        return;
    }
    const ProposalRecord& proposal = model_->proposalAt(row);
    QVariantMap edits;
    if (hostEdit_->text().trimmed() != proposal.host) {
        edits.insert(QStringLiteral("host"), hostEdit_->text().trimmed());
    }
    if (portsEdit_->text().trimmed() != proposal.ports) {
        edits.insert(QStringLiteral("ports"), portsEdit_->text().trimmed());
    }
    model_->accept(row, edits);
}

void ProposalsWindow::rejectSelected()
{
    model_->reject(selectedRow());
}

} // namespace hostgate::gui
