// SPDX-License-Identifier: GPL-3.0-or-later
// libidn2 adapter: UTF-8 host names to normalized punycode and back.
#include "store/idn.h"

#include "net/hostname.h"

#include <idn2.h>

#include <algorithm>
#include <memory>

namespace hostgate {

namespace {

struct Idn2Free {
    void operator()(char* text) const { idn2_free(text); }
};
using Idn2String = std::unique_ptr<char, Idn2Free>;

bool isAscii(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool hasPunycodeLabel(std::string_view name)
{
    for (std::size_t start = 0; start <= name.size();) {
        std::size_t end = name.find('.', start);
        if (end == std::string_view::npos)
            end = name.size();
        std::string_view label = name.substr(start, end - start);
        if (label.size() >= 4 && (label.substr(0, 4) == "xn--" || label.substr(0, 4) == "XN--"))
            return true;
        start = end + 1;
    }
    return false;
}

} // namespace

Result<std::string> hostnameToAscii(std::string_view utf8)
{
    if (isAscii(utf8))
        return normalizeHostname(utf8);

    // libidn2 wants a NUL-terminated string; an embedded NUL would silently truncate the name.
    if (utf8.find('\0') != std::string_view::npos)
        return Error{"Failed to convert host name to ASCII: it contains a NUL character"};
    std::string input(utf8);
    if (!input.empty() && input.back() == '.')
        input.pop_back();

    char* raw = nullptr;
    int rc = idn2_to_ascii_8z(input.c_str(), &raw, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    Idn2String output(raw);
    if (rc != IDN2_OK)
        return Error{"Failed to convert host name '" + std::string(utf8) + "' to ASCII: " + idn2_strerror(rc)};
    return normalizeHostname(output.get());
}

std::string hostnameForDisplay(std::string_view ascii)
{
    if (!hasPunycodeLabel(ascii) || ascii.find('\0') != std::string_view::npos)
        return std::string(ascii);
    std::string input(ascii);
    char* raw = nullptr;
    int rc = idn2_to_unicode_8z8z(input.c_str(), &raw, 0);
    Idn2String output(raw);
    if (rc != IDN2_OK || !output)
        return input;
    // The decoder accepts any punycode ("xn--a" decodes to a control character); show Unicode only when it
    // is a valid IDNA2008 name that converts back to exactly this name.
    Result<std::string> reencoded = hostnameToAscii(output.get());
    if (!reencoded || *reencoded != ascii)
        return input;
    return input + " (" + output.get() + ")";
}

Result<HostPattern> parseHostPatternText(std::string_view userText)
{
    // A regex is matched against ASCII names as written; HostPattern::parse explains non-ASCII in one.
    if (isAscii(userText) || userText.starts_with("re:"))
        return HostPattern::parse(userText);

    constexpr std::string_view wildcard = "*.";
    bool isSuffix = userText.substr(0, wildcard.size()) == wildcard;
    Result<std::string> ascii = hostnameToAscii(isSuffix ? userText.substr(wildcard.size()) : userText);
    if (!ascii)
        return ascii.error();
    return HostPattern::parse(isSuffix ? "*." + *ascii : *ascii);
}

} // namespace hostgate
