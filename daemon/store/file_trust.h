// SPDX-License-Identifier: GPL-3.0-or-later
// Whether a file may be obeyed, as sudo and sshd decide it: owned by root and writable by nobody else.
#pragma once

#include "util/result.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>

namespace hostgate {

// The owner every file and directory the daemon obeys must have (root); tests of other owners chown to
// someone else rather than changing this.
inline constexpr uid_t trustedOwner = 0;

// Checks what fstat/lstat said about `shownPath`: owned by `owner` and not writable by group or others.
// The error names the path (never a symlink's target) and the fix: "chmod go-w PATH", "chown root PATH".
Result<void> checkTrusted(const struct stat& status, const std::filesystem::path& shownPath,
                          uid_t owner = trustedOwner);

// Opens `path` (following a symlink, so the trust of what is actually read is checked on the opened fd),
// requires a regular file that passes checkTrusted, and reads at most `maxBytes`; a larger file is refused
// unread with an error naming its size and the limit.
Result<std::string> readTrustedFile(const std::filesystem::path& path, std::size_t maxBytes,
                                    uid_t owner = trustedOwner);

// Opens the directory `path` and checks it as checkTrusted does (a directory others can write to lets them
// replace the files in it).
Result<void> checkTrustedDirectory(const std::filesystem::path& path, uid_t owner = trustedOwner);

// Creates `path` and its missing parents with mode 0700 (the daemon's private state). Existing directories
// are left as they are: never loosened, and their trust is checked where files are read from them.
Result<void> createPrivateDirectories(const std::filesystem::path& path);

} // namespace hostgate
