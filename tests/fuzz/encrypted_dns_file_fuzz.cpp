// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the encrypted DNS resolver list (encrypted-dns.toml) on arbitrary text: it parses or names
// its problem, never crashes.
#include "store/encrypted_dns_file.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto list = hostgate::parseEncryptedDnsFile(text, "encrypted-dns.toml");
    if (!list && list.error().message.empty()) {
        std::fprintf(stderr, "encrypted_dns_file_fuzz: an error without a message\n");
        std::abort();
    }
    return 0;
}
