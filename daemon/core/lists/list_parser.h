// SPDX-License-Identifier: GPL-3.0-or-later
// Parsers for subscribed domain lists: hosts files, plain domain lists and AdBlock basic "||domain^" lines.
#pragma once

#include "lists/domain_set.h"
#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hostgate {

enum class ListFormat : std::uint8_t {
    Hosts,   // "0.0.0.0 ads.example" / "127.0.0.1 a.example b.example", '#' comments
    Domains, // one name per line, '#' comments
    Adblock, // "||ads.example^" lines; '!' comments; any other syntax is counted as skipped
};

std::string_view toString(ListFormat format); // "hosts", "domains", "adblock"
std::optional<ListFormat> parseListFormat(std::string_view text);

struct ListParseLimits {
    std::size_t maxEntries = 4'000'000;
    std::size_t maxLineLength = 4096; // longer lines are counted invalid, never copied
};

struct ParsedList {
    DomainSet domains;
    std::size_t lines = 0;
    std::size_t skipped = 0; // understood but not a domain entry (AdBlock rules other than "||domain^", localhost)
    std::size_t invalid = 0; // not understood, or not a valid hostname
    std::size_t firstInvalidLine = 0; // 1-based, 0 when none
};

// Parses a whole list. Tolerates a UTF-8 BOM, CRLF line ends and trailing comments. Fails (so the caller keeps
// the last good list) when the text holds a NUL byte, when it has lines but not one entry, when invalid lines
// outnumber entries (an HTML error page, a wrong format), or when it has more than limits.maxEntries entries.
// Error messages name `where` (a file name or URL) and the first bad line.
Result<ParsedList> parseList(std::string_view text, ListFormat format, std::string_view where,
                             const ListParseLimits& limits = {});

} // namespace hostgate
