// SPDX-License-Identifier: GPL-3.0-or-later
// The tray in German: run with LANG/LC_ALL=de_DE.UTF-8, the locale picks the embedded German translation.
#include "fake_firewall_client.h"

#include "app/translations.h"
#include "notify/denial_notifier.h"
#include "prompt/app_info.h"
#include "prompt/prompt_dialog.h"
#include "tray/tray_icon.h"

#include <QAbstractButton>
#include <QApplication>
#include <QHash>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QTest>
#include <QTranslator>

using namespace hostgate::gui;

namespace {
QStringList actionTexts(const QMenu& menu)
{
    QStringList texts;
    for (const QAction* action : menu.actions()) {
        texts << action->text();
    }
    return texts;
}
} // namespace

class TranslationsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QCOMPARE(QLocale().language(), QLocale::German);
        loaded = installTranslations(*qApp);
    }

    void theGermanLocaleLoadsTheEmbeddedGermanTranslation()
    {
        QCOMPARE(loaded, QStringLiteral(":/i18n/hostgate_de.qm"));
    }

    void theTrayMenuIsGerman()
    {
        FakeFirewallClient client;
        TrayIcon tray(client);
        const QStringList texts = actionTexts(tray.menu());
        QVERIFY2(texts.contains(QStringLiteral("&Regeln…")), qPrintable(texts.join(QLatin1Char('|'))));
        QVERIFY2(texts.contains(QStringLiteral("&Beenden")), qPrintable(texts.join(QLatin1Char('|'))));
    }

    void thePromptsButtonsAreGerman()
    {
        AppInfoResolver apps(QStringList{});
        PromptDialog dialog(apps);
        QCOMPARE(dialog.allowButton()->text(), QStringLiteral("&Erlauben"));
        QCOMPARE(dialog.denyButton()->text(), QStringLiteral("&Verweigern"));
    }

    void theGermanPromptsMnemonicsAreDistinct()
    {
        AppInfoResolver apps(QStringList{});
        PromptDialog dialog(apps);
        QStringList texts;
        for (const QAbstractButton* button : dialog.findChildren<QAbstractButton*>()) {
            texts << button->text();
        }
        for (const QLabel* label : dialog.findChildren<QLabel*>()) {
            if (label->buddy()) {
                texts << label->text();
            }
        }
        QHash<QChar, QString> byKey;
        for (const QString& text : texts) {
            const qsizetype amp = text.indexOf(QLatin1Char('&'));
            if (amp < 0 || amp + 1 >= text.size()) {
                continue;
            }
            const QChar key = text.at(amp + 1).toLower();
            QVERIFY2(!byKey.contains(key),
                     qPrintable(QStringLiteral("Alt+%1: '%2' and '%3'").arg(key, byKey.value(key), text)));
            byKey.insert(key, text);
        }
        QVERIFY(byKey.size() >= 5);
    }

    void pluralFormsAreGerman()
    {
        const char* context = "hostgate::gui::DenialNotifier";
        QCOMPARE(
            QCoreApplication::translate(context, "%1: %n connection(s) denied", nullptr, 1).arg(QStringLiteral("curl")),
            QStringLiteral("curl: 1 Verbindung verweigert"));
        QCOMPARE(
            QCoreApplication::translate(context, "%1: %n connection(s) denied", nullptr, 3).arg(QStringLiteral("curl")),
            QStringLiteral("curl: 3 Verbindungen verweigert"));
    }

    void englishHasItsPluralForms()
    {
        QTranslator english;
        QVERIFY(english.load(QStringLiteral("hostgate_en"), QStringLiteral(":/i18n")));
        QCOMPARE(english.translate("hostgate::gui::DenialNotifier", "%1: %n connection(s) denied", nullptr, 1),
                 QStringLiteral("%1: %n connection denied"));
        QCOMPARE(english.translate("hostgate::gui::DenialNotifier", "%1: %n connection(s) denied", nullptr, 2),
                 QStringLiteral("%1: %n connections denied"));
    }

private:
    QString loaded;
};

QTEST_MAIN(TranslationsTest)
#include "test_translations.moc"
