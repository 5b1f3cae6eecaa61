// Specification of the tray's D-Bus side on a real (private session) bus: the client's calls and availability,
// and the prompt agent's registration, delayed answers and refusal of impostors. A fake daemon on a second
// connection owns org.hostgate.Firewall1.
#include "client/dbus_firewall_client.h"
#include "prompt/prompt_agent.h"

#include <QDBusConnectionInterface>
#include <QDBusContext>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QSignalSpy>
#include <QTest>

using namespace hostgate::gui;

Q_DECLARE_METATYPE(hostgate::gui::PromptRequestRecord)

// Just enough of hostgated: records how it was called.
class FakeDaemon : public QObject, protected QDBusContext {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.hostgate.Firewall1")
public:
    QStringList registeredAgents;
    QString agentOwner;
    bool lastCallAllowedInteraction = false;

public slots:
    QVariantMap GetStatus() { return {{"mode", "learning"}, {"rules", 3u}}; }
    void SetMode(const QString&) { lastCallAllowedInteraction = message().isInteractiveAuthorizationAllowed(); }
    void RegisterAgent(const QDBusObjectPath& agent)
    {
        lastCallAllowedInteraction = message().isInteractiveAuthorizationAllowed();
        registeredAgents.append(agent.path());
        agentOwner = message().service();
    }
    void UnregisterAgent(const QDBusObjectPath& agent) { registeredAgents.removeAll(agent.path()); }
};

class BusTest : public QObject {
    Q_OBJECT
private:
    QDBusConnection daemonBus = QDBusConnection::connectToBus(QDBusConnection::SessionBus, "fake-daemon");
    QDBusConnection impostorBus = QDBusConnection::connectToBus(QDBusConnection::SessionBus, "impostor");
    FakeDaemon daemon;

    void startDaemon() { QVERIFY(daemonBus.registerService("org.hostgate.Firewall1")); }
    void stopDaemon() { daemonBus.unregisterService("org.hostgate.Firewall1"); }

    QDBusPendingCall ask(QDBusConnection& from, const QVariantMap& request)
    {
        QDBusMessage call = QDBusMessage::createMethodCall(QDBusConnection::sessionBus().baseService(),
                                                           PromptAgent::objectPath, "org.hostgate.PromptAgent1", "Ask");
        call << request;
        return from.asyncCall(call);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(QDBusConnection::sessionBus().isConnected());
        QVERIFY(daemonBus.isConnected());
        QVERIFY(daemonBus.registerObject("/org/hostgate/Firewall1", &daemon, QDBusConnection::ExportAllSlots));
    }

    void init() { daemon.registeredAgents.clear(); }
    void cleanup() { stopDaemon(); }

    void clientFollowsTheDaemonComingAndGoing()
    {
        DbusFirewallClient client(QDBusConnection::sessionBus());
        QSignalSpy availability(&client, &FirewallClient::availabilityChanged);
        startDaemon();
        QVERIFY(availability.wait());
        QCOMPARE(availability.last().at(0).toBool(), true);
        stopDaemon();
        QVERIFY(availability.wait());
        QCOMPARE(availability.last().at(0).toBool(), false);
    }

    void clientSeesADaemonThatWasAlreadyRunning()
    {
        startDaemon();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        QTRY_VERIFY(client.isAvailable());
    }

    void fetchedStatusIsDecoded()
    {
        startDaemon();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        StatusRecord status;
        bool replied = false;
        client.fetchStatus([&](const StatusRecord& fetched, const CallError&) {
            status = fetched;
            replied = true;
        });
        QTRY_VERIFY(replied);
        QCOMPARE(status.mode, QString("learning"));
        QCOMPARE(status.rules, 3u);
    }

    void mutatingCallsAllowInteractiveAuthorization()
    {
        startDaemon();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        bool replied = false;
        client.setMode("enforce", [&](const CallError&) { replied = true; });
        QTRY_VERIFY(replied);
        QVERIFY(daemon.lastCallAllowedInteraction);
    }

    void callToAnAbsentDaemonFailsWithAnError()
    {
        DbusFirewallClient client(QDBusConnection::sessionBus());
        CallError failure;
        client.fetchStatus([&](const StatusRecord&, const CallError& error) { failure = error; });
        QTRY_VERIFY(failure.failed());
        QCOMPARE(failure.describe().section(':', 0, 0), QString("The firewall daemon is not running"));
    }

    void agentRegistersAgainWhenTheDaemonReturns()
    {
        DbusFirewallClient client(QDBusConnection::sessionBus());
        PromptAgent agent(QDBusConnection::sessionBus(), client);
        startDaemon();
        QCOMPARE(agent.start(), QString());
        QTRY_COMPARE(daemon.registeredAgents, QStringList{PromptAgent::objectPath});
        QCOMPARE(daemon.agentOwner, QDBusConnection::sessionBus().baseService());
        stopDaemon();
        QTRY_VERIFY(!agent.isRegistered());
        daemon.registeredAgents.clear();
        startDaemon();
        QTRY_COMPARE(daemon.registeredAgents, QStringList{PromptAgent::objectPath});
    }

    void askIsAnsweredLaterWithTheChosenAnswer()
    {
        DbusFirewallClient client(QDBusConnection::sessionBus());
        PromptAgent agent(QDBusConnection::sessionBus(), client);
        startDaemon();
        QCOMPARE(agent.start(), QString());
        QTRY_VERIFY(agent.isRegistered());
        QSignalSpy requested(&agent, &PromptAgent::promptRequested);
        QDBusPendingCallWatcher reply(ask(daemonBus, {{"id", quint64{77}}, {"app", "/usr/bin/curl"}}));
        QVERIFY(requested.wait());
        QCOMPARE(requested.first().at(0).value<PromptRequestRecord>().id, quint64{77});
        QVERIFY(!reply.isFinished());
        PromptAnswerRecord answer;
        answer.action = "allow";
        answer.lifetime = "forever";
        agent.answer(77, answer);
        reply.waitForFinished();
        const QDBusPendingReply<QVariantMap> answered = reply;
        QVERIFY(!answered.isError());
        QCOMPARE(answered.value().value("action").toString(), QString("allow"));
        QCOMPARE(answered.value().value("lifetime").toString(), QString("forever"));
    }

    void askFromAnotherProcessThanTheDaemonIsRefused()
    {
        DbusFirewallClient client(QDBusConnection::sessionBus());
        PromptAgent agent(QDBusConnection::sessionBus(), client);
        startDaemon();
        QCOMPARE(agent.start(), QString());
        QTRY_VERIFY(agent.isRegistered());
        QSignalSpy requested(&agent, &PromptAgent::promptRequested);
        // The agent answers on this thread, so the test waits in the event loop, not in waitForFinished.
        QDBusPendingCallWatcher call(ask(impostorBus, {{"id", quint64{5}}}));
        QSignalSpy finished(&call, &QDBusPendingCallWatcher::finished);
        QVERIFY(finished.wait());
        QCOMPARE(call.error().type(), QDBusError::AccessDenied);
        QCOMPARE(requested.count(), 0);
    }

    void pausingDismissesWaitingPromptsAndUnregisters()
    {
        DbusFirewallClient client(QDBusConnection::sessionBus());
        PromptAgent agent(QDBusConnection::sessionBus(), client);
        startDaemon();
        QCOMPARE(agent.start(), QString());
        QTRY_VERIFY(agent.isRegistered());
        QSignalSpy requested(&agent, &PromptAgent::promptRequested);
        QDBusPendingCall call = ask(daemonBus, {{"id", quint64{8}}});
        QVERIFY(requested.wait());
        agent.setPaused(true);
        call.waitForFinished();
        QCOMPARE(call.error().name(), QString(PromptAgent::dismissedError));
        QTRY_VERIFY(daemon.registeredAgents.isEmpty());
    }

    void cancelFromTheDaemonReachesTheQueue()
    {
        DbusFirewallClient client(QDBusConnection::sessionBus());
        PromptAgent agent(QDBusConnection::sessionBus(), client);
        startDaemon();
        QCOMPARE(agent.start(), QString());
        QTRY_VERIFY(agent.isRegistered());
        QSignalSpy cancelled(&agent, &PromptAgent::promptCancelled);
        QDBusMessage cancel = QDBusMessage::createMethodCall(QDBusConnection::sessionBus().baseService(),
                                                             PromptAgent::objectPath, "org.hostgate.PromptAgent1", "Cancel");
        cancel << QVariant::fromValue(quint64{9}) << QString("timeout");
        daemonBus.send(cancel);
        QVERIFY(cancelled.wait());
        QCOMPARE(cancelled.first().at(0).toULongLong(), quint64{9});
        QCOMPARE(cancelled.first().at(1).toString(), QString("timeout"));
    }
};

QTEST_GUILESS_MAIN(BusTest)
#include "test_bus.moc"
