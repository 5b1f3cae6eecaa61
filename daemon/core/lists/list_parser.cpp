// SPDX-License-Identifier: GPL-3.0-or-later
// Parsers for subscribed domain lists: one pass over the text, no copy of a line unless it holds an entry.
#include "lists/list_parser.h"

#include "net/hostname.h"
#include "net/ip_address.h"
#include "util/name_table.h"

#include <fmt/format.h>

#include <array>

namespace hostgate {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string_view withoutComment(std::string_view line, char marker)
{
    const auto comment = line.find(marker);
    return comment == std::string_view::npos ? line : line.substr(0, comment);
}

// Names hosts files map to themselves; they are not entries.
bool isLocalName(std::string_view name)
{
    static constexpr std::array<std::string_view, 10> local = {
        "localhost",    "localhost.localdomain", "local",           "broadcasthost", "ip6-localhost",
        "ip6-loopback", "ip6-localnet",          "ip6-mcastprefix", "ip6-allnodes",  "ip6-allrouters"};
    for (const auto candidate : local)
        if (name == candidate)
            return true;
    return name == "0.0.0.0";
}

enum class LineOutcome { Empty, Entry, Duplicate, Skipped, Invalid };

class ListBuilder {
public:
    explicit ListBuilder(ParsedList& list) : list_(list) {}

    LineOutcome addName(std::string_view name)
    {
        if (name.size() > 2 && name.substr(0, 2) == "*.")
            name.remove_prefix(2);
        auto normalized = normalizeHostname(name);
        if (!normalized)
            return LineOutcome::Invalid;
        // A bare address is not a domain (and would never match a name from DNS).
        if (IpAddress::parse(*normalized))
            return LineOutcome::Invalid;
        return list_.domains.add(*normalized) ? LineOutcome::Entry : LineOutcome::Duplicate;
    }

private:
    ParsedList& list_;
};

LineOutcome parseHostsLine(std::string_view line, ListBuilder& builder)
{
    line = trim(withoutComment(line, '#'));
    if (line.empty())
        return LineOutcome::Empty;
    std::size_t end = 0;
    while (end < line.size() && !isSpace(line[end]))
        ++end;
    if (!IpAddress::parse(line.substr(0, end)))
        return LineOutcome::Invalid;
    line.remove_prefix(end);
    LineOutcome outcome = LineOutcome::Skipped; // an address without names, or only local names
    while (!(line = trim(line)).empty()) {
        end = 0;
        while (end < line.size() && !isSpace(line[end]))
            ++end;
        const auto name = line.substr(0, end);
        line.remove_prefix(end);
        if (isLocalName(name))
            continue;
        const auto added = builder.addName(name);
        if (added == LineOutcome::Invalid)
            return LineOutcome::Invalid;
        if (outcome != LineOutcome::Entry)
            outcome = added;
    }
    return outcome;
}

LineOutcome parseDomainsLine(std::string_view line, ListBuilder& builder)
{
    line = trim(withoutComment(line, '#'));
    if (line.empty())
        return LineOutcome::Empty;
    for (const char c : line)
        if (isSpace(c))
            return LineOutcome::Invalid;
    return builder.addName(line);
}

LineOutcome parseAdblockLine(std::string_view line, ListBuilder& builder)
{
    line = trim(line);
    if (line.empty() || line.front() == '!' || (line.front() == '[' && line.back() == ']'))
        return LineOutcome::Empty; // comments and the "[Adblock Plus 2.0]" header
    if (line.size() < 4 || line.substr(0, 2) != "||" || line.back() != '^')
        return LineOutcome::Skipped;
    const auto name = line.substr(2, line.size() - 3);
    // "||ads.example/path^" or "||*.ads^" are filter syntax beyond a domain: skipped, not invalid.
    if (name.find_first_of("/*^|$:") != std::string_view::npos)
        return LineOutcome::Skipped;
    return builder.addName(name);
}

} // namespace

namespace {

constexpr NameTable<ListFormat, 3> kListFormatNames{
    {{ListFormat::Hosts, "hosts"}, {ListFormat::Domains, "domains"}, {ListFormat::Adblock, "adblock"}}};

} // namespace

std::string_view toString(ListFormat format)
{
    return nameIn(kListFormatNames, format);
}

std::optional<ListFormat> parseListFormat(std::string_view text)
{
    return valueIn(kListFormatNames, text);
}

Result<ParsedList> parseList(std::string_view text, ListFormat format, std::string_view where,
                             const ListParseLimits& limits)
{
    if (text.find('\0') != std::string_view::npos)
        return Error(fmt::format("{}: not a {} list (it holds a NUL byte)", where, toString(format)));
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3);
    ParsedList list;
    ListBuilder builder(list);
    std::size_t meaningful = 0; // lines that are not empty or comments
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const auto line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++list.lines;
        LineOutcome outcome = LineOutcome::Invalid;
        if (line.size() <= limits.maxLineLength) {
            switch (format) {
            case ListFormat::Hosts:
                outcome = parseHostsLine(line, builder);
                break;
            case ListFormat::Domains:
                outcome = parseDomainsLine(line, builder);
                break;
            case ListFormat::Adblock:
                outcome = parseAdblockLine(line, builder);
                break;
            }
        }
        if (outcome == LineOutcome::Empty)
            continue;
        ++meaningful;
        if (outcome == LineOutcome::Skipped)
            ++list.skipped;
        if (outcome == LineOutcome::Invalid) {
            ++list.invalid;
            if (list.firstInvalidLine == 0)
                list.firstInvalidLine = list.lines;
        }
        if (list.domains.size() > limits.maxEntries)
            return Error(fmt::format("{}: more than {} entries", where, limits.maxEntries));
    }
    if (meaningful > 0 && list.domains.empty())
        return Error(fmt::format("{}: not a {} list: {} lines, no entry{}", where, toString(format), meaningful,
                                 list.firstInvalidLine ? fmt::format(" (line {} is invalid)", list.firstInvalidLine)
                                                       : std::string()));
    if (list.invalid > list.domains.size())
        return Error(fmt::format("{}: not a {} list: {} invalid lines, {} entries (first invalid: line {})", where,
                                 toString(format), list.invalid, list.domains.size(), list.firstInvalidLine));
    return list;
}

} // namespace hostgate
