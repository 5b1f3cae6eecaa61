// SPDX-License-Identifier: GPL-3.0-or-later
// The records hostgatectl sends (rule fields, connection filters) built from its options, as JSON values
// with the API's key names; the bus layer turns them into a{sv} with the XML's types.
#pragma once

#include "command_line.h"
#include "util/result.h"
#include "util/time.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace hostgate::ctl {

// Resolves a user name to its uid (getpwnam_r in the program, a table in tests).
using UserLookup = std::function<std::optional<std::uint32_t>(std::string_view name)>;

// The AddRule/UpdateRule fields for `options`: only the options given, plus "lifetime": "until-time" when
// only --until is given, and "enabled": false for --disabled. "user" is a number, "until_usec" an integer.
// Contradictions (--until with --lifetime forever, until-time without --until), bad times and unknown users
// are errors; everything else the daemon validates.
Result<nlohmann::json> ruleFields(const RuleOptions& options, TimePoint now, const UserLookup& lookupUser);

// The ListConnections filter: app, host, verdict and since_usec, each only when given.
Result<nlohmann::json> connectionFilter(const ConnectionQuery& query, TimePoint now);

// Whether a ConnectionEvent record passes `filter` (connectionFilter's output), with the daemon's
// semantics: app and host are substrings (host in any case), verdict is equal, since_usec is inclusive.
bool eventMatches(const nlohmann::json& event, const nlohmann::json& filter);

// Rules whose "app" is exactly `app` (all rules when `app` is empty).
nlohmann::json rulesForApp(const nlohmann::json& rules, std::string_view app);

} // namespace hostgate::ctl
