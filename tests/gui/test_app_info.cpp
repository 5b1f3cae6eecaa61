// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of application names: a matching .desktop file names the app, otherwise its binary or script does.
#include "prompt/app_info.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace hostgate::gui;

class AppInfoTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir;

    void writeDesktopFile(const QString& fileName, const QByteArray& contents)
    {
        QFile file(dir.filePath(fileName));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(contents);
    }

private slots:
    void init()
    {
        QDir(dir.path()).removeRecursively();
        QDir().mkpath(dir.path());
    }

    void desktopFileWhoseExecIsTheExecutableNamesIt()
    {
        writeDesktopFile("browser.desktop",
                         "[Desktop Entry]\nName=Web Browser\nIcon=web-browser\nExec=/opt/browser/run %u\n");
        const AppInfo app = AppInfoResolver({dir.path()}).resolve("/opt/browser/run");
        QCOMPARE(app.name, QString("Web Browser"));
        QCOMPARE(app.iconName, QString("web-browser"));
        QVERIFY(app.fromDesktopFile);
    }

    void tryExecMatchesToo()
    {
        writeDesktopFile("tool.desktop",
                         "[Desktop Entry]\nName=Tool\nTryExec=/opt/tool/bin\nExec=/opt/tool/launcher\n");
        QCOMPARE(AppInfoResolver({dir.path()}).resolve("/opt/tool/bin").name, QString("Tool"));
    }

    void keysOutsideTheMainGroupAreIgnored()
    {
        writeDesktopFile(
            "a.desktop",
            "[Desktop Entry]\nName=Main\nExec=/opt/a/main\n[Desktop Action new]\nName=Other\nExec=/opt/a/other\n");
        QCOMPARE(AppInfoResolver({dir.path()}).resolve("/opt/a/main").name, QString("Main"));
        QCOMPARE(AppInfoResolver({dir.path()}).resolve("/opt/a/other").name, QString("other"));
    }

    void interpreterEntryMatchesOnlyItsScript()
    {
        writeDesktopFile("sync.desktop", "[Desktop Entry]\nName=Sync\nExec=/usr/bin/python3 /opt/sync/sync.py\n");
        AppInfoResolver resolver({dir.path()});
        QCOMPARE(resolver.resolve("/usr/bin/python3", "/opt/sync/sync.py").name, QString("Sync"));
        QCOMPARE(resolver.resolve("/usr/bin/python3", "/home/u/other.py").name, QString("other.py (python3)"));
    }

    void flatpakAppIdNamesTheApp()
    {
        writeDesktopFile("org.example.Chat.desktop",
                         "[Desktop Entry]\nName=Chat\nExec=/usr/bin/flatpak run org.example.Chat\n");
        QCOMPARE(AppInfoResolver({dir.path()}).resolve("/app/bin/chat", {}, "org.example.Chat").name, QString("Chat"));
    }

    void withoutDesktopFileTheBinaryNameIsShown()
    {
        const AppInfo app = AppInfoResolver({dir.path()}).resolve("/usr/local/bin/fetcher");
        QCOMPARE(app.name, QString("fetcher"));
        QVERIFY(!app.fromDesktopFile);
    }
};

QTEST_GUILESS_MAIN(AppInfoTest)
#include "test_app_info.moc"
