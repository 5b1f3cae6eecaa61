// SPDX-License-Identifier: GPL-3.0-or-later
// reportFailure: status bar line plus message box for a failed action.
#include "windows/failure_report.h"

#include <QCoreApplication>
#include <QMainWindow>
#include <QMessageBox>
#include <QStatusBar>

namespace hostgate::gui {

void reportFailure(QMainWindow& window, const QString& action, const QString& reason)
{
    // `action` is a phrase such as "add the rule" (translated where it is made).
    window.statusBar()->showMessage(
        QCoreApplication::translate("hostgate::gui::reportFailure", "Failed to %1: %2").arg(action, reason));
    auto* box =
        new QMessageBox(QMessageBox::Warning, QStringLiteral("hostgate"),
                        QCoreApplication::translate("hostgate::gui::reportFailure", "Failed to %1.").arg(action),
                        QMessageBox::Ok, &window);
    box->setObjectName(QStringLiteral("errorMessage"));
    box->setInformativeText(reason);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace hostgate::gui
