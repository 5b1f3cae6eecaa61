// SPDX-License-Identifier: GPL-3.0-or-later
// Screenshots: import, check that the picture is not blank, print where it is, optionally publish it to docs/.
#include "screenshots.h"

#include "harness/harness_result.h"
#include "x_session.h"

#include <QDir>
#include <QFile>
#include <QTextStream>

namespace hostgate::e2e {

Screenshots::Screenshots(QString display, QString directory, QString publishDirectory)
    : display_(std::move(display)), directory_(std::move(directory)), publishDirectory_(std::move(publishDirectory))
{}

QString Screenshots::publishDirectoryFromEnvironment(const QString& docsDirectory)
{
    return qEnvironmentVariable("HOSTGATE_UPDATE_SCREENSHOTS") == QLatin1String("1") ? docsDirectory : QString();
}

Result<QString> Screenshots::take(const QString& name)
{
    if (!QDir().mkpath(directory_)) {
        return harnessError(QStringLiteral("Failed to create the screenshot directory %1").arg(directory_));
    }
    const QString file = QDir(directory_).filePath(name);
    if (auto taken = screenshotRootWindow(display_, file); !taken) {
        return taken.error();
    }
    if (auto checked = verifyScreenshotShowsSomething(file); !checked) {
        return checked.error();
    }
    QTextStream(stdout) << "screenshot: " << file << Qt::endl;
    if (!publishDirectory_.isEmpty()) {
        const QString published = QDir(publishDirectory_).filePath(name);
        // QFile::copy never overwrites, so the previous picture goes first.
        if (!QDir().mkpath(publishDirectory_) || (QFile::exists(published) && !QFile::remove(published)) ||
            !QFile::copy(file, published)) {
            return harnessError(QStringLiteral("Failed to publish the screenshot %1 to %2").arg(file, published));
        }
        QTextStream(stdout) << "screenshot published: " << published << Qt::endl;
    }
    return file;
}

} // namespace hostgate::e2e
