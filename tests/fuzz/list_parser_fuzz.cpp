// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the subscribed-list parsers (hosts, domains, adblock) on arbitrary downloaded text, and the
// lookup of every entry they accept: each parses or names its problem, never crashes, and finds what it added.
#include "lists/list_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const auto format = static_cast<hostgate::ListFormat>(data[0] % 3);
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    hostgate::ListParseLimits limits;
    limits.maxEntries = 100000;
    const auto list = hostgate::parseList(text, format, "fuzz", limits);
    if (!list) {
        if (list.error().message.empty()) {
            std::fprintf(stderr, "list_parser_fuzz: an error without a message\n");
            std::abort();
        }
        return 0;
    }
    list->domains.forEach([&](std::string_view name) {
        if (!list->domains.contains(name) || list->domains.matchSuffix(name) != name) {
            std::fprintf(stderr, "list_parser_fuzz: an entry is not found again\n");
            std::abort();
        }
    });
    return 0;
}
