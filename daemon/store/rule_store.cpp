// SPDX-License-Identifier: GPL-3.0-or-later
// RuleStore: loading admin and user rule files with last-good fallback, and saving the user's rules.
#include "store/rule_store.h"

#include "rules/rule_validation.h"
#include "store/atomic_file.h"
#include "store/file_trust.h"
#include "store/rule_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

namespace hostgate {

namespace fs = std::filesystem;

namespace {

// Rule files are obeyed only when root owns them and nobody else can write them (checked on the opened fd,
// so a symlink is judged by what it points to, while errors name the path we were given), and only up to
// the size limit of rule files.
Result<std::vector<Rule>> loadRuleFile(const fs::path& path, RuleOrigin origin,
                                       const HostSourceSnapshot* hostSources = nullptr)
{
    Result<std::string> text = readTrustedFile(path, maxRuleTextBytes);
    if (!text)
        return text.error();
    auto rules = parseRuleFile(*text, path.string(), origin, origin == RuleOrigin::User ? nullptr : hostSources);
    if (rules && origin != RuleOrigin::User) {
        // An admin rule was created when its file was last written (unless the file says when).
        std::error_code error;
        const auto written = fs::last_write_time(path, error);
        if (!error) {
            const auto created =
                std::chrono::time_point_cast<TimePoint::duration>(std::chrono::file_clock::to_sys(written));
            for (Rule& rule : *rules)
                if (rule.created == TimePoint{})
                    rule.created = created;
        }
    }
    return rules;
}

// Rule files of a load are parsed concurrently (TOML parsing is most of a load: 100k rules take about a second
// on one core). Each file is parsed on its own; the results keep the order of `paths`.
std::vector<Result<std::vector<Rule>>> loadRuleFiles(const std::vector<std::pair<fs::path, RuleOrigin>>& files,
                                                     const HostSourceSnapshot& hostSources)
{
    std::vector<std::optional<Result<std::vector<Rule>>>> slots(files.size());
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++)
            slots[i] = loadRuleFile(files[i].first, files[i].second, &hostSources);
    };
    const std::size_t helpers =
        files.size() < 2
            ? 0
            : std::min<std::size_t>({std::max(1U, std::thread::hardware_concurrency()) - 1, 3, files.size() - 1});
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < helpers; ++i) {
        try {
            threads.emplace_back(work);
        } catch (const std::system_error&) {
            break; // no thread to be had: this one parses everything
        }
    }
    work();
    for (auto& thread : threads)
        thread.join();
    std::vector<Result<std::vector<Rule>>> results;
    results.reserve(files.size());
    for (auto& slot : slots)
        results.push_back(std::move(*slot));
    return results;
}

// True when `path` is absent; an error when it cannot be examined (then the caller keeps its last good rules).
Result<bool> isMissing(const fs::path& path)
{
    std::error_code error;
    fs::file_status status = fs::status(path, error);
    if (status.type() == fs::file_type::not_found)
        return true;
    if (error)
        return Error{"Failed to examine " + path.string() + ": " + error.message()};
    return false;
}

Result<std::vector<fs::path>> listAdminFiles(const fs::path& directory)
{
    std::vector<fs::path> files;
    std::error_code error;
    for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
        const fs::path& path = it->path();
        std::error_code typeError;
        if (path.extension() == ".toml" && path.filename().string().front() != '.' && it->is_regular_file(typeError))
            files.push_back(path);
    }
    if (error)
        return Error{"Failed to list " + directory.string() + ": " + error.message()};
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
    return files;
}

// The names of every *.toml entry of `directory`, whatever its type.
std::set<std::string> tomlEntryNames(const fs::path& directory)
{
    std::set<std::string> names;
    std::error_code error;
    for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (it->path().extension() == ".toml" && name.front() != '.')
            names.insert(name);
    }
    return names;
}

} // namespace

RuleStore::RuleStore(RuleStorePaths paths)
    : paths_(std::move(paths)), journal_(fs::path(paths_.userFile.string() + ".journal")),
      adminIds_((paths_.userFile.has_parent_path() ? paths_.userFile.parent_path() : fs::path(".")) / "admin-rule-ids")
{}

fs::path RuleStore::journalPath() const
{
    return journal_.path();
}

Result<void> RuleStore::replayJournal(std::vector<Rule>& userRules, LoadReport& report)
{
    const fs::path path = journalPath();
    auto text = readTrustedJournal(path);
    if (!text)
        return text.error();
    if (!*text) {
        journal_.setKnownSize(0);
        return Ok{};
    }
    auto replay = decodeJournal(**text, path.string());
    if (!replay)
        return replay.error();
    std::vector<Rule> rules = userRules;
    applyJournal(rules, replay->records);
    if (rules.size() > maxRulesPerFile)
        return Error{fmt::format("Refusing to load {}: with it the user rules would be {}, more than the limit of {}",
                                 path.string(), rules.size(), maxRulesPerFile)};
    if (replay->tornAt) {
        // Dropped before anything is appended after it, where it would read as damage.
        if (auto cut = journal_.truncate(replay->goodBytes); !cut)
            return cut.error();
        report.journalNotice = fmt::format("Ignored the incomplete last record of {} (at byte {}): the daemon was "
                                           "stopped while writing it, before that change was acknowledged",
                                           path.string(), *replay->tornAt);
    } else {
        journal_.setKnownSize(replay->goodBytes);
    }
    report.journalRecords = replay->records.size();
    userRules = std::move(rules);
    return Ok{};
}

std::set<std::string> RuleStore::loadReadOnlyDirectory(const fs::path& directory, RuleOrigin origin,
                                                       const std::set<std::string>& masked,
                                                       const HostSourceSnapshot& hostSources,
                                                       const std::map<std::string, std::vector<Rule>>& previous,
                                                       std::map<std::string, std::vector<Rule>>& loaded,
                                                       LoadReport& report)
{
    // The directory cannot be read or trusted: the files it had at the last good load stay, with their names.
    const auto keepPrevious = [&] {
        std::set<std::string> names;
        for (const auto& [name, rules] : previous) {
            if (!rules.empty() && rules.front().origin != origin)
                continue;
            if (rules.empty() && origin != RuleOrigin::Admin)
                continue;
            names.insert(name);
            if (!masked.contains(name))
                loaded.emplace(name, rules);
        }
        return names;
    };

    Result<bool> missing = isMissing(directory);
    if (!missing) {
        report.errors.push_back(missing.error());
        return keepPrevious();
    }
    if (*missing)
        return {};
    if (Result<void> trusted = checkTrustedDirectory(directory); !trusted) {
        // Anyone who can write the directory can swap its files: none of them is obeyed (last good rules stay).
        report.errors.push_back(trusted.error());
        return keepPrevious();
    }
    Result<std::vector<fs::path>> files = listAdminFiles(directory);
    if (!files) {
        report.errors.push_back(files.error());
        return keepPrevious();
    }
    // Every *.toml entry masks: also one that is no regular file, e.g. a symlink to /dev/null.
    std::set<std::string> names = tomlEntryNames(directory);
    std::erase_if(*files, [&](const fs::path& file) { return masked.contains(file.filename().string()); });

    std::map<RuleId, std::string> idOwners;
    for (const auto& [name, rules] : loaded)
        for (const Rule& rule : rules)
            idOwners.emplace(rule.id, name);
    std::vector<std::pair<fs::path, RuleOrigin>> jobs;
    for (const fs::path& file : *files)
        jobs.emplace_back(file, origin);
    auto parsed = loadRuleFiles(jobs, hostSources);
    for (std::size_t index = 0; index < files->size(); ++index) {
        const fs::path& file = (*files)[index];
        std::string name = file.filename().string();
        Result<std::vector<Rule>> rules = std::move(parsed[index]);
        if (!rules) {
            report.errors.push_back(rules.error());
            auto last = previous.find(name);
            if (last == previous.end() || (!last->second.empty() && last->second.front().origin != origin))
                continue;
            rules = last->second;
        }
        // Ids hash the file name; two names colliding is astronomically unlikely, but must not merge rules.
        auto clash =
            std::find_if(rules->begin(), rules->end(), [&](const Rule& rule) { return idOwners.count(rule.id) > 0; });
        if (clash != rules->end()) {
            report.errors.push_back(Error{"Failed to load " + file.string() + ": its rule ids collide with " +
                                          idOwners[clash->id] + "; rename one of the files"});
            continue;
        }
        for (const Rule& rule : *rules)
            idOwners.emplace(rule.id, name);
        loaded.emplace(name, std::move(*rules));
    }
    return names;
}

RuleStore::LoadReport RuleStore::load(RuleId idFloor)
{
    LoadReport report;

    // Admin files first: their names mask the base policy's files of the same name.
    const HostSourceSnapshot hostSources = readHostSources(paths_.hostSourcesRoot);
    for (const std::string& notice : hostSources.notices)
        report.hostSourceNotices.push_back(notice);
    std::map<std::string, std::vector<Rule>> previous = std::move(lastGoodAdminRules_);
    std::map<std::string, std::vector<Rule>> loaded;
    std::set<std::string> adminNames =
        loadReadOnlyDirectory(paths_.adminDir, RuleOrigin::Admin, {}, hostSources, previous, loaded, report);
    if (!paths_.baseDir.empty())
        loadReadOnlyDirectory(paths_.baseDir, RuleOrigin::Base, adminNames, hostSources, previous, loaded, report);
    lastGoodAdminRules_ = std::move(loaded);

    Result<bool> userFileMissing = isMissing(paths_.userFile);
    const std::size_t errorsBeforeUserFile = report.errors.size();
    if (!userFileMissing) {
        report.errors.push_back(userFileMissing.error());
    } else if (*userFileMissing) {
        lastGoodUserRules_.clear();
    } else if (Result<void> trusted = checkTrustedDirectory(userFileDirectory()); !trusted) {
        report.errors.push_back(
            Error{trusted.error().message + " (not loading " + paths_.userFile.string() + " from it)"});
    } else if (Result<std::vector<Rule>> rules = loadRuleFile(paths_.userFile, RuleOrigin::User); !rules) {
        report.errors.push_back(rules.error());
    } else {
        lastGoodUserRules_ = std::move(*rules);
    }
    if (report.errors.size() == errorsBeforeUserFile) {
        // The journal's changes were acknowledged after the file was last written: they apply on top of it.
        if (auto replayed = replayJournal(lastGoodUserRules_, report); !replayed)
            report.errors.push_back(replayed.error());
    }
    report.userFileFailed = report.errors.size() > errorsBeforeUserFile;

    // Admin rules get their short ids last, around the user rules' ids.
    std::set<RuleId> userIds;
    for (const Rule& rule : lastGoodUserRules_)
        userIds.insert(rule.id);
    if (auto problem = adminIds_.assign(lastGoodAdminRules_, userIds, idFloor))
        report.adminIdNotice =
            "Failed to keep the admin rules' short ids, they may change at the next start: " + problem->describe();

    report.userRules = lastGoodUserRules_.size();
    report.adminRules = adminRuleCount();
    return report;
}

Result<void> RuleStore::saveUserRules(std::vector<Rule> rules)
{
    const std::string what = "Failed to save user rules to " + paths_.userFile.string() + ": ";
    std::set<RuleId> ids;
    for (Rule& rule : rules) {
        if (rule.origin != RuleOrigin::User)
            return Error{what + "rule " + std::to_string(rule.id) + " is an admin rule, and admin rules are read-only"};
        if (rule.id == 0 || isAdminRuleId(rule.id))
            return Error{what + "rule id " + std::to_string(rule.id) + " is outside the user range 1..2^63-1"};
        if (!ids.insert(rule.id).second)
            return Error{what + "rule id " + std::to_string(rule.id) + " is used twice"};
        rule.source.clear();
    }

    // Never write a file the next load would reject or read differently (e.g. a path that is not UTF-8).
    std::string text = serializeRules(rules);
    Result<std::vector<Rule>> readBack = parseRuleFile(text, paths_.userFile.string(), RuleOrigin::User);
    if (!readBack)
        return Error{what + "the rules cannot be stored as TOML: " + readBack.error().message};
    if (*readBack != rules)
        return Error{what + "the rules would not read back unchanged"};

    if (Result<void> created = createPrivateDirectories(paths_.userFile.parent_path()); !created)
        return Error{what + created.error().message};
    // Others could replace the file in a directory they can write: never store rules there.
    if (Result<void> trusted = checkTrustedDirectory(userFileDirectory()); !trusted)
        return Error{what + trusted.error().message};
    if (Result<void> written = writeFileAtomically(paths_.userFile, text, userFileMode); !written)
        return written.error();

    lastGoodUserRules_ = std::move(rules);
    // After the rename: a crash before this line leaves a journal whose records the file already holds, and
    // replaying them again changes nothing.
    if (Result<void> removed = journal_.remove(); !removed)
        return Error{what + removed.error().message};
    return Ok{};
}

Result<void> RuleStore::recordUserRule(const Rule& rule)
{
    const std::string what = "Failed to save rule " + std::to_string(rule.id) + " to " + journalPath().string() + ": ";
    if (rule.origin != RuleOrigin::User)
        return Error{what + "admin rules are read-only"};
    if (rule.id == 0 || isAdminRuleId(rule.id))
        return Error{what + "the id is outside the user range 1..2^63-1"};
    Rule stored = rule;
    stored.source.clear();
    const std::string record = encodeJournalRecord({JournalRecord::Op::Put, stored.id, stored});
    // Never append a record the next load would reject or read differently.
    auto readBack = decodeJournal(std::string(ruleJournalHeader) + record, journalPath().string());
    if (!readBack || readBack->records.size() != 1 || readBack->records.front().rule != stored)
        return Error{what + "the rule would not read back unchanged"};
    if (Result<void> created = createPrivateDirectories(paths_.userFile.parent_path()); !created)
        return Error{what + created.error().message};
    if (Result<void> trusted = checkTrustedDirectory(userFileDirectory()); !trusted)
        return Error{what + trusted.error().message};
    if (Result<void> appended = journal_.append(record); !appended)
        return appended.error();
    const auto it = std::find_if(lastGoodUserRules_.begin(), lastGoodUserRules_.end(),
                                 [&](const Rule& r) { return r.id == stored.id; });
    if (it != lastGoodUserRules_.end())
        *it = std::move(stored);
    else
        lastGoodUserRules_.push_back(std::move(stored));
    return Ok{};
}

Result<void> RuleStore::recordUserRuleRemoval(RuleId id)
{
    if (Result<void> trusted = checkTrustedDirectory(userFileDirectory()); !trusted)
        return Error{"Failed to remove rule " + std::to_string(id) + ": " + trusted.error().message};
    if (Result<void> appended = journal_.append(encodeJournalRecord({JournalRecord::Op::Remove, id, std::nullopt}));
        !appended)
        return appended.error();
    std::erase_if(lastGoodUserRules_, [id](const Rule& rule) { return rule.id == id; });
    return Ok{};
}

fs::path RuleStore::userFileDirectory() const
{
    return paths_.userFile.has_parent_path() ? paths_.userFile.parent_path() : fs::path(".");
}

RuleId RuleStore::nextUserRuleId() const
{
    RuleId largest = 0;
    for (const Rule& rule : lastGoodUserRules_)
        largest = std::max(largest, rule.id);
    return std::max(largest + 1, adminIds_.next());
}

std::vector<Rule> RuleStore::rules() const
{
    std::vector<Rule> rules;
    rules.reserve(adminRuleCount() + lastGoodUserRules_.size());
    for (const auto& [name, fileRules] : lastGoodAdminRules_)
        rules.insert(rules.end(), fileRules.begin(), fileRules.end());
    rules.insert(rules.end(), lastGoodUserRules_.begin(), lastGoodUserRules_.end());
    return rules;
}

std::size_t RuleStore::adminRuleCount() const
{
    std::size_t count = 0;
    for (const auto& [name, fileRules] : lastGoodAdminRules_)
        count += fileRules.size();
    return count;
}

} // namespace hostgate
