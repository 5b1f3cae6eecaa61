// SPDX-License-Identifier: GPL-3.0-or-later
// BinaryPins: the digest of the running image against the rule's pin, with dpkg's word for upgrades.
#include "hostgated/binary_pins.h"

#include "util/unique_fd.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>

namespace hostgate {

namespace {

std::string shortDigest(const std::string& digest)
{
    return digest.substr(0, 12) + "…";
}

} // namespace

BinaryPins::BinaryPins(PackageDatabase& packages, BinaryChange onChange, Logger& log, Repin repin,
                       std::filesystem::path procRoot)
    : packages_(packages), onChange_(onChange), log_(log), repin_(std::move(repin)), procRoot_(std::move(procRoot))
{}

Result<FileDigests> BinaryPins::digestsOf(const Connection& connection)
{
    // `path` opened, if it is the executable that connected (same inode).
    const auto openExecutable = [&](const std::filesystem::path& path) {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
        struct stat status {};
        if (fd &&
            (::fstat(fd.get(), &status) != 0 || static_cast<std::uint64_t>(status.st_ino) != connection.app.inode))
            fd.reset();
        return fd;
    };
    // The image the process runs, even when its path now names another file; when the process is gone (or
    // exec()ed), the file at the path.
    UniqueFd fd;
    if (connection.pid > 0)
        fd = openExecutable(procRoot_ / std::to_string(connection.pid) / "exe");
    if (!fd)
        fd = openExecutable(connection.app.path);
    if (!fd)
        return Error{fmt::format("the binary that connected (pid {}) can no longer be read", connection.pid)};
    return digests_.ofDescriptor(fd.get());
}

Result<std::string> BinaryPins::runningDigest(const Connection& connection)
{
    auto digests = digestsOf(connection);
    if (!digests)
        return digests.error();
    return std::move(digests->sha256);
}

Decision BinaryPins::check(const Connection& connection, Decision decision)
{
    if (!decision.rule || !decision.rule->sha256)
        return decision;
    const Rule& rule = *decision.rule;
    const std::string& pinned = *rule.sha256;
    const auto digests = digestsOf(connection);
    if (digests && digests->sha256 == pinned)
        return decision;

    std::string problem;
    if (digests) {
        if (const auto recorded = packages_.packagedMd5(connection.app.path); recorded && *recorded == digests->md5) {
            const auto package = packages_.lookupPath(connection.app.path);
            log_.notice("A pinned binary was upgraded by its package; the pin follows it",
                        {{"rule", rule.id},
                         {"exe", displayPath(connection.app)},
                         {"package", package ? package->name + " " + package->version : std::string("?")},
                         {"sha256", digests->sha256}});
            if (repin_)
                repin_(rule.id, digests->sha256);
            decision.rule->sha256 = digests->sha256;
            return decision;
        }
        problem = fmt::format("the binary is now sha256 {}", shortDigest(digests->sha256));
    } else {
        problem = digests.error().message;
    }

    const std::string what = fmt::format("rule #{} pins {} to sha256 {}, but {}", rule.id, displayPath(connection.app),
                                         shortDigest(pinned), problem);
    if (onChange_ == BinaryChange::Warn) {
        log_.warning("A pinned rule applies to a changed binary (on_binary_change = warn)",
                     {{"rule", rule.id}, {"exe", displayPath(connection.app)}, {"why", what}});
        decision.explanation += "; warning: " + what;
        return decision;
    }
    log_.warning("A pinned rule met another binary: denied (on_binary_change = deny)",
                 {{"rule", rule.id}, {"exe", displayPath(connection.app)}, {"why", what}});
    Decision denied;
    denied.verdict = Verdict::Deny;
    denied.rule = std::move(decision.rule);
    denied.matchedHost = std::move(decision.matchedHost);
    denied.explanation = what + ": denied (on_binary_change = deny)";
    return denied;
}

} // namespace hostgate
