// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the tray's D-Bus side on a real (private session) bus: the client's calls and availability,
// and the prompt agent's registration, delayed answers and refusal of impostors. A fake daemon on a second
// connection owns org.hostgate.Firewall1.
#include "client/dbus_firewall_client.h"
#include "prompt/prompt_agent.h"

#include <QDBusConnectionInterface>
#include <QDBusContext>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusObjectPath>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

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
    QList<qulonglong> pageOffsets; // ListRulesPage's offsets, in call order
    QStringList cursors;           // ListConnectionsPage's cursors, in call order
    QList<qulonglong> proposalOffsets;
    QVariantMap lastEdits; // AcceptProposal's

signals:
    void ProposalsChanged(uint proposals);

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

    // 2500 rules, served at most 300 per page (as the real daemon cuts pages by bytes).
    QList<QVariantMap> ListRulesPage(qulonglong offset, uint limit, qulonglong& total, qulonglong& next)
    {
        pageOffsets.append(offset);
        total = 2500;
        QList<QVariantMap> rules;
        for (qulonglong id = offset; id < std::min<qulonglong>(total, offset + std::min(limit, 300u)); ++id)
            rules.append(QVariantMap{
                {"id", QVariant::fromValue(id + 1)}, {"host", QString("h%1.test").arg(id)}, {"action", "allow"}});
        next = offset + qulonglong(rules.size());
        return rules;
    }

    // 3 proposals, 2 per page.
    QList<QVariantMap> ListProposalsPage(qulonglong offset, uint, qulonglong& total, qulonglong& next)
    {
        lastCallAllowedInteraction = message().isInteractiveAuthorizationAllowed();
        proposalOffsets.append(offset);
        total = 3;
        QList<QVariantMap> proposals;
        for (qulonglong id = offset; id < std::min<qulonglong>(total, offset + 2); ++id)
            proposals.append(QVariantMap{{"id", QVariant::fromValue(id + 1)},
                                         {"host", QString("p%1.test").arg(id)},
                                         {"ports", "443"},
                                         {"user", 1000u},
                                         {"examples", QStringList{"a.p.test"}}});
        next = offset + qulonglong(proposals.size());
        return proposals;
    }
    qulonglong AcceptProposal(qulonglong id, const QVariantMap& edits)
    {
        lastCallAllowedInteraction = message().isInteractiveAuthorizationAllowed();
        lastEdits = edits;
        return id + 100;
    }

    // 250 events, newest first, 100 per page; the cursor is the next event's index.
    QList<QVariantMap> ListConnectionsPage(uint limit, const QVariantMap& filter, QString& nextCursor)
    {
        const QString cursor = filter.value("cursor").toString();
        cursors.append(cursor);
        const int first = cursor.toInt();
        QList<QVariantMap> events;
        for (int index = first; index < std::min(250, first + int(std::min(limit, 100u))); ++index)
            events.append(QVariantMap{{"id", QVariant::fromValue(qlonglong(250 - index))}, {"verdict", "denied"}});
        const int next = first + int(events.size());
        nextCursor = next < 250 ? QString::number(next) : QString();
        return events;
    }
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
        qDBusRegisterMetaType<QList<QVariantMap>>();
        QVERIFY(QDBusConnection::sessionBus().isConnected());
        QVERIFY(daemonBus.isConnected());
        QVERIFY(daemonBus.registerObject("/org/hostgate/Firewall1", &daemon,
                                         QDBusConnection::ExportAllSlots | QDBusConnection::ExportAllSignals));
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

    void rulesAreFetchedPageByPageUntilTheLast()
    {
        startDaemon();
        daemon.pageOffsets.clear();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        QList<RuleRecord> rules;
        bool replied = false;
        client.fetchRules([&](const QList<RuleRecord>& fetched, const CallError& error) {
            QVERIFY2(!error.failed(), qPrintable(error.describe()));
            rules = fetched;
            replied = true;
        });
        QTRY_VERIFY(replied);
        QCOMPARE(rules.size(), 2500);
        QCOMPARE(rules.first().id, quint64(1));
        QCOMPARE(rules.last().id, quint64(2500));
        QCOMPARE(daemon.pageOffsets, (QList<qulonglong>{0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400}));
    }

    void connectionsAreFetchedPageByPageFollowingTheCursorUpToTheLimit()
    {
        startDaemon();
        daemon.cursors.clear();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        QList<ConnectionRecord> events;
        bool replied = false;
        client.fetchConnections(230, {}, [&](const QList<ConnectionRecord>& fetched, const CallError& error) {
            QVERIFY2(!error.failed(), qPrintable(error.describe()));
            events = fetched;
            replied = true;
        });
        QTRY_VERIFY(replied);
        QCOMPARE(events.size(), 230);
        QCOMPARE(events.first().id, qint64(250));
        QCOMPARE(events.last().id, qint64(21));
        QCOMPARE(daemon.cursors, (QStringList{QString(), "100", "200"}));
    }

    void proposalsAreFetchedPageByPage()
    {
        startDaemon();
        daemon.proposalOffsets.clear();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        QList<ProposalRecord> proposals;
        bool replied = false;
        client.fetchProposals([&](const QList<ProposalRecord>& fetched, const CallError& error) {
            QVERIFY2(!error.failed(), qPrintable(error.describe()));
            proposals = fetched;
            replied = true;
        });
        QTRY_VERIFY(replied);
        QCOMPARE(proposals.size(), 3);
        QCOMPARE(proposals.last().host, QString("p2.test"));
        QCOMPARE(proposals.first().examples, QStringList{"a.p.test"});
        QCOMPARE(daemon.proposalOffsets, (QList<qulonglong>{0, 2}));
        QVERIFY(daemon.lastCallAllowedInteraction); // listing needs org.hostgate.read-log
    }

    void acceptingAProposalSendsTheEditsAndReturnsTheRule()
    {
        startDaemon();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        quint64 ruleId = 0;
        client.acceptProposal(7, {{"ports", "8443"}}, [&](quint64 id, const CallError& error) {
            QVERIFY2(!error.failed(), qPrintable(error.describe()));
            ruleId = id;
        });
        QTRY_COMPARE(ruleId, quint64(107));
        QCOMPARE(daemon.lastEdits, (QVariantMap{{"ports", "8443"}}));
        QVERIFY(daemon.lastCallAllowedInteraction);
    }

    void proposalsChangedReachesTheClient()
    {
        startDaemon();
        DbusFirewallClient client(QDBusConnection::sessionBus());
        QSignalSpy changed(&client, &FirewallClient::proposalsChanged);
        QTRY_VERIFY(client.isAvailable());
        emit daemon.ProposalsChanged(5);
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(changed.first().first().toUInt(), 5u);
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
        QDBusMessage cancel =
            QDBusMessage::createMethodCall(QDBusConnection::sessionBus().baseService(), PromptAgent::objectPath,
                                           "org.hostgate.PromptAgent1", "Cancel");
        cancel << QVariant::fromValue(quint64{9}) << QString("timeout");
        daemonBus.send(cancel);
        QVERIFY(cancelled.wait());
        QCOMPARE(cancelled.first().at(0).toULongLong(), quint64{9});
        QCOMPARE(cancelled.first().at(1).toString(), QString("timeout"));
    }
};

QTEST_GUILESS_MAIN(BusTest)
#include "test_bus.moc"
