// SPDX-License-Identifier: GPL-3.0-or-later
// The mode chosen over D-Bus (tray menu, hostgatectl mode) survives restarts: it is kept in the state
// directory and applies at start unless --mode is given on the command line.
#pragma once

#include "decision/decision_engine.h"
#include "util/result.h"

#include <filesystem>
#include <optional>

namespace hostgate {

std::filesystem::path savedModePath(const std::filesystem::path& stateDir);

// nullopt when no mode was saved; an error when the file exists but cannot be read or holds no valid mode.
Result<std::optional<Mode>> loadSavedMode(const std::filesystem::path& stateDir);

// Written atomically (never half a file), readable by root only like the rest of the state directory.
Result<void> saveMode(const std::filesystem::path& stateDir, Mode mode);

} // namespace hostgate
