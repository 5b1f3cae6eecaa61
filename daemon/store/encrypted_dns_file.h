// SPDX-License-Identifier: GPL-3.0-or-later
// The list of well-known DoH/DoT resolvers (encrypted-dns.toml): parsed, validated, and found on disk.
#pragma once

#include "decision/encrypted_dns.h"
#include "util/result.h"

#include <filesystem>
#include <string_view>
#include <vector>

namespace hostgate {

// Bounds of the file: it is root's, but a mistake in it must not cost the daemon its memory.
inline constexpr std::size_t kMaxEncryptedDnsFileBytes = 1024 * 1024;
inline constexpr std::size_t kMaxEncryptedDnsResolvers = 1000;
inline constexpr std::size_t kMaxEncryptedDnsEntries = 256; // hosts or addresses per resolver

// version = 1, then [[resolver]] tables with name (string), hosts (names or "*.domain", any case, punycode)
// and addresses (IPv4/IPv6); at least one host or address each. Unknown keys are errors, located as
// "file:line:column".
Result<EncryptedDnsList> parseEncryptedDnsFile(std::string_view text, std::string_view sourceName);

struct LoadedEncryptedDnsList {
    EncryptedDnsList list;
    std::filesystem::path file; // empty when none of the candidates exists
};

// Reads the first of `candidates` that exists (DaemonConfig::encryptedDnsFiles: the administrator's copy in
// /etc replaces the one shipped in /usr/share) (trusted like a rule file: root's, not writable by others). None
// existing is an empty list, not an error; a file that exists but fails is an error (the caller keeps the
// previous list).
Result<LoadedEncryptedDnsList> loadEncryptedDnsList(const std::vector<std::filesystem::path>& candidates);

} // namespace hostgate
