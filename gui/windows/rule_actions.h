// SPDX-License-Identifier: GPL-3.0-or-later
// disableRuleFrom: what "Disable rule #N" does in every window that offers it (the connection log, the monitor).
#pragma once

#include "client/firewall_client.h"

#include <QtGlobal>

class QMainWindow;

namespace hostgate::gui {

// Disables rule `id` through `client` (SetRuleEnabled; the daemon refuses admin rules and unauthorized callers),
// then says so in `window`'s status bar, or reports the failure there and in a message box. Safe when `window`
// closes before the answer arrives.
void disableRuleFrom(QMainWindow& window, FirewallClient& client, quint64 id);

} // namespace hostgate::gui
