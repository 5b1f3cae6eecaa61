// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the tray icon: icon and tooltip per daemon state, menu actions and how refused changes are shown.
#include "fake_firewall_client.h"
#include "tray/tray_icon.h"

#include <QFile>
#include <QSignalSpy>
#include <QTest>

using namespace hostgate::gui;

Q_DECLARE_METATYPE(hostgate::gui::TrayState)

namespace {

StatusRecord statusInMode(const QString& mode)
{
    StatusRecord status;
    status.mode = mode;
    status.defaultAction = "deny";
    status.rules = 4;
    status.allowed = 10;
    status.denied = 2;
    status.asked = 1;
    return status;
}

} // namespace

class TrayIconTest : public QObject {
    Q_OBJECT
private:
    FakeFirewallClient client;

private slots:
    void init()
    {
        client.available = true;
        client.status = statusInMode("enforce");
        client.calls.clear();
        client.injectedErrors.clear();
    }

    void stateFollowsTheDaemon_data()
    {
        QTest::addColumn<bool>("available");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QStringList>("missingFeatures");
        QTest::addColumn<bool>("paused");
        QTest::addColumn<QString>("icon");
        QTest::newRow("enforce") << true << "enforce" << QStringList{} << false << ":/icons/hostgate-enforcing.svg";
        QTest::newRow("silent allow") << true << "silent-allow" << QStringList{} << false
                                      << ":/icons/hostgate-silent.svg";
        QTest::newRow("silent deny") << true << "silent-deny" << QStringList{} << false
                                     << ":/icons/hostgate-silent.svg";
        QTest::newRow("learning") << true << "learning" << QStringList{} << false << ":/icons/hostgate-learning.svg";
        QTest::newRow("paused") << true << "enforce" << QStringList{} << true << ":/icons/hostgate-paused.svg";
        QTest::newRow("features missing")
            << true << "enforce" << QStringList{"cgroup-connect"} << true << ":/icons/hostgate-warning.svg";
        QTest::newRow("unreachable") << false << "enforce" << QStringList{"x"} << true
                                     << ":/icons/hostgate-unreachable.svg";
    }
    void stateFollowsTheDaemon()
    {
        QFETCH(bool, available);
        QFETCH(QString, mode);
        QFETCH(QStringList, missingFeatures);
        QFETCH(bool, paused);
        QFETCH(QString, icon);
        client.available = available;
        client.status.mode = mode;
        client.status.missingFeatures = missingFeatures;
        TrayIcon tray(client);
        tray.setPromptsPaused(paused);
        QCOMPARE(tray.iconPath(), icon);
    }

    void everyStateIconIsCompiledIn_data()
    {
        QTest::addColumn<TrayState>("state");
        for (TrayState state :
             {TrayState::Enforcing, TrayState::SilentAllow, TrayState::SilentDeny, TrayState::Learning,
              TrayState::Unreachable, TrayState::FeaturesMissing, TrayState::Paused}) {
            QTest::newRow(qPrintable(TrayIcon::iconPathFor(state))) << state;
        }
    }
    void everyStateIconIsCompiledIn()
    {
        QFETCH(TrayState, state);
        TrayIcon tray(client); // registers the resources
        QVERIFY(QFile::exists(TrayIcon::iconPathFor(state)));
    }

    void tooltipShowsModeAndCounters()
    {
        TrayIcon tray(client);
        QCOMPARE(tray.toolTip(), QString("hostgate: Enforcing\n4 rules · 10 allowed · 2 denied · 1 asked"));
    }

    void tooltipAndMenuShowHowManyLearnedRulesWait()
    {
        client.status.proposals = 3;
        TrayIcon tray(client);
        QVERIFY2(tray.toolTip().contains("3 learned rule(s) waiting for review"), qPrintable(tray.toolTip()));
        QCOMPARE(tray.proposalsAction()->text(), QString("Review &learned rules (3)…"));
        QVERIFY(tray.proposalsAction()->isEnabled());
    }

    void noWaitingLearnedRulesAreNotMentioned()
    {
        client.status.proposals = 0;
        TrayIcon tray(client);
        QVERIFY(!tray.toolTip().contains("learned"));
        QCOMPARE(tray.proposalsAction()->text(), QString("Review &learned rules…"));
    }

    void proposalsChangedUpdatesTheCountWithoutFetching()
    {
        TrayIcon tray(client);
        const int fetches = client.callCount("fetchStatus");
        client.proposals = {ProposalRecord{}, ProposalRecord{}};
        client.emitProposalsChanged();
        QCOMPARE(client.callCount("fetchStatus"), fetches);
        QCOMPARE(tray.proposalsAction()->text(), QString("Review &learned rules (2)…"));
        QVERIFY(tray.toolTip().contains("2 learned rule(s) waiting for review"));
        client.proposals.clear();
        client.status.proposals = 0;
    }

    void reviewActionAsksForTheProposalsWindow()
    {
        TrayIcon tray(client);
        QSignalSpy requested(&tray, &TrayIcon::proposalsWindowRequested);
        tray.proposalsAction()->trigger();
        QCOMPARE(requested.count(), 1);
    }

    void tooltipSaysWhenTheDaemonIsUnreachable()
    {
        client.available = false;
        TrayIcon tray(client);
        QCOMPARE(tray.toolTip(), QString("hostgate: the firewall daemon is not reachable"));
    }

    void tooltipListsMissingKernelFeatures()
    {
        client.status.missingFeatures = {"cgroup-connect", "nfqueue"};
        TrayIcon tray(client);
        QVERIFY(tray.toolTip().contains("Missing kernel features: cgroup-connect, nfqueue"));
    }

    void modeChangeFetchesTheStatusAgain()
    {
        TrayIcon tray(client);
        const int fetchesBefore = client.callCount("fetchStatus");
        client.emitModeChanged("learning");
        QCOMPARE(client.callCount("fetchStatus"), fetchesBefore + 1);
        QCOMPARE(tray.state(), TrayState::Learning);
    }

    void daemonReappearingFetchesTheStatus()
    {
        client.available = false;
        TrayIcon tray(client);
        QCOMPARE(client.callCount("fetchStatus"), 0);
        client.setAvailable(true);
        QCOMPARE(client.callCount("fetchStatus"), 1);
        QCOMPARE(tray.state(), TrayState::Enforcing);
    }

    void connectionEventsCountWithoutFetching()
    {
        TrayIcon tray(client);
        const int fetchesBefore = client.callCount("fetchStatus");
        ConnectionRecord event;
        event.verdict = "denied";
        client.emitConnectionEvent(event);
        QVERIFY(tray.toolTip().contains("3 denied"));
        QCOMPARE(client.callCount("fetchStatus"), fetchesBefore);
    }

    void modeActionAsksTheDaemon()
    {
        TrayIcon tray(client);
        tray.modeAction("silent-deny")->trigger();
        QCOMPARE(client.lastCall("setMode")->args.first().toString(), QString("silent-deny"));
        QVERIFY(tray.modeAction("silent-deny")->isChecked());
    }

    void refusedModeChangeIsShownAndTheCheckReturns()
    {
        client.failNext("setMode", FakeFirewallClient::notAuthorizedError());
        TrayIcon tray(client);
        QSignalSpy shown(&tray, &TrayIcon::messageShown);
        tray.modeAction("learning")->trigger();
        QCOMPARE(shown.count(), 1);
        QCOMPARE(shown.first().at(0).toString(), QString("Could not switch to Learning"));
        QCOMPARE(shown.first().at(1).toString(), QString("Not authorized: changing this needs an administrator"));
        QVERIFY(tray.modeAction("enforce")->isChecked());
    }

    void modeActionsAreDisabledWhileTheDaemonIsUnreachable()
    {
        client.available = false;
        TrayIcon tray(client);
        QVERIFY(!tray.modeAction("enforce")->isEnabled());
    }

    void pauseActionAsksToPausePrompts()
    {
        TrayIcon tray(client);
        QSignalSpy toggled(&tray, &TrayIcon::pausePromptsToggled);
        tray.pausePromptsAction()->trigger();
        QCOMPARE(toggled.count(), 1);
        QCOMPARE(toggled.first().at(0).toBool(), true);
    }

    void firstRunExplanationSaysTheModeAndWhatSystemServicesGet()
    {
        StatusRecord status;
        status.mode = QStringLiteral("enforce");
        status.defaultAction = QStringLiteral("deny");
        const QString enforcing = TrayIcon::firstRunExplanation(status);
        QVERIFY2(enforcing.contains(QStringLiteral("enforcing")) && enforcing.contains(QStringLiteral("denied")),
                 qPrintable(enforcing));
        QVERIFY2(enforcing.contains(QStringLiteral("base policy")) &&
                     enforcing.contains(QStringLiteral("administrator")),
                 qPrintable(enforcing));
        status.mode = QStringLiteral("learning");
        QVERIFY(TrayIcon::firstRunExplanation(status).contains(QStringLiteral("learning")));
        status.mode = QStringLiteral("silent-deny");
        QVERIFY(TrayIcon::firstRunExplanation(status).contains(QStringLiteral("silently denying")));
    }
};

QTEST_MAIN(TrayIconTest)
#include "test_tray_icon.moc"
