// SPDX-License-Identifier: GPL-3.0-or-later
// Kills processes the harness started, by PID, without racing PID reuse, and waits for them with a bound.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace hostgate::e2e {

// Sends SIGKILL through a pidfd and waits (event-driven, up to `bound`) until the process has exited.
// Returns true when the process is gone (or was already gone).
bool killAndWait(pid_t pid, std::chrono::milliseconds bound = std::chrono::seconds(5));

// True while a process with this PID runs. A zombie counts as gone: it has exited and only waits for its
// parent (for orphans, PID 1 of this VM, which reaps lazily) to collect its status.
bool isProcessAlive(pid_t pid);

} // namespace hostgate::e2e
