// SPDX-License-Identifier: GPL-3.0-or-later
// Learning proposals in TOML: strict reading, writing, and the atomic save / keep-the-broken-file load.
#include "store/proposal_file.h"

#include "store/atomic_file.h"
#include "store/toml_values.h"
#include "util/errno_error.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace hostgate {

namespace {

constexpr std::int64_t proposalFileVersion = 1;
constexpr std::array topKeys{"version", "next_id", "dropped", "proposal", "rejected"};
constexpr std::array proposalKeys{"id",    "app",      "script",      "user",       "host",     "protocol",
                                  "ports", "examples", "connections", "first_seen", "last_seen"};
constexpr std::array rejectedKeys{"app", "script", "user", "host", "protocol"};
constexpr std::int64_t maxInteger = std::numeric_limits<std::int64_t>::max();
// The book groups at most a few dozen ports before it proposes any port; a file listing more is not ours.
constexpr std::uint32_t maxPortsPerProposal = 1024;

std::string locate(std::string_view path, const toml::source_region& region)
{
    return fmt::format("{}:{}:{}", path, region.begin.line, region.begin.column);
}

// Reads one table's keys; the first problem wins and later reads return nothing.
class TableReader {
public:
    TableReader(const toml::table& table, std::string_view path, std::string_view tableName)
        : table_(table), path_(path), tableName_(tableName)
    {}
    bool failed() const { return error_.has_value(); }
    const Error& error() const { return *error_; }
    void fail(std::string message, const toml::source_region& where)
    {
        if (!error_)
            error_ = Error{std::move(message), locate(path_, where)};
    }
    template <std::size_t N>
    void rejectUnknownKeys(const std::array<const char*, N>& known)
    {
        for (auto&& entry : table_) {
            // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
            const auto& key = entry.first;
            const std::string_view name = key.str();
            if (std::find_if(known.begin(), known.end(), [name](const char* k) { return name == k; }) == known.end())
                fail(fmt::format("unknown key '{}' in {}", name, tableName_), key.source());
        }
    }
    const toml::node* node(std::string_view key) const { return table_.get(key); }
    template <class T>
    std::optional<T> get(std::string_view key, std::string_view expected, bool required)
    {
        const toml::node* found = node(key);
        if (failed())
            return std::nullopt;
        if (!found) {
            if (required)
                fail(fmt::format("{} needs '{}'", tableName_, key), table_.source());
            return std::nullopt;
        }
        if (const auto* value = found->as<T>())
            return value->get();
        fail(fmt::format("'{}' must be {}, not {}", key, expected, describeTomlType(found->type())), found->source());
        return std::nullopt;
    }
    std::optional<std::string> string(std::string_view key, bool required = false)
    {
        auto value = get<std::string>(key, "a string", required);
        if (value && (value->empty() || value->size() > 4096)) {
            fail(fmt::format("'{}' must be 1 to 4096 bytes long", key), node(key)->source());
            return std::nullopt;
        }
        return value;
    }
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max, bool required = false)
    {
        auto value = get<std::int64_t>(key, "an integer", required);
        if (value && (*value < min || *value > max)) {
            fail(fmt::format("'{}' must be between {} and {}, not {}", key, min, max, *value), node(key)->source());
            return std::nullopt;
        }
        return value;
    }
    std::optional<TimePoint> time(std::string_view key)
    {
        auto value = get<toml::date_time>(key, "an offset date-time", true);
        if (!value)
            return std::nullopt;
        auto converted = timePointFromToml(*value);
        if (!converted) {
            fail(fmt::format("'{}': {}", key, converted.error().message), node(key)->source());
            return std::nullopt;
        }
        return *converted;
    }
    std::optional<HostPattern> host()
    {
        auto text = string("host", true);
        if (!text)
            return std::nullopt;
        auto pattern = HostPattern::parse(*text);
        if (!pattern || pattern->kind() == HostPattern::Kind::Any ||
            (pattern->kind() == HostPattern::Kind::Network && !pattern->cidr().isSingleHost())) {
            fail("invalid host: expected a name, *.domain or one address", node("host")->source());
            return std::nullopt;
        }
        return *pattern;
    }
    std::optional<Protocol> protocol()
    {
        auto text = string("protocol", true);
        if (!text)
            return std::nullopt;
        if (*text == "tcp")
            return Protocol::Tcp;
        if (*text == "udp")
            return Protocol::Udp;
        fail("'protocol' must be tcp or udp", node("protocol")->source());
        return std::nullopt;
    }

private:
    const toml::table& table_;
    std::string_view path_;
    std::string_view tableName_;
    std::optional<Error> error_;
};

template <class Each>
std::optional<Error> forEachTable(const toml::table& document, std::string_view key, std::string_view path, Each each)
{
    const toml::node* node = document.get(key);
    if (!node)
        return std::nullopt;
    const toml::array* array = node->as_array();
    if (!array || !array->is_array_of_tables())
        return Error{fmt::format("'{}' must be an array of tables ([[{}]])", key, key), locate(path, node->source())};
    for (const toml::node& element : *array)
        if (auto error = each(*element.as_table()))
            return error;
    return std::nullopt;
}

Result<ProposalBook::Contents> readDocument(const toml::table& document, std::string_view path)
{
    ProposalBook::Contents contents;
    TableReader top(document, path, "the proposal file");
    top.rejectUnknownKeys(topKeys);
    if (const auto version = top.integer("version", 0, maxInteger, true); version && *version != proposalFileVersion)
        top.fail(fmt::format("version {} is not supported (expected {})", *version, proposalFileVersion),
                 document.get("version")->source());
    contents.nextId = static_cast<ProposalId>(top.integer("next_id", 1, maxInteger).value_or(1));
    contents.dropped = static_cast<std::uint64_t>(top.integer("dropped", 0, maxInteger).value_or(0));
    if (top.failed())
        return top.error();

    std::set<ProposalId> ids;
    auto proposalError =
        forEachTable(document, "proposal", path, [&](const toml::table& table) -> std::optional<Error> {
            TableReader reader(table, path, "[[proposal]]");
            reader.rejectUnknownKeys(proposalKeys);
            Proposal proposal;
            proposal.id = static_cast<ProposalId>(reader.integer("id", 1, maxInteger, true).value_or(0));
            proposal.app = reader.string("app");
            proposal.script = reader.string("script");
            proposal.uid = static_cast<std::uint32_t>(reader.integer("user", 0, 0xffffffffLL, true).value_or(0));
            proposal.host = reader.host().value_or(HostPattern{});
            proposal.protocol = reader.protocol().value_or(Protocol::Tcp);
            if (auto ports = reader.string("ports", true)) {
                auto parsed = PortSet::parse(*ports);
                if (!parsed) {
                    reader.fail("invalid ports: " + parsed.error().message, table.get("ports")->source());
                } else if (parsed->isAny()) {
                    proposal.anyPort = true;
                } else if (parsed->size() > maxPortsPerProposal) {
                    reader.fail(fmt::format("a proposal lists at most {} ports (\"*\" for any)", maxPortsPerProposal),
                                table.get("ports")->source());
                } else {
                    for (const auto& range : parsed->ranges())
                        for (std::uint32_t port = range.first; port <= range.last; ++port)
                            proposal.ports.push_back(static_cast<std::uint16_t>(port));
                }
            }
            if (const toml::node* examples = table.get("examples")) {
                const toml::array* array = examples->as_array();
                if (!array || !array->is_homogeneous(toml::node_type::string))
                    reader.fail("'examples' must be an array of strings", examples->source());
                else
                    for (const toml::node& example : *array)
                        proposal.examples.push_back(example.as_string()->get());
            }
            proposal.connections = static_cast<std::uint64_t>(reader.integer("connections", 0, maxInteger).value_or(0));
            proposal.firstSeen = reader.time("first_seen").value_or(TimePoint{});
            proposal.lastSeen = reader.time("last_seen").value_or(TimePoint{});
            if (!reader.failed() && !ids.insert(proposal.id).second)
                reader.fail(fmt::format("duplicate proposal id {}", proposal.id), table.get("id")->source());
            if (reader.failed())
                return reader.error();
            contents.proposals.push_back(std::move(proposal));
            return std::nullopt;
        });
    if (proposalError)
        return *proposalError;
    auto rejectedError =
        forEachTable(document, "rejected", path, [&](const toml::table& table) -> std::optional<Error> {
            TableReader reader(table, path, "[[rejected]]");
            reader.rejectUnknownKeys(rejectedKeys);
            Rejection rejection;
            rejection.app = reader.string("app");
            rejection.script = reader.string("script");
            rejection.uid = static_cast<std::uint32_t>(reader.integer("user", 0, 0xffffffffLL, true).value_or(0));
            rejection.host = reader.host().value_or(HostPattern{});
            rejection.protocol = reader.protocol().value_or(Protocol::Tcp);
            if (reader.failed())
                return reader.error();
            contents.rejections.push_back(std::move(rejection));
            return std::nullopt;
        });
    if (rejectedError)
        return *rejectedError;
    std::sort(contents.proposals.begin(), contents.proposals.end(),
              [](const Proposal& a, const Proposal& b) { return a.id < b.id; });
    return contents;
}

void writeSubject(std::string& out, const std::optional<std::string>& app, const std::optional<std::string>& script,
                  std::uint32_t uid, const HostPattern& host, Protocol protocol)
{
    if (app)
        out += fmt::format("app = {}\n", quoteTomlString(*app));
    if (script)
        out += fmt::format("script = {}\n", quoteTomlString(*script));
    out += fmt::format("user = {}\nhost = {}\nprotocol = \"{}\"\n", uid, quoteTomlString(host.toString()),
                       toString(protocol));
}

} // namespace

std::string serializeProposals(const ProposalBook::Contents& contents)
{
    std::string out = fmt::format("# hostgate learning proposals (written by hostgated)\nversion = {}\nnext_id = {}\n"
                                  "dropped = {}\n",
                                  proposalFileVersion, contents.nextId, contents.dropped);
    for (const Proposal& proposal : contents.proposals) {
        out += fmt::format("\n[[proposal]]\nid = {}\n", proposal.id);
        writeSubject(out, proposal.app, proposal.script, proposal.uid, proposal.host, proposal.protocol);
        out += fmt::format("ports = {}\n", quoteTomlString(proposal.anyPort ? "*" : proposal.portSet().toString()));
        if (!proposal.examples.empty()) {
            out += "examples = [";
            for (std::size_t i = 0; i < proposal.examples.size(); ++i)
                out += (i ? ", " : "") + quoteTomlString(proposal.examples[i]);
            out += "]\n";
        }
        out += fmt::format("connections = {}\nfirst_seen = {}\nlast_seen = {}\n", proposal.connections,
                           formatTomlTime(proposal.firstSeen), formatTomlTime(proposal.lastSeen));
    }
    for (const Rejection& rejection : contents.rejections) {
        out += "\n[[rejected]]\n";
        writeSubject(out, rejection.app, rejection.script, rejection.uid, rejection.host, rejection.protocol);
    }
    return out;
}

Result<ProposalBook::Contents> parseProposals(std::string_view text, std::string_view sourcePath)
{
    if (text.size() > maxProposalFileBytes)
        return Error{
            fmt::format("{} bytes is more than a proposal file may hold ({})", text.size(), maxProposalFileBytes),
            std::string(sourcePath)};
    try {
        const toml::table document = toml::parse(text, sourcePath);
        return readDocument(document, sourcePath);
    } catch (const toml::parse_error& error) {
        return Error{std::string(error.description()), locate(sourcePath, error.source())};
    }
}

LoadedProposals loadProposals(const std::filesystem::path& path, TimePoint now)
{
    LoadedProposals loaded;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec)
        return loaded;
    const auto size = std::filesystem::file_size(path, ec);
    Result<ProposalBook::Contents> parsed = Error{"not read"};
    if (ec) {
        parsed = Error{"Failed to read: " + ec.message(), path.string()};
    } else if (size > maxProposalFileBytes) {
        parsed = Error{fmt::format("{} bytes is more than a proposal file may hold ({})", size, maxProposalFileBytes),
                       path.string()};
    } else {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in && !in.eof())
            parsed = Error{fmt::format("Failed to read: {}", errnoText(errno)), path.string()};
        else
            parsed = parseProposals(text.str(), path.string());
    }
    if (parsed) {
        loaded.contents = std::move(*parsed);
        return loaded;
    }
    loaded.error = parsed.error();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    auto keptAs = path;
    keptAs += fmt::format(".broken-{}", seconds);
    std::filesystem::rename(path, keptAs, ec);
    if (!ec)
        loaded.keptAs = keptAs;
    return loaded;
}

Result<void> saveProposals(const std::filesystem::path& path, const ProposalBook::Contents& contents)
{
    return writeFileAtomically(path, serializeProposals(contents), 0600);
}

} // namespace hostgate
