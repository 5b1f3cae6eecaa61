// SPDX-License-Identifier: GPL-3.0-or-later
// Notifications end to end: real hostgated in silent-deny mode on a private system bus, the tray on a private X
// server, and a test notification server on a private session bus (dbus-run-session). A denial notifies; the
// notification's "Always allow" creates the rule (the daemon's rule list says so) and the next connection gets
// through (the server's own log says so).
#include "daemon/daemon_fixture.h"
#include "daemon/witness_server.h"
#include "harness/private_bus.h"
#include "test_notification_server.h"
#include "x_session.h"

#include "app/tray_application.h"
#include "client/dbus_firewall_client.h"
#include "notify/denial_notifier.h"

#include <QApplication>
#include <QDBusConnection>
#include <QDir>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace hostgate::e2e;
using namespace std::chrono_literals;
namespace gui = hostgate::gui;
using hostgate::testing::ReceivedNotification;
using hostgate::testing::TestNotificationServer;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString firewallService = QStringLiteral("org.hostgate.Firewall1");
const QString trayConnection = QStringLiteral("hostgate-e2e-notify-tray");
const QString traySessionConnection = QStringLiteral("hostgate-e2e-notify-tray-session");
const QString serverConnection = QStringLiteral("hostgate-e2e-notify-server");
const QString observerConnection = QStringLiteral("hostgate-e2e-notify-observer");
const QString polkitRules =
    QStringLiteral("polkit.addRule(function(action, subject) {\n"
                   "    if (action.id.indexOf(\"org.hostgate.\") == 0) return polkit.Result.NO;\n"
                   "});\n");
// Two destinations of one app: the second joins the first one's notification.
const QString firstHost = QStringLiteral("notify-me.test");
const QString firstAddress = QStringLiteral("203.0.113.40");
const QString secondHost = QStringLiteral("notify-too.test");
const QString secondAddress = QStringLiteral("203.0.113.41");
constexpr quint16 port = 80;

constexpr int guiBoundMs = 15000;
constexpr auto curlBound = 20s;

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{firstHost, firstAddress, {}}, {secondHost, secondAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.extraAddresses = {firstAddress + QStringLiteral("/24"), secondAddress + QStringLiteral("/24")};
    return world;
}

// No rules, silent-deny: every connection of the test is denied without a prompt.
DaemonSettings silentDenyDaemon()
{
    return {QString(), QString(), {QStringLiteral("--mode"), QStringLiteral("silent-deny")}};
}

QStringList curlTo(const QString& host, const QString& marker)
{
    return {QStringLiteral("curl"), QStringLiteral("-4"),
            QStringLiteral("-sS"),  QStringLiteral("--noproxy"),
            QStringLiteral("*"),    QStringLiteral("--max-time"),
            QStringLiteral("10"),   QStringLiteral("http://%1:%2/%3").arg(host).arg(port).arg(marker)};
}

RunResult finishWhileGuiRuns(BackgroundProcess& client)
{
    static_cast<void>(QTest::qWaitFor([&client] { return !client.isRunning(); },
                                      static_cast<int>(std::chrono::milliseconds(curlBound).count())));
    return client.finish(1s);
}

bool isAllowForeverRuleFor(const gui::RuleRecord& rule, const QString& host)
{
    return rule.app == curlPath && rule.host == host && rule.ports == QString::number(port) &&
           rule.action == QLatin1String("allow") && rule.lifetime == QLatin1String("forever") &&
           rule.origin == QLatin1String("user");
}

} // namespace

class NotificationsEndToEndTest : public QObject {
    Q_OBJECT
public:
    NotificationsEndToEndTest(const XvfbServer* display, QString displayProblem)
        : display_(display), displayProblem_(std::move(displayProblem))
    {}

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("Xvfb") << QStringLiteral("trayer")
                                                                   << QStringLiteral("dbus-daemon"))) {
            return;
        }
        QVERIFY2(display_, qPrintable(QStringLiteral("No X server for the tray: ") + displayProblem_));
        QVERIFY2(qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS"),
                 "no private session bus: run under dbus-run-session");
        const QString output = QStringLiteral(HOSTGATE_GUI_E2E_OUTPUT_DIR);
        auto trayHost = startTrayHost(output + QStringLiteral("/trayer-notify.log"));
        HG_E2E_VERIFY(trayHost);
        trayHost_.emplace(std::move(*trayHost));
        QTRY_VERIFY_WITH_TIMEOUT(QSystemTrayIcon::isSystemTrayAvailable(), guiBoundMs);

        // The desktop's notification server, as far as the tray can tell.
        serverBus_.emplace(QDBusConnection::connectToBus(QDBusConnection::SessionBus, serverConnection));
        QVERIFY(serverBus_->isConnected());
        server_ = std::make_unique<TestNotificationServer>(*serverBus_);
        QVERIFY2(server_->isRegistered(), qPrintable(server_->lastError()));

        const QString source = QStringLiteral(HOSTGATE_SOURCE_DIR);
        auto bus =
            hostgate::testbus::PrivateSystemBus::start({source + QStringLiteral("/dbus/org.hostgate.Firewall1.conf")});
        HG_E2E_VERIFY(bus);
        bus_ = std::move(*bus);
        bus_->exportAddress();
        auto polkit = hostgate::testbus::PrivatePolkit::start(
            *bus_, {source + QStringLiteral("/polkit/org.hostgate.policy")}, polkitRules);
        HG_E2E_VERIFY(polkit);
        polkit_ = std::move(*polkit);

        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-notify"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        for (const QString& address : {firstAddress, secondAddress}) {
            auto witness = std::make_unique<Witness>(fixture_->network(), address);
            HG_E2E_VERIFY(witness->start({QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(address).arg(port)}));
            witnesses_.push_back(std::move(witness));
        }
        HG_E2E_VERIFY(fixture_->startDaemon(silentDenyDaemon()));
        HG_E2E_VERIFY(bus_->waitForName(firewallService, std::chrono::milliseconds(guiBoundMs)));

        observer_ = std::make_unique<gui::DbusFirewallClient>(
            QDBusConnection::connectToBus(bus_->address(), observerConnection));
        QVERIFY(observer_->connection().isConnected());
        gui::TrayApplicationOptions options;
        options.notificationBus = QDBusConnection::connectToBus(QDBusConnection::SessionBus, traySessionConnection);
        tray_ = std::make_unique<gui::TrayApplication>(QDBusConnection::connectToBus(bus_->address(), trayConnection),
                                                       options);
        const QString problem = tray_->start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(tray_->denialNotifier());
        // The tray knows the mode once its status call returned: only then can a denial notify.
        QTRY_VERIFY_WITH_TIMEOUT(tray_->trayIcon().state() == gui::TrayState::SilentDeny, guiBoundMs);
    }

    void cleanupTestCase()
    {
        tray_.reset();
        observer_.reset();
        QDBusConnection::disconnectFromBus(trayConnection);
        QDBusConnection::disconnectFromBus(traySessionConnection);
        QDBusConnection::disconnectFromBus(observerConnection);
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        witnesses_.clear();
        fixture_.reset();
        polkit_.reset();
        bus_.reset();
        server_.reset();
        if (serverBus_) {
            QDBusConnection::disconnectFromBus(serverConnection);
        }
        trayHost_.reset();
    }

    void aDenialInSilentDenyModeNotifiesWithTheActions()
    {
        const RunResult denied = runCurl(firstHost, QStringLiteral("denied-first"));
        QVERIFY2(denied.exitCode == 7 && denied.err.contains("Couldn't connect"), qPrintable(denied.describe()));
        QVERIFY2(!witnesses_.at(0)->saw(QStringLiteral("denied-first")), qPrintable(witnesses_.at(0)->log()));
        QTRY_VERIFY_WITH_TIMEOUT(!server_->received().isEmpty(), guiBoundMs);
        const ReceivedNotification& shown = server_->received().constFirst();
        qInfo("notification: %s / %s", qPrintable(shown.summary), qPrintable(shown.body));
        QCOMPARE(shown.appName, QStringLiteral("hostgate"));
        QCOMPARE(shown.replacesId, 0u);
        QVERIFY2(shown.summary.contains(QStringLiteral("curl")), qPrintable(shown.summary));
        QVERIFY2(shown.body.contains(QStringLiteral("%1:%2/tcp").arg(firstHost).arg(port)), qPrintable(shown.body));
        QCOMPARE(shown.actionKeys(), (QStringList{QString::fromLatin1(gui::DenialNotifier::allowOnceAction),
                                                  QString::fromLatin1(gui::DenialNotifier::allowAlwaysAction),
                                                  QString::fromLatin1(gui::DenialNotifier::openMonitorAction)}));
    }

    void aSecondDenialOfTheSameAppReplacesTheNotification()
    {
        QVERIFY(!server_->received().isEmpty());
        const uint firstId = server_->received().constFirst().id;
        const RunResult denied = runCurl(secondHost, QStringLiteral("denied-second"));
        QVERIFY2(denied.exitCode == 7, qPrintable(denied.describe()));
        QTRY_VERIFY_WITH_TIMEOUT(server_->received().size() >= 2, guiBoundMs);
        const ReceivedNotification& replaced = server_->received().constLast();
        QCOMPARE(replaced.replacesId, firstId);
        QVERIFY2(replaced.body.contains(firstHost) && replaced.body.contains(secondHost), qPrintable(replaced.body));
    }

    void alwaysAllowCreatesTheRulesAndTheNextConnectionGetsThrough()
    {
        QVERIFY(!server_->received().isEmpty());
        server_->invokeAction(server_->received().constLast().id,
                              QString::fromLatin1(gui::DenialNotifier::allowAlwaysAction));
        QTRY_VERIFY_WITH_TIMEOUT(hasAllowRuleFor(firstHost) && hasAllowRuleFor(secondHost), guiBoundMs);

        const RunResult allowed = runCurl(firstHost, QStringLiteral("allowed-after-notification"));
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        HG_E2E_VERIFY(witnesses_.at(0)->waitFor(QStringLiteral("allowed-after-notification")));
    }

private:
    RunResult runCurl(const QString& host, const QString& marker)
    {
        auto curl = startBackground(fixture_->confined(), curlTo(host, marker));
        if (!curl) {
            RunResult failed;
            failed.err = describe(curl.error()).toUtf8();
            return failed;
        }
        return finishWhileGuiRuns(*curl);
    }

    // Through the daemon's rule list, asked on an independent connection.
    bool hasAllowRuleFor(const QString& host)
    {
        auto rules = std::make_shared<std::optional<QList<gui::RuleRecord>>>();
        observer_->fetchRules([rules](const QList<gui::RuleRecord>& list, const gui::CallError& error) {
            *rules = error.failed() ? QList<gui::RuleRecord>{} : list;
        });
        static_cast<void>(QTest::qWaitFor([rules] { return rules->has_value(); }, 2000));
        const QList<gui::RuleRecord> list = rules->value_or(QList<gui::RuleRecord>{});
        return std::any_of(list.cbegin(), list.cend(),
                           [&](const gui::RuleRecord& rule) { return isAllowForeverRuleFor(rule, host); });
    }

    const XvfbServer* display_;
    QString displayProblem_;
    std::optional<BackgroundProcess> trayHost_;
    std::optional<QDBusConnection> serverBus_;
    std::unique_ptr<TestNotificationServer> server_;
    std::unique_ptr<hostgate::testbus::PrivateSystemBus> bus_;
    std::unique_ptr<hostgate::testbus::PrivatePolkit> polkit_;
    std::unique_ptr<DaemonFixture> fixture_;
    std::vector<std::unique_ptr<Witness>> witnesses_;
    std::unique_ptr<gui::DbusFirewallClient> observer_;
    std::unique_ptr<gui::TrayApplication> tray_;
};

int main(int argc, char* argv[])
{
    // The tray's settings (which apps were notified) of this run only.
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    return runOnPrivateDisplay(argc, argv, QStringLiteral(HOSTGATE_GUI_E2E_OUTPUT_DIR),
                               QStringLiteral("xvfb-notify.log"),
                               [&](XvfbServer* display, const QString& displayProblem) {
                                   NotificationsEndToEndTest test(display, displayProblem);
                                   QTEST_SET_MAIN_SOURCE_PATH
                                   return QTest::qExec(&test, argc, argv);
                               });
}

#include "notifications_e2e_test.moc"
