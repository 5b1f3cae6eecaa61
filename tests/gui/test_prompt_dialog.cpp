// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the prompt dialog: what it shows, how the keyboard and the countdown answer, what answers it makes.
#include "prompt/app_info.h"
#include "prompt/prompt_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace hostgate::gui;

Q_DECLARE_METATYPE(hostgate::gui::PromptAnswerRecord)

namespace {

const QDateTime startTime = QDateTime::fromSecsSinceEpoch(1'700'000'000);

PromptRequestRecord requestFor(const QStringList& hostnames, const QString& defaultAction = "deny")
{
    PromptRequestRecord request;
    request.id = 11;
    request.app = "/usr/bin/curl";
    request.pid = 4242;
    request.hostnames = hostnames;
    request.address = "203.0.113.10";
    request.port = 443;
    request.protocol = "tcp";
    request.asked = startTime;
    request.deadline = startTime.addSecs(30);
    request.defaultAction = defaultAction;
    request.domainPattern = "*.example.com";
    return request;
}

// Whether the dialog shows (visibly) a label whose text contains `text`.
bool visibleLabelContaining(const PromptDialog& dialog, const QString& text)
{
    const auto labels = dialog.findChildren<QLabel*>();
    return std::any_of(labels.begin(), labels.end(),
                       [&](const QLabel* label) { return label->isVisible() && label->text().contains(text); });
}

PromptAnswerRecord answerOf(const QSignalSpy& spy)
{
    return spy.last().at(1).value<PromptAnswerRecord>();
}

} // namespace

class PromptDialogTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir noDesktopFiles;
    AppInfoResolver apps{{noDesktopFiles.path()}};
    QDateTime clockTime = startTime;

    std::unique_ptr<PromptDialog> dialogShowing(const PromptRequestRecord& request)
    {
        auto dialog = std::make_unique<PromptDialog>(apps);
        dialog->setInputDelay(std::chrono::milliseconds(0));
        dialog->setClock([this] { return clockTime; });
        dialog->showRequest(request);
        dialog->show();
        return dialog;
    }

private slots:
    void init() { clockTime = startTime; }

    void internationalizedHostnameIsShownAsPunycode()
    {
        const auto dialog = dialogShowing(requestFor({"xn--80ak6aa92e.com"}));
        QCOMPARE(dialog->hostText(), QString("xn--80ak6aa92e.com"));
    }

    void scriptRowAppearsOnlyForInterpreters()
    {
        const auto labelNamed = [](const PromptDialog& dialog, const QString& text) -> QLabel* {
            for (auto* label : dialog.findChildren<QLabel*>())
                if (label->text() == text)
                    return label;
            return nullptr;
        };
        auto request = requestFor({"example.com"});
        const auto binary = dialogShowing(request);
        QVERIFY(labelNamed(*binary, "Script:") != nullptr);
        QVERIFY(!labelNamed(*binary, "Script:")->isVisible());

        request.app = "/usr/bin/python3.11";
        request.script = "/home/u/sync.py";
        const auto script = dialogShowing(request);
        QVERIFY(labelNamed(*script, "Script:")->isVisible());
        QVERIFY(labelNamed(*script, "/home/u/sync.py") != nullptr);
    }

    void namesOfAnUntrustedResolverAreShownAsUnverifiedNotAsTheHost()
    {
        auto request = requestFor({});
        request.unverifiedHostnames = {"allowed.name"};
        request.unverifiedResolver = "198.51.100.55";
        const auto dialog = dialogShowing(request);
        QCOMPARE(dialog->hostText(), QString("203.0.113.10"));
        QVERIFY(visibleLabelContaining(*dialog, "Unverified: 198.51.100.55 says this is allowed.name"));
    }

    void encryptedDnsIsLabelledOnlyWhenTheDaemonSaysSo()
    {
        auto request = requestFor({"example.com"});
        const auto plain = dialogShowing(request);
        QVERIFY(!visibleLabelContaining(*plain, "Encrypted DNS"));
        request.encryptedDns = "DNS over HTTPS (Cloudflare)";
        const auto encrypted = dialogShowing(request);
        QVERIFY(visibleLabelContaining(*encrypted, "Encrypted DNS: DNS over HTTPS (Cloudflare)"));
    }

    void aSandboxedAppIsShownByItsAppId()
    {
        auto request = requestFor({"example.com"});
        request.app = "/app/bin/tool";
        request.appId = "flatpak:org.example.Tool";
        const auto sandboxed = dialogShowing(request);
        QVERIFY(visibleLabelContaining(*sandboxed,
                                       "flatpak:org.example.Tool (runs /app/bin/tool; the rule will name the app id)"));
        request.appId.clear();
        request.app = "/usr/bin/curl";
        request.unit = "unit:backup.service";
        const auto service = dialogShowing(request);
        QVERIFY(visibleLabelContaining(*service, "/usr/bin/curl (in unit:backup.service)"));
    }

    void containerRowAppearsOnlyForAnotherNetworkNamespace()
    {
        auto request = requestFor({"example.com"});
        const auto host = dialogShowing(request);
        QVERIFY(!visibleLabelContaining(*host, "Container:"));
        request.container = "/system.slice/docker-0123abcd.scope";
        const auto container = dialogShowing(request);
        QVERIFY(visibleLabelContaining(*container, "Container:"));
        QVERIFY(visibleLabelContaining(*container, "docker-0123abcd.scope"));
    }

    void packageRowNamesTheDebianPackageWhenThereIsOne()
    {
        auto request = requestFor({"example.com"});
        const auto unpackaged = dialogShowing(request);
        QVERIFY(unpackaged->packageText().isEmpty());
        request.package = "curl";
        request.packageVersion = "7.88.1-10+deb12u15";
        request.packageSummary = "command line tool for transferring data with URL syntax";
        const auto packaged = dialogShowing(request);
        QCOMPARE(packaged->packageText(),
                 QString("curl 7.88.1-10+deb12u15 — command line tool for transferring data with URL syntax"));
        QVERIFY(visibleLabelContaining(*packaged, packaged->packageText()));
        QVERIFY(!visibleLabelContaining(*unpackaged, "curl 7.88"));
    }

    void pinIsOfferedForLastingAnswersOnly()
    {
        const auto dialog = dialogShowing(requestFor({"www.example.com"}));
        dialog->lifetimeBox()->setCurrentIndex(dialog->lifetimeBox()->findData("once"));
        QVERIFY(!dialog->pinBox()->isEnabled());
        dialog->pinBox()->setChecked(true);
        QVERIFY(!dialog->answerFor("allow").pin);
        QVERIFY(!dialog->answerFor("allow").toMap().contains("pin"));

        dialog->lifetimeBox()->setCurrentIndex(dialog->lifetimeBox()->findData("forever"));
        QVERIFY(dialog->pinBox()->isEnabled());
        QSignalSpy answered(dialog.get(), &PromptDialog::answered);
        QTest::mouseClick(dialog->allowButton(), Qt::LeftButton);
        QCOMPARE(answered.count(), 1);
        const PromptAnswerRecord answer = answerOf(answered);
        QVERIFY(answer.pin);
        QCOMPARE(answer.toMap().value("pin").toBool(), true);

        // A new prompt starts unpinned.
        dialog->showRequest(requestFor({"other.example.com"}));
        QVERIFY(!dialog->pinBox()->isChecked());
    }

    void unicodeFormOfPunycodeIsOnlyAMarkedHint()
    {
        const auto dialog = dialogShowing(requestFor({"xn--80ak6aa92e.com"}));
        QVERIFY(dialog->unicodeHintText().contains(QString::fromUtf8("аррӏе.com")));
        QVERIFY(dialog->unicodeHintText().contains("for reference only"));
    }

    void unicodeHostnameFromTheDaemonIsConvertedToPunycode()
    {
        const auto dialog = dialogShowing(requestFor({QString::fromUtf8("аррӏе.com")}));
        QCOMPARE(dialog->hostText(), QString("xn--80ak6aa92e.com"));
    }

    void asciiHostnameHasNoUnicodeHint()
    {
        const auto dialog = dialogShowing(requestFor({"example.com"}));
        QVERIFY(dialog->unicodeHintText().isEmpty());
    }

    void addressIsShownWhenNoHostnameIsKnown()
    {
        const auto dialog = dialogShowing(requestFor({}));
        QCOMPARE(dialog->hostText(), QString("203.0.113.10"));
    }

    void countdownShowsSecondsUntilTheDefaultAction()
    {
        const auto dialog = dialogShowing(requestFor({"example.com"}));
        clockTime = startTime.addMSecs(25'500);
        dialog->updateCountdown();
        QCOMPARE(dialog->countdownText(), QString("Denying in 5 s"));
    }

    void countdownReachingZeroAnswersTheDefaultOnce_data()
    {
        QTest::addColumn<QString>("defaultAction");
        QTest::newRow("deny") << "deny";
        QTest::newRow("allow") << "allow";
    }
    void countdownReachingZeroAnswersTheDefaultOnce()
    {
        QFETCH(QString, defaultAction);
        const auto dialog = dialogShowing(requestFor({"example.com"}, defaultAction));
        QSignalSpy answered(dialog.get(), &PromptDialog::answered);
        dialog->lifetimeBox()->setCurrentIndex(3); // "Forever" must not be applied by waiting
        clockTime = startTime.addSecs(30);
        dialog->updateCountdown();
        QCOMPARE(answered.count(), 1);
        QCOMPARE(answered.last().at(0).toULongLong(), quint64{11});
        QCOMPARE(answerOf(answered).action, defaultAction);
        QCOMPARE(answerOf(answered).lifetime, QString("once"));
    }

    void enterPressesTheDefaultActionsButton_data()
    {
        QTest::addColumn<QString>("defaultAction");
        QTest::newRow("deny") << "deny";
        QTest::newRow("allow") << "allow";
    }
    void enterPressesTheDefaultActionsButton()
    {
        QFETCH(QString, defaultAction);
        const auto dialog = dialogShowing(requestFor({"example.com"}, defaultAction));
        QSignalSpy answered(dialog.get(), &PromptDialog::answered);
        QTest::keyClick(dialog.get(), Qt::Key_Return);
        QCOMPARE(answered.count(), 1);
        QCOMPARE(answerOf(answered).action, defaultAction);
    }

    void escapeDeniesOnlyThisTime()
    {
        const auto dialog = dialogShowing(requestFor({"example.com"}, "allow"));
        QSignalSpy answered(dialog.get(), &PromptDialog::answered);
        dialog->lifetimeBox()->setCurrentIndex(3);
        QTest::keyClick(dialog.get(), Qt::Key_Escape);
        QCOMPARE(answered.count(), 1);
        QCOMPARE(answerOf(answered).action, QString("deny"));
        QCOMPARE(answerOf(answered).lifetime, QString("once"));
    }

    void buttonsIgnoreInputDuringTheInputDelay()
    {
        PromptDialog dialog(apps);
        dialog.setInputDelay(std::chrono::milliseconds(600));
        dialog.showRequest(requestFor({"example.com"}));
        QVERIFY(!dialog.allowButton()->isEnabled());
        QVERIFY(!dialog.denyButton()->isEnabled());
    }

    void domainScopeIsOfferedOnlyWithADomainPattern()
    {
        PromptRequestRecord request = requestFor({"www.example.com"});
        request.domainPattern.clear();
        const auto dialog = dialogShowing(request);
        QCOMPARE(dialog->hostScopeBox()->findData("domain"), -1);
        dialog->showRequest(requestFor({"www.example.com"}));
        QCOMPARE(dialog->hostScopeBox()->itemText(dialog->hostScopeBox()->findData("domain")),
                 QString("Any host matching *.example.com"));
    }

    void choicesMapToTheAnswer_data()
    {
        QTest::addColumn<QString>("hostScope");
        QTest::addColumn<QString>("portScope");
        QTest::addColumn<QString>("lifetimeChoice");
        QTest::addColumn<QString>("lifetime");
        QTest::newRow("host, port, once") << "host"
                                          << "port"
                                          << "once"
                                          << "once";
        QTest::newRow("domain, any port, until exit") << "domain"
                                                      << "any"
                                                      << "until-exit"
                                                      << "until-exit";
        QTest::newRow("any host, port, forever") << "any"
                                                 << "port"
                                                 << "forever"
                                                 << "forever";
        QTest::newRow("host, any port, one hour") << "host"
                                                  << "any"
                                                  << "hour"
                                                  << "until-time";
    }
    void choicesMapToTheAnswer()
    {
        QFETCH(QString, hostScope);
        QFETCH(QString, portScope);
        QFETCH(QString, lifetimeChoice);
        QFETCH(QString, lifetime);
        const auto dialog = dialogShowing(requestFor({"www.example.com"}));
        dialog->hostScopeBox()->setCurrentIndex(dialog->hostScopeBox()->findData(hostScope));
        dialog->portScopeBox()->setCurrentIndex(dialog->portScopeBox()->findData(portScope));
        dialog->lifetimeBox()->setCurrentIndex(dialog->lifetimeBox()->findData(lifetimeChoice));
        QSignalSpy answered(dialog.get(), &PromptDialog::answered);
        QTest::mouseClick(dialog->allowButton(), Qt::LeftButton);
        QCOMPARE(answered.count(), 1);
        const PromptAnswerRecord answer = answerOf(answered);
        QCOMPARE(answer.action, QString("allow"));
        QCOMPARE(answer.hostScope, hostScope);
        QCOMPARE(answer.portScope, portScope);
        QCOMPARE(answer.lifetime, lifetime);
        QCOMPARE(answer.until.has_value(), lifetime == "until-time");
    }

    void oneHourLastsOneHourFromTheAnswer()
    {
        const auto dialog = dialogShowing(requestFor({"example.com"}));
        dialog->lifetimeBox()->setCurrentIndex(dialog->lifetimeBox()->findData("hour"));
        clockTime = startTime.addSecs(10);
        QCOMPARE(dialog->answerFor("allow").until, std::optional<QDateTime>(startTime.addSecs(10 + 3600)));
    }

    void secondAnswerToTheSamePromptIsIgnored()
    {
        const auto dialog = dialogShowing(requestFor({"example.com"}));
        QSignalSpy answered(dialog.get(), &PromptDialog::answered);
        QTest::mouseClick(dialog->denyButton(), Qt::LeftButton);
        QTest::mouseClick(dialog->allowButton(), Qt::LeftButton);
        QCOMPARE(answered.count(), 1);
    }
};

QTEST_MAIN(PromptDialogTest)
#include "test_prompt_dialog.moc"
