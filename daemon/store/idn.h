// SPDX-License-Identifier: GPL-3.0-or-later
// Internationalized host names: Unicode to the punycode the core matches on, and back for display.
#pragma once

// Uses libidn2: IDNA2008 with UTS #46 non-transitional mapping (so "ß" stays "ß", as browsers do).

#include "rules/rule.h"
#include "util/result.h"

#include <string>
#include <string_view>

namespace hostgate {

// Converts a UTF-8 host name ("BÜCHER.example") to its normalized ASCII form ("xn--bcher-kva.example").
// Pure-ASCII names skip IDNA and are only normalized, so names IDNA would refuse but DNS carries
// ("_dmarc.example") stay usable. Invalid UTF-8 or names IDNA2008 disallows are errors.
Result<std::string> hostnameToAscii(std::string_view utf8);

// Text to show a user for a normalized ASCII name. Punycode stays visible, because the Unicode form alone
// can be a homograph of another name ("аpple.com" with a Cyrillic а): a name with "xn--" labels becomes
// "xn--bcher-kva.example (bücher.example)"; any other name, or one whose punycode does not decode to a valid
// IDNA2008 name converting back to the same ASCII, is returned as is.
std::string hostnameForDisplay(std::string_view ascii);

// HostPattern::parse for text a person wrote: a Unicode name or "*.<unicode domain>" is converted to ASCII
// first; "*", "any", addresses and networks pass through unchanged.
Result<HostPattern> parseHostPatternText(std::string_view userText);

} // namespace hostgate
