// SPDX-License-Identifier: GPL-3.0-or-later
// Text forms of the rule model: parsing and printing of actions, protocols, lifetimes, hosts and ports.
#include "rules/rule.h"

#include "net/hostname.h"
#include "util/name_table.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace hostgate {

namespace {

std::string_view trimmed(std::string_view text)
{
    const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

// A name whose last label is all digits can only be a mistyped address: no top-level domain is numeric.
bool looksLikeBrokenAddress(std::string_view normalizedName)
{
    const auto lastDot = normalizedName.rfind('.');
    const auto lastLabel = lastDot == std::string_view::npos ? normalizedName : normalizedName.substr(lastDot + 1);
    return std::all_of(lastLabel.begin(), lastLabel.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::uint16_t> parsePort(std::string_view text, std::string_view whole)
{
    unsigned long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || end != text.data() + text.size())
        return Error{fmt::format("'{}' in port list '{}' is not a port number", text, whole)};
    if (ec == std::errc::result_out_of_range || value > 65535)
        return Error{fmt::format("port {} in '{}' is out of range (1-65535)", text, whole)};
    if (value == 0)
        return Error{fmt::format("port 0 in '{}' is not a valid destination port (1-65535)", whole)};
    return static_cast<std::uint16_t>(value);
}

// Explanations must read the same on every machine, so times are printed in UTC, not the local zone.
std::string utcText(TimePoint time)
{
    const std::time_t seconds = Clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", utc);
}

// The one spelling of each value (rules/rule.h), as files, exports and D-Bus records write it; the first entry
// is the default a stray value falls back to.
constexpr NameTable<RuleOrigin, 3> kOriginNames{
    {{RuleOrigin::User, "user"}, {RuleOrigin::Admin, "admin"}, {RuleOrigin::Base, "base"}}};
constexpr NameTable<Action, 2> kActionNames{{{Action::Deny, "deny"}, {Action::Allow, "allow"}}};
// "*" is read as "any", never written.
constexpr NameTable<Protocol, 4> kProtocolNames{
    {{Protocol::Any, "any"}, {Protocol::Tcp, "tcp"}, {Protocol::Udp, "udp"}, {Protocol::Any, "*"}}};
constexpr NameTable<Lifetime::Kind, 4> kLifetimeKindNames{{{Lifetime::Kind::Forever, "forever"},
                                                           {Lifetime::Kind::Once, "once"},
                                                           {Lifetime::Kind::UntilExit, "until-exit"},
                                                           {Lifetime::Kind::UntilTime, "until-time"}}};

} // namespace

std::string_view originName(RuleOrigin origin)
{
    return nameIn(kOriginNames, origin);
}

std::string_view toString(Action action)
{
    return nameIn(kActionNames, action);
}

std::string_view toString(Protocol protocol)
{
    return nameIn(kProtocolNames, protocol);
}

// Enum words are matched exactly (lower case, no spaces), as the API documents them: one spelling per value,
// so a rule reads the same in a file, an export and a D-Bus record.
std::optional<Action> parseAction(std::string_view text)
{
    return valueIn(kActionNames, text);
}

std::optional<Protocol> parseProtocol(std::string_view text)
{
    return valueIn(kProtocolNames, text);
}

std::string_view toString(Lifetime::Kind kind)
{
    return nameIn(kLifetimeKindNames, kind);
}

std::optional<Lifetime::Kind> parseLifetimeKind(std::string_view text)
{
    return valueIn(kLifetimeKindNames, text);
}

Result<HostPattern> HostPattern::parse(std::string_view text)
{
    text = trimmed(text);
    if (text.empty())
        return Error{"Failed to parse host pattern: it is empty (use \"*\" for any host)"};
    if (text == "*" || equalsIgnoringCase(text, "any"))
        return HostPattern::any();

    if (constexpr std::string_view regexPrefix = "re:"; text.starts_with(regexPrefix)) {
        const auto pattern = text.substr(regexPrefix.size());
        if (pattern.empty())
            return Error{"Failed to parse host pattern 're:': the regular expression after 're:' is empty"};
        if (pattern.size() > maxRegexLength)
            return Error{fmt::format("Failed to parse host pattern: the regular expression is {} characters long, "
                                     "at most {} are allowed",
                                     pattern.size(), maxRegexLength)};
        if (!std::all_of(pattern.begin(), pattern.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
            return Error{fmt::format("Failed to parse host pattern '{}': a regular expression may only hold "
                                     "printable ASCII, since it matches names in their ASCII form (write "
                                     "international labels as punycode, xn--...)",
                                     text)};
        RE2::Options options;
        options.set_case_sensitive(false);
        options.set_never_capture(true);
        options.set_log_errors(false);
        options.set_max_mem(maxRegexMemory);
        auto compiled = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
        if (!compiled->ok())
            return Error{fmt::format("Failed to parse host pattern '{}': not a valid regular expression (RE2 "
                                     "syntax): {}",
                                     text, compiled->error())};
        HostPattern result;
        result.kind_ = Kind::Regex;
        result.name_ = std::string(pattern);
        result.regex_ = std::move(compiled);
        return result;
    }

    if (text.starts_with("*.")) {
        const auto domain = text.substr(2);
        if (domain.find('*') != std::string_view::npos)
            return Error{fmt::format("Failed to parse host pattern '{}': only one leading '*.' is allowed", text)};
        auto normalized = normalizeHostname(domain);
        if (!normalized)
            return Error{fmt::format("Failed to parse host pattern '{}': {}", text, normalized.error().message)};
        if (IpAddress::parse(*normalized) || looksLikeBrokenAddress(*normalized))
            return Error{fmt::format("Failed to parse host pattern '{}': a wildcard needs a domain name, "
                                     "use a CIDR such as 203.0.113.0/24 for address ranges",
                                     text)};
        return HostPattern::suffix(std::move(normalized).value());
    }
    if (text.find('*') != std::string_view::npos)
        return Error{fmt::format("Failed to parse host pattern '{}': a wildcard is only allowed as a leading "
                                 "'*.' (e.g. *.example.com)",
                                 text)};

    if (const auto cidr = Cidr::parse(text))
        return HostPattern::network(*cidr);
    if (text.find('/') != std::string_view::npos || text.find(':') != std::string_view::npos)
        return Error{fmt::format("Failed to parse host pattern '{}': not a valid IP address or CIDR network "
                                 "(e.g. 203.0.113.0/24, 2001:db8::/32)",
                                 text)};

    auto normalized = normalizeHostname(text);
    if (!normalized)
        return Error{fmt::format("Failed to parse host pattern '{}': {}", text, normalized.error().message)};
    if (looksLikeBrokenAddress(*normalized))
        return Error{fmt::format("Failed to parse host pattern '{}': not a valid IP address, and a host name "
                                 "cannot end in a numeric label",
                                 text)};
    return HostPattern::exact(std::move(normalized).value());
}

HostPattern HostPattern::exact(std::string normalizedName)
{
    HostPattern pattern;
    pattern.kind_ = Kind::Exact;
    pattern.name_ = std::move(normalizedName);
    return pattern;
}

HostPattern HostPattern::suffix(std::string normalizedDomain)
{
    HostPattern pattern;
    pattern.kind_ = Kind::Suffix;
    pattern.name_ = std::move(normalizedDomain);
    return pattern;
}

HostPattern HostPattern::network(Cidr cidr)
{
    HostPattern pattern;
    pattern.kind_ = Kind::Network;
    pattern.cidr_ = cidr;
    return pattern;
}

bool HostPattern::matchesName(std::string_view normalizedName) const
{
    switch (kind_) {
    case Kind::Any:
        return true;
    case Kind::Exact:
        return normalizedName == name_;
    case Kind::Suffix:
        // Strictly below the domain: "*.example.com" is about subdomains, never example.com itself.
        return normalizedName.size() > name_.size() && isSameOrSubdomain(normalizedName, name_);
    case Kind::Regex:
        return RE2::FullMatch(re2::StringPiece(normalizedName.data(), normalizedName.size()), *regex_);
    case Kind::Network:
        break;
    }
    return false;
}

bool HostPattern::matchesAddress(const IpAddress& address) const
{
    switch (kind_) {
    case Kind::Any:
        return true;
    case Kind::Network:
        return cidr_.contains(address);
    case Kind::Exact:
    case Kind::Suffix:
    case Kind::Regex:
        break;
    }
    return false;
}

std::string HostPattern::toString() const
{
    switch (kind_) {
    case Kind::Exact:
        // A host named "any" (written "any.") must not print as the keyword for every host.
        return name_ == "any" ? "any." : name_;
    case Kind::Suffix:
        return "*." + name_;
    case Kind::Regex:
        return "re:" + name_;
    case Kind::Network:
        return cidr_.isSingleHost() ? cidr_.base().toString() : cidr_.toString();
    case Kind::Any:
        break;
    }
    return "*";
}

Result<PortSet> PortSet::parse(std::string_view text)
{
    const auto whole = trimmed(text);
    if (whole.empty())
        return Error{"Failed to parse port list: it is empty (use \"any\" for every port)"};
    if (whole == "*" || equalsIgnoringCase(whole, "any"))
        return PortSet::any();

    std::vector<PortRange> ranges;
    std::string_view rest = whole;
    while (true) {
        const auto comma = rest.find(',');
        const auto item = trimmed(rest.substr(0, comma));
        if (item.empty())
            return Error{fmt::format("Failed to parse port list '{}': empty entry between commas", whole)};

        const auto dash = item.find('-');
        auto first = parsePort(trimmed(item.substr(0, dash)), whole);
        if (!first)
            return Error{"Failed to parse port list: " + first.error().message};
        auto last = first;
        if (dash != std::string_view::npos) {
            last = parsePort(trimmed(item.substr(dash + 1)), whole);
            if (!last)
                return Error{"Failed to parse port list: " + last.error().message};
            if (*last < *first)
                return Error{fmt::format("Failed to parse port list '{}': range {} is reversed (write {}-{})", whole,
                                         item, *last, *first)};
        }
        ranges.push_back({*first, *last});

        if (comma == std::string_view::npos)
            break;
        rest = rest.substr(comma + 1);
    }

    // Keep ranges sorted and disjoint, so contains() can binary-search and equal sets compare equal.
    std::sort(ranges.begin(), ranges.end(), [](const PortRange& a, const PortRange& b) { return a.first < b.first; });
    PortSet set;
    for (const auto& range : ranges) {
        if (!set.ranges_.empty() && static_cast<std::uint32_t>(set.ranges_.back().last) + 1 >= range.first)
            set.ranges_.back().last = std::max(set.ranges_.back().last, range.last);
        else
            set.ranges_.push_back(range);
    }
    return set;
}

PortSet PortSet::single(std::uint16_t port)
{
    PortSet set;
    set.ranges_.push_back({port, port});
    return set;
}

bool PortSet::contains(std::uint16_t port) const
{
    if (ranges_.empty())
        return true;
    const auto it = std::upper_bound(ranges_.begin(), ranges_.end(), port,
                                     [](std::uint16_t value, const PortRange& range) { return value < range.first; });
    return it != ranges_.begin() && std::prev(it)->last >= port;
}

std::uint32_t PortSet::size() const
{
    if (ranges_.empty())
        return 65536;
    std::uint32_t count = 0;
    for (const auto& range : ranges_)
        count += static_cast<std::uint32_t>(range.last) - range.first + 1;
    return count;
}

std::string PortSet::toString() const
{
    if (ranges_.empty())
        return "any";
    std::string text;
    for (const auto& range : ranges_) {
        if (!text.empty())
            text += ',';
        text += range.first == range.last ? std::to_string(range.first) : fmt::format("{}-{}", range.first, range.last);
    }
    return text;
}

std::string describe(const Rule& rule)
{
    std::string who = rule.app ? *rule.app : "any app";
    if (rule.script)
        who += " (" + *rule.script + ")";
    if (rule.uid)
        who += fmt::format(" uid {}", *rule.uid);

    std::string lifetime;
    switch (rule.lifetime.kind) {
    case Lifetime::Kind::UntilExit:
        lifetime = rule.lifetime.pid ? fmt::format("until pid {} exits", *rule.lifetime.pid) : "until exit";
        break;
    case Lifetime::Kind::UntilTime:
        lifetime = rule.lifetime.until ? "until " + utcText(*rule.lifetime.until) : "until a time";
        break;
    case Lifetime::Kind::Once:
    case Lifetime::Kind::Forever:
        lifetime = std::string(toString(rule.lifetime.kind));
        break;
    }

    // A rule not stored yet (id 0, e.g. one a prompt answer is about to become) has no number to show.
    const std::string number = rule.id == 0 ? std::string() : fmt::format("#{} ", rule.id);
    return fmt::format("{}{} {} -> {} {}/{} ({}){}", number, toString(rule.action), who, rule.host.toString(),
                       toString(rule.protocol), rule.ports.toString(), lifetime, rule.enabled ? "" : " [disabled]");
}

} // namespace hostgate
