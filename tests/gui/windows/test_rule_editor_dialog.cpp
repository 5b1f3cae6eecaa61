// SPDX-License-Identifier: GPL-3.0-or-later
// RuleEditorDialog as a specification: what it refuses before the daemon sees it, and what it sends.
#include "fake_firewall_client.h"
#include "window_test_support.h"
#include "windows/rule_editor_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace hostgate::gui;
using namespace hostgate::gui::testing;

class RuleEditorDialogTest : public QObject {
    Q_OBJECT

    static void setText(RuleEditorDialog& dialog, const char* name, const QString& text)
    {
        auto* edit = dialog.findChild<QLineEdit*>(name);
        QVERIFY2(edit != nullptr, name);
        edit->setText(text);
    }
    static void choose(RuleEditorDialog& dialog, const char* name, const QString& value)
    {
        auto* combo = dialog.findChild<QComboBox*>(name);
        QVERIFY2(combo != nullptr, name);
        combo->setCurrentIndex(combo->findData(value));
        QVERIFY(combo->currentIndex() >= 0);
    }
    static QPushButton* saveButton(RuleEditorDialog& dialog)
    {
        return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Save);
    }

private slots:
    void newRuleCannotBeSavedUntilAnActionIsChosen()
    {
        FakeFirewallClient client;
        RuleEditorDialog dialog(client);
        setText(dialog, "hostEdit", "example.org");

        QVERIFY(dialog.validationProblem().contains("allows or denies"));
        QVERIFY(!saveButton(dialog)->isEnabled());
        dialog.accept();
        QCOMPARE(client.callCount("addRule"), 0);
    }

    void invalidFieldIsExplainedAndBlocksSaving_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("explanationMentions");

        QTest::newRow("relative application") << "appEdit"
                                              << "curl"
                                              << "absolute path";
        QTest::newRow("unknown app id kind") << "appEdit"
                                             << "deb:curl"
                                             << "app id";
        QTest::newRow("app id without a name") << "appEdit"
                                               << "flatpak:"
                                               << "app id";
        QTest::newRow("user name instead of uid") << "userEdit"
                                                  << "alice"
                                                  << "numeric uid";
        QTest::newRow("host with a space") << "hostEdit"
                                           << "exa mple.com"
                                           << "host";
        QTest::newRow("empty host") << "hostEdit"
                                    << ""
                                    << "host";
        QTest::newRow("port zero") << "portsEdit"
                                   << "0"
                                   << "Ports";
        QTest::newRow("port above 65535") << "portsEdit"
                                          << "70000"
                                          << "Ports";
        QTest::newRow("reversed range") << "portsEdit"
                                        << "8100-8000"
                                        << "Ports";
        QTest::newRow("service name") << "portsEdit"
                                      << "https"
                                      << "Ports";
    }

    void appIdsAreAcceptedAsTheApplication_data()
    {
        QTest::addColumn<QString>("app");
        QTest::newRow("flatpak") << "flatpak:org.mozilla.firefox";
        QTest::newRow("snap") << "snap:firefox";
        QTest::newRow("appimage") << "appimage:Tool-x86_64.AppImage";
        QTest::newRow("unit") << "unit:cups.service";
    }

    void appIdsAreAcceptedAsTheApplication()
    {
        QFETCH(QString, app);
        FakeFirewallClient client;
        RuleEditorDialog dialog(client);
        choose(dialog, "actionCombo", "allow");
        setText(dialog, "hostEdit", "*");
        setText(dialog, "appEdit", app);
        QVERIFY2(dialog.validationProblem().isEmpty(), qPrintable(dialog.validationProblem()));
        QVERIFY(saveButton(dialog)->isEnabled());
    }

    void invalidFieldIsExplainedAndBlocksSaving()
    {
        QFETCH(QString, field);
        QFETCH(QString, text);
        QFETCH(QString, explanationMentions);
        FakeFirewallClient client;
        RuleEditorDialog dialog(client);
        choose(dialog, "actionCombo", "allow");
        setText(dialog, field.toLatin1().constData(), text);

        QVERIFY2(dialog.validationProblem().contains(explanationMentions), qPrintable(dialog.validationProblem()));
        QCOMPARE(dialog.findChild<QLabel*>("problemLabel")->text(), dialog.validationProblem());
        QVERIFY(!saveButton(dialog)->isEnabled());
    }

    void acceptsEveryHostFormTheDaemonKnows_data()
    {
        QTest::addColumn<QString>("host");
        QTest::newRow("any") << "*";
        QTest::newRow("name") << "www.example.com";
        QTest::newRow("domain suffix") << "*.example.com";
        QTest::newRow("international name") << "bücher.example";
        QTest::newRow("IPv4 address") << "203.0.113.7";
        QTest::newRow("IPv4 network") << "203.0.113.0/24";
        QTest::newRow("IPv6 address") << "2001:db8::1";
        QTest::newRow("IPv6 network") << "2001:db8::/32";
        QTest::newRow("regex") << R"(re:^[a-z0-9-]+\.cdn\.example\.(com|net)$)";
    }

    void acceptsEveryHostFormTheDaemonKnows()
    {
        QFETCH(QString, host);
        QVERIFY(RuleEditorDialog::isValidHost(host));
    }

    void refusesAnEmptyOrOverlongRegex()
    {
        QVERIFY(!RuleEditorDialog::isValidHost("re:"));
        QVERIFY(!RuleEditorDialog::isValidHost("re:" + QString(257, QLatin1Char('a'))));
        QVERIFY(RuleEditorDialog::isValidHost("re:" + QString(256, QLatin1Char('a'))));
        QVERIFY(!RuleEditorDialog::isValidHost(QString::fromUtf8("re:b\u00fccher")));
    }

    void savingANewRuleSendsItsFieldsToAddRule()
    {
        FakeFirewallClient client;
        RuleEditorDialog dialog(client);
        QSignalSpy saved(&dialog, &RuleEditorDialog::ruleSaved);
        setText(dialog, "appEdit", "/usr/bin/curl");
        setText(dialog, "userEdit", "1000");
        setText(dialog, "hostEdit", "*.example.com");
        setText(dialog, "portsEdit", "80,443,8000-8100");
        choose(dialog, "protocolCombo", "tcp");
        choose(dialog, "actionCombo", "deny");
        setText(dialog, "noteEdit", "no tracking");

        QVERIFY(saveButton(dialog)->isEnabled());
        saveButton(dialog)->click();

        QCOMPARE(client.callCount("addRule"), 1);
        const QVariantMap sent = client.lastCall("addRule")->args.at(0).toMap();
        QCOMPARE(sent.value("app").toString(), QString("/usr/bin/curl"));
        QCOMPARE(sent.value("user").toUInt(), 1000u);
        QCOMPARE(sent.value("host").toString(), QString("*.example.com"));
        QCOMPARE(sent.value("ports").toString(), QString("80,443,8000-8100"));
        QCOMPARE(sent.value("protocol").toString(), QString("tcp"));
        QCOMPARE(sent.value("action").toString(), QString("deny"));
        QCOMPARE(sent.value("lifetime").toString(), QString("forever"));
        QCOMPARE(sent.value("note").toString(), QString("no tracking"));
        QVERIFY(!sent.contains("until_usec"));
        QCOMPARE(saved.count(), 1);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

    void editingSendsOnlyTheChangedKeysToUpdateRule()
    {
        FakeFirewallClient client;
        const RuleRecord rule = userRule(17, "/usr/bin/curl", "example.org");
        client.rules = {rule};
        RuleEditorDialog dialog(client);
        dialog.editRule(rule);
        setText(dialog, "hostEdit", "example.net");

        dialog.accept();

        QCOMPARE(client.callCount("updateRule"), 1);
        const FakeFirewallClient::Call call = *client.lastCall("updateRule");
        QCOMPARE(call.args.at(0).toULongLong(), quint64{17});
        QCOMPARE(call.args.at(1).toMap(), (QVariantMap{{"host", "example.net"}}));
    }

    void daemonRejectionKeepsTheDialogOpenWithTheReason()
    {
        FakeFirewallClient client;
        client.failNext("addRule", {"org.hostgate.Firewall1.Error.InvalidRule", "host: label too long"});
        RuleEditorDialog dialog(client);
        QSignalSpy failed(&dialog, &RuleEditorDialog::saveFailed);
        choose(dialog, "actionCombo", "allow");

        dialog.accept();

        QCOMPARE(failed.count(), 1);
        QVERIFY(dialog.result() != int(QDialog::Accepted));
        QVERIFY(dialog.findChild<QLabel*>("problemLabel")->text().contains("label too long"));
        QVERIFY(saveButton(dialog)->isEnabled());
    }
};

QTEST_MAIN(RuleEditorDialogTest)
#include "test_rule_editor_dialog.moc"
