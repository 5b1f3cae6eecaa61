// SPDX-License-Identifier: GPL-3.0-or-later
// RulesWindow as a specification, against a fake daemon: filtering, toggling, deleting, errors, scale.
#include "fake_firewall_client.h"
#include "window_test_support.h"
#include "windows/rule_editor_dialog.h"
#include "windows/rules_filter_model.h"
#include "windows/rules_group_model.h"
#include "windows/rules_model.h"
#include "windows/rules_window.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QScopeGuard>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace hostgate::gui;
using namespace hostgate::gui::testing;

class RulesWindowTest : public QObject {
    Q_OBJECT

    static QList<RuleRecord> sampleRules()
    {
        return {
            userRule(1, "/usr/bin/curl", "example.com"),
            userRule(2, "/usr/lib/firefox/firefox", "mozilla.org", "browser updates"),
            userRule(3, "/usr/bin/ssh", "git.example.net"),
            adminRule(4, "/usr/bin/telnet", "*"),
        };
    }

    // Every row the view shows, application rows and the rules below them (grouped) or the rules (flat).
    static QModelIndexList viewRows(RulesWindow& window)
    {
        QModelIndexList rows;
        const QAbstractItemModel& model = *window.view().model();
        for (int row = 0; row < model.rowCount(); ++row) {
            const QModelIndex top = model.index(row, 0);
            rows << top;
            for (int child = 0; child < model.rowCount(top); ++child) {
                rows << model.index(child, 0, top);
            }
        }
        return rows;
    }

    // Selects the rows showing the given rule ids, as a user's clicks would.
    static void selectRules(RulesWindow& window, const QList<quint64>& ids)
    {
        QItemSelectionModel* selection = window.view().selectionModel();
        selection->clearSelection();
        for (const QModelIndex& index : viewRows(window)) {
            if (index.data(RulesModel::RuleIdRole).isValid() &&
                ids.contains(index.data(RulesModel::RuleIdRole).toULongLong())) {
                selection->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
            }
        }
    }

    // The application rows of the grouped view: "name: id id" each, "(collapsed)" when so.
    static QStringList applicationRows(RulesWindow& window)
    {
        QStringList rows;
        const QAbstractItemModel& model = *window.view().model();
        for (int row = 0; row < model.rowCount(); ++row) {
            const QModelIndex group = model.index(row, 0);
            QStringList ids;
            for (int child = 0; child < model.rowCount(group); ++child) {
                ids << model.index(child, 0, group).data(RulesModel::RuleIdRole).toString();
            }
            rows << model.index(row, RulesModel::AppColumn).data().toString() + QStringLiteral(": ") +
                        ids.join(QLatin1Char(' ')) +
                        (window.view().isExpanded(group) ? QString() : QStringLiteral(" (collapsed)"));
        }
        return rows;
    }

    static QModelIndex rowOfRule(RulesWindow& window, quint64 id, int column)
    {
        const QAbstractItemModel& rows = window.filterModel();
        for (int row = 0; row < rows.rowCount(); ++row) {
            if (rows.index(row, 0).data(RulesModel::RuleIdRole).toULongLong() == id) {
                return rows.index(row, column);
            }
        }
        return {};
    }

    static QAction* action(RulesWindow& window, const QString& text)
    {
        for (QAction* candidate : window.findChildren<QAction*>()) {
            if (candidate->text().remove('&') == text) {
                return candidate;
            }
        }
        return nullptr;
    }

private slots:
    void rulesAreGroupedByApplicationWithTheNameAndIconOfItsDesktopFile()
    {
        QTemporaryDir data;
        QVERIFY(QDir(data.path()).mkpath("applications"));
        QImage pixels(16, 16, QImage::Format_ARGB32);
        pixels.fill(Qt::red);
        const QString iconPath = data.filePath("ssh-icon.png");
        QVERIFY(pixels.save(iconPath));
        QFile desktop(data.filePath("applications/ssh-client.desktop"));
        QVERIFY(desktop.open(QIODevice::WriteOnly));
        desktop.write(QString("[Desktop Entry]\nType=Application\nName=Secure Shell\nIcon=%1\nExec=/usr/bin/ssh %u\n")
                          .arg(iconPath)
                          .toUtf8());
        desktop.close();
        const QByteArray savedDirs = qgetenv("XDG_DATA_DIRS");
        const QByteArray savedHome = qgetenv("XDG_DATA_HOME");
        qputenv("XDG_DATA_DIRS", data.path().toUtf8());
        qputenv("XDG_DATA_HOME", data.filePath("home").toUtf8());
        const auto restore = qScopeGuard([&] {
            qputenv("XDG_DATA_DIRS", savedDirs);
            qputenv("XDG_DATA_HOME", savedHome);
        });

        FakeFirewallClient client;
        client.rules = sampleRules();
        client.rules.append(userRule(5, "/usr/bin/curl", "api.example.com"));
        client.rules.append(userRule(6, "", "ntp.example.org"));
        RulesWindow window(client);
        window.show();
        QVERIFY(window.groupedByApplication());
        QCOMPARE(window.view().model(), &window.groupModel());
        QVERIFY(window.view().rootIsDecorated());
        QCOMPARE(applicationRows(window),
                 (QStringList{"Any application: 6", "curl: 1 5", "firefox: 2", "Secure Shell: 3", "telnet: 4"}));
        const QModelIndex ssh = window.groupModel().groupIndex("/usr/bin/ssh\n", RulesModel::AppColumn);
        QVERIFY(ssh.isValid());
        const QIcon icon = ssh.data(Qt::DecorationRole).value<QIcon>();
        QVERIFY(!icon.isNull());
        QCOMPARE(icon.pixmap(16, 16).toImage().pixelColor(8, 8), QColor(Qt::red));
        QCOMPARE(ssh.data(Qt::ToolTipRole).toString(), QString("/usr/bin/ssh"));
        // The flat table is one click away, and back.
        QAction* group = window.findChild<QAction*>("groupByApplication");
        QVERIFY(group && group->isCheckable() && group->isChecked());
        QVERIFY(!group->shortcut().isEmpty());
        group->trigger();
        QVERIFY(!window.groupedByApplication());
        QCOMPARE(window.view().model(), &window.filterModel());
        QCOMPARE(window.view().model()->rowCount(), 6);
        group->trigger();
        QVERIFY(window.groupedByApplication());
        QCOMPARE(applicationRows(window).size(), 5);
    }

    void aCollapsedApplicationStaysCollapsedAcrossReloadsAndSearches()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        client.rules.append(userRule(5, "/usr/bin/curl", "api.example.com"));
        RulesWindow window(client);
        window.show();
        window.view().collapse(window.groupModel().groupIndex("/usr/bin/curl\n"));
        QCOMPARE(applicationRows(window), (QStringList{"curl: 1 5 (collapsed)", "firefox: 2", "ssh: 3", "telnet: 4"}));
        client.emitRulesChanged();
        QCOMPARE(applicationRows(window), (QStringList{"curl: 1 5 (collapsed)", "firefox: 2", "ssh: 3", "telnet: 4"}));
        window.findChild<QLineEdit*>("searchEdit")->setText("example");
        QCOMPARE(applicationRows(window), (QStringList{"curl: 1 5 (collapsed)", "ssh: 3"}));
        window.findChild<QLineEdit*>("searchEdit")->clear();
        // Asking for an application's rules (from the log or the monitor) shows them expanded.
        window.showRulesOf("/usr/bin/curl");
        QCOMPARE(applicationRows(window), (QStringList{"curl: 1 5"}));
    }

    void selectingAnApplicationSelectsItsUserRulesForDeletion()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        client.rules.append(userRule(5, "/usr/bin/curl", "api.example.com"));
        client.rules.append(adminRule(6, "/usr/bin/curl", "tracker.example.com"));
        RulesWindow window(client);
        window.show();
        QAction* edit = action(window, "Edit…");
        QAction* remove = action(window, "Delete");
        QVERIFY(edit && remove);
        window.view().selectionModel()->select(window.groupModel().groupIndex("/usr/bin/curl\n"),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QVERIFY(!edit->isEnabled()); // three rules: nothing to edit as one
        QVERIFY(remove->isEnabled());
        window.deleteSelected();
        auto* box = window.findChild<QMessageBox*>("confirmDelete");
        QVERIFY(box);
        QVERIFY2(box->text().contains("2 rules") && box->text().contains("read-only"), qPrintable(box->text()));
        box->button(QMessageBox::Yes)->click();
        QList<quint64> removed;
        for (const auto& call : client.calls) {
            if (call.method == "removeRule") {
                removed << call.args.value(0).toULongLong();
            }
        }
        std::sort(removed.begin(), removed.end());
        QCOMPARE(removed, (QList<quint64>{1, 5})); // the admin rule is never sent

        // An application with one rule: selecting it edits that rule.
        window.view().selectionModel()->select(window.groupModel().groupIndex("/usr/bin/ssh\n"),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QVERIFY(edit->isEnabled());
    }

    void theSelectionCarriesOverBetweenTheGroupedAndTheFlatView()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        window.show();
        selectRules(window, {2, 3});
        window.setGroupedByApplication(false);
        QList<quint64> selected;
        for (const QModelIndex& index : window.view().selectionModel()->selectedRows()) {
            selected << index.data(RulesModel::RuleIdRole).toULongLong();
        }
        std::sort(selected.begin(), selected.end());
        QCOMPARE(selected, (QList<quint64>{2, 3}));
        QVERIFY(action(window, "Delete")->isEnabled());
        window.setGroupedByApplication(true);
        QCOMPARE(window.view().selectionModel()->selectedRows().size(), 2);
    }

    void subscribedListsAreShownAndToggledThroughTheDaemon()
    {
        FakeFirewallClient client;
        client.lists = {
            {{"name", "ads"}, {"action", "deny"}, {"enabled", true}, {"entries", 2}, {"last_error", "HTTP 500"}},
            {{"name", "fixes"}, {"action", "allow"}, {"enabled", false}, {"entries", 1}, {"last_error", ""}}};
        RulesWindow window(client);
        window.reload();
        QListWidget& lists = window.listsView();
        QCOMPARE(lists.count(), 2);
        QVERIFY2(lists.item(0)->text().contains("ads") && lists.item(0)->text().contains("HTTP 500"),
                 qPrintable(lists.item(0)->text()));
        QCOMPARE(lists.item(0)->checkState(), Qt::Checked);
        QCOMPARE(lists.item(1)->checkState(), Qt::Unchecked);

        lists.item(0)->setCheckState(Qt::Unchecked);
        const auto call = client.lastCall("setListEnabled");
        QVERIFY(call);
        QCOMPARE(call->args, (QVariantList{QStringLiteral("ads"), false}));
        QCOMPARE(window.listsView().item(0)->checkState(), Qt::Unchecked); // reloaded from the daemon
        QVERIFY(!client.lists.front().value("enabled").toBool());
    }

    void aRefusedListToggleShowsTheDaemonsState()
    {
        FakeFirewallClient client;
        client.lists = {{{"name", "ads"}, {"action", "deny"}, {"enabled", true}, {"entries", 2}}};
        client.failNext("setListEnabled", FakeFirewallClient::notAuthorizedError());
        RulesWindow window(client);
        window.reload();
        window.listsView().item(0)->setCheckState(Qt::Unchecked);
        QCOMPARE(window.listsView().item(0)->checkState(), Qt::Checked);
    }

    void showsEveryRuleTheDaemonLists()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);

        QCOMPARE(window.filterModel().rowCount(), 4);
    }

    void theDaemonGoneMessageIsClearedOnceItIsBackAndTheRulesReload()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        client.setAvailable(false);
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("not running")));
        client.rules.append(userRule(9, "/usr/bin/wget", "example.org"));

        client.setAvailable(true);

        QCOMPARE(window.filterModel().rowCount(), 5);
        QCOMPARE(window.statusBar()->currentMessage(), QString());
    }

    void rulesChangedSignalReloadsTheTable()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        client.rules.append(userRule(9, "/usr/bin/wget", "example.org"));

        client.emitRulesChanged();

        QCOMPARE(window.filterModel().rowCount(), 5);
    }

    void filterBoxKeepsRulesWhoseAppHostOrNoteContainTheText_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("rows");
        QTest::newRow("host, any case") << "EXAMPLE" << 2;
        QTest::newRow("application path") << "firefox" << 1;
        QTest::newRow("note") << "browser upd" << 1;
        QTest::newRow("nothing matches") << "nowhere.invalid" << 0;
        QTest::newRow("empty shows all") << "" << 4;
    }

    void filterBoxKeepsRulesWhoseAppHostOrNoteContainTheText()
    {
        QFETCH(QString, text);
        QFETCH(int, rows);
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);

        window.findChild<QLineEdit*>("searchEdit")->setText(text);

        QCOMPARE(window.filterModel().rowCount(), rows);
    }

    void applicationFilterShowsOnlyThatApplicationsRules()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        client.rules.append(userRule(5, "/usr/bin/curl", "example.org"));
        RulesWindow window(client);
        auto* apps = window.findChild<QComboBox*>("appCombo");
        QCOMPARE(apps->itemText(0), QString("All applications"));

        apps->setCurrentIndex(apps->findData(QString("/usr/bin/curl")));

        QCOMPARE(window.filterModel().rowCount(), 2);
        for (int row = 0; row < 2; ++row) {
            QCOMPARE(window.filterModel().index(row, RulesModel::AppColumn).data().toString(), QString("curl"));
        }
    }

    void applicationFilterSurvivesAReload()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        auto* apps = window.findChild<QComboBox*>("appCombo");
        apps->setCurrentIndex(apps->findData(QString("/usr/bin/ssh")));

        client.emitRulesChanged();

        QCOMPARE(apps->currentData().toString(), QString("/usr/bin/ssh"));
        QCOMPARE(window.filterModel().rowCount(), 1);
    }

    void togglingTheCheckboxCallsSetRuleEnabledWithTheRuleId()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);

        window.filterModel().setData(rowOfRule(window, 3, RulesModel::EnabledColumn), Qt::Unchecked,
                                     Qt::CheckStateRole);

        QCOMPARE(client.callCount("setRuleEnabled"), 1);
        QCOMPARE(client.lastCall("setRuleEnabled")->args, (QVariantList{quint64{3}, false}));
    }

    void adminRuleCannotBeOpenedForEditing()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        selectRules(window, {4});

        QVERIFY(!action(window, "Edit…")->isEnabled());
        window.editSelected();

        QVERIFY(window.findChild<RuleEditorDialog*>() == nullptr);
        QVERIFY(window.statusBar()->currentMessage().contains("read-only"));
    }

    void adminRuleIsNeverSentForRemoval()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        selectRules(window, {4});

        QVERIFY(!action(window, "Delete")->isEnabled());
        window.deleteSelected();

        QVERIFY(window.findChild<QMessageBox*>("confirmDelete") == nullptr);
        QCOMPARE(client.callCount("removeRule"), 0);
    }

    void deletingAfterConfirmationRemovesEverySelectedRule()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        selectRules(window, {1, 3});

        window.deleteSelected();
        auto* confirm = window.findChild<QMessageBox*>("confirmDelete");
        QVERIFY(confirm != nullptr);
        confirm->button(QMessageBox::Yes)->click();

        QCOMPARE(client.callCount("removeRule"), 2);
        QList<quint64> removed;
        for (const FakeFirewallClient::Call& call : client.calls) {
            if (call.method == "removeRule") {
                removed << call.args.at(0).toULongLong();
            }
        }
        std::sort(removed.begin(), removed.end());
        QCOMPARE(removed, (QList<quint64>{1, 3}));
        QCOMPARE(window.filterModel().rowCount(), 2);
    }

    void cancellingTheConfirmationRemovesNothing()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        selectRules(window, {1});

        window.deleteSelected();
        window.findChild<QMessageBox*>("confirmDelete")->button(QMessageBox::Cancel)->click();

        QCOMPARE(client.callCount("removeRule"), 0);
    }

    void notAuthorizedErrorIsShownInTheStatusBarAndAMessageBox()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        client.failNext("removeRule", FakeFirewallClient::notAuthorizedError());
        RulesWindow window(client);
        selectRules(window, {2});

        window.deleteSelected();
        window.findChild<QMessageBox*>("confirmDelete")->button(QMessageBox::Yes)->click();

        QVERIFY2(window.statusBar()->currentMessage().contains("Failed to delete rule #2: Not authorized"),
                 qPrintable(window.statusBar()->currentMessage()));
        auto* error = window.findChild<QMessageBox*>("errorMessage");
        QVERIFY(error != nullptr);
        QVERIFY(error->isVisible());
        QVERIFY(error->informativeText().contains("Not authorized"));
    }

    void reloadWhileTheDaemonRestartsSaysSoQuietlyWithoutAnErrorBox()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        RulesWindow window(client);
        client.failNext("fetchRules", CallError{QStringLiteral("org.freedesktop.DBus.Error.ServiceUnknown"),
                                                QStringLiteral("The name org.hostgate.Firewall1 was not provided")});

        window.reload();

        QVERIFY(window.findChild<QMessageBox*>("errorMessage") == nullptr);
        QVERIFY2(window.statusBar()->currentMessage().contains("not running"),
                 qPrintable(window.statusBar()->currentMessage()));
        QCOMPARE(window.model().rowCount(), int(client.rules.size())); // the last rules stay visible
    }

    void failedToggleShowsTheErrorAndRestoresTheCheckbox()
    {
        FakeFirewallClient client;
        client.rules = sampleRules();
        client.failNext("setRuleEnabled", FakeFirewallClient::notAuthorizedError());
        RulesWindow window(client);

        window.filterModel().setData(rowOfRule(window, 1, RulesModel::EnabledColumn), Qt::Unchecked,
                                     Qt::CheckStateRole);

        QVERIFY(window.findChild<QMessageBox*>("errorMessage") != nullptr);
        QCOMPARE(rowOfRule(window, 1, RulesModel::EnabledColumn).data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    }

    void newRuleFromAConnectionEventPrefillsTheEditor()
    {
        FakeFirewallClient client;
        RulesWindow window(client);

        window.openNewRuleFrom(connectionEvent(1, "denied", "/usr/bin/curl", "api.example.com", "203.0.113.10", 8443));

        auto* editor = window.findChild<RuleEditorDialog*>();
        QVERIFY(editor != nullptr);
        QVERIFY(!editor->isEditing());
        const QVariantMap fields = editor->fields();
        QCOMPARE(fields.value("app").toString(), QString("/usr/bin/curl"));
        QCOMPARE(fields.value("host").toString(), QString("api.example.com"));
        QCOMPARE(fields.value("ports").toString(), QString("8443"));
        QCOMPARE(fields.value("protocol").toString(), QString("tcp"));
        QCOMPARE(fields.value("action").toString(), QString("allow"));
        QVERIFY(editor->validationProblem().isEmpty());
    }

    void newRuleFromAnEventWithoutHostNameUsesTheAddress()
    {
        FakeFirewallClient client;
        RulesWindow window(client);

        window.openNewRuleFrom(connectionEvent(1, "denied", "/usr/bin/nc", "", "2001:db8::7", 22));

        QCOMPARE(window.findChild<RuleEditorDialog*>()->fields().value("host").toString(), QString("2001:db8::7"));
    }

    void importSendsTheFileAndTheReplaceChoice()
    {
        FakeFirewallClient client;
        client.importedCount = 2;
        RulesWindow window(client);
        QTemporaryDir dir;
        const QString path = dir.filePath("rules.toml");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[[rule]]\nhost = \"example.org\"\naction = \"allow\"\n");
        file.close();

        window.importFromFile(path, true);

        QCOMPARE(client.lastCall("importRules")->args,
                 (QVariantList{QString("[[rule]]\nhost = \"example.org\"\naction = \"allow\"\n"), true}));
        QVERIFY(window.statusBar()->currentMessage().contains("Imported 2 rules"));
    }

    void exportWritesTheDaemonsRulesToTheFile()
    {
        FakeFirewallClient client;
        client.exportedToml = "[[rule]]\nhost = \"example.net\"\n";
        RulesWindow window(client);
        QTemporaryDir dir;
        const QString path = dir.filePath("out.toml");

        window.exportToFile(path);

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(file.readAll()), client.exportedToml);
    }

    void tenThousandRulesLoadIntoTheTable()
    {
        FakeFirewallClient client;
        for (quint64 id = 1; id <= 10000; ++id) {
            RuleRecord rule =
                userRule(id, QString("/usr/bin/app%1").arg(id % 250), QString("host%1.example.com").arg(id));
            rule.hitCount = id * 7 % 1000;
            client.rules.append(rule);
        }
        QElapsedTimer timer;
        timer.start();
        RulesWindow window(client);
        window.show();
        QCoreApplication::processEvents();
        const qint64 openMs = timer.elapsed();
        timer.restart();
        client.emitRulesChanged();
        QCoreApplication::processEvents();
        const qint64 reloadMs = timer.elapsed();
        timer.restart();
        window.findChild<QLineEdit*>("searchEdit")->setText("host99");
        const qint64 filterMs = timer.elapsed();

        qInfo("10000 rules: open and show %lld ms, reload %lld ms, filter %lld ms", openMs, reloadMs, filterMs);
        QCOMPARE(window.model().rowCount(), 10000);
        QCOMPARE(window.filterModel().rowCount(), 111); // host99, host990-999, host9900-9999
    }
};

QTEST_MAIN(RulesWindowTest)
#include "test_rules_window.moc"
