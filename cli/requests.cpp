// SPDX-License-Identifier: GPL-3.0-or-later
// Builds rule fields and connection filters from hostgatectl's options, and filters followed events.
#include "requests.h"

#include "time_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace hostgate::ctl {
namespace {

Result<std::uint32_t> resolveUser(const std::string& text, const UserLookup& lookupUser)
{
    std::uint32_t uid = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), uid);
    if (!text.empty() && error == std::errc() && end == text.data() + text.size()) {
        return uid;
    }
    if (const auto found = lookupUser ? lookupUser(text) : std::nullopt) {
        return *found;
    }
    return Error(fmt::format("--user {}: no such user", text));
}

std::string lowerCase(std::string_view text)
{
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

std::string stringField(const nlohmann::json& record, const char* key)
{
    const auto found = record.find(key);
    return found != record.end() && found->is_string() ? found->get<std::string>() : std::string();
}

} // namespace

Result<nlohmann::json> ruleFields(const RuleOptions& options, TimePoint now, const UserLookup& lookupUser)
{
    nlohmann::json fields = nlohmann::json::object();
    const auto copy = [&](const char* key, const std::optional<std::string>& value) {
        if (value) {
            fields[key] = *value;
        }
    };
    copy("action", options.action);
    copy("app", options.app);
    copy("script", options.script);
    copy("host", options.host);
    copy("ports", options.ports);
    copy("protocol", options.protocol);
    copy("lifetime", options.lifetime);
    copy("note", options.note);
    copy("sha256", options.sha256);
    if (options.user) {
        auto uid = resolveUser(*options.user, lookupUser);
        if (!uid) {
            return uid.error();
        }
        fields["user"] = *uid;
    }
    if (options.until) {
        if (options.lifetime && *options.lifetime != "until-time") {
            return Error(fmt::format("--until needs --lifetime until-time, not {}", *options.lifetime));
        }
        auto until = parseUntil(*options.until, now);
        if (!until) {
            return Error("--until: " + until.error().describe());
        }
        if (*until <= now) {
            return Error(fmt::format("--until {} is in the past", *options.until));
        }
        fields["lifetime"] = "until-time";
        fields["until_usec"] = toUsec(*until);
    } else if (options.lifetime && *options.lifetime == "until-time") {
        return Error("--lifetime until-time needs --until");
    }
    if (options.disabled) {
        fields["enabled"] = false;
    }
    return fields;
}

Result<nlohmann::json> connectionFilter(const ConnectionQuery& query, TimePoint now)
{
    nlohmann::json filter = nlohmann::json::object();
    if (!query.app.empty()) {
        filter["app"] = query.app;
    }
    if (!query.host.empty()) {
        filter["host"] = query.host;
    }
    if (!query.verdict.empty()) {
        filter["verdict"] = query.verdict;
    }
    if (!query.since.empty()) {
        auto since = parseSince(query.since, now);
        if (!since) {
            return Error("--since: " + since.error().describe());
        }
        filter["since_usec"] = toUsec(*since);
    }
    return filter;
}

bool eventMatches(const nlohmann::json& event, const nlohmann::json& filter)
{
    if (filter.contains("app") &&
        stringField(event, "app").find(filter["app"].get<std::string>()) == std::string::npos) {
        return false;
    }
    if (filter.contains("host") &&
        lowerCase(stringField(event, "host")).find(lowerCase(filter["host"].get<std::string>())) == std::string::npos) {
        return false;
    }
    if (filter.contains("verdict") && stringField(event, "verdict") != filter["verdict"].get<std::string>()) {
        return false;
    }
    if (filter.contains("since_usec")) {
        const auto time = event.find("time_usec");
        if (time == event.end() || !time->is_number() ||
            time->get<std::int64_t>() < filter["since_usec"].get<std::int64_t>()) {
            return false;
        }
    }
    return true;
}

nlohmann::json rulesForApp(const nlohmann::json& rules, std::string_view app)
{
    if (app.empty()) {
        return rules;
    }
    nlohmann::json selected = nlohmann::json::array();
    for (const auto& rule : rules) {
        if (stringField(rule, "app") == app) {
            selected.push_back(rule);
        }
    }
    return selected;
}

} // namespace hostgate::ctl
