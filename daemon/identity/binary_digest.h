// SPDX-License-Identifier: GPL-3.0-or-later
// Content digests of executables, for rules pinned to a binary (`sha256 = "..."`) and dpkg's md5sums check.
#pragma once

#include "util/result.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>

namespace hostgate {

struct FileDigests {
    std::string sha256; // lower-case hex
    std::string md5;    // lower-case hex: what dpkg's info/<package>.md5sums lists
};

// Hashes files with OpenSSL's EVP (SHA-256 and MD5 in one read) and caches the result by (device, inode,
// modification time, size), so a file is read again only when it changed. Lazy: nothing is hashed until a
// pinned rule asks. Files larger than maxBytes are refused rather than read. Not thread-safe.
class BinaryDigests {
public:
    static constexpr std::uint64_t maxBytes = std::uint64_t{1} << 30;
    static constexpr std::size_t maxCached = 1024;

    // The digests of the file open at `fd` (e.g. /proc/PID/exe, so the running image is hashed even when the
    // path now names a newer file); the descriptor stays open.
    Result<FileDigests> ofDescriptor(int fd);
    // The digests of the file at `path`.
    Result<FileDigests> ofPath(const std::filesystem::path& path);
    // Files read (not served from the cache) so far: for tests.
    std::uint64_t filesRead() const { return filesRead_; }

private:
    struct Key {
        std::uint64_t device = 0;
        std::uint64_t inode = 0;
        std::int64_t modifiedNs = 0;
        std::uint64_t size = 0;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& key) const noexcept
        {
            return static_cast<std::size_t>((key.device * 0x9e3779b97f4a7c15ull) ^ key.inode ^
                                            (static_cast<std::uint64_t>(key.modifiedNs) << 1) ^ key.size);
        }
    };
    std::unordered_map<Key, FileDigests, KeyHash> cache_;
    std::uint64_t filesRead_ = 0;
};

} // namespace hostgate
