// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: host patterns ("re:..." regexes included) on arbitrary text. The first line is the pattern,
// each further line a name to match: whatever parses must print and parse back equal, and matching (RE2 for a
// regex) must finish on any name without crashing, whatever the pattern.
#include "net/hostname.h"
#include "rules/rule.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto newline = text.find('\n');
    const auto patternText = text.substr(0, newline);
    const auto pattern = hostgate::HostPattern::parse(patternText);
    if (!pattern) {
        if (pattern.error().message.empty()) {
            std::fprintf(stderr, "host_pattern_fuzz: an error without a message\n");
            std::abort();
        }
        return 0;
    }
    const auto reparsed = hostgate::HostPattern::parse(pattern->toString());
    if (!reparsed || *reparsed != *pattern) {
        std::fprintf(stderr, "host_pattern_fuzz: the canonical text does not parse back equal\n");
        std::abort();
    }
    std::string_view names = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    while (!names.empty()) {
        const auto end = names.find('\n');
        const auto name = names.substr(0, end);
        if (const auto normalized = hostgate::normalizeHostname(name)) {
            const bool matches = pattern->matchesName(*normalized);
            if (pattern->kind() == hostgate::HostPattern::Kind::Network && matches) {
                std::fprintf(stderr, "host_pattern_fuzz: a network pattern matched a name\n");
                std::abort();
            }
        }
        names = end == std::string_view::npos ? std::string_view{} : names.substr(end + 1);
    }
    return 0;
}
