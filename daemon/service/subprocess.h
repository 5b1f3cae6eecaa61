// SPDX-License-Identifier: GPL-3.0-or-later
// Running a helper tool (iptables-nft-restore, nft) to completion: stdin fed, stdout and stderr drained
// together, bounded in time. The daemon's only child processes.
#pragma once

#include "util/result.h"

#include <chrono>
#include <string>
#include <vector>

namespace hostgate {

struct ToolRun {
    std::vector<std::string> arguments; // arguments[0] is looked up in the sbin and bin directories
    std::string input;                  // written to the tool's stdin, which is then closed
    // A tool that hangs (a stuck nftables lock, a tool waiting for a terminal) is killed after this long:
    // the daemon's event loop waits for it.
    std::chrono::milliseconds timeout{10000};
};

// The tool's stdout; a non-zero exit, a signal or the timeout becomes an Error naming the tool, with its stderr.
Result<std::string> runTool(const ToolRun& run);

} // namespace hostgate
