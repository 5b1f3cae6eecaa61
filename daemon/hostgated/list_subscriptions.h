// SPDX-License-Identifier: GPL-3.0-or-later
// ListSubscriptions: the subscribed lists of lists.d kept current — fetched on a worker thread, parsed there,
// swapped in on the event loop, cached in the state directory so a restart without network still has them.
#pragma once

#include "lists/list_set.h"
#include "service/config.h"
#include "service/event_loop.h"
#include "service/log.h"
#include "store/list_config_file.h"
#include "util/result.h"
#include "util/time.h"
#include "util/unique_fd.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hostgate {

// What GetLists and `hostgatectl lists` show of one list.
struct ListStatus {
    ListConfig config;
    bool enabled = true;                  // in force: the D-Bus switch if set, else the file's `enabled`
    std::size_t entries = 0;              // of the list in force (0: none loaded yet)
    std::optional<TimePoint> lastFetch;   // the last attempt that finished, successful or not
    std::optional<TimePoint> lastSuccess; // the content was last confirmed (200, 304, the file read)
    std::string lastError;                // of the last attempt; empty when it succeeded
    std::optional<TimePoint> nextRefresh;
    bool fetching = false;
};

class ListSubscriptions {
public:
    // `changed` runs on the loop whenever the lists in force change (swap them into the engine there).
    ListSubscriptions(ListSettings settings, std::filesystem::path stateDir, Logger& log, EventLoop& loop,
                      std::function<void()> changed);
    ~ListSubscriptions();
    ListSubscriptions(const ListSubscriptions&) = delete;
    ListSubscriptions& operator=(const ListSubscriptions&) = delete;

    // Reads lists.d and the cached copies (so the lists are in force before the first packet), then starts the
    // worker, which fetches what is due.
    Result<void> start();
    // SIGHUP: lists.d again, and every list fetched now. Lists whose source, format and action are unchanged keep
    // what they hold until their fetch succeeds.
    void reload();

    std::shared_ptr<const ListSet> active() const { return active_; }
    std::vector<ListStatus> status() const;
    std::vector<std::string> configErrors() const { return configErrors_; }
    // Changes whenever active() does.
    std::uint64_t generation() const { return generation_; }

    // Fetches now; "" = every list. NoSuchList when no list has that name.
    Result<void> refresh(const std::string& name);
    // Switches a list on or off and saves the switch in the state directory (never in the admin's file).
    Result<void> setEnabled(const std::string& name, bool enabled);

private:
    struct Entry {
        ListStatus status;
        std::shared_ptr<const DomainList> list; // the last good one
        ListCacheMeta meta;
        std::uint64_t configVersion = 0; // a fetch result for an older config is dropped
        std::optional<TimerId> timer;
    };
    struct Job {
        std::string name;
        std::uint64_t configVersion = 0;
        ListConfig config;
        ListCacheMeta meta;
    };
    struct Outcome {
        std::string name;
        std::uint64_t configVersion = 0;
        TimePoint at{};
        std::shared_ptr<const DomainList> list; // new content; null when not modified or failed
        std::optional<ListCacheMeta> meta;      // set on success
        std::string error;
    };

    void readConfigs();
    void loadCache(Entry& entry);
    void schedule(Entry& entry, TimePoint when);
    void enqueue(Entry& entry);
    void work();
    Outcome runJob(const Job& job);
    void onOutcomes();
    void rebuild();
    std::filesystem::path cacheDir() const { return stateDir_ / "lists"; }
    std::filesystem::path switchesFile() const { return stateDir_ / "lists-enabled.toml"; }

    ListSettings settings_;
    std::filesystem::path stateDir_;
    Logger& log_;
    EventLoop& loop_;
    std::function<void()> changed_;
    std::map<std::string, Entry> entries_;
    std::map<std::string, bool> switches_;
    std::vector<std::string> configErrors_;
    std::shared_ptr<const ListSet> active_ = std::make_shared<ListSet>();
    std::uint64_t generation_ = 0;
    std::uint64_t nextConfigVersion_ = 1;

    UniqueFd outcomesEvent_;
    std::optional<WatchId> outcomesWatch_;
    std::mutex mutex_; // guards jobs_, outcomes_, stopping_
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    std::vector<Outcome> outcomes_;
    bool stopping_ = false;
    std::atomic<bool> cancel_{false}; // aborts a transfer under way when the daemon stops
    std::thread worker_;
};

} // namespace hostgate
