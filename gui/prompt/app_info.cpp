// SPDX-License-Identifier: GPL-3.0-or-later
// AppInfoResolver: a small reader of the Desktop Entry format (only the keys identifying an application).
#include "prompt/app_info.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTextStream>

namespace hostgate::gui {

QIcon AppInfo::icon() const
{
    if (iconName.isEmpty()) {
        return QIcon::fromTheme(QStringLiteral("application-x-executable"));
    }
    if (QDir::isAbsolutePath(iconName)) {
        return QIcon(iconName);
    }
    return QIcon::fromTheme(iconName, QIcon::fromTheme(QStringLiteral("application-x-executable")));
}

AppInfoResolver::AppInfoResolver(QStringList applicationDirs) : dirs(std::move(applicationDirs)) {}

QStringList AppInfoResolver::defaultApplicationDirs()
{
    return QStandardPaths::standardLocations(QStandardPaths::ApplicationsLocation);
}

AppInfo AppInfoResolver::resolve(const QString& executable, const QString& script, const QString& appId)
{
    for (const DesktopEntry& entry : desktopEntries()) {
        const bool sameAppId = !appId.isEmpty() && entry.fileId == appId + QStringLiteral(".desktop");
        const bool sameProgram = std::any_of(entry.programs.cbegin(), entry.programs.cend(),
                                             [&](const QString& program) { return namesProgram(program, executable); });
        // An interpreter's entry names the script too; "python3" alone must not make every script "Python".
        const bool sameScript = script.isEmpty() || entry.execArguments.contains(script);
        if (sameAppId || (sameProgram && sameScript)) {
            return {entry.name, entry.iconName, true};
        }
    }
    const QString binary = QFileInfo(executable).fileName();
    if (!script.isEmpty()) {
        return {QStringLiteral("%1 (%2)").arg(QFileInfo(script).fileName(), binary), {}, false};
    }
    return {binary.isEmpty() ? executable : binary, {}, false};
}

const QList<AppInfoResolver::DesktopEntry>& AppInfoResolver::desktopEntries()
{
    if (entries) {
        return *entries;
    }
    entries.emplace();
    QStringList seenIds; // earlier XDG dirs override later ones with the same file id
    for (const QString& dir : std::as_const(dirs)) {
        QDirIterator files(dir, {QStringLiteral("*.desktop")}, QDir::Files, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            const QString path = files.next();
            const QString fileId = QDir(dir).relativeFilePath(path).replace(QLatin1Char('/'), QLatin1Char('-'));
            if (seenIds.contains(fileId)) {
                continue;
            }
            seenIds.append(fileId);
            if (auto entry = readDesktopFile(path, fileId)) {
                entries->append(*entry);
            }
        }
    }
    return *entries;
}

std::optional<AppInfoResolver::DesktopEntry> AppInfoResolver::readDesktopFile(const QString& path,
                                                                              const QString& fileId)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        return std::nullopt;
    }
    DesktopEntry entry;
    entry.fileId = fileId;
    QString exec;
    bool inMainGroup = false;
    bool hidden = false;
    QTextStream lines(&file);
    while (!lines.atEnd()) {
        const QString line = lines.readLine().trimmed();
        if (line.startsWith(QLatin1Char('['))) {
            inMainGroup = line == QLatin1String("[Desktop Entry]");
            continue;
        }
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        if (!inMainGroup || line.startsWith(QLatin1Char('#')) || equals <= 0) {
            continue;
        }
        const QString key = line.left(equals).trimmed();
        const QString value = line.mid(equals + 1).trimmed();
        if (key == QLatin1String("Name")) {
            entry.name = value;
        } else if (key == QLatin1String("Icon")) {
            entry.iconName = value;
        } else if (key == QLatin1String("TryExec")) {
            entry.programs.append(value);
        } else if (key == QLatin1String("Exec")) {
            exec = value;
        } else if (key == QLatin1String("Hidden")) {
            hidden = value == QLatin1String("true");
        }
    }
    if (hidden || entry.name.isEmpty() || exec.isEmpty()) {
        return std::nullopt;
    }
    // Field codes (%u, %F…) are placeholders, not arguments; quotes only group.
    QStringList arguments = QProcess::splitCommand(exec);
    arguments.removeIf(
        [](const QString& argument) { return argument.size() == 2 && argument.startsWith(QLatin1Char('%')); });
    if (arguments.isEmpty()) {
        return std::nullopt;
    }
    // "env VAR=x program" launches program.
    if (QFileInfo(arguments.constFirst()).fileName() == QLatin1String("env")) {
        arguments.removeFirst();
        while (!arguments.isEmpty() && arguments.constFirst().contains(QLatin1Char('='))) {
            arguments.removeFirst();
        }
    }
    if (arguments.isEmpty()) {
        return std::nullopt;
    }
    entry.programs.append(arguments.takeFirst());
    entry.execArguments = arguments;
    return entry;
}

bool AppInfoResolver::namesProgram(const QString& program, const QString& executable)
{
    if (program == executable) {
        return true;
    }
    const QString resolved = QDir::isAbsolutePath(program) ? program : QStandardPaths::findExecutable(program);
    if (resolved.isEmpty()) {
        return false;
    }
    // The daemon reports the canonical path (/proc/PID/exe); launchers often name a symlink.
    const QString canonical = QFileInfo(resolved).canonicalFilePath();
    return !canonical.isEmpty() && canonical == QFileInfo(executable).canonicalFilePath();
}

} // namespace hostgate::gui
