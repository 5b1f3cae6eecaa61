// SPDX-License-Identifier: GPL-3.0-or-later
// encrypted-dns.toml: read with toml++, every key and value checked, errors located at file:line:column.
#include "store/encrypted_dns_file.h"

#include "net/hostname.h"
#include "store/file_trust.h"
#include "store/toml_values.h"

#include <fmt/format.h>
#include <toml++/toml.h>

namespace hostgate {

namespace {

std::string locate(std::string_view sourceName, const toml::source_region& region)
{
    return fmt::format("{}:{}:{}", sourceName, region.begin.line, region.begin.column);
}

Result<std::vector<std::string>> stringList(const toml::node& node, std::string_view key, std::string_view sourceName)
{
    const auto* array = node.as_array();
    if (!array)
        return Error(fmt::format("'{}' must be an array of strings, not {}", key, describeTomlType(node.type())),
                     locate(sourceName, node.source()));
    if (array->size() > kMaxEncryptedDnsEntries)
        return Error(
            fmt::format("'{}' has {} entries, at most {} are allowed", key, array->size(), kMaxEncryptedDnsEntries),
            locate(sourceName, node.source()));
    std::vector<std::string> values;
    for (const auto& element : *array) {
        const auto value = element.value<std::string>();
        if (!element.is_string() || !value)
            return Error(fmt::format("'{}' must contain strings only", key), locate(sourceName, element.source()));
        values.push_back(*value);
    }
    return values;
}

Result<EncryptedDnsResolver> parseResolver(const toml::table& table, std::string_view sourceName)
{
    EncryptedDnsResolver resolver;
    for (const auto& [key, node] : table) {
        const std::string_view name = key.str();
        if (name == "name") {
            const auto text = node.value<std::string>();
            if (!node.is_string() || !text || text->empty() || text->size() > 256)
                return Error("'name' must be a string of 1 to 256 bytes", locate(sourceName, node.source()));
            resolver.name = *text;
        } else if (name == "hosts") {
            auto hosts = stringList(node, name, sourceName);
            if (!hosts)
                return hosts.error();
            for (const auto& host : *hosts) {
                const bool wildcard = host.starts_with("*.");
                auto normalized =
                    normalizeHostname(wildcard ? std::string_view(host).substr(2) : std::string_view(host));
                if (!normalized)
                    return Error(fmt::format("Invalid host '{}': {}", host, normalized.error().message),
                                 locate(sourceName, node.source()));
                resolver.hosts.push_back(wildcard ? "*." + *normalized : *normalized);
            }
        } else if (name == "addresses") {
            auto addresses = stringList(node, name, sourceName);
            if (!addresses)
                return addresses.error();
            for (const auto& text : *addresses) {
                const auto address = IpAddress::parse(text);
                if (!address)
                    return Error(fmt::format("Invalid address '{}': not an IPv4 or IPv6 address", text),
                                 locate(sourceName, node.source()));
                resolver.addresses.push_back(*address);
            }
        } else {
            return Error(fmt::format("Unknown key '{}' in a resolver (known: name, hosts, addresses)", name),
                         locate(sourceName, key.source()));
        }
    }
    if (resolver.name.empty())
        return Error("A resolver needs a 'name'", locate(sourceName, table.source()));
    if (resolver.hosts.empty() && resolver.addresses.empty())
        return Error(fmt::format("Resolver '{}' lists neither hosts nor addresses", resolver.name),
                     locate(sourceName, table.source()));
    return resolver;
}

} // namespace

Result<EncryptedDnsList> parseEncryptedDnsFile(std::string_view text, std::string_view sourceName)
{
    toml::table document;
    try {
        document = toml::parse(text, sourceName);
    } catch (const toml::parse_error& error) {
        return Error(fmt::format("Failed to parse: {}", error.description()), locate(sourceName, error.source()));
    }
    bool versioned = false;
    std::vector<EncryptedDnsResolver> resolvers;
    for (const auto& [key, node] : document) {
        if (key.str() == "version") {
            if (node.value<std::int64_t>() != std::optional<std::int64_t>(1) || !node.is_integer())
                return Error("'version' must be 1", locate(sourceName, node.source()));
            versioned = true;
        } else if (key.str() == "resolver") {
            const auto* array = node.as_array();
            if (!array || !array->is_array_of_tables())
                return Error("'resolver' must be an array of tables ([[resolver]])", locate(sourceName, node.source()));
            if (array->size() > kMaxEncryptedDnsResolvers)
                return Error(
                    fmt::format("{} resolvers, at most {} are allowed", array->size(), kMaxEncryptedDnsResolvers),
                    locate(sourceName, node.source()));
            for (const auto& element : *array) {
                auto resolver = parseResolver(*element.as_table(), sourceName);
                if (!resolver)
                    return resolver.error();
                resolvers.push_back(std::move(*resolver));
            }
        } else {
            return Error(fmt::format("Unknown key '{}' (known: version, resolver)", key.str()),
                         locate(sourceName, key.source()));
        }
    }
    if (!versioned)
        return Error("Missing 'version = 1'", std::string(sourceName));
    return EncryptedDnsList(std::move(resolvers));
}

Result<LoadedEncryptedDnsList> loadEncryptedDnsList(const std::vector<std::filesystem::path>& candidates)
{
    for (const auto& path : candidates) {
        std::error_code error;
        if (!std::filesystem::exists(path, error)) {
            if (error)
                return Error(fmt::format("Failed to read {}: {}", path.string(), error.message()));
            continue;
        }
        auto text = readTrustedFile(path, kMaxEncryptedDnsFileBytes);
        if (!text)
            return Error(fmt::format("Failed to read {}: {}", path.string(), text.error().message));
        auto list = parseEncryptedDnsFile(*text, path.string());
        if (!list)
            return list.error();
        return LoadedEncryptedDnsList{std::move(*list), path};
    }
    return LoadedEncryptedDnsList{};
}

} // namespace hostgate
