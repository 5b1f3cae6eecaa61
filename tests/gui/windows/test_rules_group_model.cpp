// SPDX-License-Identifier: GPL-3.0-or-later
// RulesGroupModel as a specification: rules under one row per application, following the filter and the sort,
// sums on the application rows, persistent indexes carried across regroupings; checked by Qt's model tester.
#include "window_test_support.h"
#include "windows/rules_filter_model.h"
#include "windows/rules_group_model.h"
#include "windows/rules_model.h"

#include <QAbstractItemModelTester>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace hostgate::gui;
using namespace hostgate::gui::testing;

class RulesGroupModelTest : public QObject {
    Q_OBJECT

    struct Fixture {
        RulesModel rules;
        RulesFilterModel filter{rules};
        RulesGroupModel groups{filter};
        QAbstractItemModelTester tester{&groups, QAbstractItemModelTester::FailureReportingMode::QtTest};
        QStringList lookedUp;

        Fixture()
        {
            filter.sort(RulesModel::HostColumn, Qt::AscendingOrder);
            groups.setAppLookup([this](const QString& app, const QString& script) {
                lookedUp << app + QLatin1Char('|') + script;
                AppInfo info;
                if (app == QLatin1String("/usr/lib/firefox/firefox")) {
                    info.name = QStringLiteral("Firefox Web Browser");
                    info.fromDesktopFile = true;
                }
                return info;
            });
        }
    };

    static QList<RuleRecord> sampleRules()
    {
        RuleRecord script = userRule(5, "/usr/bin/python3", "pypi.org");
        script.script = "/home/alice/sync.py";
        RuleRecord anyApp = userRule(6, "", "updates.example.com");
        RuleRecord off = userRule(7, "/usr/bin/curl", "off.example.com");
        off.enabled = false;
        QList<RuleRecord> rules = {
            userRule(1, "/usr/bin/curl", "b.example.com"),
            userRule(2, "/usr/lib/firefox/firefox", "mozilla.org"),
            userRule(3, "/usr/bin/curl", "a.example.com"),
            userRule(4, "/usr/bin/python3", "python.org"),
            script,
            anyApp,
            off,
        };
        rules[0].hitCount = 5;
        rules[0].lastHit = QDateTime::fromSecsSinceEpoch(1700000100);
        rules[2].hitCount = 7;
        rules[2].lastHit = QDateTime::fromSecsSinceEpoch(1700000300);
        return rules;
    }

    // "name: id id id" per application row, in the model's order.
    static QStringList layout(const RulesGroupModel& groups)
    {
        QStringList rows;
        for (int row = 0; row < groups.rowCount(); ++row) {
            const QModelIndex group = groups.index(row, RulesModel::AppColumn);
            QStringList ids;
            for (int child = 0; child < groups.rowCount(group.siblingAtColumn(0)); ++child) {
                ids << groups.index(child, 0, group.siblingAtColumn(0)).data(RulesModel::RuleIdRole).toString();
            }
            rows << group.data().toString() + QStringLiteral(": ") + ids.join(QLatin1Char(' '));
        }
        return rows;
    }

    static QModelIndex rowOf(const RulesGroupModel& groups, quint64 id, int column = 0)
    {
        for (int row = 0; row < groups.rowCount(); ++row) {
            const QModelIndex group = groups.index(row, 0);
            for (int child = 0; child < groups.rowCount(group); ++child) {
                if (groups.index(child, 0, group).data(RulesModel::RuleIdRole).toULongLong() == id) {
                    return groups.index(child, column, group);
                }
            }
        }
        return {};
    }

private slots:
    void groupsRulesByApplicationAndScript()
    {
        Fixture f;
        f.rules.setRules(sampleRules());
        // Sorted by host: the applications come in the order of their first rule; a script is an app of its own.
        QCOMPARE(layout(f.groups), (QStringList{"curl: 3 1 7", "Firefox Web Browser: 2", "sync.py: 5", "python3: 4",
                                                "Any application: 6"}));
        QCOMPARE(f.groups.index(0, 0).data(RulesGroupModel::GroupKeyRole).toString(), QString("/usr/bin/curl\n"));
        QCOMPARE(f.groups.index(0, 0).data(RulesGroupModel::RuleCountRole).toInt(), 3);
        QVERIFY(f.groups.isGroup(f.groups.index(0, 0)));
        QVERIFY(!f.groups.isGroup(rowOf(f.groups, 3)));
        QCOMPARE(f.groups.index(2, RulesModel::AppColumn).data(Qt::ToolTipRole).toString(),
                 QString("/usr/bin/python3 running /home/alice/sync.py"));
        QVERIFY(f.groups.index(4, RulesModel::AppColumn).data(Qt::FontRole).value<QFont>().italic());
        // Each application's name is looked up once, however often it is shown.
        for (int round = 0; round < 3; ++round) {
            layout(f.groups);
        }
        f.lookedUp.sort();
        QCOMPARE(f.lookedUp, (QStringList{"/usr/bin/curl|", "/usr/bin/python3|", "/usr/bin/python3|/home/alice/sync.py",
                                          "/usr/lib/firefox/firefox|"}));
    }

    void anApplicationRowSumsItsRules()
    {
        Fixture f;
        f.rules.setRules(sampleRules());
        const QModelIndex curl = f.groups.index(0, 0);
        QCOMPARE(curl.siblingAtColumn(RulesModel::HitsColumn).data().toString(), QString("12"));
        QCOMPARE(curl.siblingAtColumn(RulesModel::LastHitColumn).data().toString(),
                 RulesModel::describeLastHit(QDateTime::fromSecsSinceEpoch(1700000300), QDateTime::currentDateTime()));
        QCOMPARE(curl.siblingAtColumn(RulesModel::HostColumn).data().toString(), QString("3 rule(s), 1 off"));
        QCOMPARE(f.groups.index(1, RulesModel::HostColumn).data().toString(), QString("1 rule(s)"));
        QCOMPARE(f.groups.index(1, RulesModel::HitsColumn).data().toString(), QString("0"));
        QCOMPARE(f.groups.index(1, RulesModel::LastHitColumn).data().toString(), QString("never"));
        // A rule row shows the rule as the flat table does.
        QCOMPARE(rowOf(f.groups, 3, RulesModel::HostColumn).data().toString(), QString("a.example.com"));
        QCOMPARE(rowOf(f.groups, 3, RulesModel::HitsColumn).data().toString(), QString("7"));
        QCOMPARE(f.groups.ruleAt(rowOf(f.groups, 3))->id, quint64(3));
        QCOMPARE(f.groups.ruleAt(curl), nullptr);
        QList<quint64> under;
        for (const RuleRecord* rule : f.groups.rulesUnder(curl)) {
            under << rule->id;
        }
        QCOMPARE(under, (QList<quint64>{3, 1, 7}));
    }

    void togglingARuleUpdatesItsApplicationRow()
    {
        Fixture f;
        f.rules.setRules(sampleRules());
        QSignalSpy toggled(&f.rules, &RulesModel::enabledToggled);
        QSignalSpy changed(&f.groups, &QAbstractItemModel::dataChanged);
        const QModelIndex checkbox = rowOf(f.groups, 7, RulesModel::EnabledColumn);
        QVERIFY(f.groups.flags(checkbox) & Qt::ItemIsUserCheckable);
        QVERIFY(f.groups.setData(checkbox, Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(toggled.count(), 1);
        QCOMPARE(toggled.first().at(0).toULongLong(), quint64(7));
        QCOMPARE(checkbox.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
        QCOMPARE(f.groups.index(0, RulesModel::HostColumn).data().toString(), QString("3 rule(s)"));
        bool groupRowChanged = false;
        for (const QList<QVariant>& signal : changed) {
            groupRowChanged |= f.groups.isGroup(signal.at(0).toModelIndex());
        }
        QVERIFY(groupRowChanged);
        // Application rows hold no checkbox of their own.
        QVERIFY(!(f.groups.flags(f.groups.index(0, RulesModel::EnabledColumn)) & Qt::ItemIsUserCheckable));
        QVERIFY(!f.groups.setData(f.groups.index(0, RulesModel::EnabledColumn), Qt::Unchecked, Qt::CheckStateRole));
    }

    void followsTheSearchAndKeepsPersistentIndexes()
    {
        Fixture f;
        f.rules.setRules(sampleRules());
        const QPersistentModelIndex rule3(rowOf(f.groups, 3, RulesModel::HostColumn));
        const QPersistentModelIndex firefox(f.groups.index(1, 0));
        const QPersistentModelIndex rule2(rowOf(f.groups, 2));
        QSignalSpy layouts(&f.groups, &QAbstractItemModel::layoutChanged);
        QSignalSpy regrouped(&f.groups, &RulesGroupModel::regrouped);

        f.filter.setSearchText("example.com"); // curl's three rules and the any-app rule
        QCOMPARE(layout(f.groups), (QStringList{"curl: 3 1 7", "Any application: 6"}));
        QCOMPARE(layouts.count(), 1); // one regrouping for the whole search, not one per block of rows
        QCOMPARE(regrouped.count(), 1);
        QVERIFY(rule3.isValid());
        QCOMPARE(rule3.data().toString(), QString("a.example.com"));
        QCOMPARE(rule3.column(), int(RulesModel::HostColumn));
        QVERIFY(!firefox.isValid()); // its only rule is filtered out: the application row is gone
        QVERIFY(!rule2.isValid());

        f.filter.setSearchText("");
        QCOMPARE(layout(f.groups).size(), 5);
        QCOMPARE(rule3.data().toString(), QString("a.example.com"));
    }

    void sortingMovesApplicationsWithTheirRules()
    {
        Fixture f;
        f.rules.setRules(sampleRules());
        const QPersistentModelIndex curl(f.groups.index(0, RulesModel::AppColumn));
        f.groups.sort(RulesModel::IdColumn, Qt::DescendingOrder);
        QCOMPARE(layout(f.groups), (QStringList{"curl: 7 3 1", "Any application: 6", "sync.py: 5", "python3: 4",
                                                "Firefox Web Browser: 2"}));
        QCOMPARE(curl.row(), 0);
        QCOMPARE(curl.data().toString(), QString("curl"));
        f.groups.sort(RulesModel::IdColumn, Qt::AscendingOrder);
        QCOMPARE(layout(f.groups), (QStringList{"curl: 1 3 7", "Firefox Web Browser: 2", "python3: 4", "sync.py: 5",
                                                "Any application: 6"}));
        QCOMPARE(f.filter.sortColumn(), int(RulesModel::IdColumn)); // the sort is the filter's, shared by both views
    }

    void aReloadRegroupsAndTheApplicationFilterNarrows()
    {
        Fixture f;
        f.rules.setRules(sampleRules());
        QSignalSpy resets(&f.groups, &QAbstractItemModel::modelReset);
        QSignalSpy regrouped(&f.groups, &RulesGroupModel::regrouped);
        QList<RuleRecord> fewer = sampleRules().mid(0, 2);
        f.rules.setRules(fewer);
        QCOMPARE(resets.count(), 1);
        QCOMPARE(regrouped.count(), 1);
        QCOMPARE(layout(f.groups), (QStringList{"curl: 1", "Firefox Web Browser: 2"}));
        f.filter.setApplication(QString("/usr/lib/firefox/firefox"));
        QCOMPARE(layout(f.groups), (QStringList{"Firefox Web Browser: 2"}));
        f.rules.setRules({});
        QCOMPARE(f.groups.rowCount(), 0);
        QVERIFY(!f.groups.hasChildren());
    }

    void tenThousandRulesGroupQuickly()
    {
        Fixture f;
        QList<RuleRecord> rules;
        for (quint64 id = 1; id <= 10000; ++id) {
            rules << userRule(id, QString("/usr/bin/app%1").arg(id % 250), QString("host%1.example.com").arg(id));
        }
        f.rules.setRules(rules);
        QCOMPARE(f.groups.rowCount(), 250);
        int total = 0;
        for (int row = 0; row < f.groups.rowCount(); ++row) {
            total += f.groups.rowCount(f.groups.index(row, 0));
        }
        QCOMPARE(total, 10000);
        f.filter.setSearchText("host99");
        int shown = 0;
        for (int row = 0; row < f.groups.rowCount(); ++row) {
            shown += f.groups.rowCount(f.groups.index(row, 0));
        }
        QCOMPARE(shown, 111);
    }
};

QTEST_MAIN(RulesGroupModelTest)
#include "test_rules_group_model.moc"
