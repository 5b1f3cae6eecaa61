// SPDX-License-Identifier: GPL-3.0-or-later
// ListSubscriptions: configs and switches on the loop; downloads, parsing and cache writes on one worker thread.
#include "hostgated/list_subscriptions.h"

#include "hostgated/list_fetcher.h"
#include "store/atomic_file.h"
#include "store/file_trust.h"
#include "util/error_codes.h"

#include <fmt/format.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace hostgate {

namespace {

// How soon a list that failed is tried again: its interval, but at most 15 minutes.
constexpr Seconds kRetryAfterFailure{15 * 60};

bool sameContentSource(const ListConfig& a, const ListConfig& b)
{
    return a.source == b.source && a.format == b.format && a.action == b.action && a.name == b.name && a.file == b.file;
}

std::shared_ptr<const DomainList> makeList(const ListConfig& config, DomainSet domains)
{
    auto list = std::make_shared<DomainList>();
    list->name = config.name;
    list->source = config.file.string();
    list->action = config.action;
    list->domains = std::move(domains);
    return list;
}

Result<std::string> readPrivateFile(const std::filesystem::path& path, std::uint64_t maxBytes)
{
    return readTrustedFile(path, static_cast<std::size_t>(maxBytes), ::geteuid());
}

} // namespace

ListSubscriptions::ListSubscriptions(ListSettings settings, std::filesystem::path stateDir, Logger& log,
                                     EventLoop& loop, std::function<void()> changed)
    : settings_(std::move(settings)), stateDir_(std::move(stateDir)), log_(log), loop_(loop),
      changed_(std::move(changed))
{}

ListSubscriptions::~ListSubscriptions()
{
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cancel_ = true;
    wake_.notify_all();
    if (worker_.joinable())
        worker_.join();
    if (outcomesWatch_)
        loop_.unwatch(*outcomesWatch_);
    for (auto& [name, entry] : entries_)
        if (entry.timer)
            loop_.cancelTimer(*entry.timer);
}

Result<void> ListSubscriptions::start()
{
    initListFetching();
    outcomesEvent_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!outcomesEvent_)
        return Error("Failed to create the list worker's eventfd");
    auto watch = loop_.watchFd(outcomesEvent_.get(), EPOLLIN, [this](std::uint32_t) { onOutcomes(); });
    if (!watch)
        return watch.error();
    outcomesWatch_ = *watch;
    if (auto created = createPrivateDirectories(cacheDir()); !created)
        log_.warning("Failed to create the list cache directory, ignoring", {{"error", created.error().describe()}});
    readConfigs();
    worker_ = std::thread([this] { work(); });
    for (auto& [name, entry] : entries_)
        enqueue(entry); // the cache may be stale; a 304 costs little
    return Ok{};
}

void ListSubscriptions::readConfigs()
{
    if (std::filesystem::exists(switchesFile())) {
        auto text = readPrivateFile(switchesFile(), 1 << 20);
        auto parsed = text ? parseListSwitches(*text, switchesFile().string())
                           : Result<std::map<std::string, bool>>(text.error());
        if (parsed)
            switches_ = std::move(*parsed);
        else
            log_.warning("Failed to read the list switches, ignoring them", {{"error", parsed.error().describe()}});
    }
    auto loaded = loadListConfigs(settings_.dir);
    configErrors_.clear();
    for (const auto& error : loaded.errors) {
        configErrors_.push_back(error.describe());
        log_.error("Failed to load a list file, ignoring it", {{"error", error.describe()}});
    }
    std::map<std::string, Entry> next;
    for (auto& config : loaded.lists) {
        const auto name = config.name;
        auto old = entries_.find(name);
        Entry entry;
        if (old != entries_.end() && sameContentSource(old->second.status.config, config)) {
            entry = std::move(old->second);
            entries_.erase(old);
        } else {
            entry.configVersion = nextConfigVersion_++;
        }
        entry.status.config = std::move(config);
        const auto switched = switches_.find(name);
        entry.status.enabled = switched != switches_.end() ? switched->second : entry.status.config.enabled;
        if (!entry.list)
            loadCache(entry);
        next.emplace(name, std::move(entry));
    }
    for (auto& [name, gone] : entries_)
        if (gone.timer)
            loop_.cancelTimer(*gone.timer);
    entries_ = std::move(next);
    rebuild();
}

void ListSubscriptions::loadCache(Entry& entry)
{
    const auto& config = entry.status.config;
    const auto body = cacheDir() / (config.name + ".list");
    const auto metaFile = cacheDir() / (config.name + ".meta");
    if (!std::filesystem::exists(body))
        return;
    auto text = readPrivateFile(body, settings_.maxBytes);
    if (!text) {
        log_.warning("Failed to read a cached list, ignoring it",
                     {{"list", config.name}, {"error", text.error().describe()}});
        return;
    }
    auto parsed = parseList(*text, config.format, body.string());
    if (!parsed) {
        log_.warning("Failed to parse a cached list, ignoring it",
                     {{"list", config.name}, {"error", parsed.error().describe()}});
        return;
    }
    if (auto metaText = readPrivateFile(metaFile, 1 << 16); metaText) {
        if (auto meta = parseListCacheMeta(*metaText, metaFile.string()); meta && config.isUrl())
            entry.meta = std::move(*meta);
    }
    entry.status.entries = parsed->domains.size();
    entry.status.lastSuccess = entry.meta.fetched;
    entry.list = makeList(config, std::move(parsed->domains));
    log_.info("Cached list loaded", {{"list", config.name}, {"entries", entry.status.entries}});
}

void ListSubscriptions::reload()
{
    readConfigs();
    for (auto& [name, entry] : entries_)
        enqueue(entry);
}

void ListSubscriptions::schedule(Entry& entry, TimePoint when)
{
    if (entry.timer)
        loop_.cancelTimer(*entry.timer);
    entry.status.nextRefresh = when;
    const auto delay = std::max(std::chrono::steady_clock::duration::zero(),
                                std::chrono::duration_cast<std::chrono::steady_clock::duration>(when - Clock::now()));
    const auto name = entry.status.config.name;
    entry.timer = loop_.addTimer(delay, [this, name] {
        const auto found = entries_.find(name);
        if (found == entries_.end())
            return;
        found->second.timer.reset();
        enqueue(found->second);
    });
}

void ListSubscriptions::enqueue(Entry& entry)
{
    if (entry.status.fetching)
        return;
    if (entry.timer) {
        loop_.cancelTimer(*entry.timer);
        entry.timer.reset();
    }
    entry.status.fetching = true;
    entry.status.nextRefresh.reset();
    {
        const std::lock_guard lock(mutex_);
        jobs_.push_back({entry.status.config.name, entry.configVersion, entry.status.config, entry.meta});
    }
    wake_.notify_one();
}

void ListSubscriptions::work()
{
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_)
                return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        auto outcome = runJob(job);
        {
            const std::lock_guard lock(mutex_);
            if (stopping_)
                return;
            outcomes_.push_back(std::move(outcome));
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(outcomesEvent_.get(), &one, sizeof one);
    }
}

// On the worker: fetch or read, parse, write the cache. Nothing here touches the loop's state.
ListSubscriptions::Outcome ListSubscriptions::runJob(const Job& job)
{
    Outcome outcome;
    outcome.name = job.name;
    outcome.configVersion = job.configVersion;
    std::string body;
    ListCacheMeta meta;
    if (job.config.isUrl()) {
        ListFetchRequest request;
        request.url = job.config.source;
        request.etag = job.meta.etag;
        request.lastModified = job.meta.lastModified;
        request.caFile = settings_.caFile;
        request.maxBytes = settings_.maxBytes;
        request.timeout = settings_.timeout;
        request.cancel = &cancel_;
        auto fetched = fetchList(request);
        outcome.at = Clock::now();
        if (!fetched) {
            outcome.error = fetched.error().describe();
            return outcome;
        }
        if (fetched->notModified) {
            meta = job.meta;
            meta.fetched = outcome.at;
            outcome.meta = meta;
            if (auto written = writeFileAtomically(cacheDir() / (job.name + ".meta"), renderListCacheMeta(meta), 0600);
                !written)
                outcome.error = "Failed to write the cache: " + written.error().describe();
            return outcome;
        }
        body = std::move(fetched->body);
        meta.etag = std::move(fetched->etag);
        meta.lastModified = std::move(fetched->lastModified);
    } else {
        auto text = readTrustedFile(job.config.source, static_cast<std::size_t>(settings_.maxBytes));
        outcome.at = Clock::now();
        if (!text) {
            outcome.error = text.error().describe();
            return outcome;
        }
        body = std::move(*text);
    }
    meta.fetched = outcome.at;
    auto parsed = parseList(body, job.config.format, job.config.source);
    if (!parsed) {
        outcome.error = parsed.error().describe();
        return outcome;
    }
    outcome.list = makeList(job.config, std::move(parsed->domains));
    outcome.meta = meta;
    // The body first: a crash between the two leaves validators that name older content, which only costs a
    // full download, never a 304 for content we do not have.
    if (auto written = writeFileAtomically(cacheDir() / (job.name + ".list"), body, 0600); !written)
        outcome.error = "In force, but failed to write the cache: " + written.error().describe();
    else if (auto metaWritten = writeFileAtomically(cacheDir() / (job.name + ".meta"), renderListCacheMeta(meta), 0600);
             !metaWritten)
        outcome.error = "In force, but failed to write the cache: " + metaWritten.error().describe();
    return outcome;
}

void ListSubscriptions::onOutcomes()
{
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(outcomesEvent_.get(), &count, sizeof count);
    std::vector<Outcome> outcomes;
    {
        const std::lock_guard lock(mutex_);
        outcomes.swap(outcomes_);
    }
    bool changed = false;
    for (auto& outcome : outcomes) {
        const auto found = entries_.find(outcome.name);
        if (found == entries_.end())
            continue;
        Entry& entry = found->second;
        entry.status.fetching = false;
        if (outcome.configVersion != entry.configVersion) {
            enqueue(entry); // the file changed while this ran: fetch what it names now
            continue;
        }
        const auto& config = entry.status.config;
        entry.status.lastFetch = outcome.at;
        entry.status.lastError = outcome.error;
        if (outcome.meta) {
            entry.meta = *outcome.meta;
            entry.status.lastSuccess = outcome.at;
        }
        if (outcome.list) {
            entry.list = std::move(outcome.list);
            entry.status.entries = entry.list->domains.size();
            changed = true;
            log_.info("List updated",
                      {{"list", config.name}, {"entries", entry.status.entries}, {"source", config.source}});
        } else if (outcome.meta) {
            log_.info("List unchanged", {{"list", config.name}, {"entries", entry.status.entries}});
        }
        if (!outcome.error.empty())
            log_.warning(entry.list ? "Failed to refresh a list, keeping the last good one"
                                    : "Failed to refresh a list, none in force",
                         {{"list", config.name}, {"error", outcome.error}, {"entries", entry.status.entries}});
        const bool failed = !outcome.meta && !outcome.list;
        schedule(entry, outcome.at + (failed ? std::min(config.refresh, kRetryAfterFailure) : config.refresh));
    }
    if (changed)
        rebuild();
}

void ListSubscriptions::rebuild()
{
    std::vector<std::shared_ptr<const DomainList>> lists;
    for (const auto& [name, entry] : entries_)
        if (entry.status.enabled && entry.list)
            lists.push_back(entry.list);
    active_ = std::make_shared<ListSet>(std::move(lists));
    ++generation_;
    if (changed_)
        changed_();
}

std::vector<ListStatus> ListSubscriptions::status() const
{
    std::vector<ListStatus> statuses;
    for (const auto& [name, entry] : entries_)
        statuses.push_back(entry.status);
    return statuses;
}

Result<void> ListSubscriptions::refresh(const std::string& name)
{
    if (name.empty()) {
        for (auto& [listName, entry] : entries_)
            enqueue(entry);
        return Ok{};
    }
    const auto found = entries_.find(name);
    if (found == entries_.end())
        return Error::named(std::string(control_error::noSuchList), fmt::format("No list named '{}'", name));
    enqueue(found->second);
    return Ok{};
}

Result<void> ListSubscriptions::setEnabled(const std::string& name, bool enabled)
{
    const auto found = entries_.find(name);
    if (found == entries_.end())
        return Error::named(std::string(control_error::noSuchList), fmt::format("No list named '{}'", name));
    auto switches = switches_;
    switches[name] = enabled;
    if (auto written = writeFileAtomically(switchesFile(), renderListSwitches(switches), 0600); !written)
        return Error(fmt::format("Failed to save the list switch: {}", written.error().describe()));
    switches_ = std::move(switches);
    if (found->second.status.enabled == enabled)
        return Ok{};
    found->second.status.enabled = enabled;
    log_.info(enabled ? "List switched on" : "List switched off", {{"list", name}});
    rebuild();
    return Ok{};
}

} // namespace hostgate
