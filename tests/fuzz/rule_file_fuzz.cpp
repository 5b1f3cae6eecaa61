// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the rule-file parser on arbitrary text; whatever parses must serialize and parse back equal.
#include "store/rule_file.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const auto origin : {hostgate::RuleOrigin::User, hostgate::RuleOrigin::Admin}) {
        const auto rules = hostgate::parseRuleFile(text, "fuzz.toml", origin);
        if (!rules) {
            if (rules.error().message.empty()) {
                std::fprintf(stderr, "rule_file_fuzz: an error without a message\n");
                std::abort();
            }
            continue;
        }
        if (origin != hostgate::RuleOrigin::User)
            continue; // admin files carry no ids, so they do not round-trip through the user format
        const auto reparsed = hostgate::parseRuleFile(hostgate::serializeRules(*rules), "fuzz.toml", origin);
        if (!reparsed || *reparsed != *rules) {
            std::fprintf(stderr, "rule_file_fuzz: serialized rules do not parse back equal\n");
            std::abort();
        }
    }
    return 0;
}
