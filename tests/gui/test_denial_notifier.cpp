// SPDX-License-Identifier: GPL-3.0-or-later
// DenialNotifier against the fake daemon and a test notification server on a private session bus
// (dbus-run-session): which events notify, how they coalesce, and what the actions ask of the daemon.
#include "fake_firewall_client.h"
#include "test_notification_server.h"

#include "notify/denial_notifier.h"
#include "notify/desktop_notifications.h"

#include <QApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace hostgate::gui;
using hostgate::testing::TestNotificationServer;

namespace {

constexpr uint ownUid = 1000;
const QString curl = QStringLiteral("/usr/bin/curl");

ConnectionRecord denial(const QString& host, quint16 port = 443, uint uid = ownUid)
{
    ConnectionRecord event;
    event.verdict = QStringLiteral("denied");
    event.app = curl;
    event.uid = uid;
    event.host = host;
    event.address = QStringLiteral("203.0.113.7");
    event.port = port;
    event.protocol = QStringLiteral("tcp");
    event.explanation = QStringLiteral("no rule; silent-deny mode → deny");
    return event;
}

} // namespace

class DenialNotifierTest : public QObject {
    Q_OBJECT
private slots:
    void init()
    {
        QSettings(QStringLiteral("hostgate"), QStringLiteral("hostgate")).remove(QStringLiteral("notifications"));
        serverBus = std::make_unique<QDBusConnection>(
            QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("server-%1").arg(++round)));
        trayBus = std::make_unique<QDBusConnection>(
            QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("tray-%1").arg(round)));
        QVERIFY(serverBus->isConnected());
        server = std::make_unique<TestNotificationServer>(*serverBus);
        QVERIFY2(server->isRegistered(), qPrintable(server->lastError()));
        fake = std::make_unique<FakeFirewallClient>();
        fake->status.mode = QStringLiteral("silent-deny");
        desktop = std::make_unique<DesktopNotifications>(*trayBus);
        notifier = std::make_unique<DenialNotifier>(*fake, *desktop, ownUid);
        notifier->start();
    }

    void cleanup()
    {
        notifier.reset();
        desktop.reset();
        server.reset();
        fake.reset();
        QDBusConnection::disconnectFromBus(trayBus->name());
        QDBusConnection::disconnectFromBus(serverBus->name());
    }

    void aDenialInSilentDenyModeNotifiesWithItsActions()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTRY_COMPARE(server->received().size(), 1);
        const auto& shown = server->received().constFirst();
        QCOMPARE(shown.appName, QStringLiteral("hostgate"));
        QVERIFY2(shown.summary.contains(QStringLiteral("curl")), qPrintable(shown.summary));
        QVERIFY2(shown.body.contains(QStringLiteral("a.test:443/tcp")), qPrintable(shown.body));
        QCOMPARE(shown.actionKeys(), (QStringList{QStringLiteral("allow-once"), QStringLiteral("allow-always"),
                                                  QStringLiteral("open-monitor")}));
    }

    void aSecondDenialOfTheAppReplacesItsNotification()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        fake->emitConnectionEvent(denial(QStringLiteral("b.test")));
        QTRY_COMPARE(server->received().size(), 2);
        const auto& first = server->received().at(0);
        const auto& second = server->received().at(1);
        QCOMPARE(second.replacesId, first.id);
        QVERIFY2(second.body.contains(QStringLiteral("a.test")) && second.body.contains(QStringLiteral("b.test")),
                 qPrintable(second.body));
        QVERIFY2(second.summary.contains(QStringLiteral("2")), qPrintable(second.summary));
    }

    void aDenialInEnforceModeDoesNotNotify()
    {
        fake->emitModeChanged(QStringLiteral("enforce"));
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTest::qWait(200);
        QCOMPARE(server->received().size(), 0);
    }

    void anotherUsersDenialDoesNotNotify()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test"), 443, ownUid + 1));
        QTest::qWait(200);
        QCOMPARE(server->received().size(), 0);
    }

    void aLearnedConnectionNotifiesInLearningMode()
    {
        fake->emitModeChanged(QStringLiteral("learning"));
        ConnectionRecord learned = denial(QStringLiteral("a.test"));
        learned.verdict = QStringLiteral("allowed");
        learned.explanation = QStringLiteral("no rule; learning mode → allow (rule proposed)");
        fake->emitConnectionEvent(learned);
        QTRY_COMPARE(server->received().size(), 1);
        QVERIFY(server->received().constFirst().summary.contains(QStringLiteral("learned")));
        QCOMPARE(server->received().constFirst().actionKeys(),
                 (QStringList{QStringLiteral("allow-always"), QStringLiteral("review-proposals")}));
    }

    void alwaysAllowAddsAForeverAllowRuleForEveryNamedDestination()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        fake->emitConnectionEvent(denial(QStringLiteral("b.test"), 80));
        QTRY_COMPARE(server->received().size(), 2);
        QSignalSpy added(notifier.get(), &DenialNotifier::rulesAdded);
        server->invokeAction(server->received().constLast().id, QStringLiteral("allow-always"));
        QTRY_COMPARE(added.count(), 1);
        QCOMPARE(added.constFirst().constFirst().toInt(), 2);
        QCOMPARE(fake->callCount(QStringLiteral("addRule")), 2);
        const QVariantMap first = fake->calls.at(fake->calls.size() - 2).args.constFirst().toMap();
        QCOMPARE(first.value(QStringLiteral("app")).toString(), curl);
        QCOMPARE(first.value(QStringLiteral("host")).toString(), QStringLiteral("a.test"));
        QCOMPARE(first.value(QStringLiteral("ports")).toString(), QStringLiteral("443"));
        QCOMPARE(first.value(QStringLiteral("protocol")).toString(), QStringLiteral("tcp"));
        QCOMPARE(first.value(QStringLiteral("action")).toString(), QStringLiteral("allow"));
        QCOMPARE(first.value(QStringLiteral("lifetime")).toString(), QStringLiteral("forever"));
    }

    void allowOnceAddsARuleForTheNextConnectionOnly()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTRY_COMPARE(server->received().size(), 1);
        server->invokeAction(server->received().constFirst().id, QStringLiteral("allow-once"));
        QTRY_COMPARE(fake->callCount(QStringLiteral("addRule")), 1);
        QCOMPARE(fake->lastCall(QStringLiteral("addRule"))
                     ->args.constFirst()
                     .toMap()
                     .value(QStringLiteral("lifetime"))
                     .toString(),
                 QStringLiteral("once"));
    }

    void aRefusedRuleIsReported()
    {
        fake->failNext(QStringLiteral("addRule"), FakeFirewallClient::notAuthorizedError());
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTRY_COMPARE(server->received().size(), 1);
        QSignalSpy failed(notifier.get(), &DenialNotifier::actionFailed);
        server->invokeAction(server->received().constFirst().id, QStringLiteral("always-allow-typo"));
        server->invokeAction(server->received().constFirst().id, QStringLiteral("allow-always"));
        QTRY_COMPARE(failed.count(), 1);
    }

    void openMonitorAsksForTheNetworkMonitor()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTRY_COMPARE(server->received().size(), 1);
        QSignalSpy requested(notifier.get(), &DenialNotifier::monitorRequested);
        server->invokeAction(server->received().constFirst().id, QStringLiteral("open-monitor"));
        QTRY_COMPARE(requested.count(), 1);
    }

    void anActionOfAnotherNotificationDoesNothing()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTRY_COMPARE(server->received().size(), 1);
        server->invokeAction(server->received().constFirst().id + 100, QStringLiteral("allow-always"));
        QTest::qWait(200);
        QCOMPARE(fake->callCount(QStringLiteral("addRule")), 0);
    }

    void anAppNotifiedBeforeStaysQuietAfterARestartOfTheTray()
    {
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTRY_COMPARE(server->received().size(), 1);
        notifier = std::make_unique<DenialNotifier>(*fake, *desktop, ownUid);
        notifier->start();
        fake->emitConnectionEvent(denial(QStringLiteral("b.test")));
        QTest::qWait(200);
        QCOMPARE(server->received().size(), 1);
    }

    void turningNotificationsOffInTheMenuSilencesThem()
    {
        notifier->enabledAction()->setChecked(false);
        fake->emitConnectionEvent(denial(QStringLiteral("a.test")));
        QTest::qWait(200);
        QCOMPARE(server->received().size(), 0);
        QCOMPARE(QSettings(QStringLiteral("hostgate"), QStringLiteral("hostgate"))
                     .value(QStringLiteral("notifications/enabled"))
                     .toBool(),
                 false);
    }

    void anUnfocusedPromptNotifiesAndItsActionShowsThePrompt()
    {
        PromptRequestRecord request;
        request.app = curl;
        request.hostnames = {QStringLiteral("a.test")};
        request.port = 443;
        request.protocol = QStringLiteral("tcp");
        notifier->notifyUnfocusedPrompt(request);
        QTRY_COMPARE(server->received().size(), 1);
        QCOMPARE(server->received().constFirst().actionKeys(), QStringList{QStringLiteral("show-prompt")});
        QSignalSpy shown(notifier.get(), &DenialNotifier::promptRequested);
        server->invokeAction(server->received().constFirst().id, QStringLiteral("show-prompt"));
        QTRY_COMPARE(shown.count(), 1);
        notifier->promptClosed();
        QTRY_COMPARE(server->closedIds(), QList<uint>{server->received().constFirst().id});
    }

private:
    int round = 0;
    std::unique_ptr<QDBusConnection> serverBus;
    std::unique_ptr<QDBusConnection> trayBus;
    std::unique_ptr<TestNotificationServer> server;
    std::unique_ptr<FakeFirewallClient> fake;
    std::unique_ptr<DesktopNotifications> desktop;
    std::unique_ptr<DenialNotifier> notifier;
};

int main(int argc, char* argv[])
{
    // The settings (QSettings) of this run live in a directory of its own, never in the user's.
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    QApplication app(argc, argv);
    DenialNotifierTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_denial_notifier.moc"
