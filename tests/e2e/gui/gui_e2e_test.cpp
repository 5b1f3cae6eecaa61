// SPDX-License-Identifier: GPL-3.0-or-later
// The tray application end to end: real hostgated on a private bus, prompts clicked on a real X server with a tray.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"
#include "harness/private_bus.h"
#include "screenshots.h"
#include "x_session.h"

#include "app/tray_application.h"
#include "client/dbus_firewall_client.h"
#include "prompt/prompt_dialog.h"
#include "windows/connection_log_model.h"
#include "windows/connection_log_window.h"
#include "windows/monitor_window.h"
#include "windows/rules_model.h"
#include "windows/rules_window.h"
#include "windows/traffic_chart.h"
#include "windows/traffic_model.h"

#include <QApplication>
#include <QComboBox>
#include <QDBusConnection>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTest>
#include <QTreeView>

#include <algorithm>
#include <memory>
#include <optional>

using namespace hostgate::e2e;
using namespace std::chrono_literals;
namespace gui = hostgate::gui;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString firewallService = QStringLiteral("org.hostgate.Firewall1");
const QString trayConnection = QStringLiteral("hostgate-e2e-tray");
const QString observerConnection = QStringLiteral("hostgate-e2e-observer");
// Root is authorized without polkit; everyone else is refused, so nothing but the rules below can grant.
const QString polkitRules =
    QStringLiteral("polkit.addRule(function(action, subject) {\n"
                   "    if (action.id.indexOf(\"org.hostgate.\") == 0) return polkit.Result.NO;\n"
                   "});\n");
// One address per behaviour, so a verdict cached in the kernel for one test can never decide another.
const QString allowedHost = QStringLiteral("allow-me.test");
const QString allowedAddress = QStringLiteral("203.0.113.30");
const QString deniedHost = QStringLiteral("deny-me.test");
const QString deniedAddress = QStringLiteral("203.0.113.31");
const QString ignoredHost = QStringLiteral("ignore-me.test");
const QString ignoredAddress = QStringLiteral("203.0.113.32");
// An address no DNS answer names: curl connects to it directly and claims a name in its Host header (issue 14.2).
const QString claimedHost = QStringLiteral("claimed-by-curl.test");
const QString namelessAddress = QStringLiteral("203.0.113.34");
// The network monitor's peer (tests/e2e/bus/traffic_peer.py): a server whose log says how many bytes went each way.
const QString trafficAddress = QStringLiteral("203.0.113.35");
constexpr int trafficPort = 9100;
constexpr int trafficReply = 250000;
constexpr int trafficSend = 120000;

// Long enough that a click always comes first; short enough that the countdown test stays quick.
constexpr auto clickedPromptTimeout = 60s;
constexpr auto countdownPromptTimeout = 3s;
// Upper bound for what the GUI waits on the daemon or the X server for (registration, windows, replies).
constexpr int guiBoundMs = 15000;
constexpr auto curlBound = 50s;

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {
        {allowedHost, allowedAddress, {}}, {deniedHost, deniedAddress, {}}, {ignoredHost, ignoredAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress, deniedAddress, ignoredAddress, namelessAddress};
    world.extraAddresses = {trafficAddress + QStringLiteral("/32")};
    return world;
}

// No rules: every connection of the test is unknown, so hostgated asks the registered agent (the tray).
DaemonSettings promptingDaemon(std::chrono::seconds promptTimeout)
{
    return {QString(),
            QString(),
            {QStringLiteral("--prompt-timeout"), QString::number(promptTimeout.count()),
             QStringLiteral("--default-action"), QStringLiteral("deny")}};
}

// curl as a person runs it: its own time limit is longer than any prompt of the test takes to be answered.
QStringList promptedCurl(const QString& host)
{
    return {QStringLiteral("curl"), QStringLiteral("-4"),
            QStringLiteral("-sS"),  QStringLiteral("--noproxy"),
            QStringLiteral("*"),    QStringLiteral("--max-time"),
            QStringLiteral("45"),   QStringLiteral("http://%1/").arg(host)};
}

template <class Window>
Window* topLevel()
{
    for (QWidget* widget : QApplication::topLevelWidgets()) {
        if (auto* window = qobject_cast<Window*>(widget)) {
            return window;
        }
    }
    return nullptr;
}

// The prompt dialog, once it is on screen asking about `host`.
gui::PromptDialog* visiblePromptAbout(const QString& host)
{
    auto* dialog = topLevel<gui::PromptDialog>();
    return dialog && dialog->isVisible() && dialog->hostText().contains(host) ? dialog : nullptr;
}

// Qt's X11 tray icon is a small window docked into the tray host; it is visible once embedded.
QWidget* dockedTrayIcon()
{
    for (QWidget* widget : QApplication::topLevelWidgets()) {
        if (qstrcmp(widget->metaObject()->className(), "QSystemTrayIconSys") == 0 && widget->isVisible()) {
            return widget;
        }
    }
    return nullptr;
}

bool listsRememberedAllow(const gui::RulesModel& model)
{
    for (const gui::RuleRecord& rule : model.rules()) {
        if (rule.host == allowedHost && rule.action == QLatin1String("allow") &&
            rule.lifetime == QLatin1String("forever") && rule.app == curlPath && rule.origin == QLatin1String("user")) {
            return true;
        }
    }
    return false;
}

bool logShows(const gui::ConnectionLogModel& model, const QString& address, const QString& verdict)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        const gui::ConnectionRecord& event = model.eventAt(row);
        if (event.address == address && event.verdict == verdict && event.app == curlPath) {
            return true;
        }
    }
    return false;
}

// Waits for the client to exit while the event loop runs, so the tray keeps serving the bus meanwhile.
RunResult finishWhileGuiRuns(BackgroundProcess& client)
{
    // On expiry finish() kills the client and reports the timeout.
    static_cast<void>(QTest::qWaitFor([&client] { return !client.isRunning(); },
                                      static_cast<int>(std::chrono::milliseconds(curlBound).count())));
    return client.finish(1s);
}

// Counts every PromptDialog shown while it exists, so a test can assert that nobody was asked.
class PromptShowCounter : public QObject {
public:
    PromptShowCounter() { qApp->installEventFilter(this); }
    ~PromptShowCounter() override { qApp->removeEventFilter(this); }
    int shown() const { return shown_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Show && qobject_cast<gui::PromptDialog*>(watched)) {
            ++shown_;
        }
        return false;
    }

private:
    int shown_ = 0;
};

// Records the text of every message box the tray shows, and closes it at once: a modal box left open would
// block the clicks and cover the screenshots of the tests that follow.
class MessageBoxCatcher : public QObject {
public:
    MessageBoxCatcher() { qApp->installEventFilter(this); }
    ~MessageBoxCatcher() override { qApp->removeEventFilter(this); }
    const QStringList& texts() const { return texts_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Show) {
            if (auto* box = qobject_cast<QMessageBox*>(watched)) {
                texts_.append(
                    QStringLiteral("%1 — %2 %3")
                        .arg(QString::fromLatin1(QTest::currentTestFunction()), box->text(), box->informativeText()));
                QMetaObject::invokeMethod(box, &QMessageBox::reject, Qt::QueuedConnection);
            }
        }
        return false;
    }

private:
    QStringList texts_;
};

} // namespace

class GuiEndToEndTest : public QObject {
    Q_OBJECT
public:
    GuiEndToEndTest(const XvfbServer* display, QString displayProblem)
        : display_(display), displayProblem_(std::move(displayProblem))
    {}

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("Xvfb") << QStringLiteral("trayer")
                                                 << QStringLiteral("import") << QStringLiteral("dbus-daemon"))) {
            return;
        }
        QVERIFY2(display_, qPrintable(QStringLiteral("No X server for the tray: ") + displayProblem_));
        QCOMPARE(QGuiApplication::platformName(), QStringLiteral("xcb"));
        const QString output = QStringLiteral(HOSTGATE_GUI_E2E_OUTPUT_DIR);
        screenshots_ = std::make_unique<Screenshots>(
            display_->displayName(), output + QStringLiteral("/screenshots"),
            Screenshots::publishDirectoryFromEnvironment(QStringLiteral(HOSTGATE_DOCS_SCREENSHOT_DIR)));

        auto trayHost = startTrayHost(output + QStringLiteral("/trayer.log"));
        HG_E2E_VERIFY(trayHost);
        trayHost_.emplace(std::move(*trayHost));
        QTRY_VERIFY_WITH_TIMEOUT(QSystemTrayIcon::isSystemTrayAvailable(), guiBoundMs);

        const QString source = QStringLiteral(HOSTGATE_SOURCE_DIR);
        auto bus =
            hostgate::testbus::PrivateSystemBus::start({source + QStringLiteral("/dbus/org.hostgate.Firewall1.conf")});
        HG_E2E_VERIFY(bus);
        bus_ = std::move(*bus);
        // hostgated inherits the address; the tray and the observer get their own connections to it.
        bus_->exportAddress();
        auto polkit = hostgate::testbus::PrivatePolkit::start(
            *bus_, {source + QStringLiteral("/polkit/org.hostgate.policy")}, polkitRules);
        HG_E2E_VERIFY(polkit);
        polkit_ = std::move(*polkit);

        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-gui"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        HG_E2E_VERIFY(startDaemon(clickedPromptTimeout));

        observer_ = std::make_unique<gui::DbusFirewallClient>(
            QDBusConnection::connectToBus(bus_->address(), observerConnection));
        QVERIFY(observer_->connection().isConnected());
        tray_ = std::make_unique<gui::TrayApplication>(QDBusConnection::connectToBus(bus_->address(), trayConnection),
                                                       gui::TrayApplicationOptions{});
        const QString problem = tray_->start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void cleanupTestCase()
    {
        // The tray unregisters while the daemon and the bus still exist; the X server outlives the QApplication.
        tray_.reset();
        observer_.reset();
        QDBusConnection::disconnectFromBus(trayConnection);
        QDBusConnection::disconnectFromBus(observerConnection);
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        fixture_.reset();
        polkit_.reset();
        bus_.reset();
        trayHost_.reset();
    }

    void trayIconDocksIntoTheTrayHost()
    {
        QTRY_VERIFY_WITH_TIMEOUT(dockedTrayIcon() != nullptr, guiBoundMs);
        QVERIFY(QTest::qWaitForWindowExposed(dockedTrayIcon()));
    }

    void trayRegistersAsThePromptAgentOfItsUser()
    {
        QTRY_COMPARE_WITH_TIMEOUT(registeredAgents(), 1, guiBoundMs);
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Prompt agent registered"),
                                      QStringLiteral("path=/org/hostgate/PromptAgent1"), QStringLiteral("uid=0")},
                                     0));
    }

    void promptAnsweredAllowForeverLetsTheConnectionThrough()
    {
        auto curl = startBackground(fixture_->confined(), promptedCurl(allowedHost));
        HG_E2E_VERIFY(curl);
        gui::PromptDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = visiblePromptAbout(allowedHost)) != nullptr, guiBoundMs);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        // The buttons ignore clicks for a moment after a prompt appears, so a stray keystroke cannot answer it.
        QTRY_VERIFY_WITH_TIMEOUT(dialog->allowButton()->isEnabled(), guiBoundMs);
        const int rememberForever = dialog->lifetimeBox()->findData(QStringLiteral("forever"));
        QVERIFY(rememberForever >= 0);
        dialog->lifetimeBox()->setCurrentIndex(rememberForever);
        dialog->repaint();
        HG_E2E_VERIFY(takeScreenshot(QStringLiteral("prompt.png")));

        QTest::mouseClick(dialog->allowButton(), Qt::LeftButton);
        const RunResult result = finishWhileGuiRuns(*curl);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(allowedAddress, 80));
        QTRY_VERIFY(!dialog->isVisible());
    }

    void rememberedAnswerIsListedInTheRulesWindow()
    {
        tray_->showRulesWindow();
        auto* rules = topLevel<gui::RulesWindow>();
        QVERIFY(rules);
        QVERIFY(QTest::qWaitForWindowExposed(rules));
        QTRY_VERIFY_WITH_TIMEOUT(listsRememberedAllow(rules->model()), guiBoundMs);
        rules->repaint();
        HG_E2E_VERIFY(takeScreenshot(QStringLiteral("rules.png")));
    }

    void trayReconnectsToARestartedDaemonWhoseRememberedRuleAllowsWithoutAsking()
    {
        auto* rules = topLevel<gui::RulesWindow>();
        QVERIFY(rules);
        HG_E2E_VERIFY(fixture_->stopDaemon());
        // The tray's client saw the daemon's name go (availabilityChanged(false)); its rules window says so.
        QTRY_VERIFY_WITH_TIMEOUT(rules->statusBar()->currentMessage().contains(QStringLiteral("not running")),
                                 guiBoundMs);

        QSignalSpy reloads(&rules->model(), &QAbstractItemModel::modelReset);
        HG_E2E_VERIFY(startDaemon(clickedPromptTimeout));
        // availabilityChanged(true): the window reloads by itself and the agent registers again by itself.
        QTRY_VERIFY_WITH_TIMEOUT(reloads.count() > 0, guiBoundMs);
        QVERIFY(listsRememberedAllow(rules->model()));
        QTRY_COMPARE_WITH_TIMEOUT(registeredAgents(), 1, guiBoundMs);

        const PromptShowCounter prompts;
        const qint64 mark = fixture_->daemonLogSize();
        auto curl = startBackground(fixture_->confined(), promptedCurl(allowedHost));
        HG_E2E_VERIFY(curl);
        const RunResult result = finishWhileGuiRuns(*curl);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        QCOMPARE(result.out, Servers::defaultBody(allowedAddress, 80));
        QCOMPARE(prompts.shown(), 0);
        QCOMPARE(fixture_->countLogLines(QStringLiteral("Connection asked"), mark), 0);
    }

    void promptAnsweredDenyFailsTheConnectionBeforeTheDefaultWouldApply()
    {
        auto curl = startBackground(fixture_->confined(), promptedCurl(deniedHost));
        HG_E2E_VERIFY(curl);
        gui::PromptDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = visiblePromptAbout(deniedHost)) != nullptr, guiBoundMs);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->denyButton()->isEnabled(), guiBoundMs);

        QElapsedTimer sinceClick;
        sinceClick.start();
        QTest::mouseClick(dialog->denyButton(), Qt::LeftButton);
        const RunResult result = finishWhileGuiRuns(*curl);
        const auto failedAfter = std::chrono::milliseconds(sinceClick.elapsed());
        qInfo("curl failed %lld ms after Deny was clicked (the default would have applied after %lld s)",
              static_cast<long long>(failedAfter.count()), static_cast<long long>(clickedPromptTimeout.count()));
        QVERIFY2(result.exitCode == 7 && result.err.contains("Couldn't connect"), qPrintable(result.describe()));
        QVERIFY2(failedAfter < clickedPromptTimeout, qPrintable(result.describe()));
        QTRY_VERIFY(!dialog->isVisible());
    }

    void promptForANamelessAddressShowsTheNameItsFirstPayloadClaims()
    {
        // No DNS answer named the address; the daemon lets the handshake out, reads the Host header of the held
        // request and puts it in the prompt, marked as claimed (not trusted by default).
        auto curl = startBackground(fixture_->confined(),
                                    {QStringLiteral("curl"), QStringLiteral("-4"), QStringLiteral("-sS"),
                                     QStringLiteral("--noproxy"), QStringLiteral("*"), QStringLiteral("--max-time"),
                                     QStringLiteral("45"), QStringLiteral("-H"), QStringLiteral("Host: ") + claimedHost,
                                     QStringLiteral("http://%1/").arg(namelessAddress)});
        HG_E2E_VERIFY(curl);
        gui::PromptDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = visiblePromptAbout(namelessAddress)) != nullptr, guiBoundMs);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto* claimed = dialog->findChild<QLabel*>(QStringLiteral("claimedName"));
        QVERIFY(claimed);
        QTRY_VERIFY_WITH_TIMEOUT(claimed->isVisible(), guiBoundMs);
        QVERIFY2(claimed->text().contains(claimedHost) && claimed->text().contains(QStringLiteral("HTTP Host")),
                 qPrintable(claimed->text()));
        QVERIFY2(claimed->text().contains(QStringLiteral("not from DNS")), qPrintable(claimed->text()));
        QTRY_VERIFY_WITH_TIMEOUT(dialog->denyButton()->isEnabled(), guiBoundMs);
        dialog->repaint();
        HG_E2E_VERIFY(takeScreenshot(QStringLiteral("prompt-claimed.png")));

        QTest::mouseClick(dialog->denyButton(), Qt::LeftButton);
        const RunResult result = finishWhileGuiRuns(*curl);
        // The handshake was out, the request was held and is refused: a reset, no response.
        QVERIFY2(result.exitCode != 0 && result.out.isEmpty(), qPrintable(result.describe()));
        HG_E2E_VERIFY(
            fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + namelessAddress,
                                      QStringLiteral("claimed=\"") + claimedHost + QStringLiteral(" (http-host)\"")},
                                     0));
        QTRY_VERIFY(!dialog->isVisible());
    }

    void unansweredPromptClosesItselfAtZeroAndTheDefaultDenyApplies()
    {
        HG_E2E_VERIFY(fixture_->stopDaemon());
        HG_E2E_VERIFY(startDaemon(countdownPromptTimeout));
        QTRY_COMPARE_WITH_TIMEOUT(registeredAgents(), 1, guiBoundMs);
        const qint64 mark = fixture_->daemonLogSize();
        auto curl = startBackground(fixture_->confined(), promptedCurl(ignoredHost));
        HG_E2E_VERIFY(curl);
        gui::PromptDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = visiblePromptAbout(ignoredHost)) != nullptr, guiBoundMs);
        QVERIFY2(dialog->countdownText().startsWith(QStringLiteral("Denying in")), qPrintable(dialog->countdownText()));

        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isVisible(),
                                 static_cast<int>(std::chrono::milliseconds(countdownPromptTimeout).count()) +
                                     guiBoundMs);
        const RunResult result = finishWhileGuiRuns(*curl);
        QVERIFY2(result.exitCode == 7 && result.err.contains("Couldn't connect"), qPrintable(result.describe()));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Connection denied"), QStringLiteral("ip=") + ignoredAddress}, mark));
    }

    void connectionLogShowsTheDecisions()
    {
        tray_->showConnectionLog();
        auto* log = topLevel<gui::ConnectionLogWindow>();
        QVERIFY(log);
        QVERIFY(QTest::qWaitForWindowExposed(log));
        QTRY_VERIFY_WITH_TIMEOUT(logShows(log->model(), allowedAddress, QStringLiteral("allowed")), guiBoundMs);
        QTRY_VERIFY_WITH_TIMEOUT(logShows(log->model(), deniedAddress, QStringLiteral("denied")), guiBoundMs);
        QTRY_VERIFY_WITH_TIMEOUT(logShows(log->model(), ignoredAddress, QStringLiteral("denied")), guiBoundMs);
        log->raise();
        log->repaint();
        HG_E2E_VERIFY(takeScreenshot(QStringLiteral("log.png")));
    }

    void networkMonitorShowsRealTrafficWithTheServersByteCounts()
    {
        const QString serverLog = fixture_->network().scratchPath(QStringLiteral("traffic-peer.log"));
        const QString peer = QStringLiteral(HOSTGATE_TRAFFIC_PEER_PATH);
        auto server = startBackground(Placement::in(fixture_->network()),
                                      {python3(), peer, QStringLiteral("serve"), serverLog, trafficAddress,
                                       QString::number(trafficPort), QString::number(trafficReply)},
                                      serverLog + QStringLiteral(".out"), serverLog + QStringLiteral(".out"));
        HG_E2E_VERIFY(server);
        const auto serverLines = [&serverLog] {
            QFile file(serverLog);
            return file.open(QIODevice::ReadOnly)
                       ? QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts)
                       : QStringList();
        };
        QTRY_VERIFY_WITH_TIMEOUT(serverLines().contains(QStringLiteral("ready")), guiBoundMs);

        // A rule first (root needs no polkit), so no prompt holds the transfer.
        auto added = std::make_shared<std::optional<gui::CallError>>();
        observer_->addRule({{QStringLiteral("app"), python3ExecutablePath()},
                            {QStringLiteral("host"), trafficAddress},
                            {QStringLiteral("action"), QStringLiteral("allow")}},
                           [added](quint64, const gui::CallError& error) { *added = error; });
        QTRY_VERIFY_WITH_TIMEOUT(added->has_value(), guiBoundMs);
        QVERIFY2(!(*added)->failed(), qPrintable((*added)->describe()));

        tray_->showMonitor();
        gui::MonitorWindow* monitor = tray_->monitor();
        QVERIFY(monitor);
        QVERIFY(QTest::qWaitForWindowExposed(monitor));
        QSignalSpy refreshed(monitor, &gui::MonitorWindow::refreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() >= 1, guiBoundMs);

        // Two transfers while the window is open, so the chart has a rate to draw.
        for (int transfer = 1; transfer <= 2; ++transfer) {
            auto client =
                startBackground(fixture_->confined(), {python3(), peer, QStringLiteral("tcp"), trafficAddress,
                                                       QString::number(trafficPort), QString::number(trafficSend)});
            HG_E2E_VERIFY(client);
            const RunResult result = finishWhileGuiRuns(*client);
            QVERIFY2(result.succeeded() &&
                         result.out.contains(QStringLiteral("received=%1").arg(trafficReply).toUtf8()),
                     qPrintable(result.describe()));
        }
        QStringList logged;
        QTRY_VERIFY_WITH_TIMEOUT((logged = serverLines().filter(QStringLiteral("tcp "))).size() == 2, guiBoundMs);
        for (const QString& line : logged)
            QVERIFY2(line.contains(QStringLiteral("received=%1 sent=%2").arg(trafficSend).arg(trafficReply)),
                     qPrintable(line));

        // The monitor lists both flows under python with the counts the server logged (at most 2 % more: a
        // retransmitted segment counts twice), closed, allowed by the rule.
        const auto flowsShown = [monitor] {
            QList<gui::TrafficRecord> flows;
            gui::TrafficModel& model = monitor->model();
            const QModelIndex app = model.indexOfApp(python3ExecutablePath());
            for (int row = 0; app.isValid() && row < model.rowCount(app); ++row)
                if (const gui::TrafficRecord* flow = model.flowAt(model.index(row, 0, app));
                    flow && flow->address == trafficAddress)
                    flows.append(*flow);
            return flows;
        };
        const auto bothClosed = [&flowsShown] {
            const QList<gui::TrafficRecord> flows = flowsShown();
            return flows.size() == 2 && std::all_of(flows.begin(), flows.end(), [](const gui::TrafficRecord& flow) {
                       return flow.closed.isValid();
                   });
        };
        QTRY_VERIFY_WITH_TIMEOUT(bothClosed(), guiBoundMs);
        for (const gui::TrafficRecord& flow : flowsShown()) {
            QVERIFY2(countedBytesAgree(flow.bytesSent, trafficSend), qPrintable(QString::number(flow.bytesSent)));
            QVERIFY2(countedBytesAgree(flow.bytesReceived, trafficReply),
                     qPrintable(QString::number(flow.bytesReceived)));
            QCOMPARE(flow.verdict, QStringLiteral("allowed"));
            QVERIFY(flow.ruleId.has_value());
            QCOMPARE(flow.port, quint16{trafficPort});
        }
        // The chart drew the transfers' rate (all applications: nothing is selected yet).
        QTRY_VERIFY_WITH_TIMEOUT(monitor->chart().highest() > 0, guiBoundMs);

        // The table as a person sees it: the flow's row selected, its numbers in the columns.
        QSortFilterProxyModel& shown = monitor->filterModel();
        QModelIndex appRow;
        for (int row = 0; row < shown.rowCount(); ++row)
            if (shown.index(row, 0).data(gui::TrafficModel::AppRole).toString() == python3ExecutablePath())
                appRow = shown.index(row, 0);
        QVERIFY(appRow.isValid());
        monitor->view().expand(appRow);
        const QString sentText = shown.index(0, gui::TrafficModel::SentColumn, appRow).data().toString();
        QCOMPARE(sentText, gui::TrafficModel::formatBytes(flowsShown().front().bytesSent));
        monitor->view().selectionModel()->select(shown.index(0, 0, appRow),
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QTRY_VERIFY_WITH_TIMEOUT(monitor->chart().highest() > 0, guiBoundMs); // the app's own history had the bytes too
        // A few more snapshots, so the picture shows the transfers' spike and the quiet after it.
        QTRY_VERIFY_WITH_TIMEOUT(monitor->chart().pointCount() >= 4, guiBoundMs);
        monitor->raise();
        monitor->repaint();
        HG_E2E_VERIFY(takeScreenshot(QStringLiteral("monitor.png")));
        monitor->hide();
        QVERIFY(!monitor->isPolling());
    }

    void trayIconIsVisibleInTheScreenshotOfTheDesktop()
    {
        // The windows go, so the picture shows the desktop with trayer's panel and the icon in it.
        for (QWidget* window : QApplication::topLevelWidgets()) {
            if (qobject_cast<gui::RulesWindow*>(window) || qobject_cast<gui::ConnectionLogWindow*>(window)) {
                window->hide();
            }
        }
        QWidget* icon = dockedTrayIcon();
        QVERIFY(icon);
        icon->repaint();
        const auto shot = takeScreenshot(QStringLiteral("tray.png"));
        HG_E2E_VERIFY(shot);
        // Docked icons live inside trayer's flat panel: with an icon in it, the panel shows more than its tint.
        const QImage desktop(*shot);
        const QImage panel = desktop.copy(trayHostArea(desktop.size()));
        QVERIFY2(distinctColours(panel, 3) >= 3, "trayer's panel in tray.png shows no icon");
    }

    // Everything above is routine for the tray, daemon restarts included: nothing deserved an error box.
    void noErrorMessageBoxInterruptedTheUser()
    {
        QVERIFY2(messageBoxes_.texts().isEmpty(),
                 qPrintable(QStringLiteral("message boxes shown:\n") + messageBoxes_.texts().join(QLatin1Char('\n'))));
    }

private:
    // Everything painted so far reaches the X server before `import` reads the root window.
    hostgate::Result<QString> takeScreenshot(const QString& name)
    {
        QCoreApplication::processEvents();
        QGuiApplication::sync();
        return screenshots_->take(name);
    }

    // hostgated with no rules and `promptTimeout`, once it owns its name on the bus.
    hostgate::Result<void> startDaemon(std::chrono::seconds promptTimeout)
    {
        if (auto started = fixture_->startDaemon(promptingDaemon(promptTimeout)); !started) {
            return started;
        }
        return bus_->waitForName(firewallService, std::chrono::milliseconds(guiBoundMs));
    }

    // The number of prompt agents the daemon knows, asked through a second, independent connection.
    int registeredAgents()
    {
        auto answer = std::make_shared<std::optional<int>>();
        observer_->fetchStatus([answer](const gui::StatusRecord& status, const gui::CallError& error) {
            *answer = error.failed() ? -1 : static_cast<int>(status.agents);
        });
        // No answer within the bound counts as "unknown" (-1), which no caller expects.
        static_cast<void>(QTest::qWaitFor([answer] { return answer->has_value(); }, 2000));
        return answer->value_or(-1);
    }

    const XvfbServer* display_;
    QString displayProblem_;
    MessageBoxCatcher messageBoxes_;
    std::unique_ptr<Screenshots> screenshots_;
    std::optional<BackgroundProcess> trayHost_;
    std::unique_ptr<hostgate::testbus::PrivateSystemBus> bus_;
    std::unique_ptr<hostgate::testbus::PrivatePolkit> polkit_;
    std::unique_ptr<DaemonFixture> fixture_;
    std::unique_ptr<gui::DbusFirewallClient> observer_;
    std::unique_ptr<gui::TrayApplication> tray_;
};

int main(int argc, char* argv[])
{
    return runOnPrivateDisplay(argc, argv, QStringLiteral(HOSTGATE_GUI_E2E_OUTPUT_DIR), QStringLiteral("xvfb.log"),
                               [&](XvfbServer* display, const QString& displayProblem) {
                                   GuiEndToEndTest test(display, displayProblem);
                                   QTEST_SET_MAIN_SOURCE_PATH
                                   return QTest::qExec(&test, argc, argv);
                               });
}

#include "gui_e2e_test.moc"
