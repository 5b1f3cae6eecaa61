// SPDX-License-Identifier: GPL-3.0-or-later
// DaemonConfig: names of the settings' values, validation, the TOML file format and its rendering.
#include "service/config.h"
#include "store/file_trust.h"
#include "store/toml_values.h"
#include "util/name_table.h"

#include <toml++/toml.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

namespace hostgate {

namespace {

constexpr NameTable<FailureMode, 2> kFailureModeNames{
    {{FailureMode::FailClosed, "fail-closed"}, {FailureMode::FailOpen, "fail-open"}}};

constexpr NameTable<OtherProtocols, 2> kOtherProtocolsNames{
    {{OtherProtocols::Deny, "deny"}, {OtherProtocols::Allow, "allow"}}};
constexpr NameTable<BinaryChange, 2> kBinaryChangeNames{{{BinaryChange::Deny, "deny"}, {BinaryChange::Warn, "warn"}}};

struct Range {
    std::int64_t min;
    std::int64_t max;
};

constexpr Range kMarkBitRange{0, 31};
constexpr Range kQueueRange{0, 65535};
constexpr Range kClaimWaitRange{0, 10000}; // milliseconds
constexpr Range kPromptTimeoutRange{1, 3600};
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
    {}

    void on(std::string_view key, KeyReader reader) { readers_.emplace_back(key, std::move(reader)); }

    Result<void> read(const toml::table& table) const
    {
        for (const auto& [key, node] : table) {
            const std::string qualified =
                prefix_.empty() ? std::string(key.str()) : prefix_ + "." + std::string(key.str());
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
    return Error(
        fmt::format("Invalid value for '{}': expected {}, got {}", key, expected, describeTomlType(node.type())));
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

template <class Range>
std::string tomlArray(const Range& values, const std::function<std::string(const typename Range::value_type&)>& text)
{
    std::string items;
    for (const auto& value : values)
        items += (items.empty() ? "" : ", ") + tomlString(text(value));
    return "[" + items + "]";
}

using Render = std::function<std::string(const DaemonConfig&)>;
using Check = std::function<Result<void>(const DaemonConfig&)>;

// One key of hostgated.toml, declared once: the table it is in, how the file's value is read (and checked), how
// --check-config prints it, and the check a value set another way (the command line) must pass.
struct Setting {
    std::string_view table; // "" for the top level
    std::string_view key;
    std::function<TableReader::KeyReader(DaemonConfig&)> reader;
    Render render;      // its line(s), each ending in a newline
    Check pathCheck{};  // validateDaemonConfig runs every path check,
    Check rangeCheck{}; // then every range check, in this table's order
};

Render quoted(std::string_view key, std::function<std::string(const DaemonConfig&)> value)
{
    return [key, text = std::move(value)](const DaemonConfig& config) {
        return fmt::format("{} = {}\n", key, tomlString(text(config)));
    };
}

template <class Value>
Render plain(std::string_view key, Value (*value)(const DaemonConfig&))
{
    return [key, value](const DaemonConfig& config) { return fmt::format("{} = {}\n", key, value(config)); };
}

Render named(std::string_view key, std::string_view (*value)(const DaemonConfig&))
{
    return [key, value](const DaemonConfig& config) { return fmt::format("{} = \"{}\"\n", key, value(config)); };
}

Check absolute(std::string_view name, const std::filesystem::path& (*path)(const DaemonConfig&))
{
    return [name, path](const DaemonConfig& config) { return checkAbsolute(name, path(config)); };
}

Check inRange(std::string_view name, std::int64_t (*value)(const DaemonConfig&), Range range)
{
    return [name, value, range](const DaemonConfig& config) { return checkRange(name, value(config), range); };
}

// A path read into `member` (absolute, or refused).
std::function<TableReader::KeyReader(DaemonConfig&)> pathInto(std::filesystem::path DaemonConfig::*member)
{
    return [member](DaemonConfig& config) {
        return readAbsolutePath([&config, member](std::filesystem::path path) { config.*member = std::move(path); });
    };
}

// A path that may also be "" (turns the feature off); anything else must be absolute.
std::function<TableReader::KeyReader(DaemonConfig&)> pathOrEmptyInto(std::filesystem::path DaemonConfig::*member)
{
    return [member](DaemonConfig& config) -> TableReader::KeyReader {
        return [&config, member](const toml::node& node, const std::string& key) -> Result<void> {
            if (node.is_string() && node.value<std::string>()->empty()) {
                (config.*member).clear();
                return Ok{};
            }
            return readAbsolutePath(
                [&config, member](std::filesystem::path path) { config.*member = std::move(path); })(node, key);
        };
    };
}

TableReader::KeyReader readBoolean(bool& target)
{
    return [&target](const toml::node& node, const std::string& key) -> Result<void> {
        if (!node.is_boolean())
            return wrongType(node, key, "a boolean");
        target = node.as_boolean()->get();
        return Ok{};
    };
}

// Every setting, in the order --check-config prints them (a table's keys together, the top level first).
const std::vector<Setting>& settings()
{
    using C = DaemonConfig;
    using Path = std::filesystem::path;
    static const std::vector<Setting> all{
        {"", "cgroup", [](C& c) { return readAbsolutePath([&c](Path path) { c.cgroupScope = std::move(path); }); },
         [](const C& c) {
             return c.cgroupScope
                        ? fmt::format("cgroup = {}\n", tomlString(c.cgroupScope->string()))
                        : std::string("# cgroup: unset, the root of the cgroup2 hierarchy is discovered at start\n");
         },
         [](const C& c) -> Result<void> {
             if (c.cgroupScope)
                 return checkAbsolute("cgroup scope", *c.cgroupScope);
             return Ok{};
         }},
        {"", "admin_rules_dir", pathInto(&C::adminRulesDir),
         quoted("admin_rules_dir", [](const C& c) { return c.adminRulesDir.string(); }),
         absolute("admin rules directory", [](const C& c) -> const Path& { return c.adminRulesDir; })},
        {"", "base_rules_dir", pathOrEmptyInto(&C::baseRulesDir),
         quoted("base_rules_dir", [](const C& c) { return c.baseRulesDir.string(); })},
        {"", "host_sources_root", pathInto(&C::hostSourcesRoot),
         quoted("host_sources_root", [](const C& c) { return c.hostSourcesRoot.string(); })},
        {"", "user_rules_file", pathInto(&C::userRulesFile),
         quoted("user_rules_file", [](const C& c) { return c.userRulesFile.string(); }),
         absolute("user rules file", [](const C& c) -> const Path& { return c.userRulesFile; })},
        {"", "state_dir", pathInto(&C::stateDir), quoted("state_dir", [](const C& c) { return c.stateDir.string(); }),
         absolute("state directory", [](const C& c) -> const Path& { return c.stateDir; })},
        {"", "bpf_pin_dir", pathOrEmptyInto(&C::bpfPinDir),
         quoted("bpf_pin_dir", [](const C& c) { return c.bpfPinDir.string(); }),
         [](const C& c) -> Result<void> {
             if (!c.bpfPinDir.empty())
                 return checkAbsolute("BPF pin directory", c.bpfPinDir);
             return Ok{};
         }},
        {"", "trusted_resolvers", [](C& c) { return readList<IpAddress>(c.trustedResolvers, &parseResolverAddress); },
         [](const C& c) {
             return "trusted_resolvers = " +
                    tomlArray(c.trustedResolvers, [](const IpAddress& address) { return address.toString(); }) + "\n";
         }},
        {"", "resolver_files", [](C& c) { return readList<Path>(c.resolverFiles, &parseAbsolutePath); },
         [](const C& c) {
             return "resolver_files = " + tomlArray(c.resolverFiles, [](const Path& file) { return file.string(); }) +
                    "\n";
         },
         [](const C& c) -> Result<void> {
             for (const auto& file : c.resolverFiles)
                 if (auto checked = checkAbsolute("resolver file", file); !checked)
                     return checked;
             return Ok{};
         }},
        {"", "other_protocols", [](C& c) { return readName(c.otherProtocols, &parseOtherProtocols, "deny, allow"); },
         named("other_protocols", [](const C& c) { return otherProtocolsName(c.otherProtocols); })},
        {"", "on_binary_change", [](C& c) { return readName(c.onBinaryChange, &parseBinaryChange, "deny, warn"); },
         named("on_binary_change", [](const C& c) { return binaryChangeName(c.onBinaryChange); })},
        {"", "encrypted_dns",
         [](C& c) { return readName(c.encryptedDns, &parseEncryptedDnsPolicy, "deny, ask, allow"); },
         named("encrypted_dns", [](const C& c) { return toString(c.encryptedDns); })},
        {"", "encrypted_dns_files", [](C& c) { return readList<Path>(c.encryptedDnsFiles, &parseAbsolutePath); },
         [](const C& c) {
             return "encrypted_dns_files = " +
                    tomlArray(c.encryptedDnsFiles, [](const Path& file) { return file.string(); }) + "\n";
         },
         [](const C& c) -> Result<void> {
             for (const auto& file : c.encryptedDnsFiles)
                 if (auto checked = checkAbsolute("encrypted DNS list", file); !checked)
                     return checked;
             return Ok{};
         }},
        {"", "refuse_doh_canary", [](C& c) { return readBoolean(c.refuseDohCanary); },
         plain(
             "refuse_doh_canary", +[](const C& c) { return c.refuseDohCanary; })},
        {"", "trust_claimed_names", [](C& c) { return readBoolean(c.trustClaimedNames); },
         plain(
             "trust_claimed_names", +[](const C& c) { return c.trustClaimedNames; })},
        {"", "traffic_accounting", [](C& c) { return readBoolean(c.trafficAccounting); },
         plain(
             "traffic_accounting", +[](const C& c) { return c.trafficAccounting; })},
        {"",
         "claimed_name_wait_ms",
         [](C& c) {
             return readInteger([&c](std::int64_t value) { c.claimedNameWait = std::chrono::milliseconds(value); },
                                kClaimWaitRange);
         },
         plain(
             "claimed_name_wait_ms", +[](const C& c) { return c.claimedNameWait.count(); }),
         {},
         inRange(
             "claimed name wait", [](const C& c) -> std::int64_t { return c.claimedNameWait.count(); },
             kClaimWaitRange)},
        {"", "default_action", [](C& c) { return readName(c.defaultAction, &parseDefaultAction, "deny, allow"); },
         named("default_action", [](const C& c) { return defaultActionName(c.defaultAction); })},
        {"", "mode",
         [](C& c) { return readName(c.mode, &parseDaemonMode, "enforce, silent-allow, silent-deny, learning"); },
         named("mode", [](const C& c) { return daemonModeName(c.mode); })},
        {"",
         "prompt_timeout",
         [](C& c) { return readSeconds(c.promptTimeout, kPromptTimeoutRange); },
         plain(
             "prompt_timeout", +[](const C& c) { return c.promptTimeout.count(); }),
         {},
         inRange(
             "prompt timeout", [](const C& c) -> std::int64_t { return c.promptTimeout.count(); },
             kPromptTimeoutRange)},
        {"", "failure_mode", [](C& c) { return readName(c.failureMode, &parseFailureMode, "fail-closed, fail-open"); },
         named("failure_mode", [](const C& c) { return failureModeName(c.failureMode); })},
        {"", "log_level",
         [](C& c) { return readName(c.logLevel, &parseLogLevel, "debug, info, notice, warning, error"); },
         named("log_level", [](const C& c) { return logLevelName(c.logLevel); })},
        {"", "hardening", [](C& c) { return readBoolean(c.hardening); },
         plain(
             "hardening", +[](const C& c) { return c.hardening; })},

        {"netfilter",
         "mark_bit",
         [](C& c) { return readUnsigned(c.markBit, kMarkBitRange); },
         [](const C& c) { return fmt::format("mark_bit = {} # mask 0x{:08x}\n", c.markBit, c.markMask()); },
         {},
         inRange(
             "mark bit", [](const C& c) -> std::int64_t { return c.markBit; }, kMarkBitRange)},
        {"netfilter",
         "reject_mark_bit",
         [](C& c) { return readUnsigned(c.rejectMarkBit, kMarkBitRange); },
         [](const C& c) {
             return fmt::format("reject_mark_bit = {} # mask 0x{:08x}\n", c.rejectMarkBit, c.rejectMarkMask());
         },
         {},
         inRange(
             "reject mark bit", [](const C& c) -> std::int64_t { return c.rejectMarkBit; }, kMarkBitRange)},
        {"netfilter",
         "reply_mark_bit",
         [](C& c) { return readUnsigned(c.replyMarkBit, kMarkBitRange); },
         [](const C& c) {
             return fmt::format("reply_mark_bit = {} # mask 0x{:08x}\n", c.replyMarkBit, c.replyMarkMask());
         },
         {},
         inRange(
             "reply mark bit", [](const C& c) -> std::int64_t { return c.replyMarkBit; }, kMarkBitRange)},
        {"netfilter",
         "dns_queue",
         [](C& c) { return readUnsigned(c.dnsQueue, kQueueRange); },
         plain(
             "dns_queue", +[](const C& c) { return c.dnsQueue; }),
         {},
         inRange(
             "DNS queue", [](const C& c) -> std::int64_t { return c.dnsQueue; }, kQueueRange)},
        {"netfilter",
         "decision_queue",
         [](C& c) { return readUnsigned(c.decisionQueue, kQueueRange); },
         plain(
             "decision_queue", +[](const C& c) { return c.decisionQueue; }),
         {},
         inRange(
             "decision queue", [](const C& c) -> std::int64_t { return c.decisionQueue; }, kQueueRange)},

        {"dns_cache",
         "min_ttl",
         [](C& c) { return readSeconds(c.dnsCache.minTtl, kTtlRange); },
         plain(
             "min_ttl", +[](const C& c) { return c.dnsCache.minTtl.count(); }),
         {},
         inRange(
             "DNS cache minimum TTL", [](const C& c) -> std::int64_t { return c.dnsCache.minTtl.count(); }, kTtlRange)},
        {"dns_cache",
         "max_ttl",
         [](C& c) { return readSeconds(c.dnsCache.maxTtl, kTtlRange); },
         plain(
             "max_ttl", +[](const C& c) { return c.dnsCache.maxTtl.count(); }),
         {},
         inRange(
             "DNS cache maximum TTL", [](const C& c) -> std::int64_t { return c.dnsCache.maxTtl.count(); }, kTtlRange)},
        {"dns_cache",
         "max_addresses",
         [](C& c) { return readUnsigned(c.dnsCache.maxAddresses, kMaxAddressesRange); },
         plain(
             "max_addresses", +[](const C& c) { return c.dnsCache.maxAddresses; }),
         {},
         inRange(
             "DNS cache size",
             [](const C& c) -> std::int64_t { return static_cast<std::int64_t>(c.dnsCache.maxAddresses); },
             kMaxAddressesRange)},

        {"verdicts",
         "min_ttl",
         [](C& c) { return readSeconds(c.verdictTtlMin, kTtlRange); },
         plain(
             "min_ttl", +[](const C& c) { return c.verdictTtlMin.count(); }),
         {},
         inRange(
             "verdict minimum TTL", [](const C& c) -> std::int64_t { return c.verdictTtlMin.count(); }, kTtlRange)},
        {"verdicts",
         "max_ttl",
         [](C& c) { return readSeconds(c.verdictTtlMax, kTtlRange); },
         plain(
             "max_ttl", +[](const C& c) { return c.verdictTtlMax.count(); }),
         {},
         inRange(
             "verdict maximum TTL", [](const C& c) -> std::int64_t { return c.verdictTtlMax.count(); }, kTtlRange)},

        {"events",
         "max_events",
         [](C& c) { return readUnsigned(c.events.maxEvents, kMaxEventsRange); },
         plain(
             "max_events", +[](const C& c) { return c.events.maxEvents; }),
         {},
         inRange(
             "event retention count",
             [](const C& c) -> std::int64_t { return static_cast<std::int64_t>(c.events.maxEvents); },
             kMaxEventsRange)},
        {"events",
         "max_age_days",
         [](C& c) { return readUnsigned(c.events.maxAgeDays, kMaxAgeDaysRange); },
         plain(
             "max_age_days", +[](const C& c) { return c.events.maxAgeDays; }),
         {},
         inRange(
             "event retention age",
             [](const C& c) -> std::int64_t { return static_cast<std::int64_t>(c.events.maxAgeDays); },
             kMaxAgeDaysRange)},

        {"lists", "dir", [](C& c) { return readAbsolutePath([&c](Path path) { c.lists.dir = std::move(path); }); },
         quoted("dir", [](const C& c) { return c.lists.dir.string(); })},
        {"lists", "ca_file",
         [](C& c) { return readAbsolutePath([&c](Path path) { c.lists.caFile = std::move(path); }); },
         [](const C& c) {
             return c.lists.caFile.empty() ? std::string("# ca_file: unset, the system's CA certificates\n")
                                           : fmt::format("ca_file = {}\n", tomlString(c.lists.caFile.string()));
         }},
        {"lists", "max_bytes",
         [](C& c) {
             return readInteger([&c](std::int64_t value) { c.lists.maxBytes = static_cast<std::uint64_t>(value); },
                                kListBytesRange);
         },
         plain(
             "max_bytes", +[](const C& c) { return c.lists.maxBytes; })},
        {"lists", "timeout", [](C& c) { return readSeconds(c.lists.timeout, kListTimeoutRange); },
         plain(
             "timeout", +[](const C& c) { return c.lists.timeout.count(); })},
    };
    return all;
}

Result<void> readDocument(const toml::table& document, std::string_view sourceName, DaemonConfig& config)
{
    // One reader per table; the tables are keys of the top level. std::map: the readers stay where they are.
    std::map<std::string_view, TableReader> tables;
    tables.try_emplace("", sourceName, "");
    for (const Setting& setting : settings()) {
        auto table = tables.try_emplace(setting.table, sourceName, std::string(setting.table)).first;
        table->second.on(setting.key, setting.reader(config));
    }
    TableReader& top = tables.at("");
    for (const auto& [name, table] : tables) {
        if (!name.empty())
            top.on(name, readSubtable([&table = table](const toml::table& contents) { return table.read(contents); }));
    }
    return top.read(document);
}

} // namespace

std::string_view defaultActionName(DefaultAction action)
{
    return toString(action);
}
std::string_view daemonModeName(DaemonMode mode)
{
    return toString(mode);
}
std::string_view failureModeName(FailureMode mode)
{
    return nameIn(kFailureModeNames, mode);
}
std::optional<DefaultAction> parseDefaultAction(std::string_view name)
{
    return parseAction(name);
}
std::optional<DaemonMode> parseDaemonMode(std::string_view name)
{
    return parseMode(name);
}
std::optional<FailureMode> parseFailureMode(std::string_view name)
{
    return valueIn(kFailureModeNames, name);
}
std::string_view otherProtocolsName(OtherProtocols value)
{
    return nameIn(kOtherProtocolsNames, value);
}
std::optional<OtherProtocols> parseOtherProtocols(std::string_view name)
{
    return valueIn(kOtherProtocolsNames, name);
}
std::string_view binaryChangeName(BinaryChange value)
{
    return nameIn(kBinaryChangeNames, value);
}
std::optional<BinaryChange> parseBinaryChange(std::string_view name)
{
    return valueIn(kBinaryChangeNames, name);
}

Result<void> validateDaemonConfig(const DaemonConfig& config)
{
    for (Check Setting::*check : {&Setting::pathCheck, &Setting::rangeCheck}) {
        for (const Setting& setting : settings()) {
            if (!(setting.*check))
                continue;
            if (auto valid = (setting.*check)(config); !valid)
                return valid;
        }
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
    std::string_view table;
    for (const Setting& setting : settings()) {
        if (setting.table != table) {
            if (table.empty()) {
                // What the command line changed that is no setting of the file, at the end of the top level.
                if (!config.dbus)
                    text += "# D-Bus disabled by --no-bus\n";
                if (config.seccompLogOnly)
                    text += "# seccomp logs instead of killing (--seccomp-log)\n";
            }
            table = setting.table;
            text += fmt::format("\n[{}]\n", table);
        }
        text += setting.render(config);
    }
    return text;
}

} // namespace hostgate
