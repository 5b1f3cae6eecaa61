// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's exit statuses and how D-Bus error names map to them, so scripts can tell failures apart.
#pragma once

#include <string>
#include <string_view>

namespace hostgate::ctl {

// The documented exit statuses (also listed in --help):
//   0 ok, 1 other error, 2 usage error, 3 not authorized, 4 daemon not running or unreachable,
//   5 invalid rule or argument, 6 no such rule, 7 a limit of the daemon was exceeded.
enum class ExitStatus : int {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    NotAuthorized = 3,
    Unreachable = 4,
    Invalid = 5,
    NoSuchRule = 6,
    LimitExceeded = 7,
};

inline int toInt(ExitStatus status)
{
    return static_cast<int>(status);
}

// The exit status for a D-Bus error reply (e.g. "org.hostgate.Firewall1.Error.NoSuchRule" -> NoSuchRule,
// "org.freedesktop.DBus.Error.ServiceUnknown" -> Unreachable). Unknown names are Failure.
ExitStatus exitStatusForErrorName(std::string_view errorName);

// The words the error line starts with after "hostgatectl: ", e.g. "not authorized" or "no such rule".
std::string_view describeExitStatus(ExitStatus status);

// One error line for stderr: "hostgatectl: not authorized: <message>" (no trailing newline).
std::string errorLine(ExitStatus status, std::string_view message);

// The text for --help that documents the statuses.
std::string_view exitStatusHelp();

} // namespace hostgate::ctl
