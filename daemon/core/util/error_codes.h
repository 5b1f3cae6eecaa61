// SPDX-License-Identifier: GPL-3.0-or-later
// The error codes (Error::code) the daemon's control returns, and the one table the bus names them from.
#pragma once

#include <array>
#include <string_view>

namespace hostgate {

// The bus sends a published code as org.hostgate.Firewall1.Error.<code> (the names dbus/org.hostgate.Firewall1.xml
// and the README document); an unpublished one, an empty code or any other goes out as .Failed. Codes here
// are the only ones the daemon's layers return, so a typo is a build error, not a silent ".Failed".
namespace control_error {
inline constexpr std::string_view notAuthorized = "NotAuthorized";
inline constexpr std::string_view invalidArgument = "InvalidArgument";
inline constexpr std::string_view invalidRule = "InvalidRule";
inline constexpr std::string_view noSuchRule = "NoSuchRule";
inline constexpr std::string_view readOnlyRule = "ReadOnlyRule";
inline constexpr std::string_view rulesFileBroken = "RulesFileBroken";
inline constexpr std::string_view noSuchAgent = "NoSuchAgent";
inline constexpr std::string_view limitExceeded = "LimitExceeded"; // a per-caller or per-reply bound
inline constexpr std::string_view noSuchProposal = "NoSuchProposal";
inline constexpr std::string_view noSuchList = "NoSuchList";
inline constexpr std::string_view failed = "Failed";
// Not (yet) published on the bus: they go out as .Failed, with their message.
inline constexpr std::string_view noSuchScope = "NoSuchScope";
inline constexpr std::string_view scopeExists = "ScopeExists";
inline constexpr std::string_view noSuchCgroup = "NoSuchCgroup";

struct Code {
    std::string_view name;
    bool published; // has a D-Bus error name of its own
};

inline constexpr std::array<Code, 14> all{{
    {notAuthorized, true},
    {invalidArgument, true},
    {invalidRule, true},
    {noSuchRule, true},
    {readOnlyRule, true},
    {rulesFileBroken, true},
    {noSuchAgent, true},
    {limitExceeded, true},
    {noSuchProposal, true},
    {noSuchList, true},
    {failed, true},
    {noSuchScope, false},
    {scopeExists, false},
    {noSuchCgroup, false},
}};

// Whether `code` has a D-Bus error name of its own.
constexpr bool isPublished(std::string_view code)
{
    for (const Code& candidate : all)
        if (candidate.name == code)
            return candidate.published;
    return false;
}
} // namespace control_error

} // namespace hostgate
