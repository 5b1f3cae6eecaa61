// SPDX-License-Identifier: GPL-3.0-or-later
// The rule model: who (app, user) may reach what (host, ports, protocol), for how long, and why it exists.
#pragma once

#include "net/ip_address.h"
#include "util/result.h"
#include "util/time.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace hostgate {

enum class Action : std::uint8_t { Allow, Deny };
enum class Protocol : std::uint8_t { Any, Tcp, Udp };

std::string_view toString(Action action);
std::string_view toString(Protocol protocol);
std::optional<Action> parseAction(std::string_view text);
std::optional<Protocol> parseProtocol(std::string_view text);

// The host side of a rule. Names are stored normalized (lower case ASCII, punycode, no trailing dot).
class HostPattern {
public:
    enum class Kind : std::uint8_t {
        Any,     // "*" or "any"
        Exact,   // "www.example.com"
        Suffix,  // "*.example.com": example.com's subdomains at any depth, never example.com itself
        Network, // "203.0.113.7", "203.0.113.0/24", "2001:db8::/32" (a bare address is a host route)
        Regex,   // "re:^[a-z0-9-]+\.cdn\.example\.(com|net)$": RE2 syntax, matched against the whole
                 // normalized name (anchors optional, case-insensitive), in time linear in the name's length
    };

    // Longest pattern accepted after "re:", and the most memory RE2 may use to compile and run one.
    static constexpr std::size_t maxRegexLength = 256;
    static constexpr std::int64_t maxRegexMemory = 256 * 1024;

    HostPattern() = default; // Any
    static Result<HostPattern> parse(std::string_view text);
    static HostPattern any() { return {}; }
    static HostPattern exact(std::string normalizedName);
    static HostPattern suffix(std::string normalizedDomain);
    static HostPattern network(Cidr cidr);

    Kind kind() const { return kind_; }
    // Exact: the name; Suffix: the domain without "*."; Regex: the pattern without "re:"; otherwise empty.
    const std::string& name() const { return name_; }
    // Exact, suffix and regex patterns decide by the connection's names, never by its address alone.
    bool matchesByName() const { return kind_ == Kind::Exact || kind_ == Kind::Suffix || kind_ == Kind::Regex; }
    const Cidr& cidr() const { return cidr_; }

    bool matchesName(std::string_view normalizedName) const;
    bool matchesAddress(const IpAddress& address) const;

    // Canonical text accepted by parse(): "*", "a.example", "*.example", "203.0.113.0/24", "2001:db8::1",
    // "re:<pattern>".
    std::string toString() const;

    // Patterns are equal when their text is: two compilations of one regex are the same pattern.
    bool operator==(const HostPattern& other) const
    {
        return kind_ == other.kind_ && name_ == other.name_ && cidr_ == other.cidr_;
    }

private:
    Kind kind_ = Kind::Any;
    std::string name_;
    Cidr cidr_;
    std::shared_ptr<const re2::RE2> regex_; // Regex: compiled once, shared by copies (RE2 is thread-safe)
};

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    bool operator==(const PortRange&) const = default;
};

// A set of ports; empty means any port. Text form: "any" or "80,443,8000-8100".
class PortSet {
public:
    PortSet() = default;
    static Result<PortSet> parse(std::string_view text);
    static PortSet single(std::uint16_t port);
    static PortSet any() { return {}; }

    bool isAny() const { return ranges_.empty(); }
    bool contains(std::uint16_t port) const;
    const std::vector<PortRange>& ranges() const { return ranges_; }
    // Number of ports covered (65536 for any); smaller is more specific.
    std::uint32_t size() const;
    std::string toString() const;

    bool operator==(const PortSet&) const = default;

private:
    std::vector<PortRange> ranges_; // sorted, non-overlapping
};

struct Lifetime {
    enum class Kind : std::uint8_t {
        Once,      // used up by the first connection it decides
        UntilExit, // ends when process `pid` exits
        UntilTime, // ends at `until`
        Forever,
    };
    Kind kind = Kind::Forever;
    std::optional<TimePoint> until;  // UntilTime
    std::optional<std::int32_t> pid; // UntilExit

    // Named "permanent" because Qt defines a `forever` macro.
    static Lifetime permanent() { return {}; }
    static Lifetime once() { return {Kind::Once, std::nullopt, std::nullopt}; }
    static Lifetime untilExit(std::int32_t pid) { return {Kind::UntilExit, std::nullopt, pid}; }
    static Lifetime untilTime(TimePoint until) { return {Kind::UntilTime, until, std::nullopt}; }

    bool expiredAt(TimePoint now) const { return kind == Kind::UntilTime && until && now >= *until; }
    // Whether a rule with this lifetime is saved to disk: once and until-exit rules live only in memory.
    bool persistent() const { return kind == Kind::Forever || kind == Kind::UntilTime; }
    bool operator==(const Lifetime&) const = default;
};

std::string_view toString(Lifetime::Kind kind);
std::optional<Lifetime::Kind> parseLifetimeKind(std::string_view text);

enum class RuleOrigin : std::uint8_t {
    Admin, // /etc/hostgate/rules.d/*.toml: read-only to users, outranks every other rule
    Base,  // the shipped base policy, /usr/share/hostgate/rules.d/*.toml: read-only, below admin rules (a file of
           // the same name in the admin directory replaces one), above user rules
    User,  // decisions saved by the daemon in /var/lib/hostgate/rules.toml
};
// "admin" | "base" | "user"
std::string_view originName(RuleOrigin origin);
// Admin and base rules live in files the daemon only reads.
inline bool isReadOnly(RuleOrigin origin)
{
    return origin != RuleOrigin::User;
}

using RuleId = std::uint64_t;

struct Rule {
    RuleId id = 0;
    RuleOrigin origin = RuleOrigin::User;
    std::optional<std::string> app;    // canonical executable path; nullopt: any application
    std::optional<std::string> script; // interpreters: script path from the command line; nullopt: any
    // Pinned binary: the SHA-256 (64 lower-case hex digits) of the executable `app` names. A connection of a
    // different binary at that path is handled as `on_binary_change` says (hostgated.toml); nullopt: no pin.
    std::optional<std::string> sha256;
    std::optional<std::uint32_t> uid; // nullopt: any user
    HostPattern host;
    PortSet ports;
    Protocol protocol = Protocol::Any;
    Action action = Action::Deny;
    Lifetime lifetime;
    bool enabled = true;
    std::string note;
    TimePoint created{};
    std::optional<TimePoint> lastHit;
    std::uint64_t hitCount = 0;
    std::string source; // where it came from, e.g. "/etc/hostgate/rules.d/10-corp.toml"; empty for user rules
    // The scope (hostgatectl run / attach, scope/scope_book.h) the rule belongs to: it applies only to that
    // scope's processes and lives in memory as long as the scope. 0: a global rule.
    std::uint64_t scope = 0;

    bool operator==(const Rule&) const = default;
};

// One line for logs and explanations: "#12 allow /usr/bin/curl -> *.example.com tcp/443 (forever)".
std::string describe(const Rule& rule);

} // namespace hostgate
