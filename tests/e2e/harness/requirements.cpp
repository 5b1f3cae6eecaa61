// SPDX-License-Identifier: GPL-3.0-or-later
// requireRoot()/requireTools(): loud failures for machines that cannot run the end-to-end tests.
#include "harness/requirements.h"

#include <QStandardPaths>
#include <QTest>

#include <unistd.h>

namespace hostgate::e2e {

QStringList defaultRequiredTools()
{
    return {QStringLiteral("sh"),    QStringLiteral("ip"),      QStringLiteral("nsenter"), QStringLiteral("unshare"),
            QStringLiteral("mount"), QStringLiteral("setpriv"), QStringLiteral("dnsmasq"), QStringLiteral("dig"),
            QStringLiteral("curl"),  QStringLiteral("python3"), QStringLiteral("iptables")};
}

bool requireRoot()
{
    if (geteuid() == 0) {
        return true;
    }
    QTest::qFail("END-TO-END TESTS MUST RUN AS ROOT: they create network namespaces and cgroups. "
                 "Run this test as root (e.g. sudo ctest -L e2e); it is never skipped.",
                 __FILE__, __LINE__);
    return false;
}

bool requireTools(const QStringList& tools)
{
    const QStringList systemDirectories = {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                           QStringLiteral("/usr/bin")};
    QStringList missing;
    for (const QString& tool : tools) {
        if (QStandardPaths::findExecutable(tool).isEmpty() &&
            QStandardPaths::findExecutable(tool, systemDirectories).isEmpty()) {
            missing.append(tool);
        }
    }
    if (missing.isEmpty()) {
        return true;
    }
    const QString message = QStringLiteral("END-TO-END TESTS NEED THESE MISSING TOOLS: %1. Install them with "
                                           "scripts/install-deps.sh; this test is never skipped.")
                                .arg(missing.join(QStringLiteral(", ")));
    QTest::qFail(qPrintable(message), __FILE__, __LINE__);
    return false;
}

} // namespace hostgate::e2e
