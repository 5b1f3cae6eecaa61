// SPDX-License-Identifier: GPL-3.0-or-later
// Which Debian package installed an executable: dpkg's own database, read directly (never `dpkg -S`).
#pragma once

#include "decision/connection.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hostgate {

// Reads <dpkg>/status (installed packages: name, architecture, version, the description's first line) and
// <dpkg>/info/*.list (the files each installed), and answers "which package owns this path" with a hash of
// the path and a binary search: 16 bytes per packaged path (this Debian 12 machine: 144,089 paths, 2.2 MB;
// a lookup ~0.1 µs), built once on first use (0.18-0.29 s measured on a loaded 2-core VM) and again when
// dpkg's status file changes (checked at most every few seconds).
// On a merged-/usr system a file dpkg lists as /bin/x is also found as /usr/bin/x, the path the kernel reports.
// Answers are cached by the executable's (device, inode). Not thread-safe: the daemon's main loop owns it.
class PackageDatabase {
public:
    explicit PackageDatabase(std::filesystem::path dpkgDirectory = "/var/lib/dpkg", std::filesystem::path root = "/",
                             std::chrono::steady_clock::duration recheckInterval = std::chrono::seconds(5));

    // The package of the app's script (interpreters) or executable; nullptr when dpkg installed neither.
    std::shared_ptr<const PackageInfo> lookup(const AppIdentity& app);
    // The package that installed `path`; nullptr when none did.
    std::shared_ptr<const PackageInfo> lookupPath(std::string_view path);

    // The MD5 dpkg recorded for `path` when its package was installed (info/<package>.md5sums): the check
    // `dpkg --verify` makes. nullopt when no package owns the path or its md5sums do not list it.
    std::optional<std::string> packagedMd5(std::string_view path);

    // Number of packaged paths indexed (after the last build), for tests and status.
    std::size_t indexedPaths() const { return paths_.size(); }

private:
    void refreshIfChanged();
    // Index in packages_ of the package that installed `path`.
    std::optional<std::uint32_t> ownerOf(std::string_view path);
    void rebuild();

    std::filesystem::path dpkg_;
    std::filesystem::path root_;
    std::chrono::steady_clock::duration recheckInterval_;
    std::vector<std::shared_ptr<const PackageInfo>> packages_;
    std::vector<std::string> listNames_;  // parallel to packages_: "curl" or "libfoo:amd64" (info/<name>.list)
    std::vector<std::string> mergedTops_; // "/bin/", "/lib/"...: top directories that are symlinks into /usr
    std::vector<std::pair<std::uint64_t, std::uint32_t>> paths_; // path hash → index in packages_, sorted
    std::filesystem::file_time_type statusTime_{};
    bool built_ = false;
    std::chrono::steady_clock::time_point checkedAt_{};
    struct FileKey {
        std::uint64_t device = 0;
        std::uint64_t inode = 0;
        bool operator==(const FileKey&) const = default;
    };
    struct FileKeyHash {
        std::size_t operator()(const FileKey& key) const noexcept
        {
            return static_cast<std::size_t>(key.device * 0x9e3779b97f4a7c15ull ^ key.inode);
        }
    };
    std::unordered_map<FileKey, std::shared_ptr<const PackageInfo>, FileKeyHash> byFile_;
};

} // namespace hostgate
