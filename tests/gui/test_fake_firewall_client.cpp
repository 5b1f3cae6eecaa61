// The fake the widget tests rely on behaves like the daemon: mutations change its state and signal, errors are injected.
#include "fake_firewall_client.h"

#include <QSignalSpy>
#include <QTest>

using namespace hostgate::gui;

class FakeFirewallClientTest : public QObject {
    Q_OBJECT
private slots:
    void addedRuleGetsAnIdAndSignalsRulesChanged()
    {
        FakeFirewallClient client;
        QSignalSpy changed(&client, &FirewallClient::rulesChanged);
        quint64 newId = 0;
        client.addRule({{"host", "example.org"}, {"action", "allow"}}, [&](quint64 id, const CallError&) { newId = id; });
        QCOMPARE(newId, quint64{1000});
        QCOMPARE(client.rules.size(), 1);
        QCOMPARE(client.rules.first().host, QString("example.org"));
        QCOMPARE(changed.count(), 1);
    }

    void injectedErrorIsReportedAndChangesNothing()
    {
        FakeFirewallClient client;
        client.failNext("setMode", FakeFirewallClient::notAuthorizedError());
        CallError reported;
        client.setMode("learning", [&](const CallError& error) { reported = error; });
        QVERIFY(reported.notAuthorized());
        QVERIFY(client.status.mode.isEmpty());
        QCOMPARE(client.lastCall("setMode")->args.first().toString(), QString("learning"));
    }

    void deferredRepliesWaitForFlush()
    {
        FakeFirewallClient client;
        client.deferReplies = true;
        bool replied = false;
        client.fetchRules([&](const QList<RuleRecord>&, const CallError&) { replied = true; });
        QVERIFY(!replied);
        client.flushReplies();
        QVERIFY(replied);
    }

    void updateChangesOnlyTheGivenKeys()
    {
        FakeFirewallClient client;
        RuleRecord rule;
        rule.id = 3;
        rule.host = "a.test";
        rule.note = "keep";
        client.rules = {rule};
        client.updateRule(3, {{"host", "b.test"}}, [](const CallError&) {});
        QCOMPARE(client.rules.first().host, QString("b.test"));
        QCOMPARE(client.rules.first().note, QString("keep"));
    }
};

QTEST_GUILESS_MAIN(FakeFirewallClientTest)
#include "test_fake_firewall_client.moc"
