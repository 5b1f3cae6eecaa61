// SPDX-License-Identifier: GPL-3.0-or-later
// hostgate: the desktop tray application of the hostgate firewall (prompts, rules, connection log).
#include "app/translations.h"
#include "app/tray_application.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDBusConnection>
#include <QTextStream>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("hostgate"));
    QApplication::setApplicationDisplayName(QStringLiteral("hostgate"));
    QApplication::setApplicationVersion(QStringLiteral(HOSTGATE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("hostgate"));
    // The tray lives on with every window closed.
    QApplication::setQuitOnLastWindowClosed(false);
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/hostgate.svg")));
    // The user's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), before any window or text is made.
    hostgate::gui::installTranslations(app);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Tray application of the hostgate application firewall"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption noAgent(
        QStringLiteral("no-agent"),
        QCoreApplication::translate("main", "Do not answer prompts (the daemon applies its default action)"));
    const QCommandLineOption showRules(QStringLiteral("show-rules"),
                                       QCoreApplication::translate("main", "Open the rules window"));
    const QCommandLineOption showLog(QStringLiteral("show-log"),
                                     QCoreApplication::translate("main", "Open the connection log"));
    parser.addOptions({noAgent, showRules, showLog});
    parser.process(app);

    // systemBus() honours DBUS_SYSTEM_BUS_ADDRESS, so the tray also runs against a test bus.
    const QDBusConnection bus = QDBusConnection::systemBus();
    if (!bus.isConnected()) {
        QTextStream(stderr) << "hostgate: Failed to connect to the system bus: " << bus.lastError().message()
                            << ", showing the daemon as unreachable\n";
    }

    hostgate::gui::TrayApplication tray(bus, {.promptAgent = !parser.isSet(noAgent),
                                              .explainFirstRun = true,
                                              .notificationBus = QDBusConnection::sessionBus()});
    QObject::connect(&tray, &hostgate::gui::TrayApplication::quitRequested, &app, &QApplication::quit);
    if (const QString problem = tray.start(); !problem.isEmpty()) {
        QTextStream(stderr) << "hostgate: " << problem << "\n";
    }
    if (parser.isSet(showRules)) {
        tray.showRulesWindow();
    }
    if (parser.isSet(showLog)) {
        tray.showConnectionLog();
    }
    return app.exec();
}
