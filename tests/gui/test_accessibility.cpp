// SPDX-License-Identifier: GPL-3.0-or-later
// Keyboard and scale: every control of the prompt is reached with Tab and has a mnemonic, and every window and
// dialog lays out without clipping at twice the scale (run with QT_SCALE_FACTOR=2, offscreen).
#include "fake_firewall_client.h"

#include "prompt/app_info.h"
#include "prompt/prompt_dialog.h"
#include "windows/connection_log_window.h"
#include "windows/monitor_window.h"
#include "windows/proposals_window.h"
#include "windows/rule_editor_dialog.h"
#include "windows/rules_window.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSet>
#include <QTest>

#include <memory>

using namespace hostgate::gui;

namespace {

TrafficRecord typicalFlow()
{
    TrafficRecord flow;
    flow.socket = 1;
    flow.app = QStringLiteral("/usr/lib/firefox/firefox");
    flow.address = QStringLiteral("2001:db8::1234:5678");
    flow.port = 443;
    flow.protocol = QStringLiteral("tcp");
    flow.host = QStringLiteral("a-rather-long-host-name.example.com");
    flow.verdict = QStringLiteral("allowed");
    flow.ruleId = 12;
    flow.since = QDateTime::currentDateTimeUtc();
    flow.lastActive = flow.since;
    flow.bytesSent = 123456789;
    flow.bytesReceived = 987654321;
    return flow;
}

PromptRequestRecord typicalRequest()
{
    PromptRequestRecord request;
    request.id = 7;
    request.pid = 4242;
    request.parentPid = 1;
    request.uid = 1000;
    request.user = QStringLiteral("alice");
    request.app = QStringLiteral("/usr/bin/curl");
    request.commandLine = QStringLiteral("curl https://www.example.com/");
    request.hostnames = {QStringLiteral("www.example.com")};
    request.address = QStringLiteral("203.0.113.10");
    request.port = 443;
    request.protocol = QStringLiteral("tcp");
    request.asked = QDateTime::currentDateTimeUtc();
    request.deadline = request.asked.addSecs(60);
    request.defaultAction = QStringLiteral("deny");
    request.domainPattern = QStringLiteral("*.example.com");
    return request;
}

// The controls a person operates: enabled, visible, and taking focus from the keyboard.
QList<QWidget*> keyboardControls(QWidget& root)
{
    QList<QWidget*> controls;
    for (QWidget* child : root.findChildren<QWidget*>()) {
        if (child->isVisibleTo(&root) && child->isEnabled() && (child->focusPolicy() & Qt::TabFocus) &&
            (qobject_cast<QAbstractButton*>(child) || qobject_cast<QComboBox*>(child) ||
             qobject_cast<QLineEdit*>(child))) {
            controls << child;
        }
    }
    return controls;
}

// Widgets narrower or lower than they need to show their content, e.g. "QPushButton 'Allow' 60x20 < 80x24".
QStringList clippedWidgets(QWidget& window)
{
    QStringList clipped;
    const QSize windowNeeds = window.minimumSizeHint();
    if (window.width() < windowNeeds.width() || window.height() < windowNeeds.height()) {
        clipped << QStringLiteral("%1 %2x%3 < %4x%5")
                       .arg(QString::fromLatin1(window.metaObject()->className()))
                       .arg(window.width())
                       .arg(window.height())
                       .arg(windowNeeds.width())
                       .arg(windowNeeds.height());
    }
    for (QWidget* child : window.findChildren<QWidget*>()) {
        if (!child->isVisible() || !(qobject_cast<QAbstractButton*>(child) || qobject_cast<QLabel*>(child) ||
                                     qobject_cast<QComboBox*>(child))) {
            continue;
        }
        if (auto* label = qobject_cast<QLabel*>(child); label && label->wordWrap()) {
            continue; // wraps to the width it gets
        }
        const QSize needs = child->minimumSizeHint();
        if (child->width() < needs.width() || child->height() < needs.height()) {
            QString text;
            if (auto* button = qobject_cast<QAbstractButton*>(child)) {
                text = button->text();
            } else if (auto* label = qobject_cast<QLabel*>(child)) {
                text = label->text();
            }
            clipped << QStringLiteral("%1 '%2' %3x%4 < %5x%6")
                           .arg(QString::fromLatin1(child->metaObject()->className()), text.left(40))
                           .arg(child->width())
                           .arg(child->height())
                           .arg(needs.width())
                           .arg(needs.height());
        }
    }
    return clipped;
}

} // namespace

class AccessibilityTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QCOMPARE(QGuiApplication::primaryScreen()->devicePixelRatio(), 2.0);
        qInfo("scale %s, screen %dx%d logical, device pixel ratio %.1f", qgetenv("QT_SCALE_FACTOR").constData(),
              QGuiApplication::primaryScreen()->availableGeometry().width(),
              QGuiApplication::primaryScreen()->availableGeometry().height(),
              QGuiApplication::primaryScreen()->devicePixelRatio());
    }

    void tabReachesEveryControlOfThePrompt()
    {
        AppInfoResolver apps(QStringList{});
        PromptDialog dialog(apps);
        dialog.setInputDelay(std::chrono::milliseconds(0));
        dialog.showRequest(typicalRequest());
        dialog.show();
        QApplication::setActiveWindow(&dialog);
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        QTRY_VERIFY(dialog.allowButton()->isEnabled());
        // "Forever" enables the pin check box (an answer for this time only has no rule to pin).
        dialog.lifetimeBox()->setCurrentIndex(dialog.lifetimeBox()->findData(QStringLiteral("forever")));
        QVERIFY(dialog.pinBox()->isEnabled());

        const QList<QWidget*> controls = keyboardControls(dialog);
        QVERIFY(controls.contains(dialog.allowButton()));
        QVERIFY(controls.contains(dialog.denyButton()));
        QVERIFY(controls.contains(dialog.hostScopeBox()));
        QVERIFY(controls.contains(dialog.lifetimeBox()));
        QVERIFY(controls.contains(dialog.pinBox()));

        QSet<QWidget*> reached;
        QWidget* start = QApplication::focusWidget();
        QVERIFY2(start, "nothing has the focus when the prompt opens");
        reached.insert(start);
        for (int press = 0; press < 3 * controls.size(); ++press) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            reached.insert(QApplication::focusWidget());
        }
        for (QWidget* control : controls) {
            QVERIFY2(
                reached.contains(control),
                qPrintable(QStringLiteral("Tab never reaches %1 '%2'")
                               .arg(QString::fromLatin1(control->metaObject()->className()), control->objectName())));
        }
    }

    void everyButtonAndLabelledControlOfThePromptHasAMnemonic()
    {
        AppInfoResolver apps(QStringList{});
        PromptDialog dialog(apps);
        dialog.showRequest(typicalRequest());
        for (QAbstractButton* button : dialog.findChildren<QAbstractButton*>()) {
            if (button->isVisibleTo(&dialog)) {
                QVERIFY2(button->text().contains(QLatin1Char('&')), qPrintable(button->text()));
            }
        }
        // The choices are reached through their labels' mnemonics (Alt+H, Alt+P, Alt+R); the labels of read-only
        // details (Application:, User:) name text, not controls.
        QSet<QWidget*> buddies;
        for (QLabel* label : dialog.findChildren<QLabel*>()) {
            if (label->buddy() && (label->buddy()->focusPolicy() & Qt::TabFocus)) {
                QVERIFY2(label->text().contains(QLatin1Char('&')), qPrintable(label->text()));
                buddies.insert(label->buddy());
            }
        }
        QVERIFY(buddies.contains(dialog.hostScopeBox()));
        QVERIFY(buddies.contains(dialog.portScopeBox()));
        QVERIFY(buddies.contains(dialog.lifetimeBox()));
    }

    void altAOfThePromptAllows()
    {
        AppInfoResolver apps(QStringList{});
        PromptDialog dialog(apps);
        dialog.setInputDelay(std::chrono::milliseconds(0));
        dialog.showRequest(typicalRequest());
        dialog.show();
        QApplication::setActiveWindow(&dialog);
        QVERIFY(QTest::qWaitForWindowActive(&dialog));
        QTRY_VERIFY(dialog.allowButton()->isEnabled());
        QString action;
        connect(&dialog, &PromptDialog::answered, this,
                [&action](quint64, const PromptAnswerRecord& answer) { action = answer.action; });
        QTest::keyClick(&dialog, Qt::Key_A, Qt::AltModifier);
        QTRY_COMPARE(action, QStringLiteral("allow"));
    }

    void windowsLayOutWithoutClippingAtTwiceTheScale_data()
    {
        QTest::addColumn<QString>("window");
        // The scale grows pixels and fonts together; a larger font alone is where sizes in pixels clip.
        QTest::addColumn<qreal>("fontScale");
        for (const qreal fontScale : {1.0, 1.5}) {
            for (const char* window : {"prompt", "rules", "editor", "log", "proposals", "monitor"}) {
                QTest::addRow("%s, font x%.1f", window, fontScale) << QString::fromLatin1(window) << fontScale;
            }
        }
    }

    void windowsLayOutWithoutClippingAtTwiceTheScale()
    {
        QFETCH(QString, window);
        QFETCH(qreal, fontScale);
        QCOMPARE(QGuiApplication::primaryScreen()->devicePixelRatio(), 2.0);
        const QFont normalFont = QApplication::font();
        QFont largerFont = normalFont;
        largerFont.setPointSizeF(normalFont.pointSizeF() * fontScale);
        QApplication::setFont(largerFont);
        const auto restoreFont = qScopeGuard([&normalFont] { QApplication::setFont(normalFont); });
        FakeFirewallClient client;
        AppInfoResolver apps(QStringList{});
        std::unique_ptr<QWidget> shown;
        if (window == QLatin1String("prompt")) {
            auto dialog = std::make_unique<PromptDialog>(apps);
            dialog->showRequest(typicalRequest());
            shown = std::move(dialog);
        } else if (window == QLatin1String("rules")) {
            shown = std::make_unique<RulesWindow>(client);
        } else if (window == QLatin1String("editor")) {
            shown = std::make_unique<RuleEditorDialog>(client);
        } else if (window == QLatin1String("log")) {
            shown = std::make_unique<ConnectionLogWindow>(client);
        } else if (window == QLatin1String("monitor")) {
            client.traffic = {typicalFlow()};
            shown = std::make_unique<MonitorWindow>(client);
        } else {
            shown = std::make_unique<ProposalsWindow>(client);
        }
        shown->show();
        QVERIFY(QTest::qWaitForWindowExposed(shown.get()));
        const QStringList clipped = clippedWidgets(*shown);
        QVERIFY2(clipped.isEmpty(), qPrintable(clipped.join(QLatin1Char('\n'))));
        qInfo("%s: %dx%d logical (minimum %dx%d)", qPrintable(window), shown->width(), shown->height(),
              shown->minimumSizeHint().width(), shown->minimumSizeHint().height());
    }
};

QTEST_MAIN(AccessibilityTest)
#include "test_accessibility.moc"
