// SPDX-License-Identifier: GPL-3.0-or-later
// FileWatcher: debounced notification when rule files change, including atomic rename-replacement.
#pragma once

#include "service/event_loop.h"
#include "util/result.h"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// What to watch: entries of one directory, chosen by exact name or by name suffix. Directories, not
// files, are watched, because an atomic save (write a temp file, rename it over the old one) replaces the
// inode: a watch on the file itself would stay on the old, unlinked inode and miss every later change.
struct WatchTarget {
    std::filesystem::path directory;
    std::string name; // the exact entry name, or the required suffix when matchSuffix is true
    bool matchSuffix = false;

    // The single file at `path` (e.g. /var/lib/hostgate/rules.toml).
    static WatchTarget file(const std::filesystem::path& path);
    // Every entry of `directory` whose name ends in `suffix` (e.g. rules.d/*.toml). Editors' swap and
    // temp files ("x.toml.swp", "x.toml~", "4913") do not match, so they cause no reloads.
    static WatchTarget entriesWithSuffix(const std::filesystem::path& directory, std::string suffix);

    bool matches(std::string_view entryName) const;
};

// Indexes into the targets given to FileWatcher::create, ascending, each at most once.
using FileChangeHandler = std::function<void(const std::vector<std::size_t>& changedTargets)>;

// Coalesces bursts (an editor's save is several events, `cp -r` of a rules dir many) into one callback:
// the callback runs once `debounce` has passed without a further relevant event, but no later than
// `4 * debounce` after the first event of the burst, so a file rewritten continuously still reloads.
//
// The daemon's own saves of the user rules file are seen like anyone else's (a rename into the directory)
// and cause one reload. That is harmless by design: reloading reads the file the daemon just wrote and
// yields the same rule set, so the reload is idempotent. Not suppressing them also means an external edit
// racing with our save is never missed.
//
// A watched directory that is deleted or moved away reports its target as changed once (the rules it
// held are gone) and is no longer watched; recreate the watcher to follow a new directory.
class FileWatcher {
public:
    static constexpr std::chrono::milliseconds kDefaultDebounce{200};

    // Fails when a target directory does not exist or cannot be watched.
    static Result<FileWatcher> create(EventLoop& loop, std::vector<WatchTarget> targets, FileChangeHandler onChange,
                                      std::chrono::milliseconds debounce = kDefaultDebounce);

    FileWatcher(FileWatcher&&) noexcept;
    FileWatcher& operator=(FileWatcher&&) noexcept;
    ~FileWatcher();

private:
    struct State;
    explicit FileWatcher(std::unique_ptr<State> state);

    std::unique_ptr<State> state_;
};

} // namespace hostgate
