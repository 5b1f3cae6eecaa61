// SPDX-License-Identifier: GPL-3.0-or-later
// Mapping of D-Bus error names to hostgatectl's exit statuses, and the one-line error messages.
#include "exit_status.h"

#include <array>
#include <utility>

namespace hostgate::ctl {
namespace {

using namespace std::string_view_literals;

constexpr auto errorStatuses = std::to_array<std::pair<std::string_view, ExitStatus>>({
    {"org.hostgate.Firewall1.Error.NotAuthorized"sv, ExitStatus::NotAuthorized},
    // The bus itself refuses (its policy), or polkit wanted to ask but interaction was not allowed.
    {"org.freedesktop.DBus.Error.AccessDenied"sv, ExitStatus::NotAuthorized},
    {"org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"sv, ExitStatus::NotAuthorized},
    {"org.hostgate.Firewall1.Error.InvalidRule"sv, ExitStatus::Invalid},
    {"org.hostgate.Firewall1.Error.InvalidArgument"sv, ExitStatus::Invalid},
    {"org.hostgate.Firewall1.Error.ReadOnlyRule"sv, ExitStatus::Invalid},
    {"org.hostgate.Firewall1.Error.NoSuchRule"sv, ExitStatus::NoSuchRule},
    {"org.hostgate.Firewall1.Error.NoSuchProposal"sv, ExitStatus::NoSuchRule},
    // A per-caller budget of the daemon (agents, reply size) or of the bus itself.
    {"org.hostgate.Firewall1.Error.LimitExceeded"sv, ExitStatus::LimitExceeded},
    {"org.freedesktop.DBus.Error.LimitsExceeded"sv, ExitStatus::LimitExceeded},
    // Nobody owns the name, the bus is gone, or the daemon vanished or hung while we waited for it.
    {"org.freedesktop.DBus.Error.ServiceUnknown"sv, ExitStatus::Unreachable},
    {"org.freedesktop.DBus.Error.NameHasNoOwner"sv, ExitStatus::Unreachable},
    {"org.freedesktop.DBus.Error.NoServer"sv, ExitStatus::Unreachable},
    {"org.freedesktop.DBus.Error.NoReply"sv, ExitStatus::Unreachable},
    {"org.freedesktop.DBus.Error.Timeout"sv, ExitStatus::Unreachable},
    {"org.freedesktop.DBus.Error.Disconnected"sv, ExitStatus::Unreachable},
    {"org.freedesktop.DBus.Error.FileNotFound"sv, ExitStatus::Unreachable},
    {"org.freedesktop.DBus.Error.UnknownObject"sv, ExitStatus::Unreachable},
});

} // namespace

ExitStatus exitStatusForErrorName(std::string_view errorName)
{
    for (const auto& [name, status] : errorStatuses) {
        if (name == errorName) {
            return status;
        }
    }
    return ExitStatus::Failure;
}

std::string_view describeExitStatus(ExitStatus status)
{
    switch (status) {
    case ExitStatus::Ok:
        return "ok";
    case ExitStatus::Failure:
        return "error";
    case ExitStatus::Usage:
        return "usage error";
    case ExitStatus::NotAuthorized:
        return "not authorized";
    case ExitStatus::Unreachable:
        return "daemon not reachable";
    case ExitStatus::Invalid:
        return "invalid";
    case ExitStatus::NoSuchRule:
        return "no such rule or proposal";
    case ExitStatus::LimitExceeded:
        return "limit exceeded";
    }
    return "error";
}

std::string errorLine(ExitStatus status, std::string_view message)
{
    std::string line = "hostgatectl: ";
    line += describeExitStatus(status);
    if (!message.empty()) {
        line += ": ";
        line += message;
    }
    return line;
}

std::string_view exitStatusHelp()
{
    return "Exit status: 0 ok, 1 other error, 2 usage error, 3 not authorized, 4 daemon not running or\n"
           "unreachable, 5 invalid rule or argument, 6 no such rule or proposal, 7 limit exceeded.";
}

} // namespace hostgate::ctl
