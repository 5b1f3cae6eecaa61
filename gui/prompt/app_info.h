// SPDX-License-Identifier: GPL-3.0-or-later
// AppInfoResolver: the name and icon a person knows an executable by, from the .desktop files of the XDG data dirs.
#pragma once

#include <QIcon>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace hostgate::gui {

struct AppInfo {
    QString name;     // "Firefox", or the binary's (script's) file name when no .desktop file matches
    QString iconName; // theme name or absolute path from the .desktop file; "" when none
    bool fromDesktopFile = false;

    QIcon icon() const;
};

class AppInfoResolver {
public:
    // `applicationDirs`: directories holding .desktop files; the default is <XDG data dir>/applications.
    explicit AppInfoResolver(QStringList applicationDirs = defaultApplicationDirs());

    static QStringList defaultApplicationDirs();

    // `script` is the interpreter's script ("" if none), `appId` a Flatpak/Snap id ("" if none).
    AppInfo resolve(const QString& executable, const QString& script = {}, const QString& appId = {});

private:
    struct DesktopEntry {
        QString fileId; // "org.mozilla.firefox.desktop"
        QString name;
        QString iconName;
        QStringList programs; // TryExec and Exec's program, as written
        QStringList execArguments;
    };

    QStringList dirs;
    std::optional<QList<DesktopEntry>> entries; // read on first use

    const QList<DesktopEntry>& desktopEntries();
    static std::optional<DesktopEntry> readDesktopFile(const QString& path, const QString& fileId);
    static bool namesProgram(const QString& program, const QString& executable);
};

} // namespace hostgate::gui
