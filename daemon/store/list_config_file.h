// SPDX-License-Identifier: GPL-3.0-or-later
// Subscribed lists configured by the administrator (lists.d/*.toml), and the daemon's own files about them:
// the cached last good copy of each list and the on/off switches set over D-Bus.
#pragma once

#include "lists/list_parser.h"
#include "rules/rule.h"
#include "util/result.h"
#include "util/time.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

inline constexpr std::size_t kMaxListConfigFileBytes = 64 * 1024;
inline constexpr std::size_t kMaxListConfigFiles = 256;
inline constexpr std::chrono::seconds kMinListRefresh{10};
inline constexpr std::chrono::seconds kDefaultListRefresh{24 * 3600};

// One file of lists.d: name (default: the file's stem), description, source (an absolute path or an https://
// URL), format (hosts | domains | adblock), action (deny | allow), refresh (seconds, or "30m", "6h", "1d";
// default 1d, at least 10 s), enabled (default true). Unknown keys are errors, located as file:line:column.
struct ListConfig {
    std::string name;
    std::string description;
    std::string source;
    ListFormat format = ListFormat::Hosts;
    Action action = Action::Deny;
    std::chrono::seconds refresh = kDefaultListRefresh;
    bool enabled = true;
    std::filesystem::path file; // the toml file it came from

    bool isUrl() const { return source.starts_with("https://"); }
    bool operator==(const ListConfig&) const = default;
};

// A list name: 1..64 of [A-Za-z0-9._-], not starting with '.' (it names a cache file).
bool isValidListName(std::string_view name);

Result<ListConfig> parseListConfigFile(std::string_view text, std::string_view sourceName,
                                       std::string_view defaultName);

struct LoadedListConfigs {
    std::vector<ListConfig> lists; // sorted by file name; names unique
    std::vector<Error> errors;     // files that failed (each skipped), duplicate names
};

// Reads every *.toml in `directory` (trusted like the rule files: root's, not writable by others). A missing
// directory is no lists, not an error.
LoadedListConfigs loadListConfigs(const std::filesystem::path& directory);

// What the daemon remembers about a fetch, next to the cached body: the validators for a conditional request.
struct ListCacheMeta {
    std::string etag;
    std::string lastModified;
    std::optional<TimePoint> fetched; // when the cached body was last confirmed (200 or 304)
    bool operator==(const ListCacheMeta&) const = default;
};

std::string renderListCacheMeta(const ListCacheMeta& meta);
Result<ListCacheMeta> parseListCacheMeta(std::string_view text, std::string_view sourceName);

// The switches SetListEnabled sets, by list name: a file in the state directory, so the admin's toml is never
// rewritten. A list without a switch uses its file's `enabled`.
std::string renderListSwitches(const std::map<std::string, bool>& switches);
Result<std::map<std::string, bool>> parseListSwitches(std::string_view text, std::string_view sourceName);

} // namespace hostgate
