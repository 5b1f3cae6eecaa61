// SPDX-License-Identifier: GPL-3.0-or-later
// Screenshots of the GUI end-to-end test: taken from the X root window, checked, kept in the build tree.
#pragma once

#include "util/result.h"

#include <QString>

namespace hostgate::e2e {

class Screenshots {
public:
    // `display` is the X display (":N"); pictures go to `directory` (created on first use). When
    // `publishDirectory` is not empty, every picture is also copied there (the README's screenshots).
    Screenshots(QString display, QString directory, QString publishDirectory);

    // The directory to publish to when HOSTGATE_UPDATE_SCREENSHOTS=1 is set, else "".
    static QString publishDirectoryFromEnvironment(const QString& docsDirectory);

    // Photographs the whole root window as `name` (e.g. "prompt.png"), verifies it shows something, prints
    // its path and publishes it; returns the path in the build tree.
    Result<QString> take(const QString& name);

private:
    QString display_;
    QString directory_;
    QString publishDirectory_;
};

} // namespace hostgate::e2e
