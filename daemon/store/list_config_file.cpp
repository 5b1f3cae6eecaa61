// SPDX-License-Identifier: GPL-3.0-or-later
// lists.d/*.toml, the list cache metadata and the list switches: read with toml++, errors at file:line:column.
#include "store/list_config_file.h"

#include "store/file_trust.h"
#include "store/toml_values.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace hostgate {

namespace {

std::string locate(std::string_view sourceName, const toml::source_region& region)
{
    return fmt::format("{}:{}:{}", sourceName, region.begin.line, region.begin.column);
}

Result<toml::table> parseDocument(std::string_view text, std::string_view sourceName)
{
    try {
        return toml::parse(text, sourceName);
    } catch (const toml::parse_error& error) {
        return Error(fmt::format("Failed to parse: {}", error.description()), locate(sourceName, error.source()));
    }
}

Result<std::string> stringValue(const toml::node& node, std::string_view key, std::string_view sourceName,
                                std::size_t maxBytes)
{
    const auto value = node.value<std::string>();
    if (!node.is_string() || !value)
        return Error(fmt::format("'{}' must be a string, not {}", key, describeTomlType(node.type())),
                     locate(sourceName, node.source()));
    if (value->size() > maxBytes)
        return Error(fmt::format("'{}' is longer than {} bytes", key, maxBytes), locate(sourceName, node.source()));
    return *value;
}

// 3600, "3600", "90s", "30m", "6h", "1d"
std::optional<std::chrono::seconds> parseInterval(const toml::node& node)
{
    if (node.is_integer())
        return std::chrono::seconds(node.as_integer()->get());
    const auto text = node.value<std::string>();
    if (!node.is_string() || !text || text->empty())
        return std::nullopt;
    std::int64_t number = 0;
    const auto* begin = text->data();
    const auto* end = text->data() + text->size();
    const auto [rest, error] = std::from_chars(begin, end, number);
    if (error != std::errc() || rest == begin || number < 0 || number > 365LL * 86400)
        return std::nullopt;
    const std::string_view unit(rest, static_cast<std::size_t>(end - rest));
    if (unit.empty() || unit == "s")
        return std::chrono::seconds(number);
    if (unit == "m")
        return std::chrono::seconds(number * 60);
    if (unit == "h")
        return std::chrono::seconds(number * 3600);
    if (unit == "d")
        return std::chrono::seconds(number * 86400);
    return std::nullopt;
}

} // namespace

bool isValidListName(std::string_view name)
{
    if (name.empty() || name.size() > 64 || name.front() == '.')
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

Result<ListConfig> parseListConfigFile(std::string_view text, std::string_view sourceName, std::string_view defaultName)
{
    auto document = parseDocument(text, sourceName);
    if (!document)
        return document.error();
    ListConfig config;
    config.name = std::string(defaultName);
    bool formatGiven = false;
    bool actionGiven = false;
    for (const auto& [key, node] : *document) {
        const std::string_view name = key.str();
        if (name == "name" || name == "description" || name == "source") {
            auto value = stringValue(node, name, sourceName, name == "name" ? 64 : 4096);
            if (!value)
                return value.error();
            if (name == "name") {
                if (!isValidListName(*value))
                    return Error(
                        fmt::format("Invalid list name '{}': 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.'",
                                    *value),
                        locate(sourceName, node.source()));
                config.name = std::move(*value);
            } else if (name == "description") {
                config.description = std::move(*value);
            } else {
                if (!value->starts_with("https://") && !value->starts_with("/"))
                    return Error(fmt::format("'source' must be an https:// URL or an absolute path, not '{}'", *value),
                                 locate(sourceName, node.source()));
                config.source = std::move(*value);
            }
        } else if (name == "format") {
            auto value = stringValue(node, name, sourceName, 64);
            const auto format = value ? parseListFormat(*value) : std::nullopt;
            if (!format)
                return Error("'format' must be \"hosts\", \"domains\" or \"adblock\"",
                             locate(sourceName, node.source()));
            config.format = *format;
            formatGiven = true;
        } else if (name == "action") {
            auto value = stringValue(node, name, sourceName, 64);
            const auto action = value ? parseAction(*value) : std::nullopt;
            if (!action)
                return Error("'action' must be \"deny\" or \"allow\"", locate(sourceName, node.source()));
            config.action = *action;
            actionGiven = true;
        } else if (name == "refresh") {
            const auto interval = parseInterval(node);
            if (!interval || *interval < kMinListRefresh)
                return Error(fmt::format("'refresh' must be at least {} seconds: an integer of seconds or \"30m\", "
                                         "\"6h\", \"1d\"",
                                         kMinListRefresh.count()),
                             locate(sourceName, node.source()));
            config.refresh = *interval;
        } else if (name == "enabled") {
            if (!node.is_boolean())
                return Error("'enabled' must be true or false", locate(sourceName, node.source()));
            config.enabled = node.as_boolean()->get();
        } else {
            return Error(fmt::format("Unknown key '{}' (known: name, description, source, format, action, refresh, "
                                     "enabled)",
                                     name),
                         locate(sourceName, key.source()));
        }
    }
    if (config.source.empty())
        return Error("Missing 'source' (an https:// URL or an absolute path)", std::string(sourceName));
    if (!formatGiven)
        return Error("Missing 'format' (hosts, domains or adblock)", std::string(sourceName));
    if (!actionGiven)
        return Error("Missing 'action' (deny or allow)", std::string(sourceName));
    if (!isValidListName(config.name))
        return Error(fmt::format("The file name gives no valid list name; set 'name'"), std::string(sourceName));
    return config;
}

LoadedListConfigs loadListConfigs(const std::filesystem::path& directory)
{
    LoadedListConfigs loaded;
    std::error_code error;
    if (!std::filesystem::exists(directory, error)) {
        if (error)
            loaded.errors.emplace_back(fmt::format("Failed to read {}: {}", directory.string(), error.message()));
        return loaded;
    }
    if (auto trusted = checkTrustedDirectory(directory); !trusted) {
        loaded.errors.push_back(trusted.error());
        return loaded;
    }
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error))
        if (it->path().extension() == ".toml")
            files.push_back(it->path());
    if (error) {
        loaded.errors.emplace_back(fmt::format("Failed to read {}: {}", directory.string(), error.message()));
        return loaded;
    }
    std::sort(files.begin(), files.end());
    if (files.size() > kMaxListConfigFiles) {
        loaded.errors.emplace_back(fmt::format("{}: {} list files, only the first {} are read", directory.string(),
                                               files.size(), kMaxListConfigFiles));
        files.resize(kMaxListConfigFiles);
    }
    std::set<std::string> names;
    for (const auto& file : files) {
        auto text = readTrustedFile(file, kMaxListConfigFileBytes);
        if (!text) {
            loaded.errors.emplace_back(fmt::format("Failed to read {}: {}", file.string(), text.error().message));
            continue;
        }
        auto config = parseListConfigFile(*text, file.string(), file.stem().string());
        if (!config) {
            loaded.errors.push_back(config.error());
            continue;
        }
        if (!names.insert(config->name).second) {
            loaded.errors.emplace_back(fmt::format("{}: list name '{}' is taken by an earlier file, ignoring it",
                                                   file.string(), config->name));
            continue;
        }
        config->file = file;
        loaded.lists.push_back(std::move(*config));
    }
    return loaded;
}

std::string renderListCacheMeta(const ListCacheMeta& meta)
{
    std::string text = "# hostgated: validators of the cached list next to this file\n";
    text += fmt::format("etag = {}\n", quoteTomlString(meta.etag));
    text += fmt::format("last_modified = {}\n", quoteTomlString(meta.lastModified));
    if (meta.fetched)
        text += fmt::format("fetched = {}\n", formatTomlTime(*meta.fetched));
    return text;
}

Result<ListCacheMeta> parseListCacheMeta(std::string_view text, std::string_view sourceName)
{
    auto document = parseDocument(text, sourceName);
    if (!document)
        return document.error();
    ListCacheMeta meta;
    for (const auto& [key, node] : *document) {
        const std::string_view name = key.str();
        if (name == "etag" || name == "last_modified") {
            auto value = stringValue(node, name, sourceName, 1024);
            if (!value)
                return value.error();
            (name == "etag" ? meta.etag : meta.lastModified) = std::move(*value);
        } else if (name == "fetched" && node.is_date_time()) {
            auto time = timePointFromToml(node.as_date_time()->get());
            if (!time)
                return Error(time.error().message, locate(sourceName, node.source()));
            meta.fetched = *time;
        } else {
            return Error(fmt::format("Unexpected key '{}'", name), locate(sourceName, key.source()));
        }
    }
    return meta;
}

std::string renderListSwitches(const std::map<std::string, bool>& switches)
{
    std::string text =
        "# hostgated: lists switched on or off over D-Bus (SetListEnabled); the admin's files are unchanged\n"
        "[enabled]\n";
    for (const auto& [name, enabled] : switches)
        text += fmt::format("{} = {}\n", quoteTomlString(name), enabled);
    return text;
}

Result<std::map<std::string, bool>> parseListSwitches(std::string_view text, std::string_view sourceName)
{
    auto document = parseDocument(text, sourceName);
    if (!document)
        return document.error();
    std::map<std::string, bool> switches;
    for (const auto& [key, node] : *document) {
        if (key.str() != "enabled" || !node.is_table())
            return Error(fmt::format("Unexpected key '{}' (known: [enabled])", key.str()),
                         locate(sourceName, key.source()));
        for (const auto& [name, value] : *node.as_table()) {
            if (!value.is_boolean() || !isValidListName(name.str()))
                return Error(fmt::format("'{}' must be a list name set to true or false", name.str()),
                             locate(sourceName, name.source()));
            switches[std::string(name.str())] = value.as_boolean()->get();
        }
    }
    return switches;
}

} // namespace hostgate
