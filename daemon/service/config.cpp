// DaemonConfig: names of the settings' values, validation, the TOML file format and its rendering.
#include "service/config.h"
#include "store/file_trust.h"
#include "store/toml_values.h"

#include <toml++/toml.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>
#include <utility>

namespace hostgate {

namespace {

template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;


constexpr NameTable<FailureMode, 2> kFailureModeNames{{{FailureMode::FailClosed, "fail-closed"},
                                                        {FailureMode::FailOpen, "fail-open"}}};

constexpr NameTable<OtherProtocols, 2> kOtherProtocolsNames{{{OtherProtocols::Deny, "deny"},
                                                              {OtherProtocols::Allow, "allow"}}};
constexpr NameTable<BinaryChange, 2> kBinaryChangeNames{{{BinaryChange::Deny, "deny"}, {BinaryChange::Warn, "warn"}}};

template <class Enum, std::size_t N>
std::string_view nameOf(const NameTable<Enum, N>& table, Enum value)
{
    for (const auto& [candidate, name] : table) {
        if (candidate == value) {
            return name;
        }
    }
    return table.front().second;
}

template <class Enum, std::size_t N>
std::optional<Enum> valueOf(const NameTable<Enum, N>& table, std::string_view name)
{
    for (const auto& [candidate, candidateName] : table) {
        if (candidateName == name) {
            return candidate;
        }
    }
    return std::nullopt;
}

struct Range {
    std::int64_t min;
    std::int64_t max;
};

constexpr Range kMarkBitRange{0, 31};
constexpr Range kQueueRange{0, 65535};
constexpr Range kPromptTimeoutRange{1, 3600};
constexpr Range kClaimWaitRange{0, 10000}; // milliseconds
constexpr Range kTtlRange{0, 7 * 86400};
constexpr Range kMaxAddressesRange{1, 10'000'000};
constexpr Range kMaxEventsRange{1, 1'000'000'000};
constexpr Range kMaxAgeDaysRange{1, 36500};
constexpr Range kListBytesRange{1024, 1LL << 32};
constexpr Range kListTimeoutRange{1, 3600};

Result<void> checkRange(std::string_view name, std::int64_t value, Range range)
{
    if (value < range.min || value > range.max) {
        return Error(fmt::format("Invalid {}: {} is outside {}..{}", name, value, range.min, range.max));
    }
    return Ok{};
}

Result<void> checkAbsolute(std::string_view name, const std::filesystem::path& path)
{
    if (!path.is_absolute()) {
        return Error(fmt::format("Invalid {}: '{}' is not an absolute path", name, path.string()));
    }
    return Ok{};
}

std::string locate(std::string_view sourceName, const toml::source_region& region)
{
    return fmt::format("{}:{}:{}", sourceName, region.begin.line, region.begin.column);
}

// Reads one TOML table into settings: each known key has a reader, anything else is an error located
// at the key, every bad value an error located at the value.
class TableReader {
public:
    using KeyReader = std::function<Result<void>(const toml::node&, const std::string& qualifiedKey)>;

    TableReader(std::string_view sourceName, std::string prefix) : sourceName_(sourceName), prefix_(std::move(prefix))
    {
    }

    void on(std::string_view key, KeyReader reader) { readers_.emplace_back(key, std::move(reader)); }

    Result<void> read(const toml::table& table) const
    {
        for (const auto& [key, node] : table) {
            const std::string qualified = prefix_.empty() ? std::string(key.str()) : prefix_ + "." + std::string(key.str());
            const auto reader = std::find_if(readers_.begin(), readers_.end(),
                                             [&](const auto& entry) { return entry.first == key.str(); });
            if (reader == readers_.end()) {
                return Error(fmt::format("Unknown setting '{}'", qualified), locate(sourceName_, key.source()));
            }
            if (auto result = reader->second(node, qualified); !result) {
                // Errors inside a sub-table are already located at their own key or value.
                if (!result.error().where.empty()) {
                    return result;
                }
                return Error(result.error().message, locate(sourceName_, node.source()));
            }
        }
        return Ok{};
    }

private:
    std::string_view sourceName_;
    std::string prefix_;
    std::vector<std::pair<std::string_view, KeyReader>> readers_;
};

Result<void> wrongType(const toml::node& node, const std::string& key, std::string_view expected)
{
    return Error(fmt::format("Invalid value for '{}': expected {}, got {}", key, expected, describeTomlType(node.type())));
}

TableReader::KeyReader readInteger(std::function<void(std::int64_t)> store, Range range)
{
    return [store = std::move(store), range](const toml::node& node, const std::string& key) -> Result<void> {
        const std::optional<std::int64_t> value = node.is_integer() ? node.value<std::int64_t>() : std::nullopt;
        if (!value) {
            return wrongType(node, key, "an integer");
        }
        if (auto inRange = checkRange(fmt::format("value for '{}'", key), *value, range); !inRange) {
            return inRange;
        }
        store(*value);
        return Ok{};
    };
}

TableReader::KeyReader readSeconds(Seconds& target, Range range)
{
    return readInteger([&target](std::int64_t value) { target = Seconds(value); }, range);
}

template <class Unsigned>
TableReader::KeyReader readUnsigned(Unsigned& target, Range range)
{
    return readInteger([&target](std::int64_t value) { target = static_cast<Unsigned>(value); }, range);
}

TableReader::KeyReader readAbsolutePath(std::function<void(std::filesystem::path)> store)
{
    return [store = std::move(store)](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_string()) {
            return wrongType(node, key, "a string");
        }
        std::filesystem::path path(*node.value<std::string>());
        if (auto absolute = checkAbsolute(fmt::format("value for '{}'", key), path); !absolute) {
            return absolute;
        }
        store(std::move(path));
        return Ok{};
    };
}

template <class Enum>
TableReader::KeyReader readName(Enum& target, std::optional<Enum> (*parse)(std::string_view),
                                std::string_view expectedNames)
{
    return [&target, parse, expectedNames](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_string()) {
            return wrongType(node, key, "a string");
        }
        const std::string name = *node.value<std::string>();
        const std::optional<Enum> value = parse(name);
        if (!value) {
            return Error(fmt::format("Invalid value for '{}': '{}' is not one of {}", key, name, expectedNames));
        }
        target = *value;
        return Ok{};
    };
}

// An array of strings, each converted (and checked) by `convert`.
template <class T>
TableReader::KeyReader readList(std::vector<T>& target, std::function<Result<T>(const std::string&)> convert)
{
    return [&target, convert = std::move(convert)](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_array())
            return wrongType(node, key, "an array of strings");
        std::vector<T> values;
        for (const toml::node& element : *node.as_array()) {
            if (!element.is_string())
                return wrongType(element, key + "[]", "a string");
            auto value = convert(*element.value<std::string>());
            if (!value)
                return Error(fmt::format("Invalid value in '{}': {}", key, value.error().message));
            values.push_back(std::move(*value));
        }
        target = std::move(values);
        return Ok{};
    };
}

Result<IpAddress> parseResolverAddress(const std::string& text)
{
    const auto address = IpAddress::parse(text);
    if (!address)
        return Error(fmt::format("'{}' is not an IP address", text));
    return *address;
}

Result<std::filesystem::path> parseAbsolutePath(const std::string& text)
{
    std::filesystem::path path(text);
    if (!path.is_absolute())
        return Error(fmt::format("'{}' is not an absolute path", text));
    return path;
}

TableReader::KeyReader readSubtable(std::function<Result<void>(const toml::table&)> readTable)
{
    return [readTable = std::move(readTable)](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_table()) {
            return wrongType(node, key, "a table");
        }
        return readTable(*node.as_table());
    };
}

Result<void> readDocument(const toml::table& document, std::string_view sourceName, DaemonConfig& config)
{
    TableReader netfilter(sourceName, "netfilter");
    netfilter.on("mark_bit", readUnsigned(config.markBit, kMarkBitRange));
    netfilter.on("reject_mark_bit", readUnsigned(config.rejectMarkBit, kMarkBitRange));
    netfilter.on("reply_mark_bit", readUnsigned(config.replyMarkBit, kMarkBitRange));
    netfilter.on("dns_queue", readUnsigned(config.dnsQueue, kQueueRange));
    netfilter.on("decision_queue", readUnsigned(config.decisionQueue, kQueueRange));

    TableReader dnsCache(sourceName, "dns_cache");
    dnsCache.on("min_ttl", readSeconds(config.dnsCache.minTtl, kTtlRange));
    dnsCache.on("max_ttl", readSeconds(config.dnsCache.maxTtl, kTtlRange));
    dnsCache.on("max_addresses", readUnsigned(config.dnsCache.maxAddresses, kMaxAddressesRange));

    TableReader verdicts(sourceName, "verdicts");
    verdicts.on("min_ttl", readSeconds(config.verdictTtlMin, kTtlRange));
    verdicts.on("max_ttl", readSeconds(config.verdictTtlMax, kTtlRange));

    TableReader events(sourceName, "events");
    events.on("max_events", readUnsigned(config.events.maxEvents, kMaxEventsRange));
    events.on("max_age_days", readUnsigned(config.events.maxAgeDays, kMaxAgeDaysRange));

    TableReader lists(sourceName, "lists");
    lists.on("dir", readAbsolutePath([&](std::filesystem::path path) { config.lists.dir = std::move(path); }));
    lists.on("ca_file", readAbsolutePath([&](std::filesystem::path path) { config.lists.caFile = std::move(path); }));
    lists.on("max_bytes", readInteger([&](std::int64_t value) { config.lists.maxBytes = static_cast<std::uint64_t>(value); },
                                      kListBytesRange));
    lists.on("timeout", readSeconds(config.lists.timeout, kListTimeoutRange));

    TableReader top(sourceName, "");
    top.on("cgroup", readAbsolutePath([&](std::filesystem::path path) { config.cgroupScope = std::move(path); }));
    top.on("admin_rules_dir", readAbsolutePath([&](std::filesystem::path path) { config.adminRulesDir = std::move(path); }));
    top.on("base_rules_dir", [&](const toml::node& node, const std::string& key) -> Result<void> {
        if (node.is_string() && node.value<std::string>()->empty()) {
            config.baseRulesDir.clear(); // no base policy
            return Ok{};
        }
        return readAbsolutePath([&](std::filesystem::path path) { config.baseRulesDir = std::move(path); })(node, key);
    });
    top.on("host_sources_root", readAbsolutePath([&](std::filesystem::path path) { config.hostSourcesRoot = std::move(path); }));
    top.on("user_rules_file", readAbsolutePath([&](std::filesystem::path path) { config.userRulesFile = std::move(path); }));
    top.on("state_dir", readAbsolutePath([&](std::filesystem::path path) { config.stateDir = std::move(path); }));
    top.on("bpf_pin_dir", [&](const toml::node& node, const std::string& key) -> Result<void> {
        // "" turns pinning off; anything else must be absolute.
        if (node.is_string() && node.value<std::string>()->empty()) {
            config.bpfPinDir.clear();
            return Ok{};
        }
        return readAbsolutePath([&](std::filesystem::path path) { config.bpfPinDir = std::move(path); })(node, key);
    });
    top.on("trusted_resolvers", readList<IpAddress>(config.trustedResolvers, &parseResolverAddress));
    top.on("resolver_files", readList<std::filesystem::path>(config.resolverFiles, &parseAbsolutePath));
    top.on("other_protocols", readName(config.otherProtocols, &parseOtherProtocols, "deny, allow"));
    top.on("on_binary_change", readName(config.onBinaryChange, &parseBinaryChange, "deny, warn"));
    top.on("default_action", readName(config.defaultAction, &parseDefaultAction, "deny, allow"));
    top.on("mode", readName(config.mode, &parseDaemonMode, "enforce, silent-allow, silent-deny, learning"));
    top.on("prompt_timeout", readSeconds(config.promptTimeout, kPromptTimeoutRange));
    top.on("failure_mode", readName(config.failureMode, &parseFailureMode, "fail-closed, fail-open"));
    top.on("log_level", readName(config.logLevel, &parseLogLevel, "debug, info, notice, warning, error"));
    top.on("hardening", [&config](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_boolean())
            return wrongType(node, key, "a boolean");
        config.hardening = node.as_boolean()->get();
        return Ok{};
    });
    top.on("encrypted_dns", readName(config.encryptedDns, &parseEncryptedDnsPolicy, "deny, ask, allow"));
    top.on("encrypted_dns_files", readList<std::filesystem::path>(config.encryptedDnsFiles, &parseAbsolutePath));
    top.on("refuse_doh_canary", [&config](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_boolean())
            return wrongType(node, key, "a boolean");
        config.refuseDohCanary = node.as_boolean()->get();
        return Ok{};
    });
    top.on("trust_claimed_names", [&config](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_boolean())
            return wrongType(node, key, "a boolean");
        config.trustClaimedNames = node.as_boolean()->get();
        return Ok{};
    });
    top.on("claimed_name_wait_ms", readInteger([&config](std::int64_t value) { config.claimedNameWait = std::chrono::milliseconds(value); },
                                               kClaimWaitRange));
    top.on("netfilter", readSubtable([&](const toml::table& table) { return netfilter.read(table); }));
    top.on("dns_cache", readSubtable([&](const toml::table& table) { return dnsCache.read(table); }));
    top.on("verdicts", readSubtable([&](const toml::table& table) { return verdicts.read(table); }));
    top.on("events", readSubtable([&](const toml::table& table) { return events.read(table); }));
    top.on("lists", readSubtable([&](const toml::table& table) { return lists.read(table); }));
    return top.read(document);
}

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string tomlString(std::string_view text)
{
    std::string quoted = "\"";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            quoted.push_back('\\');
            quoted.push_back(c);
        } else if (byte < 0x20 || byte == 0x7f) {
            quoted += fmt::format("\\u{:04X}", byte);
        } else {
            quoted.push_back(c);
        }
    }
    quoted.push_back('"');
    return quoted;
}

} // namespace

std::string_view defaultActionName(DefaultAction action) { return toString(action); }
std::string_view daemonModeName(DaemonMode mode) { return toString(mode); }
std::string_view failureModeName(FailureMode mode) { return nameOf(kFailureModeNames, mode); }
std::optional<DefaultAction> parseDefaultAction(std::string_view name) { return parseAction(name); }
std::optional<DaemonMode> parseDaemonMode(std::string_view name) { return parseMode(name); }
std::optional<FailureMode> parseFailureMode(std::string_view name) { return valueOf(kFailureModeNames, name); }
std::string_view otherProtocolsName(OtherProtocols value) { return nameOf(kOtherProtocolsNames, value); }
std::optional<OtherProtocols> parseOtherProtocols(std::string_view name) { return valueOf(kOtherProtocolsNames, name); }
std::string_view binaryChangeName(BinaryChange value) { return nameOf(kBinaryChangeNames, value); }
std::optional<BinaryChange> parseBinaryChange(std::string_view name) { return valueOf(kBinaryChangeNames, name); }

Result<void> validateDaemonConfig(const DaemonConfig& config)
{
    const std::array<std::pair<std::string_view, const std::filesystem::path*>, 3> paths{{
        {"admin rules directory", &config.adminRulesDir},
        {"user rules file", &config.userRulesFile},
        {"state directory", &config.stateDir},
    }};
    for (const auto& [name, path] : paths) {
        if (auto absolute = checkAbsolute(name, *path); !absolute) {
            return absolute;
        }
    }
    if (config.cgroupScope) {
        if (auto absolute = checkAbsolute("cgroup scope", *config.cgroupScope); !absolute) {
            return absolute;
        }
    }
    if (!config.bpfPinDir.empty()) {
        if (auto absolute = checkAbsolute("BPF pin directory", config.bpfPinDir); !absolute) {
            return absolute;
        }
    }
    for (const auto& file : config.resolverFiles) {
        if (auto absolute = checkAbsolute("resolver file", file); !absolute) {
            return absolute;
        }
    }
    for (const auto& file : config.encryptedDnsFiles) {
        if (auto absolute = checkAbsolute("encrypted DNS list", file); !absolute) {
            return absolute;
        }
    }
    const std::array<std::tuple<std::string_view, std::int64_t, Range>, 13> ranges{{
        {"prompt timeout", config.promptTimeout.count(), kPromptTimeoutRange},
        {"claimed name wait", config.claimedNameWait.count(), kClaimWaitRange},
        {"mark bit", config.markBit, kMarkBitRange},
        {"reject mark bit", config.rejectMarkBit, kMarkBitRange},
        {"reply mark bit", config.replyMarkBit, kMarkBitRange},
        {"DNS queue", config.dnsQueue, kQueueRange},
        {"decision queue", config.decisionQueue, kQueueRange},
        {"DNS cache minimum TTL", config.dnsCache.minTtl.count(), kTtlRange},
        {"DNS cache maximum TTL", config.dnsCache.maxTtl.count(), kTtlRange},
        {"DNS cache size", config.dnsCache.maxAddresses, kMaxAddressesRange},
        {"verdict minimum TTL", config.verdictTtlMin.count(), kTtlRange},
        {"verdict maximum TTL", config.verdictTtlMax.count(), kTtlRange},
        {"event retention count", config.events.maxEvents, kMaxEventsRange},
    }};
    for (const auto& [name, value, range] : ranges) {
        if (auto inRange = checkRange(name, value, range); !inRange) {
            return inRange;
        }
    }
    if (auto inRange = checkRange("event retention age", config.events.maxAgeDays, kMaxAgeDaysRange); !inRange) {
        return inRange;
    }
    if (config.markBit == config.rejectMarkBit || config.markBit == config.replyMarkBit ||
        config.rejectMarkBit == config.replyMarkBit) {
        return Error(fmt::format("Invalid mark bits: the mark bit ({}), reject mark bit ({}) and reply mark bit ({}) "
                                 "must differ",
                                 config.markBit, config.rejectMarkBit, config.replyMarkBit));
    }
    if (config.dnsQueue == config.decisionQueue) {
        return Error(fmt::format("Invalid queues: the DNS queue and the decision queue are both {}", config.dnsQueue));
    }
    if (config.dnsCache.minTtl > config.dnsCache.maxTtl) {
        return Error("Invalid DNS cache TTLs: the minimum exceeds the maximum");
    }
    if (config.verdictTtlMin > config.verdictTtlMax) {
        return Error("Invalid verdict TTLs: the minimum exceeds the maximum");
    }
    return Ok{};
}

Result<DaemonConfig> parseDaemonConfig(std::string_view tomlText, std::string_view sourceName)
{
    toml::table document;
    try {
        document = toml::parse(tomlText, sourceName);
    } catch (const toml::parse_error& error) {
        return Error(fmt::format("Failed to parse configuration: {}", error.description()),
                     locate(sourceName, error.source()));
    }
    DaemonConfig config;
    if (auto read = readDocument(document, sourceName, config); !read) {
        return read.error();
    }
    if (auto valid = validateDaemonConfig(config); !valid) {
        return Error(valid.error().message, std::string(sourceName));
    }
    return config;
}

Result<DaemonConfig> loadDaemonConfigFile(const std::filesystem::path& path, bool missingMeansDefaults)
{
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
        if (missingMeansDefaults && !error) {
            return DaemonConfig{};
        }
        return Error(fmt::format("Failed to read configuration {}: {}", path.string(),
                                 error ? error.message() : "no such file"));
    }
    // The configuration decides what is obeyed (rule paths, hardening): trusted like a rule file, or refused.
    constexpr std::size_t maxConfigBytes = 1024 * 1024;
    auto text = readTrustedFile(path, maxConfigBytes);
    if (!text) {
        return Error(fmt::format("Failed to read configuration {}: {}", path.string(), text.error().message));
    }
    return parseDaemonConfig(*text, path.string());
}

std::string renderConfig(const DaemonConfig& config)
{
    std::string text = "# hostgated configuration (effective values)\n";
    if (config.cgroupScope) {
        text += fmt::format("cgroup = {}\n", tomlString(config.cgroupScope->string()));
    } else {
        text += "# cgroup: unset, the root of the cgroup2 hierarchy is discovered at start\n";
    }
    text += fmt::format("admin_rules_dir = {}\n", tomlString(config.adminRulesDir.string()));
    text += fmt::format("base_rules_dir = {}\n", tomlString(config.baseRulesDir.string()));
    text += fmt::format("host_sources_root = {}\n", tomlString(config.hostSourcesRoot.string()));
    text += fmt::format("user_rules_file = {}\n", tomlString(config.userRulesFile.string()));
    text += fmt::format("state_dir = {}\n", tomlString(config.stateDir.string()));
    text += fmt::format("bpf_pin_dir = {}\n", tomlString(config.bpfPinDir.string()));
    std::string resolvers;
    for (const auto& resolver : config.trustedResolvers)
        resolvers += (resolvers.empty() ? "" : ", ") + tomlString(resolver.toString());
    text += fmt::format("trusted_resolvers = [{}]\n", resolvers);
    std::string files;
    for (const auto& file : config.resolverFiles)
        files += (files.empty() ? "" : ", ") + tomlString(file.string());
    text += fmt::format("resolver_files = [{}]\n", files);
    text += fmt::format("other_protocols = \"{}\"\n", otherProtocolsName(config.otherProtocols));
    text += fmt::format("on_binary_change = \"{}\"\n", binaryChangeName(config.onBinaryChange));
    text += fmt::format("encrypted_dns = \"{}\"\n", toString(config.encryptedDns));
    std::string lists;
    for (const auto& file : config.encryptedDnsFiles)
        lists += (lists.empty() ? "" : ", ") + tomlString(file.string());
    text += fmt::format("encrypted_dns_files = [{}]\n", lists);
    text += fmt::format("refuse_doh_canary = {}\n", config.refuseDohCanary);
    text += fmt::format("trust_claimed_names = {}\n", config.trustClaimedNames);
    text += fmt::format("claimed_name_wait_ms = {}\n", config.claimedNameWait.count());
    text += fmt::format("default_action = \"{}\"\n", defaultActionName(config.defaultAction));
    text += fmt::format("mode = \"{}\"\n", daemonModeName(config.mode));
    text += fmt::format("prompt_timeout = {}\n", config.promptTimeout.count());
    text += fmt::format("failure_mode = \"{}\"\n", failureModeName(config.failureMode));
    text += fmt::format("log_level = \"{}\"\n", logLevelName(config.logLevel));
    text += fmt::format("hardening = {}\n", config.hardening);
    if (!config.dbus)
        text += "# D-Bus disabled by --no-bus\n";
    if (config.seccompLogOnly)
        text += "# seccomp logs instead of killing (--seccomp-log)\n";
    text += "\n[netfilter]\n";
    text += fmt::format("mark_bit = {} # mask 0x{:08x}\n", config.markBit, config.markMask());
    text += fmt::format("reject_mark_bit = {} # mask 0x{:08x}\n", config.rejectMarkBit, config.rejectMarkMask());
    text += fmt::format("reply_mark_bit = {} # mask 0x{:08x}\n", config.replyMarkBit, config.replyMarkMask());
    text += fmt::format("dns_queue = {}\n", config.dnsQueue);
    text += fmt::format("decision_queue = {}\n", config.decisionQueue);
    text += "\n[dns_cache]\n";
    text += fmt::format("min_ttl = {}\n", config.dnsCache.minTtl.count());
    text += fmt::format("max_ttl = {}\n", config.dnsCache.maxTtl.count());
    text += fmt::format("max_addresses = {}\n", config.dnsCache.maxAddresses);
    text += "\n[verdicts]\n";
    text += fmt::format("min_ttl = {}\n", config.verdictTtlMin.count());
    text += fmt::format("max_ttl = {}\n", config.verdictTtlMax.count());
    text += "\n[events]\n";
    text += fmt::format("max_events = {}\n", config.events.maxEvents);
    text += fmt::format("max_age_days = {}\n", config.events.maxAgeDays);
    text += "\n[lists]\n";
    text += fmt::format("dir = {}\n", tomlString(config.lists.dir.string()));
    if (config.lists.caFile.empty())
        text += "# ca_file: unset, the system's CA certificates\n";
    else
        text += fmt::format("ca_file = {}\n", tomlString(config.lists.caFile.string()));
    text += fmt::format("max_bytes = {}\n", config.lists.maxBytes);
    text += fmt::format("timeout = {}\n", config.lists.timeout.count());
    return text;
}

} // namespace hostgate
