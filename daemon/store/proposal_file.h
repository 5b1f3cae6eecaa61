// SPDX-License-Identifier: GPL-3.0-or-later
// The learning proposals on disk (<state_dir>/proposals.toml): a strict TOML reader with file:line:column
// errors, its writer, and the load/save pair that never writes half a file and never loses a broken one.
#pragma once

// Schema:
//
//   version = 1
//   next_id = 12                     # the next proposal id (ids are never reused)
//   dropped = 0                      # destinations not proposed because the list was full
//
//   [[proposal]]
//   id = 3
//   app = "/usr/bin/curl"            # omitted: unknown application
//   script = "/home/u/sync.py"       # omitted: none
//   user = 1000
//   host = "*.example.com"           # exact name, *.domain or one address
//   protocol = "tcp"                 # tcp | udp
//   ports = "80,443"                 # or "*" (more than the limit of distinct ports were seen)
//   examples = ["a.example.com", "b.example.com"]
//   connections = 5
//   first_seen = 2026-12-02T01:00:00Z
//   last_seen = 2026-12-02T01:05:00Z
//
//   [[rejected]]                     # rejected proposals: not proposed again
//   app = "/usr/bin/curl"
//   user = 1000
//   host = "ads.example.net"
//   protocol = "tcp"

#include "learning/proposal_book.h"
#include "util/result.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace hostgate {

std::string serializeProposals(const ProposalBook::Contents& contents);
// Any problem (syntax, unknown key, wrong type, invalid host or ports, duplicate id) refuses the whole text.
Result<ProposalBook::Contents> parseProposals(std::string_view text, std::string_view sourcePath);

// The most a proposal file may hold (1000 proposals of bounded strings stay far below it).
inline constexpr std::size_t maxProposalFileBytes = 16 * 1024 * 1024;

struct LoadedProposals {
    ProposalBook::Contents contents; // empty when there was no file or it was broken
    // The file could not be read or parsed: the error (file:line:column) and where the file was moved so that
    // nothing in it is lost and learning can go on ("" when it could not be moved either).
    std::optional<Error> error;
    std::filesystem::path keptAs;
};

// Reads `path` (absent: an empty book). A broken file is renamed to "<path>.broken-<unix seconds>" and
// reported; it is never overwritten.
LoadedProposals loadProposals(const std::filesystem::path& path, TimePoint now);
// Writes atomically (temporary file, fsync, rename, fsync of the directory), mode 0600.
Result<void> saveProposals(const std::filesystem::path& path, const ProposalBook::Contents& contents);

} // namespace hostgate
