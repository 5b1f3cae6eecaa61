// SPDX-License-Identifier: GPL-3.0-or-later
// Rules pinned to a binary (`sha256 = "..."`): is the program a connection runs still the one the rule was
// made for?
#pragma once

#include "decision/decision_engine.h"
#include "identity/binary_digest.h"
#include "identity/package_db.h"
#include "service/config.h"
#include "service/log.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace hostgate {

// Checked on the daemon's decision paths (the held first packet, a refused attempt) for a decision whose
// rule carries a sha256, before the verdict is written to the kernel. The running image is hashed
// (/proc/PID/exe, so a binary replaced on disk after the process started is still judged by what runs),
// lazily and cached by (device, inode, mtime, size), so a pinned app costs one read per binary version.
//  - same digest: the decision stands;
//  - a different digest whose MD5 matches what dpkg recorded for that path (a package upgrade dpkg
//    installed): the decision stands and the pin follows the new binary (`repin`);
//  - otherwise (another binary, or one that cannot be read): on_binary_change = deny turns the decision into
//    a denial naming both digests; warn keeps it and logs a warning.
// A verdict cached in the kernel is keyed by the executable's (device, inode): a replaced file (a rename, as
// installers and package managers do) is a new inode and is checked again; a file rewritten in place keeps
// its inode and its kernel verdict until that expires ([verdicts] max_ttl).
class BinaryPins {
public:
    // Moves a rule's pin to a new digest (through the rule lifecycle, so it is saved).
    using Repin = std::function<void(RuleId, const std::string& sha256)>;

    BinaryPins(PackageDatabase& packages, BinaryChange onChange, Logger& log, Repin repin,
               std::filesystem::path procRoot = "/proc");

    // The decision to apply instead of `decision` (whose rule pins a binary), or `decision` itself.
    Decision check(const Connection& connection, Decision decision);
    // The SHA-256 of what the connection's process runs, to pin a rule a prompt answer creates.
    Result<std::string> runningDigest(const Connection& connection);

private:
    Result<FileDigests> digestsOf(const Connection& connection);

    PackageDatabase& packages_;
    BinaryChange onChange_;
    Logger& log_;
    Repin repin_;
    std::filesystem::path procRoot_;
    BinaryDigests digests_;
};

} // namespace hostgate
