// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the learning proposal file (<state_dir>/proposals.toml) on arbitrary text. Whatever parses
// must serialize to a file that parses again: the daemon must never write a book it cannot read back.
#include "store/proposal_file.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto contents = hostgate::parseProposals(text, "proposals.toml");
    if (!contents) {
        if (contents.error().message.empty()) {
            std::fprintf(stderr, "proposal_file_fuzz: an error without a message\n");
            std::abort();
        }
        return 0;
    }
    const auto reparsed = hostgate::parseProposals(hostgate::serializeProposals(*contents), "proposals.toml");
    if (!reparsed) {
        std::fprintf(stderr, "proposal_file_fuzz: a serialized book does not parse back: %s\n",
                     reparsed.error().message.c_str());
        std::abort();
    }
    return 0;
}
