// SPDX-License-Identifier: GPL-3.0-or-later
// MonitorWindow and TrafficModel as a specification, against a fake daemon: grouping by application, rates and
// history from successive snapshots, updates in place, filter, polling only while shown, and the row actions.
#include "fake_firewall_client.h"
#include "windows/monitor_window.h"
#include "windows/traffic_chart.h"
#include "windows/traffic_model.h"

#include <QAction>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPixmap>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace hostgate::gui;

namespace {

const QDateTime t0 = QDateTime::fromSecsSinceEpoch(1800000000, Qt::UTC);

TrafficRecord flow(quint64 socket, const QString& app, const QString& address, quint64 sent, quint64 received,
                   const QString& host = {}, std::optional<quint64> rule = 7)
{
    TrafficRecord record;
    record.socket = socket;
    record.app = app;
    record.comm = QStringLiteral("comm");
    record.pid = 4242;
    record.uid = 1000;
    record.address = address;
    record.port = 443;
    record.protocol = QStringLiteral("tcp");
    record.host = host;
    record.verdict = QStringLiteral("allowed");
    record.ruleId = rule;
    record.since = t0.addSecs(-60);
    record.lastActive = t0;
    record.bytesSent = sent;
    record.bytesReceived = received;
    return record;
}

const QString curl = QStringLiteral("/usr/bin/curl");
const QString firefox = QStringLiteral("/usr/lib/firefox/firefox");

// A resolver over an empty directory: apps are named by their file names.
struct Fixture {
    QTemporaryDir desktopFiles;
    AppInfoResolver apps{QStringList{desktopFiles.path()}};
    TrafficModel model{nullptr, &apps};
};

} // namespace

class MonitorWindowTest : public QObject {
    Q_OBJECT

private slots:
    void groupsFlowsByApplicationWithTotals()
    {
        Fixture f;
        f.model.update({flow(1, curl, "203.0.113.1", 100, 1000, "a.test"), flow(2, firefox, "203.0.113.2", 5, 50),
                        flow(3, curl, "203.0.113.3", 10, 20)},
                       t0);
        QCOMPARE(f.model.rowCount(), 2);
        const QModelIndex curlRow = f.model.indexOfApp(curl);
        QVERIFY(curlRow.isValid());
        QCOMPARE(f.model.rowCount(curlRow), 2);
        QCOMPARE(f.model.data(curlRow).toString(), QStringLiteral("curl"));
        QCOMPARE(f.model.index(curlRow.row(), TrafficModel::SentColumn).data(TrafficModel::SortRole).toULongLong(),
                 110ull);
        QCOMPARE(f.model.index(curlRow.row(), TrafficModel::ReceivedColumn).data(TrafficModel::SortRole).toULongLong(),
                 1020ull);
        const QModelIndex first = f.model.index(0, TrafficModel::NameColumn, curlRow);
        QCOMPARE(first.data().toString(), QStringLiteral("a.test (203.0.113.1)"));
        QCOMPARE(f.model.index(0, TrafficModel::DecisionColumn, curlRow).data().toString(),
                 QStringLiteral("allowed by rule #7"));
        QCOMPARE(f.model.flowAt(first)->socket, quint64{1});
        QCOMPARE(f.model.appAt(first), curl);
        QCOMPARE(f.model.totalSent(), 115ull);
        QCOMPARE(f.model.openConnections(), 3);
    }

    void ratesAndHistoryComeFromTheGrowthBetweenSnapshots()
    {
        Fixture f;
        f.model.update({flow(1, curl, "203.0.113.1", 1000, 0)}, t0);
        QVERIFY(f.model.history().empty()); // one snapshot says nothing about a rate
        // Two seconds later: 3000 more bytes sent on the old flow, and a new flow that began since with 400.
        TrafficRecord fresh = flow(2, curl, "203.0.113.2", 400, 0);
        fresh.since = t0.addSecs(1);
        f.model.update({flow(1, curl, "203.0.113.1", 4000, 0), fresh}, t0.addSecs(2));
        QCOMPARE(f.model.history().size(), std::size_t{1});
        QCOMPARE(f.model.history().back().sentPerSecond, (3000.0 + 400.0) / 2);
        QCOMPARE(f.model.history(curl).back().sentPerSecond, 1700.0);
        const QModelIndex curlRow = f.model.indexOfApp(curl);
        QCOMPARE(f.model.index(0, TrafficModel::RateColumn, curlRow).data(TrafficModel::SortRole).toDouble(), 1500.0);
        // A counter that went backwards (a socket cookie reused after the map forgot it) is no negative rate.
        f.model.update({flow(1, curl, "203.0.113.1", 10, 0)}, t0.addSecs(3));
        QCOMPARE(f.model.history().back().sentPerSecond, 0.0);
    }

    void historyKeepsTheLastFiveMinutes()
    {
        Fixture f;
        for (int second = 0; second <= 400; second += 10)
            f.model.update({flow(1, curl, "203.0.113.1", quint64(second) * 100, 0)}, t0.addSecs(second));
        const auto& history = f.model.history();
        QVERIFY(!history.empty());
        QVERIFY(history.front().at.secsTo(history.back().at) <= TrafficModel::historySeconds);
        QCOMPARE(history.back().sentPerSecond, 100.0);
    }

    void updatesInPlaceSoPersistentIndexesSurvive()
    {
        Fixture f;
        f.model.update({flow(1, curl, "203.0.113.1", 1, 1), flow(2, firefox, "203.0.113.2", 1, 1),
                        flow(3, firefox, "203.0.113.3", 1, 1)},
                       t0);
        const QPersistentModelIndex firefoxFlow(f.model.index(1, 0, f.model.indexOfApp(firefox)));
        QCOMPARE(f.model.flowAt(firefoxFlow)->socket, quint64{3});
        QSignalSpy resets(&f.model, &QAbstractItemModel::modelReset);
        // curl's flow ends and firefox's first one goes: rows are removed, not the model reset.
        f.model.update({flow(3, firefox, "203.0.113.3", 9, 9)}, t0.addSecs(1));
        QCOMPARE(resets.count(), 0);
        QCOMPARE(f.model.rowCount(), 1);
        QVERIFY(firefoxFlow.isValid());
        QCOMPARE(f.model.flowAt(firefoxFlow)->socket, quint64{3});
        QCOMPARE(f.model.flowAt(firefoxFlow)->bytesSent, quint64{9});
    }

    void refusedAttemptsAndUnknownOwnersAreShownAsSuch()
    {
        Fixture f;
        TrafficRecord refused = flow(0, curl, "203.0.113.9", 0, 0);
        refused.verdict = QStringLiteral("denied");
        TrafficRecord unknown = flow(5, QString(), "203.0.113.8", 10, 10, {}, std::nullopt);
        unknown.comm = QStringLiteral("mystery");
        unknown.verdict.clear();
        f.model.update({refused, unknown}, t0);
        const QModelIndex curlRow = f.model.indexOfApp(curl);
        QCOMPARE(f.model.index(0, TrafficModel::ConnectionColumn, curlRow).data().toString(),
                 QStringLiteral("443/tcp, refused"));
        QCOMPARE(f.model.index(0, TrafficModel::DecisionColumn, curlRow).data().toString(),
                 QStringLiteral("denied by rule #7"));
        const QModelIndex unknownRow = f.model.indexOfApp(QStringLiteral("?mystery"));
        QVERIFY(unknownRow.isValid());
        QCOMPARE(unknownRow.data().toString(), QStringLiteral("Unknown (mystery)"));
        QCOMPARE(f.model.appAt(unknownRow), QString());
        QCOMPARE(f.model.index(0, TrafficModel::DecisionColumn, unknownRow).data().toString(),
                 QStringLiteral("no decision recorded"));
    }

    void scriptsAndSandboxAppsAreApplicationsOfTheirOwn()
    {
        Fixture f;
        const QString python = QStringLiteral("/usr/bin/python3.11");
        TrafficRecord first = flow(1, python, "203.0.113.1", 1, 1);
        first.script = QStringLiteral("/opt/tools/backup.py");
        TrafficRecord second = flow(2, python, "203.0.113.2", 1, 1);
        second.script = QStringLiteral("/home/u/sync.py");
        TrafficRecord sandboxed = flow(3, QStringLiteral("/usr/lib/firefox/firefox"), "203.0.113.3", 1, 1);
        sandboxed.appId = QStringLiteral("flatpak:org.mozilla.firefox");
        TrafficRecord alsoSandboxed = flow(4, QStringLiteral("/app/lib/firefox/firefox-bin"), "203.0.113.4", 1, 1);
        alsoSandboxed.appId = sandboxed.appId;
        f.model.update({first, second, sandboxed, alsoSandboxed}, t0);
        QCOMPARE(f.model.rowCount(), 3);
        const QModelIndex backup = f.model.indexOfApp(python + QStringLiteral("\n/opt/tools/backup.py"));
        QVERIFY(backup.isValid());
        QCOMPARE(backup.data().toString(), QStringLiteral("backup.py (python3.11)")); // no .desktop file: the script
        QCOMPARE(f.model.appAt(backup), python);                                      // rules name the interpreter
        const QModelIndex firefox = f.model.indexOfApp(QStringLiteral("flatpak:org.mozilla.firefox"));
        QVERIFY(firefox.isValid());
        QCOMPARE(f.model.rowCount(firefox), 2); // one app id, two executables inside its sandbox
        QCOMPARE(f.model.groupAt(f.model.index(1, 0, firefox)), QStringLiteral("flatpak:org.mozilla.firefox"));
    }

    void pollsOnlyWhileShown()
    {
        FakeFirewallClient client;
        client.traffic = {flow(1, curl, "203.0.113.1", 10, 20)};
        MonitorWindow window(client);
        QCOMPARE(client.callCount(QStringLiteral("fetchTraffic")), 0); // nothing asked before it is shown
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.isPolling());
        QTRY_VERIFY(client.callCount(QStringLiteral("fetchTraffic")) >= 2); // on show, then by the timer
        QCOMPARE(window.model().rowCount(), 1);
        window.hide();
        QVERIFY(!window.isPolling());
        const int asked = client.callCount(QStringLiteral("fetchTraffic"));
        QTest::qWait(MonitorWindow::refreshMilliseconds * 2);
        QCOMPARE(client.callCount(QStringLiteral("fetchTraffic")), asked);
    }

    void aSlowAnswerIsNotQueuedBehindAnother()
    {
        FakeFirewallClient client;
        client.deferReplies = true;
        MonitorWindow window(client);
        window.refresh();
        window.refresh();
        QCOMPARE(client.callCount(QStringLiteral("fetchTraffic")), 1);
        client.flushReplies();
        window.refresh();
        QCOMPARE(client.callCount(QStringLiteral("fetchTraffic")), 2);
    }

    void filterKeepsMatchingFlowsAndTheirApps()
    {
        FakeFirewallClient client;
        client.traffic = {flow(1, curl, "203.0.113.1", 1, 1, "tracker.example"),
                          flow(2, curl, "203.0.113.2", 1, 1, "ok.example"),
                          flow(3, firefox, "203.0.113.3", 1, 1, "mozilla.org")};
        MonitorWindow window(client);
        QSignalSpy refreshed(&window, &MonitorWindow::refreshed);
        window.refresh();
        QCOMPARE(refreshed.count(), 1);
        window.findChild<QLineEdit*>(QStringLiteral("searchEdit"))->setText(QStringLiteral("tracker"));
        QSortFilterProxyModel& shown = window.filterModel();
        QCOMPARE(shown.rowCount(), 1);
        QCOMPARE(shown.rowCount(shown.index(0, 0)), 1);
        QCOMPARE(shown.index(0, 0, shown.index(0, 0)).data().toString(),
                 QStringLiteral("tracker.example (203.0.113.1)"));
        // An app's name shows all of its flows.
        window.findChild<QLineEdit*>(QStringLiteral("searchEdit"))->setText(QStringLiteral("firefox"));
        QCOMPARE(shown.rowCount(), 1);
        QCOMPARE(shown.rowCount(shown.index(0, 0)), 1);
    }

    void rowActionsMakeARuleShowRulesAndDisableTheRule()
    {
        FakeFirewallClient client;
        client.traffic = {flow(1, curl, "203.0.113.1", 1, 1, "a.test", 12)};
        MonitorWindow window(client);
        window.refresh();
        QSignalSpy makeRule(&window, &MonitorWindow::makeRuleRequested);
        QSignalSpy showRules(&window, &MonitorWindow::rulesRequested);
        auto* makeRuleAction = window.findChild<QAction*>(QStringLiteral("makeRuleAction"));
        auto* disableAction = window.findChild<QAction*>(QStringLiteral("disableRuleAction"));
        auto* showRulesAction = window.findChild<QAction*>(QStringLiteral("showRulesAction"));
        QVERIFY(!makeRuleAction->isEnabled());

        // The app row: rules can be shown, but a rule needs a destination.
        QSortFilterProxyModel& shown = window.filterModel();
        window.view().selectionModel()->select(shown.index(0, 0),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QVERIFY(showRulesAction->isEnabled());
        QVERIFY(!makeRuleAction->isEnabled());
        showRulesAction->trigger();
        QCOMPARE(showRules.count(), 1);
        QCOMPARE(showRules.at(0).at(0).toString(), curl);

        // The flow row.
        window.view().selectionModel()->select(shown.index(0, 0, shown.index(0, 0)),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QVERIFY(makeRuleAction->isEnabled());
        QCOMPARE(disableAction->text(), QStringLiteral("&Disable rule #12"));
        makeRuleAction->trigger();
        QCOMPARE(makeRule.count(), 1);
        const auto event = makeRule.at(0).at(0).value<ConnectionRecord>();
        QCOMPARE(event.app, curl);
        QCOMPARE(event.host, QStringLiteral("a.test"));
        QCOMPARE(event.address, QStringLiteral("203.0.113.1"));
        QCOMPARE(event.port, quint16{443});
        disableAction->trigger();
        QCOMPARE(client.lastCall(QStringLiteral("setRuleEnabled"))->args, (QVariantList{12ull, false}));
    }

    void theChartFollowsTheSelection()
    {
        FakeFirewallClient client;
        client.traffic = {flow(1, curl, "203.0.113.1", 100, 0), flow(2, firefox, "203.0.113.2", 0, 0)};
        MonitorWindow window(client);
        window.refresh();
        client.traffic = {flow(1, curl, "203.0.113.1", 5000, 0), flow(2, firefox, "203.0.113.2", 0, 0)};
        QTest::qWait(50); // the rate needs time between the snapshots
        window.refresh();
        QCOMPARE(window.chart().title(), QStringLiteral("All applications"));
        QCOMPARE(window.chart().pointCount(), 1);
        QVERIFY(window.chart().highest() > 0);
        QSortFilterProxyModel& shown = window.filterModel();
        for (int row = 0; row < shown.rowCount(); ++row)
            if (shown.index(row, 0).data().toString() == QStringLiteral("firefox"))
                window.view().selectionModel()->select(shown.index(row, 0),
                                                       QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(window.chart().title(), QStringLiteral("firefox"));
        QCOMPARE(window.chart().highest(), 0.0);
    }

    void theChartDrawsTheRatesItWasGiven()
    {
        TrafficChart chart;
        chart.resize(800, 300);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        std::deque<TrafficModel::Sample> samples;
        for (int ago = 60; ago >= 0; ago -= 2)
            samples.push_back({now.addSecs(-ago), ago == 30 ? 500000.0 : 1000.0, 0});
        chart.plot(samples, now, QStringLiteral("curl"));
        const QImage picture = chart.grab().toImage();
        const QColor sent = chart.palette().color(QPalette::Highlight);
        int drawn = 0;
        for (int y = 0; y < picture.height(); ++y)
            for (int x = picture.width() / 2; x < picture.width(); ++x) // the last minute is the right fifth
                if (picture.pixelColor(x, y) == sent)
                    ++drawn;
        QVERIFY2(drawn > 20, qPrintable(QString::number(drawn)));
    }

    void aFailedSnapshotStopsPollingWithOneReport()
    {
        FakeFirewallClient client;
        client.failNext(QStringLiteral("fetchTraffic"), FakeFirewallClient::notAuthorizedError());
        MonitorWindow window(client);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY(!window.isPolling());
        QCOMPARE(client.callCount(QStringLiteral("fetchTraffic")), 1);
    }
};

QTEST_MAIN(MonitorWindowTest)
#include "test_monitor_window.moc"
