// SPDX-License-Identifier: GPL-3.0-or-later
// Reads a process's identity from /proc: executable, command line, parent, interpreter script, app id.
#pragma once

#include "decision/connection.h"
#include "util/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

struct ProcessInfo {
    AppIdentity app;
    std::int32_t pid = 0;
    std::int32_t parentPid = 0;
    std::uint32_t uid = 0;
    std::string commandLine;
};

// Reads /proc/<pid> under `procRoot` (injected so tests can point it at a fixture tree).
// The executable's device and inode come from stat() of /proc/<pid>/exe, i.e. of the file the process
// really runs, so a rename or a copy of the binary never inherits another file's rules.
// `hostRoot` is the root directory a process must share for its executable path to mean what it means to the
// daemon (AppIdentity::ownRoot). Also read: the sandbox app id and the system unit (below).
Result<ProcessInfo> readProcessInfo(std::int32_t pid, const std::filesystem::path& procRoot = "/proc",
                                    const std::filesystem::path& hostRoot = "/");

// The process's start time (clock ticks after boot, /proc/<pid>/stat field 22): with the pid it names one
// process for its whole life, since a reused pid starts later. nullopt when the process is gone.
std::optional<std::uint64_t> processStartTime(std::int32_t pid, const std::filesystem::path& procRoot = "/proc");

// The script an interpreter runs, from its argv: the first non-option argument after the interpreter,
// made absolute against `cwd`. nullopt when `executable` is not a known interpreter or no script is given
// (e.g. `python3 -c ...`, an interactive shell).
std::optional<std::string> interpreterScript(std::string_view executable, const std::vector<std::string>& argv,
                                             const std::filesystem::path& cwd);

// Whether `executable` (a path) is a known interpreter (sh, python3.11, node, perl...), whose scripts all share
// its executable.
bool isInterpreterExecutable(std::string_view executable);

// The cgroup v2 path of a process ("/system.slice/docker-<id>.scope"), from /proc/<pid>/cgroup; empty when
// the process is gone.
std::string processCgroup(std::int32_t pid, const std::filesystem::path& procRoot = "/proc");

// Sandboxed application id: Flatpak (`[Application] name=` in /.flatpak-info of the process's root),
// Snap (a `snap.<name>.` cgroup), AppImage ($APPIMAGE's file name). nullopt for ordinary processes.
// "unit:NAME" for the innermost .service or .scope of a cgroup v2 path ("/system.slice/cups.service" →
// "unit:cups.service"); nullopt when there is none, or when the path is below a user's service manager
// (user@UID.service), whose units the user names.
std::optional<std::string> systemUnitOf(std::string_view cgroupPath);

std::optional<std::string> sandboxAppId(std::int32_t pid, const std::filesystem::path& procRoot = "/proc");

// The login name of `uid` (getpwuid_r), "" when unknown.
std::string userNameOf(std::uint32_t uid);
// The executable of process `pid` (readlink /proc/PID/exe), "" when unknown or not readable.
std::string executableOf(std::int32_t pid);

} // namespace hostgate
