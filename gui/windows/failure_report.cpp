// reportFailure: status bar line plus message box for a failed action.
#include "windows/failure_report.h"

#include <QCoreApplication>
#include <QMainWindow>
#include <QMessageBox>
#include <QStatusBar>

namespace hostgate::gui {

void reportFailure(QMainWindow& window, const QString& action, const QString& reason)
{
    const auto tr = [](const char* text) { return QCoreApplication::translate("hostgate::gui::reportFailure", text); };
    window.statusBar()->showMessage(tr("Failed to %1: %2").arg(action, reason));
    auto* box = new QMessageBox(QMessageBox::Warning, QStringLiteral("hostgate"), tr("Failed to %1.").arg(action),
                                QMessageBox::Ok, &window);
    box->setObjectName(QStringLiteral("errorMessage"));
    box->setInformativeText(reason);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace hostgate::gui
