// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl: the command-line client of hostgated's D-Bus API (org.hostgate.Firewall1 on the system bus).
//
// Exit statuses (also in --help): 0 ok, 1 other error, 2 usage error, 3 not authorized, 4 daemon not
// running or unreachable, 5 invalid rule or argument, 6 no such rule. Errors go to stderr as one line,
// "hostgatectl: <kind>: <message>".
#include "command_line.h"
#include "command_runner.h"
#include "exit_status.h"

#include <sdbus-c++/sdbus-c++.h>

#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace hostgate::ctl;

namespace {

std::string errorMessage(ExitStatus status, const sdbus::Error& error)
{
    if (status == ExitStatus::Unreachable) {
        return "hostgated is not running or the system bus is unreachable (" + error.getMessage() + ")";
    }
    return error.getMessage().empty() ? error.getName() : error.getMessage();
}

int fail(ExitStatus status, const std::string& message)
{
    std::cerr << errorLine(status, message) << std::endl;
    return toInt(status);
}

} // namespace

int main(int argc, char** argv)
{
    const ParseOutcome parsed = parseArguments(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed.command) {
        (parsed.status == ExitStatus::Ok ? std::cout : std::cerr)
            << parsed.text << (parsed.text.ends_with('\n') ? "" : "\n");
        return toInt(parsed.status);
    }

    std::unique_ptr<sdbus::IConnection> connection;
    try {
        // Honours DBUS_SYSTEM_BUS_ADDRESS, as the tests' private buses need.
        connection = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& error) {
        return fail(ExitStatus::Unreachable, "Failed to connect to the system bus: " + error.getMessage());
    }

    try {
        return toInt(runCommand(*parsed.command, *connection));
    } catch (const sdbus::Error& error) {
        const ExitStatus status = exitStatusForErrorName(error.getName());
        return fail(status, errorMessage(status, error));
    } catch (const std::exception& error) {
        return fail(ExitStatus::Failure, error.what());
    }
}
