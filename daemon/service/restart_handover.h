// SPDX-License-Identifier: GPL-3.0-or-later
// A restart that hands the kernel state over: the request a package upgrade leaves for the daemon it restarts.
#pragma once

#include <filesystem>
#include <optional>

namespace hostgate {

// The request's file name in the service's runtime directory (/run/hostgate under systemd).
inline constexpr const char* kKeepKernelStateFile = "keep-kernel-state";

// The runtime directory systemd made for the service (RUNTIME_DIRECTORY, the first of a ':'-separated
// list), if any.
std::optional<std::filesystem::path> runtimeDirectoryFromEnvironment();

// True when `runtimeDirectory` holds a keep-kernel-state request made by root (a regular file owned by uid 0,
// not a symlink); the request is removed, so it applies to one stop only. A request the daemon cannot remove
// is ignored: obeying it again at the next stop would leave the kernel state behind unasked.
bool takeKeepKernelStateRequest(const std::filesystem::path& runtimeDirectory);

} // namespace hostgate
