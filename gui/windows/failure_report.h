// SPDX-License-Identifier: GPL-3.0-or-later
// reportFailure: how every window tells the user that a daemon call or file operation failed.
#pragma once

#include <QString>

class QMainWindow;

namespace hostgate::gui {

// Shows "Failed to <action>: <reason>" in the window's status bar and opens a window-modal (non-blocking)
// message box named "errorMessage", so the failed action is never missed and the event loop keeps running.
void reportFailure(QMainWindow& window, const QString& action, const QString& reason);

} // namespace hostgate::gui
