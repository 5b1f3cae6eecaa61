// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's output: JSON with ISO 8601 times added, aligned tables and "key: value" blocks for people.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostgate::ctl {

// A copy of `value` in which every object with an integer "<name>_usec" also has "<name>" as an ISO 8601
// UTC string (recursively through arrays and objects).
nlohmann::json withIsoTimes(const nlohmann::json& value);

// JSON text ending in a newline: indented, or one line (for --follow).
std::string renderJson(const nlohmann::json& value, bool oneLine = false);

// One value for people: times ("_usec" keys) in ISO 8601, lists comma-separated, booleans yes/no.
std::string humanValue(const std::string& key, const nlohmann::json& value);

// "key: value" lines with the values aligned; the well-known keys of the record first, then the others.
std::string renderStatus(const nlohmann::json& status);
std::string renderRule(const nlohmann::json& rule);

// Aligned tables with a header line; an empty list prints the header only.
std::string renderRulesTable(const nlohmann::json& rules);
std::string renderConnectionsTable(const nlohmann::json& events);
std::string renderAppsTable(const nlohmann::json& apps);
std::string renderTrafficTable(const nlohmann::json& flows);
std::string renderProposalsTable(const nlohmann::json& proposals);
// The subscribed lists (ListLists records); times of 0 ("never") show as "-".
std::string renderListsTable(const nlohmann::json& lists);

// One connection event as one line for `connections --follow`.
std::string renderConnectionLine(const nlohmann::json& event);

} // namespace hostgate::ctl
