// SPDX-License-Identifier: GPL-3.0-or-later
// Renders the daemon's records as JSON for scripts and as aligned text for people.
#include "output.h"

#include "time_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

namespace hostgate::ctl {
namespace {

constexpr std::string_view usecSuffix = "_usec";

bool endsWith(std::string_view text, std::string_view suffix)
{
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

struct Column {
    std::string header;
    std::function<std::string(const nlohmann::json&)> cell;
};

Column field(std::string header, std::string key, std::string absent = "-")
{
    return {std::move(header), [key = std::move(key), absent = std::move(absent)](const nlohmann::json& row) {
                const auto found = row.find(key);
                if (found == row.end()) {
                    return absent;
                }
                std::string text = humanValue(key, *found);
                return text.empty() ? absent : text;
            }};
}

std::string renderTable(const std::vector<Column>& columns, const nlohmann::json& rows)
{
    std::vector<std::vector<std::string>> cells;
    std::vector<std::string> header;
    for (const Column& column : columns) {
        header.push_back(column.header);
    }
    cells.push_back(std::move(header));
    for (const auto& row : rows) {
        std::vector<std::string> line;
        for (const Column& column : columns) {
            line.push_back(column.cell(row));
        }
        cells.push_back(std::move(line));
    }
    std::vector<std::size_t> widths(columns.size(), 0);
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            widths[i] = std::max(widths[i], line[i].size());
        }
    }
    std::string out;
    for (const auto& line : cells) {
        std::string text;
        for (std::size_t i = 0; i < line.size(); ++i) {
            // The last column is not padded, so lines carry no trailing blanks.
            text += i + 1 < line.size() ? fmt::format("{:<{}}  ", line[i], widths[i]) : line[i];
        }
        while (!text.empty() && text.back() == ' ') {
            text.pop_back();
        }
        out += text + '\n';
    }
    return out;
}

std::string renderKeyValues(const nlohmann::json& record, const std::vector<std::string>& preferredOrder)
{
    std::vector<std::string> keys;
    for (const std::string& key : preferredOrder) {
        if (record.contains(key)) {
            keys.push_back(key);
        }
    }
    for (const auto& [key, value] : record.items()) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            keys.push_back(key);
        }
    }
    const auto label = [](const std::string& key) {
        return endsWith(key, usecSuffix) ? key.substr(0, key.size() - usecSuffix.size()) : key;
    };
    std::size_t width = 0;
    for (const std::string& key : keys) {
        width = std::max(width, label(key).size());
    }
    std::string out;
    for (const std::string& key : keys) {
        out += fmt::format("{:<{}} {}\n", label(key) + ':', width + 1, humanValue(key, record[key]));
    }
    return out;
}

} // namespace

nlohmann::json withIsoTimes(const nlohmann::json& value)
{
    if (value.is_array()) {
        nlohmann::json converted = nlohmann::json::array();
        for (const auto& element : value) {
            converted.push_back(withIsoTimes(element));
        }
        return converted;
    }
    if (!value.is_object()) {
        return value;
    }
    nlohmann::json converted = nlohmann::json::object();
    for (const auto& [key, element] : value.items()) {
        converted[key] = withIsoTimes(element);
        if (endsWith(key, usecSuffix) && element.is_number_integer()) {
            converted[key.substr(0, key.size() - usecSuffix.size())] = formatIso8601(element.get<std::int64_t>());
        }
    }
    return converted;
}

std::string renderJson(const nlohmann::json& value, bool oneLine)
{
    // Replacement instead of an exception: a file name in a rule may be arbitrary bytes.
    return value.dump(oneLine ? -1 : 2, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

std::string humanValue(const std::string& key, const nlohmann::json& value)
{
    if (endsWith(key, usecSuffix) && value.is_number_integer()) {
        return formatIso8601(value.get<std::int64_t>());
    }
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? "yes" : "no";
    }
    if (value.is_array()) {
        std::string joined;
        for (const auto& element : value) {
            joined += (joined.empty() ? "" : ", ") + humanValue({}, element);
        }
        return joined;
    }
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string renderStatus(const nlohmann::json& status)
{
    return renderKeyValues(status,
                           {"version",         "api_version", "mode",       "default_action",    "prompt_timeout_ms",
                            "rules",           "admin_rules", "user_rules", "runtime_rules",     "rule_errors",
                            "pending_prompts", "agents",      "proposals",  "proposals_dropped", "proposals_error",
                            "allowed",         "denied",      "asked",      "started_usec",      "kernel_features",
                            "missing_features"});
}

std::string renderRule(const nlohmann::json& rule)
{
    nlohmann::json shown = rule;
    // Absent or empty means "any" in the API; people should read it as such.
    for (const char* key : {"app", "host", "ports"}) {
        if (!shown.contains(key) || shown[key] == "" || shown[key] == "*") {
            shown[key] = "any";
        }
    }
    if (!shown.contains("user")) {
        shown["user"] = "any";
    }
    return renderKeyValues(shown,
                           {"id",        "origin", "action",       "app",           "script",     "sha256", "user",
                            "host",      "ports",  "protocol",     "lifetime",      "until_usec", "pid",    "enabled",
                            "read_only", "note",   "created_usec", "last_hit_usec", "hit_count",  "source"});
}

std::string renderRulesTable(const nlohmann::json& rules)
{
    return renderTable({field("ID", "id"), field("ORIGIN", "origin"), field("ACTION", "action"),
                        field("APP", "app", "any"), field("USER", "user", "any"), field("HOST", "host", "any"),
                        field("PORTS", "ports", "any"), field("PROTO", "protocol", "any"),
                        field("LIFETIME", "lifetime"), field("ENABLED", "enabled"), field("HITS", "hit_count"),
                        field("NOTE", "note", "")},
                       rules);
}

std::string renderConnectionsTable(const nlohmann::json& events)
{
    return renderTable({field("TIME", "time_usec"), field("VERDICT", "verdict"), field("APP", "app"),
                        field("PID", "pid"), field("UID", "uid"), field("HOST", "host"), field("ADDRESS", "address"),
                        field("PORT", "port"), field("PROTO", "protocol"), field("RULE", "rule_id"),
                        field("EXPLANATION", "explanation", "")},
                       events);
}

std::string renderAppsTable(const nlohmann::json& apps)
{
    return renderTable({field("APP", "app"), field("CONNECTIONS", "connections"), field("ALLOWED", "allowed"),
                        field("DENIED", "denied"), field("ASKED", "asked"), field("RULES", "rules"),
                        field("LAST SEEN", "last_seen_usec")},
                       apps);
}

std::string renderTrafficTable(const nlohmann::json& flows)
{
    return renderTable({field("APP", "app", "unknown"), field("PID", "pid"), field("HOST", "host", ""),
                        field("ADDRESS", "address"), field("PORT", "port"), field("PROTO", "protocol"),
                        field("VERDICT", "verdict", "-"), field("RULE", "rule_id", "-"), field("SENT", "bytes_sent"),
                        field("RECEIVED", "bytes_received"), field("SINCE", "since_usec"),
                        field("CLOSED", "closed_usec", "open")},
                       flows);
}

std::string renderProposalsTable(const nlohmann::json& proposals)
{
    return renderTable({field("ID", "id"), field("APP", "app", "unknown"), field("SCRIPT", "script", "-"),
                        field("USER", "user"), field("HOST", "host"), field("PORTS", "ports", "any"),
                        field("PROTO", "protocol"), field("CONNECTIONS", "connections"),
                        field("LAST SEEN", "last_seen_usec"), field("EXAMPLES", "examples", "")},
                       proposals);
}

std::string renderListsTable(const nlohmann::json& lists)
{
    nlohmann::json shown = nlohmann::json::array();
    for (const auto& list : lists) {
        nlohmann::json row = nlohmann::json::object();
        for (const auto& [key, value] : list.items()) {
            const bool never = endsWith(key, usecSuffix) && value.is_number_integer() && value.get<std::int64_t>() == 0;
            const bool noError =
                key == "last_error" && value.is_string() && value.get_ref<const std::string&>().empty();
            if (!never && !noError)
                row[key] = value;
        }
        shown.push_back(std::move(row));
    }
    return renderTable({field("NAME", "name"), field("ACTION", "action"), field("ENABLED", "enabled"),
                        field("ENTRIES", "entries"), field("LAST FETCH", "last_fetch_usec", "-"),
                        field("NEXT REFRESH", "next_refresh_usec", "-"), field("LAST ERROR", "last_error", "-")},
                       shown);
}

std::string renderConnectionLine(const nlohmann::json& event)
{
    const auto text = [&](const char* key) {
        const auto found = event.find(key);
        return found == event.end() ? std::string("-") : humanValue(key, *found);
    };
    std::string line =
        fmt::format("{} {} {} pid={} uid={} {}:{} ({}) {}", text("time_usec"), text("verdict"), text("app"),
                    text("pid"), text("uid"), text("host"), text("port"), text("address"), text("protocol"));
    if (event.contains("rule_id")) {
        line += " rule=" + text("rule_id");
    }
    if (event.contains("claimed_by")) {
        line += " claimed=" + text("claimed_host") + " (" + text("claimed_by") + ")";
    }
    if (event.contains("explanation")) {
        line += ": " + text("explanation");
    }
    return line + '\n';
}

} // namespace hostgate::ctl
