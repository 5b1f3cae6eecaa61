// SPDX-License-Identifier: GPL-3.0-or-later
// RulesModel as a specification: what each column shows, how lifetimes read, which rows can be changed.
#include "window_test_support.h"
#include "windows/rules_filter_model.h"
#include "windows/rules_model.h"

#include <QPixmap>
#include <QSignalSpy>
#include <QTest>

using namespace hostgate::gui;
using namespace hostgate::gui::testing;

class RulesModelTest : public QObject {
    Q_OBJECT

    static QString cell(const RulesModel& model, int row, int column)
    {
        return model.index(row, column).data().toString();
    }

private slots:
    void showsEachRuleFieldInItsColumn()
    {
        RuleRecord rule = userRule(7, "/usr/bin/curl", "*.example.com", "downloads");
        rule.hitCount = 12;
        rule.user = 1000;
        RulesModel model;
        model.setRules({rule});

        QCOMPARE(cell(model, 0, RulesModel::AppColumn), QString("curl"));
        QCOMPARE(cell(model, 0, RulesModel::HostColumn), QString("*.example.com"));
        QCOMPARE(cell(model, 0, RulesModel::PortsColumn), QString("443"));
        QCOMPARE(cell(model, 0, RulesModel::ProtocolColumn), QString("tcp"));
        QCOMPARE(cell(model, 0, RulesModel::ActionColumn), QString("allow"));
        QCOMPARE(cell(model, 0, RulesModel::HitsColumn), QString("12"));
        QCOMPARE(cell(model, 0, RulesModel::LastHitColumn), QString("never"));
        QCOMPARE(cell(model, 0, RulesModel::UserColumn), QString("1000"));
        QCOMPARE(cell(model, 0, RulesModel::NoteColumn), QString("downloads"));
        QCOMPARE(cell(model, 0, RulesModel::OriginColumn), QString("user"));
        QCOMPARE(model.index(0, RulesModel::EnabledColumn).data(Qt::CheckStateRole).value<int>(), int(Qt::Checked));
    }

    void appColumnShowsTheBasenameAndTheFullPathAsTooltip()
    {
        RulesModel model;
        model.setRules({userRule(1, "/opt/tools/bin/sync-client", "example.org")});

        const QModelIndex app = model.index(0, RulesModel::AppColumn);
        QCOMPARE(app.data().toString(), QString("sync-client"));
        QVERIFY(app.data(Qt::ToolTipRole).toString().contains("/opt/tools/bin/sync-client"));
    }

    void ruleForAnyApplicationAndAnyHostSaysSo()
    {
        RulesModel model;
        RuleRecord rule = userRule(1, "", "*");
        rule.ports.clear();
        model.setRules({rule});

        QCOMPARE(cell(model, 0, RulesModel::AppColumn), QString("any application"));
        QCOMPARE(cell(model, 0, RulesModel::HostColumn), QString("any host"));
        QCOMPARE(cell(model, 0, RulesModel::PortsColumn), QString("any"));
    }

    void lifetimeReadsAsWhenTheRuleEnds_data()
    {
        QTest::addColumn<QString>("lifetime");
        QTest::addColumn<QDateTime>("until");
        QTest::addColumn<int>("pid");
        QTest::addColumn<QString>("expected");

        const QDateTime now(QDate(2031, 5, 3), QTime(9, 0));
        QTest::newRow("forever") << "forever" << QDateTime() << 0 << "forever";
        QTest::newRow("once") << "once" << QDateTime() << 0 << "once";
        QTest::newRow("later today shows the time")
            << "until-time" << QDateTime(now.date(), QTime(14, 30)) << 0 << "until 14:30 (in 5 h 30 min)";
        QTest::newRow("another day shows the date") << "until-time" << QDateTime(QDate(2031, 5, 4), QTime(8, 15)) << 0
                                                    << "until 2031-05-04 08:15 (in 23 h 15 min)";
        QTest::newRow("minutes before the end")
            << "until-time" << QDateTime(now.date(), QTime(9, 25, 30)) << 0 << "until 09:25 (in 25 min)";
        QTest::newRow("days ahead") << "until-time" << QDateTime(QDate(2031, 5, 6), QTime(11, 0)) << 0
                                    << "until 2031-05-06 11:00 (in 3 d 2 h)";
        QTest::newRow("an ended rule says so")
            << "until-time" << QDateTime(now.date(), QTime(8, 0)) << 0 << "ended at 08:00";
        QTest::newRow("until the app quits names the process")
            << "until-exit" << QDateTime() << 123 << "until app quits (pid 123)";
    }

    void lifetimeReadsAsWhenTheRuleEnds()
    {
        QFETCH(QString, lifetime);
        QFETCH(QDateTime, until);
        QFETCH(int, pid);
        QFETCH(QString, expected);
        RuleRecord rule = userRule(1, "/usr/bin/curl", "example.org");
        rule.lifetime = lifetime;
        if (until.isValid()) {
            rule.until = until;
        }
        if (pid != 0) {
            rule.pid = pid;
        }

        QCOMPARE(RulesModel::describeLifetime(rule, QDateTime(QDate(2031, 5, 3), QTime(9, 0))), expected);
    }

    void countdownsRoundDownToTheUnitShown_data()
    {
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<QString>("expected");
        QTest::newRow("seconds") << qint64{45} << "in 45 s";
        QTest::newRow("a minute") << qint64{60} << "in 1 min";
        QTest::newRow("just under an hour") << qint64{3599} << "in 59 min";
        QTest::newRow("whole hours") << qint64{7200} << "in 2 h";
        QTest::newRow("whole days") << qint64{2 * 86400 + 59} << "in 2 d";
    }
    void countdownsRoundDownToTheUnitShown()
    {
        QFETCH(qint64, seconds);
        QFETCH(QString, expected);
        QCOMPARE(RulesModel::describeCountdown(seconds), expected);
    }

    void originSaysWhereTheRuleComesFrom()
    {
        RuleRecord admin = adminRule(3, "/usr/bin/curl", "example.org");
        admin.source = "/etc/hostgate/rules.d/10-corp.toml";
        RuleRecord prompted = userRule(8, "/usr/bin/curl", "example.org");
        prompted.lifetime = "until-exit";
        prompted.pid = 99;
        RulesModel model;
        model.setRules({admin, prompted, userRule(9, "/usr/bin/curl", "example.org")});
        QCOMPARE(cell(model, 0, RulesModel::OriginColumn), QString("admin file 10-corp.toml"));
        QCOMPARE(cell(model, 1, RulesModel::OriginColumn), QString("prompt"));
        QCOMPARE(cell(model, 2, RulesModel::OriginColumn), QString("user"));
    }

    void everyRuleShowsItsShortId()
    {
        RulesModel model;
        model.setRules({adminRule(3, "/usr/bin/curl", "example.org"), userRule(12, "", "*")});
        QCOMPARE(cell(model, 0, RulesModel::IdColumn), QString("#3"));
        QCOMPARE(cell(model, 1, RulesModel::IdColumn), QString("#12"));
        QCOMPARE(model.index(1, RulesModel::IdColumn).data(RulesModel::SortRole).toULongLong(), quint64{12});
    }

    void applicationsShowTheirIconAskedOncePerApplication()
    {
        RulesModel model;
        model.setRules({userRule(1, "/usr/bin/curl", "a.example"), userRule(2, "/usr/bin/curl", "b.example"),
                        userRule(3, "", "*")});
        QVERIFY(model.index(0, RulesModel::AppColumn).data(Qt::DecorationRole).isNull()); // no lookup yet
        int asked = 0;
        QPixmap pixmap(16, 16);
        pixmap.fill(Qt::red);
        const QIcon curlIcon(pixmap);
        model.setIconLookup([&](const RuleRecord& rule) {
            ++asked;
            return rule.app == "/usr/bin/curl" ? curlIcon : QIcon();
        });
        QCOMPARE(model.index(0, RulesModel::AppColumn).data(Qt::DecorationRole).value<QIcon>().cacheKey(),
                 curlIcon.cacheKey());
        QCOMPARE(model.index(1, RulesModel::AppColumn).data(Qt::DecorationRole).value<QIcon>().cacheKey(),
                 curlIcon.cacheKey());
        QVERIFY(model.index(2, RulesModel::AppColumn).data(Qt::DecorationRole).isNull()); // any application
        QVERIFY(model.index(0, RulesModel::HostColumn).data(Qt::DecorationRole).isNull());
        QCOMPARE(asked, 1);
    }

    void refreshingCountdownsRepaintsOnlyTheLifetimeColumn()
    {
        RulesModel model;
        model.setRules({userRule(1, "", "*"), userRule(2, "", "*")});
        QSignalSpy changed(&model, &RulesModel::dataChanged);
        model.refreshCountdowns();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toModelIndex(), model.index(0, RulesModel::LifetimeColumn));
        QCOMPARE(changed.at(0).at(1).toModelIndex(), model.index(1, RulesModel::LifetimeColumn));
    }

    void adminRuleHasNoCheckboxToToggle()
    {
        RulesModel model;
        model.setRules({adminRule(3, "/usr/bin/telnet", "*")});

        const QModelIndex enabled = model.index(0, RulesModel::EnabledColumn);
        QVERIFY(!(model.flags(enabled) & Qt::ItemIsUserCheckable));
        QVERIFY(!model.setData(enabled, Qt::Unchecked, Qt::CheckStateRole));
        QVERIFY(model.ruleAt(0).enabled);
    }

    void adminRuleTooltipNamesItsSourceFile()
    {
        RulesModel model;
        model.setRules({adminRule(3, "/usr/bin/telnet", "*")});

        QVERIFY(model.index(0, RulesModel::HostColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains("/etc/hostgate/rules.d/10-corp.toml"));
    }

    void uncheckingAUserRuleAnnouncesItsIdAndNewState()
    {
        RulesModel model;
        model.setRules({userRule(41, "/usr/bin/curl", "example.org")});
        QSignalSpy toggled(&model, &RulesModel::enabledToggled);

        QVERIFY(model.setData(model.index(0, RulesModel::EnabledColumn), Qt::Unchecked, Qt::CheckStateRole));

        QCOMPARE(toggled.count(), 1);
        QCOMPARE(toggled.at(0).at(0).toULongLong(), quint64{41});
        QCOMPARE(toggled.at(0).at(1).toBool(), false);
    }

    void hitCountsSortAsNumbers()
    {
        RuleRecord nine = userRule(1, "/usr/bin/a", "a.example");
        nine.hitCount = 9;
        RuleRecord ten = userRule(2, "/usr/bin/b", "b.example");
        ten.hitCount = 10;
        RulesModel model;
        model.setRules({ten, nine});
        RulesFilterModel sorted(model);

        sorted.sort(RulesModel::HitsColumn, Qt::AscendingOrder);

        QCOMPARE(sorted.index(0, RulesModel::HitsColumn).data().toString(), QString("9"));
        QCOMPARE(sorted.index(1, RulesModel::HitsColumn).data().toString(), QString("10"));
    }
};

QTEST_MAIN(RulesModelTest)
#include "test_rules_model.moc"
