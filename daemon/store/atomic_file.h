// SPDX-License-Identifier: GPL-3.0-or-later
// Crash-safe file replacement: readers see the old content or the new one, never a mix or a truncation.
#pragma once

#include "util/result.h"

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace hostgate {

// Writes `content` to a new temporary file next to `path` (created with O_EXCL under a unique name), sets
// `mode`, fsyncs it, renames it over `path` and fsyncs the directory so the rename itself survives a crash.
// On any failure before the rename the temporary file is removed and `path` is left untouched. The rename is
// the commit point: if only the final directory fsync fails, the new content is in place and the error says so.
Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view content, mode_t mode);

// Removes what writeFileAtomically leaves behind when the process is killed mid-write: regular files named
// exactly ".<file name of path>.tmp-XXXXXX" (six characters of mkstemp's alphabet) next to `path`. Nothing
// else is touched: no other names, no symlinks, no subdirectories, no other directory. Call it at start,
// before anything writes `path`. Returns how many were removed.
Result<std::size_t> removeStaleTemporaryFiles(const std::filesystem::path& path);

} // namespace hostgate
