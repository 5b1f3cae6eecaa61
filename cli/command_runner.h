// SPDX-License-Identifier: GPL-3.0-or-later
// Runs one parsed hostgatectl command against the daemon and prints its result.
#pragma once

#include "command_line.h"
#include "exit_status.h"

#include <sdbus-c++/IConnection.h>

namespace hostgate::ctl {

// Prints results on stdout and argument errors on stderr. D-Bus errors propagate as sdbus::Error, for the
// caller to map with exitStatusForErrorName().
ExitStatus runCommand(const Command& command, sdbus::IConnection& connection);

// `connections --follow`: prints matching ConnectionEvent signals until SIGINT or SIGTERM, driving the
// connection's event loop itself (poll on its fd and a signalfd) so no thread is needed.
ExitStatus followConnections(const Command& command, sdbus::IConnection& connection);

// `run`: the command in a scope of its own; returns the command's exit status (128+N for signal N), or
// hostgatectl's own when the scope could not be made (D-Bus errors propagate as sdbus::Error).
ExitStatus runInScope(const Command& command, sdbus::IConnection& connection);
// `attach`, `detach`, `scopes`.
ExitStatus runScopeCommand(const Command& command, sdbus::IConnection& connection);

} // namespace hostgate::ctl
