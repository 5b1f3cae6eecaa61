// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the review of learned rules: the proposals model and window against the fake client —
// rows per application, accept (edited) and reject, all of one application, refusals shown, nothing lost.
#include "fake_firewall_client.h"
#include "windows/proposals_model.h"
#include "windows/proposals_window.h"

#include <QComboBox>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

using namespace hostgate::gui;

namespace {

ProposalRecord proposal(quint64 id, const QString& app, const QString& host,
                        const QString& ports = QStringLiteral("443"))
{
    ProposalRecord record;
    record.id = id;
    record.app = app;
    record.user = 1000;
    record.host = host;
    record.ports = ports;
    record.protocol = QStringLiteral("tcp");
    record.connections = id;
    record.lastSeen = QDateTime::fromSecsSinceEpoch(1764633600);
    return record;
}

void fill(FakeFirewallClient& client)
{
    client.proposals = {proposal(1, "/usr/bin/curl", "*.example.com", "80,443"),
                        proposal(2, "/usr/bin/curl", "api.example.org"),
                        proposal(3, "/usr/bin/wget", "mirror.example.net"), proposal(4, "", "203.0.113.7", "*")};
    client.status.proposals = 4;
}

void select(ProposalsWindow& window, int row)
{
    window.view().selectionModel()->select(window.model().index(row, 0),
                                           QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

} // namespace

class ProposalsWindowTest : public QObject {
    Q_OBJECT

private slots:
    void modelShowsEveryProposalWithItsColumns()
    {
        FakeFirewallClient client;
        fill(client);
        ProposalsModel model(client);
        model.reload();
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.data(model.index(0, ProposalsModel::AppColumn)).toString(), QString("curl"));
        QCOMPARE(model.data(model.index(0, ProposalsModel::HostColumn)).toString(), QString("*.example.com"));
        QCOMPARE(model.data(model.index(0, ProposalsModel::PortsColumn)).toString(), QString("80,443"));
        QCOMPARE(model.data(model.index(3, ProposalsModel::PortsColumn)).toString(), QString("any"));
        QCOMPARE(model.data(model.index(3, ProposalsModel::AppColumn)).toString(), QString("unknown application"));
        QCOMPARE(model.data(model.index(2, ProposalsModel::HostColumn), ProposalsModel::ProposalIdRole).toULongLong(),
                 3ull);
        QCOMPARE(model.applications(), (QStringList{"", "/usr/bin/curl", "/usr/bin/wget"}));
    }

    void anInterpretersScriptIsShownWithTheApp()
    {
        ProposalRecord record = proposal(9, "/usr/bin/python3.11", "a.example");
        record.script = "/home/u/sync.py";
        QCOMPARE(ProposalsModel::describeApp(record), QString("python3.11 sync.py"));
        record.script = "<inline>";
        QCOMPARE(ProposalsModel::describeApp(record), QString("python3.11 <inline>"));
    }

    void filteringByApplicationShowsOnlyItsProposals()
    {
        FakeFirewallClient client;
        fill(client);
        ProposalsModel model(client);
        model.reload();
        model.setApplication(QString("/usr/bin/curl"));
        QCOMPARE(model.rowCount(), 2);
        model.setApplication(QString(""));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.proposalAt(0).id, 4ull);
        model.setApplication(std::nullopt);
        QCOMPARE(model.rowCount(), 4);
    }

    void acceptingMakesARuleAndTheRowGoes()
    {
        FakeFirewallClient client;
        fill(client);
        ProposalsModel model(client);
        model.reload();
        QSignalSpy done(&model, &ProposalsModel::done);
        model.accept(1, {{"ports", "443,8443"}});
        QCOMPARE(client.lastCall("acceptProposal")->args.at(0).toULongLong(), 2ull);
        QCOMPARE(client.lastCall("acceptProposal")->args.at(1).toMap().value("ports").toString(), QString("443,8443"));
        QCOMPARE(client.rules.size(), 1);
        QCOMPARE(client.rules.first().host, QString("api.example.org"));
        QCOMPARE(client.rules.first().ports, QString("443,8443"));
        QCOMPARE(client.rules.first().action, QString("allow"));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(done.count(), 1);
        QVERIFY(done.first().first().toString().startsWith("Accepted api.example.org as rule "));
    }

    void rejectingRemovesTheRowWithoutARule()
    {
        FakeFirewallClient client;
        fill(client);
        ProposalsModel model(client);
        model.reload();
        model.reject(2);
        QCOMPARE(client.lastCall("rejectProposal")->args.at(0).toULongLong(), 3ull);
        QVERIFY(client.rules.isEmpty());
        QCOMPARE(model.rowCount(), 3);
    }

    void acceptAndRejectAllActOnTheShownApplication()
    {
        FakeFirewallClient client;
        fill(client);
        ProposalsModel model(client);
        model.reload();
        model.setApplication(QString("/usr/bin/curl"));
        model.acceptShown();
        QCOMPARE(client.lastCall("acceptProposals")->args.at(0).toMap(), (QVariantMap{{"app", "/usr/bin/curl"}}));
        QCOMPARE(client.rules.size(), 2);
        QCOMPARE(model.rowCount(), 0);
        model.setApplication(std::nullopt);
        QCOMPARE(model.rowCount(), 2);
        model.rejectShown();
        QCOMPARE(client.lastCall("rejectProposals")->args.at(0).toMap(), QVariantMap{});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(client.rules.size(), 2);
    }

    void aRefusedAcceptIsReportedAndKeepsTheProposal()
    {
        FakeFirewallClient client;
        fill(client);
        client.failNext("acceptProposal", FakeFirewallClient::notAuthorizedError());
        ProposalsModel model(client);
        model.reload();
        QSignalSpy failed(&model, &ProposalsModel::failed);
        model.accept(0);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(model.rowCount(), 4);
        QVERIFY(client.rules.isEmpty());
    }

    void theDaemonsProposalsChangedReloads()
    {
        FakeFirewallClient client;
        ProposalsModel model(client);
        model.reload();
        QCOMPARE(model.rowCount(), 0);
        fill(client);
        client.emitProposalsChanged();
        QCOMPARE(model.rowCount(), 4);
    }

    void windowFiltersPerApplication()
    {
        FakeFirewallClient client;
        fill(client);
        ProposalsWindow window(client);
        QComboBox& apps = window.applicationFilter();
        QCOMPARE(apps.count(), 4); // all, unknown, curl, wget
        QCOMPARE(apps.itemText(0), QString("All applications (4)"));
        apps.setCurrentIndex(apps.findData(QString("/usr/bin/wget")));
        QCOMPARE(window.model().rowCount(), 1);
        QCOMPARE(window.model().proposalAt(0).host, QString("mirror.example.net"));
        window.rejectAllButton().click();
        QCOMPARE(client.lastCall("rejectProposals")->args.at(0).toMap(), (QVariantMap{{"app", "/usr/bin/wget"}}));
        QCOMPARE(client.proposals.size(), 3);
    }

    void windowAcceptsTheSelectedProposalWithTheEditedHostAndPorts()
    {
        FakeFirewallClient client;
        fill(client);
        ProposalsWindow window(client);
        QVERIFY(!window.acceptButton().isEnabled());
        select(window, 1);
        QVERIFY(window.acceptButton().isEnabled());
        QCOMPARE(window.hostEdit().text(), QString("api.example.org"));
        QCOMPARE(window.portsEdit().text(), QString("443"));
        window.hostEdit().setText("*.example.org");
        window.acceptButton().click();
        const QVariantMap edits = client.lastCall("acceptProposal")->args.at(1).toMap();
        QCOMPARE(edits, (QVariantMap{{"host", "*.example.org"}})); // only what was changed
        QCOMPARE(client.rules.first().host, QString("*.example.org"));
        QVERIFY2(window.statusText().startsWith("Accepted api.example.org as rule"), qPrintable(window.statusText()));
        QCOMPARE(window.model().rowCount(), 3);
    }

    void windowShowsARefusal()
    {
        FakeFirewallClient client;
        fill(client);
        client.failNext("rejectProposal", FakeFirewallClient::notAuthorizedError());
        ProposalsWindow window(client);
        select(window, 0);
        window.rejectButton().click();
        QVERIFY2(window.statusText().contains("changing this needs an administrator"), qPrintable(window.statusText()));
        QCOMPARE(window.model().rowCount(), 4);
    }

    void windowSaysWhenNothingWaits()
    {
        FakeFirewallClient client;
        ProposalsWindow window(client);
        QVERIFY2(window.statusText().contains("no proposals are waiting"), qPrintable(window.statusText()));
        QVERIFY(!window.acceptAllButton().isEnabled());
    }
};

QTEST_MAIN(ProposalsWindowTest)
#include "test_proposals_window.moc"
