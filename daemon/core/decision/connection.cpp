// SPDX-License-Identifier: GPL-3.0-or-later
// The displayed text of an app whose path is known, unknown, or gone with its process.
#include "decision/connection.h"

namespace hostgate {

namespace {

constexpr std::string_view kUnknownApp = "[unknown]";
constexpr std::string_view kExitedPrefix = "[exited] ";

} // namespace

std::string displayPath(const AppIdentity& app)
{
    switch (app.pathState) {
    case AppPathState::Unknown:
        return std::string(kUnknownApp);
    case AppPathState::Exited:
        return std::string(kExitedPrefix) + app.exitedCommand;
    case AppPathState::Known:
        break;
    }
    return app.path;
}

AppPathState pathStateOfDisplayed(std::string_view displayed)
{
    if (displayed == kUnknownApp)
        return AppPathState::Unknown;
    if (displayed.starts_with(kExitedPrefix))
        return AppPathState::Exited;
    return AppPathState::Known;
}

} // namespace hostgate
