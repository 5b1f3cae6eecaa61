// SPDX-License-Identifier: GPL-3.0-or-later
// Rule files in TOML: a strict parser (every problem located as file:line:column) and its serializer.
#include "store/rule_file.h"

#include "rules/rule_validation.h"
#include "store/idn.h"
#include "store/toml_values.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>

namespace hostgate {

namespace {

constexpr std::array ruleKeys{"id",       "app",     "script",   "user",      "host",   "ports",
                              "protocol", "action",  "lifetime", "until",     "pid",    "enabled",
                              "note",     "created", "last_hit", "hit_count", "sha256", "hosts_from"};

// Rules expanded from one [[rule]] with hosts_from get positions of their own above every table's, so the
// ids of the file's other rules do not move when the system's configuration adds a host.
constexpr std::size_t expansionPositionBase = std::size_t{1} << 22;
constexpr std::size_t maxHostsPerSource = 256;
constexpr std::size_t maxTablesWithExpansion = expansionPositionBase / maxHostsPerSource;

std::string locate(std::string_view sourcePath, const toml::source_region& region)
{
    return fmt::format("{}:{}:{}", sourcePath, region.begin.line, region.begin.column);
}

// Reads the keys of one [[rule]] table. The first problem wins; later reads become no-ops, so the rule
// parser reads straight through and checks `failed()` once.
class RuleTableReader {
public:
    RuleTableReader(const toml::table& table, std::string_view sourcePath) : table_(table), sourcePath_(sourcePath) {}

    bool failed() const { return error_.has_value(); }
    const Error& error() const { return *error_; }

    void fail(std::string message, const toml::source_region& where)
    {
        if (!error_)
            error_ = Error{std::move(message), locate(sourcePath_, where)};
    }
    void failAtKey(std::string_view key, std::string message) { fail(std::move(message), nodeOf(key)->source()); }
    void failAtTable(std::string message) { fail(std::move(message), table_.source()); }

    void rejectUnknownKeys()
    {
        for (auto&& [key, node] : table_) {
            if (std::find(ruleKeys.begin(), ruleKeys.end(), key.str()) == ruleKeys.end())
                fail(fmt::format("unknown key '{}' in [[rule]]", key.str()), key.source());
        }
    }

    bool has(std::string_view key) const { return table_.contains(key); }
    const toml::node* nodeOf(std::string_view key) const { return table_.get(key); }

    // The value of `key` when present and of type T; nullopt when absent (or after any failure).
    template <class T>
    std::optional<T> get(std::string_view key, std::string_view expected)
    {
        const toml::node* node = nodeOf(key);
        if (failed() || !node)
            return std::nullopt;
        if (const auto* value = node->as<T>())
            return value->get();
        fail(fmt::format("'{}' must be {}, not {}", key, expected, describeTomlType(node->type())), node->source());
        return std::nullopt;
    }

    std::optional<std::string> string(std::string_view key) { return get<std::string>(key, "a string"); }
    std::optional<bool> boolean(std::string_view key) { return get<bool>(key, "a boolean"); }

    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max)
    {
        std::optional<std::int64_t> value = get<std::int64_t>(key, "an integer");
        if (value && (*value < min || *value > max)) {
            failAtKey(key, fmt::format("'{}' must be between {} and {}, not {}", key, min, max, *value));
            return std::nullopt;
        }
        return value;
    }

    std::optional<TimePoint> time(std::string_view key)
    {
        std::optional<toml::date_time> value = get<toml::date_time>(key, "an offset date-time");
        if (!value)
            return std::nullopt;
        Result<TimePoint> converted = timePointFromToml(*value);
        if (!converted) {
            failAtKey(key, fmt::format("'{}': {}", key, converted.error().message));
            return std::nullopt;
        }
        return *converted;
    }

    // A non-empty string, or nullopt when absent or "*" (both mean "any").
    std::optional<std::string> optionalIdentity(std::string_view key)
    {
        std::optional<std::string> value = string(key);
        if (value && value->empty())
            failAtKey(key, fmt::format("'{}' must not be empty (omit it or use \"*\" for any)", key));
        if (failed() || (value && *value == "*"))
            return std::nullopt;
        return value;
    }

private:
    const toml::table& table_;
    std::string_view sourcePath_;
    std::optional<Error> error_;
};

void readHostAndPorts(RuleTableReader& reader, Rule& rule, RuleOrigin origin, std::optional<std::string>& hostsFrom)
{
    if (reader.has("hosts_from")) {
        if (reader.has("host")) {
            reader.failAtKey("hosts_from", "'host' and 'hosts_from' exclude each other: give one");
        } else if (origin == RuleOrigin::User) {
            reader.failAtKey("hosts_from", "'hosts_from' is only read in admin and base policy rule files");
        } else if (std::optional<std::string> source = reader.string("hosts_from")) {
            if (isHostSourceName(*source))
                hostsFrom = std::move(*source);
            else
                reader.failAtKey("hosts_from",
                                 fmt::format("unknown host source '{}' (expected apt-sources, timesyncd-servers, "
                                             "networkmanager-connectivity or fwupd-remotes)",
                                             *source));
        }
    }
    if (std::optional<std::string> host = reader.string("host")) {
        Result<HostPattern> pattern = parseHostPatternText(*host);
        if (pattern)
            rule.host = std::move(*pattern);
        else
            reader.failAtKey("host", "invalid host: " + pattern.error().message);
    }

    const toml::node* ports = reader.nodeOf("ports");
    if (reader.failed() || !ports)
        return;
    if (const auto* single = ports->as_integer()) {
        if (single->get() < 1 || single->get() > 65535)
            reader.failAtKey("ports", fmt::format("invalid ports: port {} is not in 1..65535", single->get()));
        else
            rule.ports = PortSet::single(static_cast<std::uint16_t>(single->get()));
    } else if (std::optional<std::string> text = reader.get<std::string>("ports", "a string or an integer")) {
        Result<PortSet> parsed = PortSet::parse(*text);
        if (parsed)
            rule.ports = std::move(*parsed);
        else
            reader.failAtKey("ports", "invalid ports: " + parsed.error().message);
    }
}

void readLifetime(RuleTableReader& reader, Rule& rule)
{
    if (std::optional<std::string> text = reader.string("lifetime")) {
        if (std::optional<Lifetime::Kind> kind = parseLifetimeKind(*text))
            rule.lifetime.kind = *kind;
        else
            reader.failAtKey("lifetime",
                             fmt::format("invalid lifetime '{}' (expected {}, {}, {} or {})", *text,
                                         toString(Lifetime::Kind::Forever), toString(Lifetime::Kind::Once),
                                         toString(Lifetime::Kind::UntilExit), toString(Lifetime::Kind::UntilTime)));
    }
    if (reader.failed())
        return;

    const bool wantsUntil = rule.lifetime.kind == Lifetime::Kind::UntilTime;
    const bool wantsPid = rule.lifetime.kind == Lifetime::Kind::UntilExit;
    if (reader.has("until") && !wantsUntil)
        reader.failAtKey(
            "until", fmt::format("'until' is only valid with lifetime = \"{}\"", toString(Lifetime::Kind::UntilTime)));
    if (reader.has("pid") && !wantsPid)
        reader.failAtKey(
            "pid", fmt::format("'pid' is only valid with lifetime = \"{}\"", toString(Lifetime::Kind::UntilExit)));
    if (wantsUntil && !reader.has("until"))
        reader.failAtKey("lifetime", fmt::format("lifetime = \"{}\" needs an 'until' date-time",
                                                 toString(Lifetime::Kind::UntilTime)));
    if (wantsPid && !reader.has("pid"))
        reader.failAtKey("lifetime", fmt::format("lifetime = \"{}\" needs the 'pid' of the process",
                                                 toString(Lifetime::Kind::UntilExit)));
    if (wantsUntil)
        rule.lifetime.until = reader.time("until");
    if (wantsPid) {
        if (std::optional<std::int64_t> pid = reader.integer("pid", 1, std::numeric_limits<std::int32_t>::max()))
            rule.lifetime.pid = static_cast<std::int32_t>(*pid);
    }
}

// How a file's rule ids are treated: stored in the user file, derived for admin files, dropped on import
// (the importing store assigns fresh ones, so an exported file can be imported next to existing rules).
enum class IdPolicy { Stored, Derived, Dropped };

Result<Rule> readRule(const toml::table& table, std::string_view sourcePath, RuleOrigin origin, std::size_t position,
                      IdPolicy ids, std::optional<std::string>& hostsFrom)
{
    RuleTableReader reader(table, sourcePath);
    reader.rejectUnknownKeys();

    Rule rule;
    rule.origin = origin;
    if (origin != RuleOrigin::User) {
        if (reader.has("id"))
            reader.failAtKey("id",
                             "'id' is not allowed in admin and base policy rule files: their rule ids are derived "
                             "from the file name and the rule's position");
        rule.id = adminRuleId(std::filesystem::path(sourcePath).filename().string(), position);
        rule.source = std::string(sourcePath);
    } else if (ids == IdPolicy::Dropped) {
        if (reader.has("id"))
            static_cast<void>(reader.integer("id", 1, std::numeric_limits<std::int64_t>::max())); // well-formed
    } else if (!reader.has("id")) {
        reader.failAtTable("user rule without 'id'");
    } else if (std::optional<std::int64_t> id = reader.integer("id", 1, std::numeric_limits<std::int64_t>::max())) {
        rule.id = static_cast<RuleId>(*id);
    }

    rule.app = reader.optionalIdentity("app");
    rule.script = reader.optionalIdentity("script");
    if (std::optional<std::string> digest = reader.string("sha256"))
        rule.sha256 = normalizedSha256(std::move(*digest));
    if (std::optional<std::int64_t> uid = reader.integer("user", 0, std::numeric_limits<std::uint32_t>::max()))
        rule.uid = static_cast<std::uint32_t>(*uid);
    readHostAndPorts(reader, rule, origin, hostsFrom);

    if (std::optional<std::string> text = reader.string("protocol")) {
        if (std::optional<Protocol> protocol = parseProtocol(*text))
            rule.protocol = *protocol;
        else
            reader.failAtKey("protocol", fmt::format("invalid protocol '{}' (expected tcp, udp or any)", *text));
    }

    if (std::optional<std::string> text = reader.string("action")) {
        if (std::optional<Action> action = parseAction(*text))
            rule.action = *action;
        else
            reader.failAtKey("action", fmt::format("invalid action '{}' (expected allow or deny)", *text));
    }

    readLifetime(reader, rule);
    rule.enabled = reader.boolean("enabled").value_or(true);
    rule.note = reader.string("note").value_or("");
    rule.created = reader.time("created").value_or(TimePoint{});
    rule.lastHit = reader.time("last_hit");
    rule.hitCount = static_cast<std::uint64_t>(
        reader.integer("hit_count", 0, std::numeric_limits<std::int64_t>::max()).value_or(0));

    // After the values, so a wrong value is reported where it is, before a key that is missing.
    if (!reader.failed()) {
        const auto has = [&reader](std::string_view key) {
            return reader.has(key) || (key == "host" && reader.has("hosts_from"));
        };
        if (auto missing = missingRequiredKey(has))
            reader.failAtTable(fmt::format("rule without '{}': {}", missing->key, missing->reason));
    }
    if (!reader.failed()) {
        if (auto problem = validateRule(rule)) {
            if (reader.has(problem->key))
                reader.failAtKey(problem->key, fmt::format("'{}' {}", problem->key, problem->reason));
            else
                reader.failAtTable(fmt::format("'{}' {}", problem->key, problem->reason));
        }
    }
    if (reader.failed())
        return reader.error();
    return rule;
}

Result<std::vector<Rule>> readRules(const toml::table& document, std::string_view sourcePath, RuleOrigin origin,
                                    IdPolicy ids, const HostSourceSnapshot* hostSources)
{
    for (auto&& [key, node] : document) {
        if (key.str() != "version" && key.str() != "rule")
            return Error{fmt::format("unknown top-level key '{}' (expected 'version' or [[rule]] tables)", key.str()),
                         locate(sourcePath, key.source())};
    }
    if (const toml::node* version = document.get("version")) {
        const auto* number = version->as_integer();
        if (!number)
            return Error{fmt::format("'version' must be an integer, not {}", describeTomlType(version->type())),
                         locate(sourcePath, version->source())};
        if (number->get() != ruleFileVersion)
            return Error{fmt::format("unsupported rule file version {} (this hostgate reads version {})", number->get(),
                                     ruleFileVersion),
                         locate(sourcePath, version->source())};
    }

    std::vector<Rule> rules;
    const toml::node* ruleNode = document.get("rule");
    if (!ruleNode)
        return rules;
    const toml::array* tables = ruleNode->as_array();
    if (!tables || !tables->is_array_of_tables())
        return Error{"'rule' must be an array of tables: write each rule under [[rule]]",
                     locate(sourcePath, ruleNode->source())};

    if (tables->size() > maxRulesPerFile)
        return Error{fmt::format("{} rules, more than the limit of {} per file", tables->size(), maxRulesPerFile),
                     locate(sourcePath, ruleNode->source())};

    std::set<RuleId> seenIds;
    std::size_t tableIndex = 0;
    for (const toml::node& element : *tables) {
        const std::size_t index = tableIndex++;
        std::optional<std::string> hostsFrom;
        Result<Rule> rule = readRule(*element.as_table(), sourcePath, origin, index + 1, ids, hostsFrom);
        if (!rule)
            return rule.error();
        if (hostsFrom) {
            const auto where = locate(sourcePath, element.as_table()->get("hosts_from")->source());
            if (!hostSources)
                return Error{"'hosts_from' needs the system's configuration, which is only read when the daemon loads "
                             "its rule directories",
                             where};
            if (index >= maxTablesWithExpansion)
                return Error{
                    fmt::format("'hosts_from' is only read in the first {} rules of a file", maxTablesWithExpansion),
                    where};
            const std::vector<std::string>& hosts = hostSources->of(*hostsFrom);
            if (hosts.size() > maxHostsPerSource)
                return Error{fmt::format("{} has {} hosts, more than the {} one rule may take", *hostsFrom,
                                         hosts.size(), maxHostsPerSource),
                             where};
            std::size_t expansion = 0;
            for (const std::string& host : hosts) {
                Result<HostPattern> pattern = parseHostPatternText(host);
                const bool single =
                    pattern && (pattern->kind() == HostPattern::Kind::Exact ||
                                (pattern->kind() == HostPattern::Kind::Network && pattern->cidr().isSingleHost()));
                if (!single)
                    continue; // a value in the system's file that names no single host: nothing to allow
                Rule expanded = *rule;
                expanded.host = std::move(*pattern);
                expanded.id = adminRuleId(std::filesystem::path(sourcePath).filename().string(),
                                          expansionPositionBase + index * maxHostsPerSource + expansion++);
                if (auto problem = validateRule(expanded))
                    return Error{fmt::format("'{}' of {}: {}", host, *hostsFrom, problem->reason), where};
                rules.push_back(std::move(expanded));
            }
            continue;
        }
        if (ids != IdPolicy::Dropped && !seenIds.insert(rule->id).second)
            return Error{fmt::format("duplicate rule id {}", rule->id),
                         locate(sourcePath, element.as_table()->get("id")->source())};
        rules.push_back(std::move(*rule));
    }
    return rules;
}

void writeRule(std::string& out, const Rule& rule)
{
    out += "\n[[rule]]\n";
    if (rule.origin == RuleOrigin::User)
        out += fmt::format("id = {}\n", rule.id);
    if (rule.app)
        out += "app = " + quoteTomlString(*rule.app) + "\n";
    if (rule.script)
        out += "script = " + quoteTomlString(*rule.script) + "\n";
    if (rule.sha256)
        out += "sha256 = " + quoteTomlString(*rule.sha256) + "\n";
    if (rule.uid)
        out += fmt::format("user = {}\n", *rule.uid);
    out += "host = " + quoteTomlString(rule.host.toString()) + "\n";
    if (!rule.ports.isAny())
        out += "ports = " + quoteTomlString(rule.ports.toString()) + "\n";
    if (rule.protocol != Protocol::Any)
        out += fmt::format("protocol = \"{}\"\n", toString(rule.protocol));
    out += fmt::format("action = \"{}\"\n", toString(rule.action));
    out += fmt::format("lifetime = \"{}\"\n", toString(rule.lifetime.kind));
    if (rule.lifetime.kind == Lifetime::Kind::UntilTime && rule.lifetime.until)
        out += "until = " + formatTomlTime(*rule.lifetime.until) + "\n";
    if (rule.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime.pid)
        out += fmt::format("pid = {}\n", *rule.lifetime.pid);
    out += fmt::format("enabled = {}\n", rule.enabled);
    if (!rule.note.empty())
        out += "note = " + quoteTomlString(rule.note) + "\n";
    if (rule.created != TimePoint{})
        out += "created = " + formatTomlTime(rule.created) + "\n";
    if (rule.lastHit)
        out += "last_hit = " + formatTomlTime(*rule.lastHit) + "\n";
    if (rule.hitCount != 0)
        out += fmt::format("hit_count = {}\n", rule.hitCount);
}

} // namespace

std::optional<Error> checkRuleTextSize(std::size_t bytes, std::string_view sourcePath)
{
    if (bytes <= maxRuleTextBytes)
        return std::nullopt;
    return Error{fmt::format("Failed to load {}: it is {} bytes, larger than the limit of {} MiB for rule files and "
                             "imports; split it or remove rules",
                             sourcePath, bytes, maxRuleTextBytes / (1024 * 1024))};
}

RuleId adminRuleId(std::string_view fileName, std::size_t position)
{
    // FNV-1a: stable across builds and platforms, unlike std::hash.
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (char c : fileName) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    constexpr std::uint64_t positionBits = 23;
    constexpr std::uint64_t hashMask = (std::uint64_t{1} << 40) - 1;
    return firstAdminRuleId | ((hash & hashMask) << positionBits) |
           (static_cast<std::uint64_t>(position) & ((std::uint64_t{1} << positionBits) - 1));
}

Result<std::vector<Rule>> parseRuleFile(std::string_view text, std::string_view sourcePath, RuleOrigin origin,
                                        const HostSourceSnapshot* hostSources)
{
    if (auto tooLarge = checkRuleTextSize(text.size(), sourcePath))
        return *tooLarge;
    try {
        toml::table document = toml::parse(text, sourcePath);
        return readRules(document, sourcePath, origin,
                         origin == RuleOrigin::User ? IdPolicy::Stored : IdPolicy::Derived, hostSources);
    } catch (const toml::parse_error& error) {
        return Error{std::string(error.description()), locate(sourcePath, error.source())};
    }
}

Result<std::vector<Rule>> parseImportedRules(std::string_view text, std::string_view sourceName)
{
    if (auto tooLarge = checkRuleTextSize(text.size(), sourceName))
        return *tooLarge;
    try {
        toml::table document = toml::parse(text, sourceName);
        return readRules(document, sourceName, RuleOrigin::User, IdPolicy::Dropped, nullptr);
    } catch (const toml::parse_error& error) {
        return Error{std::string(error.description()), locate(sourceName, error.source())};
    }
}

std::string serializeRules(const std::vector<Rule>& rules)
{
    std::string out = fmt::format("# hostgate rules\nversion = {}\n", ruleFileVersion);
    for (const Rule& rule : rules)
        writeRule(out, rule);
    return out;
}

} // namespace hostgate
