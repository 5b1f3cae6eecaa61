// SPDX-License-Identifier: GPL-3.0-or-later
// FileWatcher: inotify on rule directories, filtered by entry name and debounced on the EventLoop.
#include "service/file_watch.h"

#include "util/errno_error.h"
#include "util/unique_fd.h"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <unordered_map>

namespace hostgate {

namespace {

// Every way an entry can appear, change or vanish, including both halves of a rename.
constexpr std::uint32_t kEntryEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE;
constexpr std::uint32_t kDirectoryGoneEvents = IN_DELETE_SELF | IN_MOVE_SELF;
constexpr int kMaxWaitFactor = 4;

} // namespace

WatchTarget WatchTarget::file(const std::filesystem::path& path)
{
    return WatchTarget{path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path(),
                       path.filename().string(), false};
}

WatchTarget WatchTarget::entriesWithSuffix(const std::filesystem::path& directory, std::string suffix)
{
    return WatchTarget{directory, std::move(suffix), true};
}

bool WatchTarget::matches(std::string_view entryName) const
{
    if (!matchSuffix) {
        return entryName == name;
    }
    // A hidden file is an editor's or installer's temporary, never a rule file.
    return !entryName.starts_with('.') && entryName.size() > name.size() && entryName.ends_with(name);
}

struct FileWatcher::State {
    EventLoop* loop = nullptr;
    std::vector<WatchTarget> targets;
    FileChangeHandler onChange;
    std::chrono::milliseconds debounce{};
    UniqueFd inotify;
    std::optional<WatchId> watch;
    // Watch descriptor → targets in that directory (two targets may share one directory).
    std::unordered_map<int, std::vector<std::size_t>> targetsByDescriptor;
    std::set<std::size_t> pending;
    std::optional<TimerId> timer;
    std::optional<EventLoop::SteadyTime> burstStart;

    ~State()
    {
        if (timer) {
            loop->cancelTimer(*timer);
        }
        if (watch) {
            loop->unwatch(*watch);
        }
    }

    void readEvents();
    void noteChange(std::size_t target);
    void flush();
};

void FileWatcher::State::readEvents()
{
    alignas(inotify_event) char buffer[16 * (sizeof(inotify_event) + NAME_MAX + 1)];
    for (;;) {
        const ssize_t length = ::read(inotify.get(), buffer, sizeof buffer);
        if (length <= 0) {
            return; // EAGAIN: drained
        }
        for (ssize_t offset = 0; offset < length;) {
            inotify_event event{};
            std::memcpy(&event, buffer + offset, sizeof event);
            const std::string_view entryName =
                event.len > 0 ? std::string_view(buffer + offset + sizeof(inotify_event)).substr(0, event.len)
                              : std::string_view();
            offset += static_cast<ssize_t>(sizeof(inotify_event) + event.len);

            // Events were lost: any target may have changed.
            if ((event.mask & IN_Q_OVERFLOW) != 0) {
                for (const auto& directoryTargets : targetsByDescriptor) {
                    for (std::size_t target : directoryTargets.second) {
                        noteChange(target);
                    }
                }
                continue;
            }
            const auto found = targetsByDescriptor.find(event.wd);
            if (found == targetsByDescriptor.end()) {
                continue;
            }
            if ((event.mask & (kDirectoryGoneEvents | IN_IGNORED)) != 0) {
                for (std::size_t target : found->second) {
                    noteChange(target);
                }
                // The kernel drops the watch itself (IN_IGNORED follows); forget it.
                if ((event.mask & IN_IGNORED) != 0) {
                    targetsByDescriptor.erase(found);
                }
                continue;
            }
            for (std::size_t target : found->second) {
                if (targets[target].matches(entryName)) {
                    noteChange(target);
                }
            }
        }
    }
}

void FileWatcher::State::noteChange(std::size_t target)
{
    pending.insert(target);
    const auto now = std::chrono::steady_clock::now();
    if (!burstStart) {
        burstStart = now;
    }
    if (timer) {
        loop->cancelTimer(*timer);
    }
    const auto deadline = std::min(now + debounce, *burstStart + kMaxWaitFactor * debounce);
    timer = loop->addTimer(deadline, [this] { flush(); });
}

void FileWatcher::State::flush()
{
    timer.reset();
    burstStart.reset();
    const std::vector<std::size_t> changed(pending.begin(), pending.end());
    pending.clear();
    if (!changed.empty() && onChange) {
        onChange(changed);
    }
}

Result<FileWatcher> FileWatcher::create(EventLoop& loop, std::vector<WatchTarget> targets, FileChangeHandler onChange,
                                        std::chrono::milliseconds debounce)
{
    auto state = std::make_unique<State>();
    state->loop = &loop;
    state->targets = std::move(targets);
    state->onChange = std::move(onChange);
    state->debounce = debounce;
    state->inotify.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!state->inotify) {
        return Error(fmt::format("Failed to create inotify instance: {}", errnoText(errno)));
    }
    for (std::size_t index = 0; index < state->targets.size(); ++index) {
        const std::filesystem::path& directory = state->targets[index].directory;
        // IN_ONLYDIR: watching a file by mistake would silently miss atomic replacements.
        const int descriptor = ::inotify_add_watch(state->inotify.get(), directory.c_str(),
                                                   kEntryEvents | kDirectoryGoneEvents | IN_ONLYDIR);
        if (descriptor < 0) {
            return Error(fmt::format("Failed to watch directory {}: {}", directory.string(), errnoText(errno)));
        }
        // inotify returns the same descriptor for the same directory, which groups its targets.
        state->targetsByDescriptor[descriptor].push_back(index);
    }
    State* raw = state.get();
    auto watch = loop.watchFd(state->inotify.get(), EPOLLIN, [raw](std::uint32_t) { raw->readEvents(); });
    if (!watch) {
        return watch.error();
    }
    state->watch = *watch;
    return FileWatcher(std::move(state));
}

FileWatcher::FileWatcher(std::unique_ptr<State> state) : state_(std::move(state)) {}
FileWatcher::FileWatcher(FileWatcher&&) noexcept = default;
FileWatcher& FileWatcher::operator=(FileWatcher&&) noexcept = default;
FileWatcher::~FileWatcher() = default;

} // namespace hostgate
