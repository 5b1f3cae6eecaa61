// SPDX-License-Identifier: GPL-3.0-or-later
// ConnectionLogWindow as a specification, against a fake daemon: history, live events, filters, pause, rules.
#include "fake_firewall_client.h"
#include "window_test_support.h"
#include "windows/connection_log_filter_model.h"
#include "windows/connection_log_model.h"
#include "windows/connection_log_window.h"
#include "windows/rule_editor_dialog.h"
#include "windows/rules_window.h"

#include <QAction>
#include <QComboBox>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTest>
#include <QTreeView>

using namespace hostgate::gui;
using namespace hostgate::gui::testing;

class ConnectionLogWindowTest : public QObject {
    Q_OBJECT

    static QList<ConnectionRecord> history()
    {
        // Newest first, as ListConnections answers.
        return {
            connectionEvent(3, "denied", "/usr/bin/curl", "tracker.example.net"),
            connectionEvent(2, "allowed", "/usr/lib/firefox/firefox", "mozilla.org"),
            connectionEvent(1, "asked", "/usr/bin/ssh", "git.example.com"),
        };
    }

    static qint64 idAt(ConnectionLogWindow& window, int row)
    {
        return window.filterModel().index(row, 0).data(ConnectionLogModel::EventIdRole).toLongLong();
    }

private slots:
    void opensWithTheDaemonsRecentHistory()
    {
        FakeFirewallClient client;
        client.connections = history();
        ConnectionLogWindow window(client);

        QCOMPARE(client.lastCall("fetchConnections")->args.at(0).toUInt(), 1000u);
        QCOMPARE(window.filterModel().rowCount(), 3);
        QCOMPARE(idAt(window, 0), qint64{3});
    }

    void showsEachEventFieldInItsColumn()
    {
        FakeFirewallClient client;
        ConnectionRecord event = connectionEvent(5, "denied", "/usr/bin/curl", "example.org", "2001:db8::5", 443);
        event.ruleId = 12;
        client.connections = {event};
        ConnectionLogWindow window(client);

        const QAbstractItemModel& rows = window.filterModel();
        QCOMPARE(rows.index(0, ConnectionLogModel::VerdictColumn).data().toString(), QString("denied"));
        QVERIFY(!rows.index(0, ConnectionLogModel::VerdictColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(rows.index(0, ConnectionLogModel::AppColumn).data().toString(), QString("curl"));
        QCOMPARE(rows.index(0, ConnectionLogModel::HostColumn).data().toString(), QString("example.org"));
        QCOMPARE(rows.index(0, ConnectionLogModel::AddressColumn).data().toString(), QString("[2001:db8::5]:443"));
        QCOMPARE(rows.index(0, ConnectionLogModel::ProtocolColumn).data().toString(), QString("tcp"));
        QCOMPARE(rows.index(0, ConnectionLogModel::RuleColumn).data().toString(), QString("#12"));
        QCOMPARE(rows.index(0, ConnectionLogModel::ExplanationColumn).data().toString(), event.explanation);
    }

    void liveEventAppearsAtTheTop()
    {
        FakeFirewallClient client;
        client.connections = history();
        ConnectionLogWindow window(client);

        client.emitConnectionEvent(connectionEvent(4, "allowed", "/usr/bin/wget", "example.org"));

        QCOMPARE(window.filterModel().rowCount(), 4);
        QCOMPARE(idAt(window, 0), qint64{4});
    }

    void logKeepsOnlyTheNewestEventsUpToItsCapacity()
    {
        FakeFirewallClient client;
        ConnectionLogWindow window(client);
        window.model().setCapacity(5);

        for (qint64 id = 1; id <= 8; ++id) {
            client.emitConnectionEvent(connectionEvent(id, "allowed", "/usr/bin/curl", "example.org"));
        }

        QCOMPARE(window.filterModel().rowCount(), 5);
        QCOMPARE(idAt(window, 0), qint64{8});
        QCOMPARE(idAt(window, 4), qint64{4});
    }

    void defaultCapacityIsFiveThousandEvents()
    {
        FakeFirewallClient client;
        ConnectionLogWindow window(client);

        QCOMPARE(window.model().capacity(), 5000);
    }

    void verdictFilterShowsOnlyThatVerdict()
    {
        FakeFirewallClient client;
        client.connections = history();
        ConnectionLogWindow window(client);
        client.emitConnectionEvent(connectionEvent(4, "denied", "/usr/bin/wget", "example.org"));
        auto* verdicts = window.findChild<QComboBox*>("verdictCombo");

        verdicts->setCurrentIndex(verdicts->findData(QString("denied")));

        QCOMPARE(window.filterModel().rowCount(), 2);
        QCOMPARE(idAt(window, 0), qint64{4});
        QCOMPARE(idAt(window, 1), qint64{3});
    }

    void textFilterMatchesApplicationOrHost_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("rows");
        QTest::newRow("application") << "firefox" << 1;
        QTest::newRow("host, any case") << "EXAMPLE" << 2;
        QTest::newRow("address") << "203.0.113.10" << 3;
        QTest::newRow("nothing") << "nowhere.invalid" << 0;
    }

    void textFilterMatchesApplicationOrHost()
    {
        QFETCH(QString, text);
        QFETCH(int, rows);
        FakeFirewallClient client;
        client.connections = history();
        ConnectionLogWindow window(client);

        window.findChild<QLineEdit*>("searchEdit")->setText(text);

        QCOMPARE(window.filterModel().rowCount(), rows);
    }

    void pausedLogHoldsLiveEventsUntilResumed()
    {
        FakeFirewallClient client;
        client.connections = history();
        ConnectionLogWindow window(client);
        window.findChild<QAction*>("pauseAction")->setChecked(true);

        client.emitConnectionEvent(connectionEvent(4, "allowed", "/usr/bin/wget", "example.org"));
        QCOMPARE(window.filterModel().rowCount(), 3);

        window.findChild<QAction*>("pauseAction")->setChecked(false);
        QCOMPARE(window.filterModel().rowCount(), 4);
        QCOMPARE(idAt(window, 0), qint64{4});
    }

    void eventArrivingWhileHistoryLoadsIsShownOnce()
    {
        FakeFirewallClient client;
        client.connections = history();
        client.deferReplies = true;
        ConnectionLogWindow window(client);

        // The fake, like the daemon, also records the event in the history the pending fetch returns.
        client.emitConnectionEvent(connectionEvent(4, "allowed", "/usr/bin/wget", "example.org"));
        client.emitConnectionEvent(connectionEvent(5, "allowed", "/usr/bin/wget", "example.org"));
        client.flushReplies();

        QCOMPARE(window.filterModel().rowCount(), 5);
        QCOMPARE(idAt(window, 0), qint64{5});
    }

    void historyErrorIsShownInAMessageBox()
    {
        FakeFirewallClient client;
        client.failNext("fetchConnections", FakeFirewallClient::notAuthorizedError());
        ConnectionLogWindow window(client);

        auto* error = window.findChild<QMessageBox*>("errorMessage");
        QVERIFY(error != nullptr);
        QVERIFY(error->text().contains("read the connection log"));
        QVERIFY(error->informativeText().contains("Not authorized"));
    }

    void makeRuleActionEmitsTheSelectedEvent()
    {
        FakeFirewallClient client;
        client.connections = history();
        ConnectionLogWindow window(client);
        QSignalSpy requested(&window, &ConnectionLogWindow::makeRuleRequested);
        window.view().selectionModel()->select(window.filterModel().index(1, 0),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

        window.findChild<QAction*>("makeRuleAction")->trigger();

        QCOMPARE(requested.count(), 1);
        QCOMPARE(requested.at(0).at(0).value<ConnectionRecord>().id, qint64{2});
    }

    void madeRuleOpensThePrefilledEditorInTheRulesWindow()
    {
        FakeFirewallClient client;
        client.connections = history();
        ConnectionLogWindow log(client);
        RulesWindow rules(client);
        connect(&log, &ConnectionLogWindow::makeRuleRequested, &rules, &RulesWindow::openNewRuleFrom);
        log.view().selectionModel()->select(log.filterModel().index(0, 0),
                                            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

        log.makeRuleFromSelection();

        auto* editor = rules.findChild<RuleEditorDialog*>();
        QVERIFY(editor != nullptr);
        QCOMPARE(editor->fields().value("app").toString(), QString("/usr/bin/curl"));
        QCOMPARE(editor->fields().value("host").toString(), QString("tracker.example.net"));
        QCOMPARE(editor->fields().value("ports").toString(), QString("443"));
        QCOMPARE(editor->fields().value("action").toString(), QString("allow"));
    }

    void theRuleThatDecidedAnEventCanBeDisabledFromTheLog()
    {
        FakeFirewallClient client;
        client.rules = {userRule(12, "/usr/bin/curl", "tracker.example.net")};
        ConnectionRecord decided = connectionEvent(4, "allowed", "/usr/bin/curl", "tracker.example.net");
        decided.ruleId = 12;
        client.connections = {decided, connectionEvent(3, "denied", "/usr/bin/wget", "example.org")};
        ConnectionLogWindow window(client);
        auto* disable = window.findChild<QAction*>("disableRuleAction");
        QVERIFY(disable != nullptr);
        QVERIFY(!disable->isEnabled()); // nothing selected

        window.view().selectionModel()->select(window.filterModel().index(1, 0),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QVERIFY(!disable->isEnabled()); // decided by the mode, no rule

        window.view().selectionModel()->select(window.filterModel().index(0, 0),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QVERIFY(disable->isEnabled());
        QVERIFY(disable->text().contains("#12"));
        disable->trigger();

        const auto call = client.lastCall("setRuleEnabled");
        QVERIFY(call.has_value());
        QCOMPARE(call->args.at(0).toULongLong(), quint64{12});
        QCOMPARE(call->args.at(1).toBool(), false);
        QVERIFY(!client.rules.at(0).enabled);
        QCOMPARE(window.statusBar()->currentMessage(), QString("Rule #12 disabled"));
    }

    void aRefusedDisableIsShownInAMessageBox()
    {
        FakeFirewallClient client;
        ConnectionRecord decided = connectionEvent(4, "denied", "/usr/bin/curl", "tracker.example.net");
        decided.ruleId = 3;
        client.connections = {decided};
        client.failNext("setRuleEnabled", FakeFirewallClient::notAuthorizedError());
        ConnectionLogWindow window(client);
        window.view().selectionModel()->select(window.filterModel().index(0, 0),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

        window.disableRuleOfSelection();

        auto* error = window.findChild<QMessageBox*>("errorMessage");
        QVERIFY(error != nullptr);
        QVERIFY(error->text().contains("disable rule #3"));
    }
};

QTEST_MAIN(ConnectionLogWindowTest)
#include "test_connection_log_window.moc"
