// SPDX-License-Identifier: GPL-3.0-or-later
// Conversions between the API's a{sv} records and the core's rules, events, status and prompts.
#include "bus/bus_records.h"

#include "rules/rule_validation.h"
#include "store/idn.h"
#include "util/name_table.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace hostgate {

namespace {

constexpr std::string_view errorPrefix = "org.hostgate.Firewall1.Error.";
// An answer's scopes as the PromptAgent1 API spells them (not the log's "this-host"/"any-port").
constexpr NameTable<PromptAnswer::HostScope, 3> kAnswerHostScopes{{{PromptAnswer::HostScope::ThisHost, "host"},
                                                                   {PromptAnswer::HostScope::Domain, "domain"},
                                                                   {PromptAnswer::HostScope::AnyHost, "any"}}};
constexpr NameTable<PromptAnswer::PortScope, 2> kAnswerPortScopes{
    {{PromptAnswer::PortScope::ThisPort, "port"}, {PromptAnswer::PortScope::AnyPort, "any"}}};

// Reads one typed value out of a record, naming the key in every complaint, so a caller learns which
// field of a long dictionary was wrong.
class RecordReader {
public:
    RecordReader(std::string_view errorCode, std::string_view what) : errorCode_(errorCode), what_(what) {}

    template <class T>
    Result<T> read(const std::string& key, const sdbus::Variant& value) const
    {
        if (!value.containsValueOfType<T>()) {
            return fail(
                key, fmt::format("expected type '{}', got '{}'", sdbus::signature_of<T>::str(), value.peekValueType()));
        }
        T result = value.get<T>();
        if constexpr (std::is_same_v<T, std::string>) {
            if (result.size() > maxRecordStringBytes)
                return fail(key, fmt::format("longer than {} bytes", maxRecordStringBytes));
        }
        return result;
    }

    Error fail(const std::string& key, std::string_view reason) const
    {
        return Error::named(std::string(errorCode_), fmt::format("Invalid {} key '{}': {}", what_, key, reason));
    }

private:
    std::string_view errorCode_;
    std::string_view what_;
};

// The part of applyRuleRecord that handles one key; returns an error naming the key, or nothing.
std::optional<Error> applyRuleKey(Rule& rule, const std::string& key, const sdbus::Variant& value,
                                  const RecordReader& reader, std::optional<std::int64_t>& untilUsec,
                                  bool& lifetimeGiven)
{
    if (key == "app" || key == "script") {
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        // "" and "*" both mean any, as in rule files (where a script named "*" could not be written).
        const bool any = text->empty() || *text == "*";
        if (key == "app" && !any && !text->starts_with('/'))
            return reader.fail(key, "must be an absolute executable path, or \"\" for any application");
        auto& field = key == "app" ? rule.app : rule.script;
        field = any ? std::nullopt : std::optional<std::string>(std::move(text).value());
    } else if (key == "user") {
        auto uid = reader.read<std::uint32_t>(key, value);
        if (!uid)
            return uid.error();
        rule.uid = *uid;
    } else if (key == "host") {
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        auto host = parseHostPatternText(*text); // Unicode names become punycode before the core sees them
        if (!host)
            return reader.fail(key, host.error().message);
        rule.host = std::move(host).value();
    } else if (key == "ports") {
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        auto ports = text->empty() ? Result<PortSet>(PortSet::any()) : PortSet::parse(*text);
        if (!ports)
            return reader.fail(key, ports.error().message);
        rule.ports = std::move(ports).value();
    } else if (key == "protocol") {
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        const auto protocol = parseProtocol(*text);
        if (!protocol)
            return reader.fail(key, fmt::format("'{}' is not one of tcp, udp, any", *text));
        rule.protocol = *protocol;
    } else if (key == "action") {
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        const auto action = parseAction(*text);
        if (!action)
            return reader.fail(key, fmt::format("'{}' is not one of allow, deny", *text));
        rule.action = *action;
    } else if (key == "lifetime") {
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        const auto kind = parseLifetimeKind(*text);
        if (!kind)
            return reader.fail(key, fmt::format("'{}' is not one of forever, once, until-time", *text));
        if (*kind == Lifetime::Kind::UntilExit)
            return reader.fail(key, "until-exit rules are only created by prompt answers (they need a process)");
        rule.lifetime.kind = *kind;
        lifetimeGiven = true;
    } else if (key == "until_usec") {
        auto usec = reader.read<std::int64_t>(key, value);
        if (!usec)
            return usec.error();
        if (!timeFromUsec(*usec))
            return reader.fail(key, outOfRangeTime(*usec));
        untilUsec = *usec;
    } else if (key == "enabled") {
        auto enabled = reader.read<bool>(key, value);
        if (!enabled)
            return enabled.error();
        rule.enabled = *enabled;
    } else if (key == "note") {
        auto note = reader.read<std::string>(key, value);
        if (!note)
            return note.error();
        rule.note = std::move(note).value();
    } else if (key == "sha256") {
        auto digest = reader.read<std::string>(key, value);
        if (!digest)
            return digest.error();
        // "" removes a pin (UpdateRule), as "" means "any" for app and script.
        rule.sha256 = digest->empty() ? std::nullopt : std::optional(normalizedSha256(std::move(digest).value()));
    } else {
        return reader.fail(key, "unknown or read-only key");
    }
    return std::nullopt;
}

} // namespace

std::string outOfRangeTime(std::int64_t usec)
{
    return fmt::format("{} is out of range: the latest time a rule can name is {} (µs since the Unix epoch)", usec,
                       toUsec(latestRuleTime()));
}

std::string busErrorName(const Error& error)
{
    if (control_error::isPublished(error.code))
        return fmt::format("{}{}", errorPrefix, error.code);
    return fmt::format("{}{}", errorPrefix, control_error::failed);
}

std::int64_t toUsec(TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

TimePoint fromUsec(std::int64_t usec)
{
    // Saturates instead of wrapping; callers that take times from outside check with timeFromUsec first.
    if (const auto time = timeFromUsec(usec))
        return *time;
    return usec < 0 ? TimePoint::min() : TimePoint::max();
}

VariantMap ruleToRecord(const Rule& rule)
{
    VariantMap record;
    record["id"] = sdbus::Variant(std::uint64_t{rule.id});
    record["origin"] = sdbus::Variant(std::string(originName(rule.origin)));
    record["read_only"] = sdbus::Variant(isReadOnly(rule.origin));
    if (rule.scope != 0)
        record["scope"] = sdbus::Variant(std::uint64_t{rule.scope});
    record["app"] = sdbus::Variant(rule.app.value_or(""));
    record["script"] = sdbus::Variant(rule.script.value_or(""));
    if (rule.sha256)
        record["sha256"] = sdbus::Variant(*rule.sha256);
    if (rule.uid)
        record["user"] = sdbus::Variant(std::uint32_t{*rule.uid});
    record["host"] = sdbus::Variant(rule.host.toString());
    record["ports"] = sdbus::Variant(rule.ports.isAny() ? std::string("*") : rule.ports.toString());
    record["protocol"] = sdbus::Variant(std::string(toString(rule.protocol)));
    record["action"] = sdbus::Variant(std::string(toString(rule.action)));
    record["lifetime"] = sdbus::Variant(std::string(toString(rule.lifetime.kind)));
    if (rule.lifetime.until)
        record["until_usec"] = sdbus::Variant(toUsec(*rule.lifetime.until));
    if (rule.lifetime.pid)
        record["pid"] = sdbus::Variant(std::int32_t{*rule.lifetime.pid});
    record["enabled"] = sdbus::Variant(rule.enabled);
    record["note"] = sdbus::Variant(rule.note);
    if (rule.created != TimePoint{}) // unknown (a rule file that never said), never "1970"
        record["created_usec"] = sdbus::Variant(toUsec(rule.created));
    if (rule.lastHit)
        record["last_hit_usec"] = sdbus::Variant(toUsec(*rule.lastHit));
    record["hit_count"] = sdbus::Variant(std::uint64_t{rule.hitCount});
    if (!rule.source.empty())
        record["source"] = sdbus::Variant(rule.source);
    return record;
}

Result<Rule> applyRuleRecord(Rule rule, const VariantMap& changes, TimePoint now)
{
    const RecordReader reader(control_error::invalidRule, "rule");
    std::optional<std::int64_t> untilUsec;
    bool lifetimeGiven = false;
    for (const auto& [key, value] : changes) {
        if (auto error = applyRuleKey(rule, key, value, reader, untilUsec, lifetimeGiven))
            return std::move(*error);
    }

    if (rule.lifetime.kind == Lifetime::Kind::UntilTime) {
        if (untilUsec)
            rule.lifetime.until = fromUsec(*untilUsec);
        if (!rule.lifetime.until)
            return reader.fail("until_usec", "required by lifetime until-time");
        if (*rule.lifetime.until <= now)
            return reader.fail("until_usec", "must be in the future");
    } else if (untilUsec) {
        return reader.fail("until_usec", "only valid with lifetime until-time");
    } else if (lifetimeGiven) {
        rule.lifetime.until.reset();
        rule.lifetime.pid.reset();
    }
    if (auto problem = validateRule(rule))
        return reader.fail(problem->key == "until" ? "until_usec" : problem->key, problem->reason);
    return rule;
}

Result<Rule> newRuleFromRecord(const VariantMap& record, TimePoint now)
{
    const RecordReader reader(control_error::invalidRule, "rule");
    if (auto missing =
            missingRequiredKey([&record](std::string_view key) { return record.count(std::string(key)) > 0; }))
        return reader.fail(missing->key, missing->reason);
    return applyRuleRecord(Rule{}, record, now);
}

VariantMap connectionEventToRecord(const ConnectionEvent& event)
{
    VariantMap record;
    record["id"] = sdbus::Variant(std::int64_t{event.id});
    record["time_usec"] = sdbus::Variant(toUsec(event.time));
    record["verdict"] = sdbus::Variant(std::string(nameOf(event.verdict)));
    record["app"] = sdbus::Variant(event.appPath);
    record["pid"] = sdbus::Variant(std::int32_t{event.pid});
    record["uid"] = sdbus::Variant(std::uint32_t{event.uid});
    record["host"] = sdbus::Variant(event.host);
    record["address"] = sdbus::Variant(event.address);
    record["port"] = sdbus::Variant(std::uint16_t{event.port});
    record["protocol"] = sdbus::Variant(std::string(toString(event.protocol)));
    if (event.ruleId)
        record["rule_id"] = sdbus::Variant(std::uint64_t{*event.ruleId});
    record["explanation"] = sdbus::Variant(event.explanation);
    if (!event.container.empty())
        record["container"] = sdbus::Variant(event.container);
    if (!event.claimedHost.empty() || !event.claimedBy.empty()) {
        record["claimed_host"] = sdbus::Variant(event.claimedHost);
        record["claimed_by"] = sdbus::Variant(event.claimedBy);
    }
    if (event.scope != 0)
        record["scope"] = sdbus::Variant(std::uint64_t{event.scope});
    return record;
}

std::size_t clampTrafficLimit(std::uint32_t limit)
{
    return limit == 0 ? defaultTrafficLimit : std::min<std::size_t>(limit, maxTrafficLimit);
}

VariantMap trafficFlowToRecord(const TrafficFlow& flow)
{
    VariantMap record;
    record["socket"] = sdbus::Variant(std::uint64_t{flow.socket});
    record["app"] = sdbus::Variant(flow.app);
    record["comm"] = sdbus::Variant(flow.comm);
    if (!flow.script.empty())
        record["script"] = sdbus::Variant(flow.script);
    if (!flow.appId.empty())
        record["app_id"] = sdbus::Variant(flow.appId);
    record["pid"] = sdbus::Variant(std::int32_t{flow.pid});
    record["uid"] = sdbus::Variant(std::uint32_t{flow.uid});
    record["address"] = sdbus::Variant(flow.address.toString());
    record["port"] = sdbus::Variant(std::uint16_t{flow.port});
    record["protocol"] = sdbus::Variant(std::string(toString(flow.protocol)));
    record["host"] = sdbus::Variant(flow.host);
    if (flow.verdict)
        record["verdict"] = sdbus::Variant(std::string(nameOf(*flow.verdict)));
    if (flow.ruleId)
        record["rule_id"] = sdbus::Variant(std::uint64_t{*flow.ruleId});
    record["explanation"] = sdbus::Variant(flow.explanation);
    if (!flow.container.empty())
        record["container"] = sdbus::Variant(flow.container);
    record["since_usec"] = sdbus::Variant(toUsec(flow.since));
    record["last_usec"] = sdbus::Variant(toUsec(flow.lastActive));
    if (flow.closed)
        record["closed_usec"] = sdbus::Variant(toUsec(*flow.closed));
    record["bytes_sent"] = sdbus::Variant(std::uint64_t{flow.bytesSent});
    record["bytes_received"] = sdbus::Variant(std::uint64_t{flow.bytesReceived});
    record["packets_sent"] = sdbus::Variant(std::uint64_t{flow.packetsSent});
    record["packets_received"] = sdbus::Variant(std::uint64_t{flow.packetsReceived});
    return record;
}

Result<ScopeRequest> scopeRequestFromRecord(const VariantMap& policy)
{
    const RecordReader reader(control_error::invalidArgument, "policy");
    ScopeRequest request;
    for (const auto& [key, value] : policy) {
        if (key == "allow" || key == "deny") {
            auto hosts = reader.read<std::vector<std::string>>(key, value);
            if (!hosts)
                return hosts.error();
            if (request.rules.size() + hosts->size() > maxRulesPerScope)
                return reader.fail(key, fmt::format("more than {} hosts", maxRulesPerScope));
            for (const std::string& text : *hosts) {
                if (text.size() > maxRuleStringBytes)
                    return reader.fail(key, fmt::format("a host longer than {} bytes", maxRuleStringBytes));
                auto host = HostPattern::parse(text);
                if (!host)
                    return reader.fail(key, fmt::format("'{}': {}", text, host.error().message));
                Rule rule;
                rule.host = std::move(host).value();
                rule.action = key == "allow" ? Action::Allow : Action::Deny;
                request.rules.push_back(std::move(rule));
            }
        } else if (key == "rules") {
            if (!value.containsValueOfType<std::string>())
                return reader.fail(key, "expected type 's'");
            request.rulesToml = value.get<std::string>();
            if (request.rulesToml.size() > maxRuleTextBytes)
                return reader.fail(key, fmt::format("longer than {} bytes", maxRuleTextBytes));
        } else if (key == "default") {
            auto text = reader.read<std::string>(key, value);
            if (!text)
                return text.error();
            const auto parsed = parseScopeDefault(*text);
            if (!parsed)
                return reader.fail(key, fmt::format("'{}' is not deny, allow or ask", *text));
            request.defaultAction = *parsed;
        } else if (key == "label") {
            auto text = reader.read<std::string>(key, value);
            if (!text)
                return text.error();
            request.label = std::move(text).value();
            if (request.label.size() > maxScopeLabelBytes)
                request.label.resize(maxScopeLabelBytes);
        } else {
            return reader.fail(key, "unknown key");
        }
    }
    return request;
}

VariantMap scopeToRecord(const Scope& scope)
{
    VariantMap record;
    record["id"] = sdbus::Variant(std::uint64_t{scope.id});
    record["kind"] = sdbus::Variant(std::string(toString(scope.kind)));
    record["cgroup"] = sdbus::Variant(scope.cgroup);
    record["uid"] = sdbus::Variant(std::uint32_t{scope.uid});
    record["label"] = sdbus::Variant(scope.label);
    record["default"] = sdbus::Variant(std::string(toString(scope.defaultAction)));
    record["created_usec"] = sdbus::Variant(toUsec(scope.created));
    record["ending"] = sdbus::Variant(scope.ending);
    std::vector<VariantMap> rules;
    for (const Rule& rule : scope.rules)
        rules.push_back(ruleToRecord(rule));
    record["rules"] = sdbus::Variant(rules);
    return record;
}

Result<EventFilter> eventFilterFromRecord(const VariantMap& filter)
{
    const RecordReader reader(control_error::invalidArgument, "filter");
    EventFilter result;
    for (const auto& [key, value] : filter) {
        if (key == "app" || key == "host") {
            auto text = reader.read<std::string>(key, value);
            if (!text)
                return text.error();
            (key == "app" ? result.appContains : result.hostContains) = std::move(text).value();
        } else if (key == "verdict") {
            auto text = reader.read<std::string>(key, value);
            if (!text)
                return text.error();
            const std::optional<Outcome> outcome = parseOutcome(*text);
            if (!outcome)
                return reader.fail(key, fmt::format("'{}' is not one of allowed, denied, asked", *text));
            result.verdict = *outcome;
        } else if (key == "since_usec") {
            auto usec = reader.read<std::int64_t>(key, value);
            if (!usec)
                return usec.error();
            const auto since = timeFromUsec(*usec);
            if (!since)
                return reader.fail(key, outOfRangeTime(*usec));
            result.since = *since;
        } else {
            return reader.fail(key, "unknown key (known: app, host, verdict, since_usec)");
        }
    }
    return result;
}

std::size_t clampConnectionLimit(std::uint32_t limit)
{
    if (limit == 0)
        return defaultConnectionLimit;
    return std::min<std::size_t>(limit, maxConnectionLimit);
}

VariantMap statusToRecord(const FirewallStatus& status, std::size_t agents)
{
    const auto count = [](std::size_t n) { return sdbus::Variant(static_cast<std::uint32_t>(n)); };
    VariantMap record;
    record["version"] = sdbus::Variant(status.version);
    record["api_version"] = sdbus::Variant(std::uint32_t{1});
    record["mode"] = sdbus::Variant(std::string(toString(status.mode)));
    record["default_action"] = sdbus::Variant(std::string(toString(status.defaultAction)));
    record["prompt_timeout_ms"] = sdbus::Variant(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(status.promptTimeout).count()));
    record["kernel_features"] = sdbus::Variant(status.kernelFeatures);
    record["missing_features"] = sdbus::Variant(status.missingFeatures);
    record["rules"] = count(status.rules);
    record["admin_rules"] = count(status.adminRules);
    record["user_rules"] = count(status.userRules);
    record["runtime_rules"] = count(status.runtimeRules);
    record["rule_errors"] = sdbus::Variant(status.ruleErrors);
    record["pending_prompts"] = count(status.pendingPrompts);
    record["agents"] = count(agents);
    record["allowed"] = sdbus::Variant(std::uint64_t{status.allowed});
    record["denied"] = sdbus::Variant(std::uint64_t{status.denied});
    record["asked"] = sdbus::Variant(std::uint64_t{status.asked});
    record["dns_packets"] = sdbus::Variant(std::uint64_t{status.dnsPackets});
    record["dns_queue_overflows"] = sdbus::Variant(std::uint64_t{status.dnsQueueOverflows});
    record["decision_queue_overflows"] = sdbus::Variant(std::uint64_t{status.decisionQueueOverflows});
    record["verdict_entries"] = sdbus::Variant(std::uint64_t{status.verdictEntries});
    record["verdict_capacity"] = sdbus::Variant(std::uint64_t{status.verdictCapacity});
    record["miss_events_dropped"] = sdbus::Variant(std::uint64_t{status.missEventsDropped});
    record["proposals"] = count(status.proposals);
    record["proposal_limit"] = count(status.proposalLimit);
    record["proposals_dropped"] = sdbus::Variant(std::uint64_t{status.proposalsDropped});
    if (!status.proposalsError.empty())
        record["proposals_error"] = sdbus::Variant(status.proposalsError);
    record["lists"] = count(status.lists);
    if (!status.listErrors.empty())
        record["list_errors"] = sdbus::Variant(status.listErrors);
    record["started_usec"] = sdbus::Variant(toUsec(status.started));
    return record;
}

VariantMap proposalToRecord(const Proposal& proposal)
{
    VariantMap record;
    record["id"] = sdbus::Variant(std::uint64_t{proposal.id});
    if (proposal.app)
        record["app"] = sdbus::Variant(*proposal.app);
    if (proposal.script)
        record["script"] = sdbus::Variant(*proposal.script);
    record["user"] = sdbus::Variant(std::uint32_t{proposal.uid});
    record["host"] = sdbus::Variant(proposal.host.toString());
    record["ports"] = sdbus::Variant(proposal.anyPort ? std::string("*") : proposal.portSet().toString());
    record["protocol"] = sdbus::Variant(std::string(toString(proposal.protocol)));
    record["examples"] = sdbus::Variant(proposal.examples);
    record["connections"] = sdbus::Variant(std::uint64_t{proposal.connections});
    record["first_seen_usec"] = sdbus::Variant(toUsec(proposal.firstSeen));
    record["last_seen_usec"] = sdbus::Variant(toUsec(proposal.lastSeen));
    return record;
}

Result<ProposalSelection> proposalSelectionFromRecord(const VariantMap& selection)
{
    const RecordReader reader(control_error::invalidArgument, "selection");
    ProposalSelection result;
    for (const auto& [key, value] : selection) {
        if (key != "app")
            return reader.fail(key, "unknown key (known: app)");
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        result.app = std::move(text).value();
    }
    return result;
}

Result<Rule> ruleFromProposalRecord(const Proposal& proposal, const VariantMap& edits, TimePoint now)
{
    if (const auto origin = edits.find("enabled"); origin != edits.end())
        return Error::named(std::string(control_error::invalidRule),
                            "rule: 'enabled' cannot be edited while accepting (disable the rule afterwards)");
    return applyRuleRecord(ruleForProposal(proposal, now), edits, now);
}

VariantMap appSummaryToRecord(const AppSummary& app)
{
    VariantMap record;
    record["app"] = sdbus::Variant(app.app);
    record["connections"] = sdbus::Variant(std::uint64_t{app.connections});
    record["allowed"] = sdbus::Variant(std::uint64_t{app.allowed});
    record["denied"] = sdbus::Variant(std::uint64_t{app.denied});
    record["asked"] = sdbus::Variant(std::uint64_t{app.asked});
    if (app.lastSeen)
        record["last_seen_usec"] = sdbus::Variant(toUsec(*app.lastSeen));
    record["rules"] = sdbus::Variant(static_cast<std::uint32_t>(app.rules));
    return record;
}

VariantMap promptRequestToRecord(const PromptRequest& request, const std::string& userName,
                                 const std::string& parentApp)
{
    const Connection& connection = request.connection;
    const std::string firstName = connection.hostnames.empty() ? std::string() : connection.hostnames.front();
    const auto domain = firstName.empty() ? std::nullopt : domainScopeOf(firstName);

    VariantMap record;
    record["id"] = sdbus::Variant(std::uint64_t{request.id});
    record["pid"] = sdbus::Variant(std::int32_t{connection.pid});
    record["parent_pid"] = sdbus::Variant(std::int32_t{connection.parentPid});
    record["parent_app"] = sdbus::Variant(parentApp);
    record["uid"] = sdbus::Variant(std::uint32_t{connection.uid});
    record["user"] = sdbus::Variant(userName);
    record["app"] = sdbus::Variant(displayPath(connection.app));
    record["script"] = sdbus::Variant(connection.app.script.value_or(""));
    record["app_id"] = sdbus::Variant(connection.app.appId.value_or(""));
    if (connection.app.unit)
        record["unit"] = sdbus::Variant(*connection.app.unit);
    record["command_line"] = sdbus::Variant(connection.commandLine);
    record["hostnames"] = sdbus::Variant(connection.hostnames);
    record["address"] = sdbus::Variant(connection.destination.toString());
    record["port"] = sdbus::Variant(std::uint16_t{connection.port});
    record["protocol"] = sdbus::Variant(std::string(toString(connection.protocol)));
    record["asked_usec"] = sdbus::Variant(toUsec(request.asked));
    record["deadline_usec"] = sdbus::Variant(toUsec(request.deadline));
    record["default_action"] = sdbus::Variant(std::string(toString(request.defaultAction)));
    record["attempts"] = sdbus::Variant(static_cast<std::uint32_t>(request.attempts));
    record["domain_pattern"] = sdbus::Variant(domain ? "*." + *domain : std::string());
    if (connection.foreignNetns)
        record["container"] =
            sdbus::Variant(connection.cgroup.empty() ? std::string("(another network namespace)") : connection.cgroup);
    if (connection.encryptedDns)
        record["encrypted_dns"] = sdbus::Variant(*connection.encryptedDns);
    if (connection.claimedName) {
        // Claimed by the app's first payload, not resolved: `hostnames` holds it only when claims are trusted.
        record["claimed_host"] = sdbus::Variant(connection.claimedName->host);
        record["claimed_by"] = sdbus::Variant(std::string(claimSourceToken(connection.claimedName->source)));
        record["claim_trusted"] = sdbus::Variant(connection.claimTrusted);
        record["encrypted_hello"] = sdbus::Variant(connection.claimedName->encryptedHello);
    }
    if (!connection.unverifiedHostnames.empty()) {
        record["unverified_hostnames"] = sdbus::Variant(connection.unverifiedHostnames);
        record["unverified_resolver"] =
            sdbus::Variant(connection.unverifiedResolver ? connection.unverifiedResolver->toString() : std::string());
    }
    if (connection.package) {
        record["package"] = sdbus::Variant(connection.package->name);
        record["package_version"] = sdbus::Variant(connection.package->version);
        record["package_summary"] = sdbus::Variant(connection.package->summary);
    }
    return record;
}

Result<PromptAnswer> promptAnswerFromRecord(const VariantMap& answer)
{
    const RecordReader reader(control_error::invalidArgument, "answer");
    PromptAnswer result;
    bool actionGiven = false;
    std::optional<std::int64_t> untilUsec;
    for (const auto& [key, value] : answer) {
        if (key == "until_usec") {
            auto usec = reader.read<std::int64_t>(key, value);
            if (!usec)
                return usec.error();
            if (!timeFromUsec(*usec))
                return reader.fail(key, outOfRangeTime(*usec));
            untilUsec = *usec;
            continue;
        }
        if (key == "pin") {
            auto pin = reader.read<bool>(key, value);
            if (!pin)
                return pin.error();
            result.pinBinary = *pin;
            continue;
        }
        auto text = reader.read<std::string>(key, value);
        if (!text)
            return text.error();
        if (key == "action") {
            const auto action = parseAction(*text);
            if (!action)
                return reader.fail(key, fmt::format("'{}' is not one of allow, deny", *text));
            result.action = *action;
            actionGiven = true;
        } else if (key == "host_scope") {
            const auto scope = valueIn(kAnswerHostScopes, *text);
            if (!scope)
                return reader.fail(key, fmt::format("'{}' is not one of host, domain, any", *text));
            result.hostScope = *scope;
        } else if (key == "port_scope") {
            const auto scope = valueIn(kAnswerPortScopes, *text);
            if (!scope)
                return reader.fail(key, fmt::format("'{}' is not one of port, any", *text));
            result.portScope = *scope;
        } else if (key == "lifetime") {
            const auto kind = parseLifetimeKind(*text);
            if (!kind)
                return reader.fail(key, fmt::format("'{}' is not one of once, until-exit, until-time, forever", *text));
            result.lifetime = *kind;
        } else {
            return reader.fail(key, "unknown key");
        }
    }
    if (!actionGiven)
        return reader.fail("action", "missing (it is required)");
    if (untilUsec) {
        if (result.lifetime != Lifetime::Kind::UntilTime)
            return reader.fail("until_usec", "only valid with lifetime until-time");
        result.until = fromUsec(*untilUsec);
    }
    return result;
}

} // namespace hostgate
