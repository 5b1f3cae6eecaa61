// SPDX-License-Identifier: GPL-3.0-or-later
// disableRuleFrom: one SetRuleEnabled(false) call and its report.
#include "windows/rule_actions.h"

#include "windows/failure_report.h"

#include <QCoreApplication>
#include <QMainWindow>
#include <QPointer>
#include <QStatusBar>

namespace hostgate::gui {

void disableRuleFrom(QMainWindow& window, FirewallClient& client, quint64 id)
{
    QPointer<QMainWindow> target(&window);
    client.setRuleEnabled(id, false, [target, id](const CallError& error) {
        if (!target)
            return;
        if (error.failed()) {
            reportFailure(*target,
                          QCoreApplication::translate("hostgate::gui::disableRuleFrom", "disable rule #%1").arg(id),
                          error.describe());
            return;
        }
        target->statusBar()->showMessage(
            QCoreApplication::translate("hostgate::gui::disableRuleFrom", "Rule #%1 disabled").arg(id));
    });
}

} // namespace hostgate::gui
