// SPDX-License-Identifier: GPL-3.0-or-later
// RuleLifecycle: loads, changes, saves and ends rules; the ids and in-memory rules live here and nowhere else.
#include "hostgated/rule_lifecycle.h"

#include "bus/firewall_control.h"
#include "rules/rule_validation.h"
#include "store/rule_file.h"
#include "store/rule_hits.h"

#include <fmt/core.h>

#include <algorithm>

#include <malloc.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hostgate {

namespace {

// The shared validation (rules/rule_validation.h) as the API's InvalidRule error; `what` says which call.
std::optional<Error> refusedRule(const Rule& rule, std::string_view what)
{
    if (auto problem = validateRule(rule))
        return Error::named(std::string(control_error::invalidRule),
                            fmt::format("{}: '{}' {}", what, problem->key, problem->reason));
    return std::nullopt;
}

std::size_t lastingUserRuleCount(const std::vector<Rule>& rules)
{
    return static_cast<std::size_t>(std::count_if(rules.begin(), rules.end(), [](const Rule& rule) {
        return rule.origin == RuleOrigin::User && rule.lifetime.persistent();
    }));
}

Error noSuchRule(RuleId id)
{
    return Error::named(std::string(control_error::noSuchRule), fmt::format("No rule with id {}", id));
}

Error untilExitOnlyFromPrompts()
{
    return Error::named(std::string(control_error::invalidRule),
                        "Rules lasting until a process exits come only from prompt answers");
}

} // namespace

FileSignature fileSignature(const std::filesystem::path& path)
{
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0)
        return {};
    return {status.st_dev, status.st_ino, status.st_size, status.st_mtim.tv_sec, status.st_mtim.tv_nsec};
}

std::vector<Rule> lastingUserRules(const std::vector<Rule>& rules)
{
    std::vector<Rule> lasting;
    for (const auto& rule : rules)
        if (rule.origin == RuleOrigin::User && rule.lifetime.persistent())
            lasting.push_back(rule);
    return lasting;
}

RuleLifecycle::RuleLifecycle(RuleStorePaths paths, DecisionEngine& engine, EventLoop& loop, Logger& log, Hooks hooks)
    : store_(std::move(paths)), engine_(engine), loop_(loop), log_(log), hooks_(std::move(hooks))
{}

RuleLifecycle::~RuleLifecycle()
{
    stopWatchingExits();
}

RuleStore::LoadReport RuleLifecycle::load()
{
    // New admin rules get ids above every id handed out so far (in-memory rules are not in the store).
    auto report = store_.load(nextId_);
    noteLoadErrors(report);
    applyStored();
    // Parsing megabytes of TOML leaves freed parse trees and copies in the heap, which glibc keeps mapped:
    // handing them back is what leaves the daemon's memory proportional to the rules it holds.
    ::malloc_trim(0);
    return report;
}

void RuleLifecycle::reload()
{
    const auto report = load();
    log_.info("Rules reloaded", {{"admin", report.adminRules}, {"user", report.userRules}});
    if (hooks_.changedOnItsOwn)
        hooks_.changedOnItsOwn();
}

bool RuleLifecycle::isOwnUserFileWrite() const
{
    return fileSignature(store_.paths().userFile) == ownUserFileWrite_;
}

void RuleLifecycle::noteLoadErrors(const RuleStore::LoadReport& report)
{
    userFileBroken_ = report.userFileFailed;
    loadErrors_.clear();
    for (const auto& error : report.errors) {
        loadErrors_.push_back(error.describe());
        log_.error("Failed to load rule file, keeping its last good rules", {{"error", error.describe()}});
    }
    if (report.journalNotice)
        log_.warning(*report.journalNotice);
    if (report.adminIdNotice)
        log_.warning(*report.adminIdNotice);
    for (const std::string& notice : report.hostSourceNotices)
        log_.warning("Base policy: part of the system's configuration was not read", {{"notice", notice}});
}

void RuleLifecycle::applyStored()
{
    std::vector<Rule> rules = store_.rules();
    rules.insert(rules.end(), runtimeRules_.begin(), runtimeRules_.end());
    enforce(std::move(rules));
}

void RuleLifecycle::enforce(std::vector<Rule> rules)
{
    for (const auto& rule : rules)
        if (!isAdminRuleId(rule.id)) // admin ids live above 2^63 and never share the user range
            nextId_ = std::max(nextId_, rule.id + 1);
    // The counts live in the engine (the files' copies lag behind): a rule that stays keeps its hits.
    SavedHitsById current;
    if (!hitsLoaded_) {
        hitsLoaded_ = true;
        if (auto saved = loadRuleHits(hitsPath()); saved)
            current = std::move(*saved);
        else
            log_.warning("Failed to load the rules' hit counts, counting from the rule files' values",
                         {{"error", saved.error().describe()}});
    } else {
        engine_.forEachRule([&](const Rule& rule) {
            if (rule.hitCount != 0)
                current.emplace(rule.id, SavedRuleHits{rule.hitCount, rule.lastHit, rule.created});
        });
    }
    applySavedHits(rules, current);
    engine_.setRules(std::move(rules));
    if (hooks_.enforced)
        hooks_.enforced();
}

RuleId RuleLifecycle::takeId()
{
    const RuleId id = std::max(nextId_, store_.nextUserRuleId());
    nextId_ = id + 1;
    return id;
}

Rule RuleLifecycle::adopt(Rule rule)
{
    rule.id = takeId();
    rule.origin = RuleOrigin::User;
    if (rule.lifetime.persistent()) {
        if (userFileBroken_)
            // Saving would replace the user's broken edit with our copy; keep the new rule in memory until fixed.
            log_.error("Not saving user rules: the rule file has errors; fix it and the daemon reloads it",
                       {{"file", store_.paths().userFile}});
        else if (auto saved = record(rule); !saved)
            log_.error("Failed to save user rules",
                       {{"file", store_.paths().userFile}, {"error", saved.error().describe()}});
    } else {
        runtimeRules_.push_back(rule);
        if (rule.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime.pid)
            watchProcessExit(*rule.lifetime.pid);
    }
    engine_.addRule(rule);
    if (hooks_.enforced)
        hooks_.enforced();
    if (hooks_.changedOnItsOwn)
        hooks_.changedOnItsOwn();
    return rule;
}

Result<void> RuleLifecycle::writeUserRules(const std::vector<Rule>& rules)
{
    if (auto saved = store_.saveUserRules(lastingUserRules(rules)); !saved)
        return saved;
    ownUserFileWrite_ = fileSignature(store_.paths().userFile);
    return Ok{};
}

Result<void> RuleLifecycle::record(const Rule& rule)
{
    if (auto saved = store_.recordUserRule(rule); !saved)
        return saved;
    compactIfDue();
    return Ok{};
}

void RuleLifecycle::compactIfDue()
{
    if (store_.compactionDue())
        compact();
}

void RuleLifecycle::compact()
{
    if (userFileBroken_ || store_.journalEmpty())
        return;
    // A failed compaction loses nothing: the journal stays, and the next change or stop tries again.
    if (auto saved = writeUserRules(engine_.rules()); !saved)
        log_.warning("Failed to compact the rule journal into the user file, keeping the journal",
                     {{"error", saved.error().describe()}});
    else
        log_.info("Rule journal compacted into the user file", {{"file", store_.paths().userFile}});
}

std::filesystem::path RuleLifecycle::hitsPath() const
{
    const auto& userFile = store_.paths().userFile;
    return (userFile.has_parent_path() ? userFile.parent_path() : std::filesystem::path(".")) / "rule-hits";
}

void RuleLifecycle::saveHits()
{
    // Before the first load nothing is known, and writing would erase what was saved.
    if (!hitsLoaded_ || savedHitEvents_ == engine_.hitEvents())
        return;
    std::vector<Rule> counted;
    engine_.forEachRule([&](const Rule& rule) {
        if (rule.hitCount != 0)
            counted.push_back(rule);
    });
    if (auto saved = saveRuleHits(hitsPath(), counted); !saved) {
        log_.warning("Failed to save the rules' hit counts, trying again later", {{"error", saved.error().describe()}});
        return;
    }
    savedHitEvents_ = engine_.hitEvents();
}

std::optional<Error> RuleLifecycle::refusedWhileBroken() const
{
    if (!userFileBroken_)
        return std::nullopt;
    return Error::named(std::string(control_error::rulesFileBroken),
                        fmt::format("The user rule file {} has errors; fix it (the daemon reloads it) before "
                                    "changing rules, so your edit is not overwritten",
                                    store_.paths().userFile.string()));
}

Result<const Rule*> RuleLifecycle::editable(RuleId id) const
{
    const Rule* rule = engine_.findRule(id);
    if (!rule)
        return noSuchRule(id);
    if (isReadOnly(rule->origin))
        return Error::named(std::string(control_error::readOnlyRule),
                            fmt::format("Rule {} comes from the {} file {} and is read-only", id,
                                        rule->origin == RuleOrigin::Admin ? "administrator's" : "base policy's",
                                        rule->source));
    return rule;
}

Result<void> RuleLifecycle::saveChange(const Rule* before, const Rule* after)
{
    // The lasting rules are saved as one file, which must stay loadable; fewer is always allowed.
    const bool wasLasting = before && before->lifetime.persistent();
    const bool isLasting = after && after->lifetime.persistent();
    if (isLasting && !wasLasting && store_.userRuleCount() >= maxRulesPerFile)
        return Error::named(
            std::string(control_error::invalidRule),
            fmt::format("Too many rules: {} user rules, the limit is {}", store_.userRuleCount() + 1, maxRulesPerFile));
    // Saved first: a rule that cannot be written never takes effect, so what is enforced is what is on disk.
    Result<void> saved = Ok{};
    if (isLasting)
        saved = store_.recordUserRule(*after);
    else if (wasLasting)
        saved = store_.recordUserRuleRemoval(before->id);
    if (!saved)
        return Error::named(std::string(control_error::failed),
                            "Failed to save user rules, nothing changed: " + saved.error().describe());
    const RuleId id = before ? before->id : after->id;
    std::erase_if(runtimeRules_, [id](const Rule& rule) { return rule.id == id; });
    if (after && !isLasting)
        runtimeRules_.push_back(*after);
    return Ok{};
}

Result<Rule> RuleLifecycle::add(Rule rule)
{
    if (rule.lifetime.kind == Lifetime::Kind::UntilExit)
        return untilExitOnlyFromPrompts();
    rule.origin = RuleOrigin::User;
    rule.source.clear();
    rule.hitCount = 0;
    rule.lastHit.reset();
    if (rule.created == TimePoint{})
        rule.created = Clock::now();
    if (auto refused = refusedRule(rule, "Failed to add rule"))
        return *refused;
    if (auto refused = refusedWhileBroken())
        return *refused;
    const RuleId firstFree = nextId_;
    rule.id = takeId();
    if (auto saved = saveChange(nullptr, &rule); !saved) {
        nextId_ = firstFree;
        return saved.error();
    }
    engine_.addRule(rule);
    if (hooks_.enforced)
        hooks_.enforced();
    compactIfDue();
    log_.info("Rule added", {{"rule", describe(rule)}});
    return rule;
}

Result<void> RuleLifecycle::replace(Rule updated)
{
    if (auto refused = refusedWhileBroken())
        return *refused;
    auto current = editable(updated.id);
    if (!current)
        return current.error();
    const Rule& rule = **current;
    if (updated.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime != updated.lifetime)
        return untilExitOnlyFromPrompts();
    updated.origin = RuleOrigin::User;
    updated.source.clear();
    updated.created = rule.created;
    updated.hitCount = rule.hitCount;
    updated.lastHit = rule.lastHit;
    if (auto saved = saveChange(&rule, &updated); !saved)
        return saved;
    engine_.replaceRule(updated);
    if (hooks_.enforced)
        hooks_.enforced();
    compactIfDue();
    return Ok{};
}

Result<void> RuleLifecycle::update(Rule updated)
{
    if (auto refused = refusedRule(updated, "Failed to update rule"))
        return *refused;
    const RuleId id = updated.id;
    if (auto replaced = replace(std::move(updated)); !replaced)
        return replaced;
    log_.info("Rule updated", {{"rule", describe(*engine_.findRule(id))}});
    return Ok{};
}

Result<void> RuleLifecycle::remove(RuleId id)
{
    if (auto refused = refusedWhileBroken())
        return *refused;
    auto current = editable(id);
    if (!current)
        return current.error();
    const std::string description = describe(**current);
    if (auto saved = saveChange(*current, nullptr); !saved)
        return saved;
    engine_.removeRule(id);
    if (hooks_.enforced)
        hooks_.enforced();
    compactIfDue();
    log_.info("Rule removed", {{"rule", description}});
    return Ok{};
}

Result<void> RuleLifecycle::setEnabled(RuleId id, bool enabled)
{
    if (auto refused = refusedWhileBroken())
        return *refused;
    auto current = editable(id);
    if (!current)
        return current.error();
    Rule changed = **current;
    changed.enabled = enabled;
    if (auto replaced = replace(std::move(changed)); !replaced)
        return replaced;
    log_.info(enabled ? "Rule enabled" : "Rule disabled", {{"id", id}});
    return Ok{};
}

Result<void> RuleLifecycle::change(const std::function<Result<void>(std::vector<Rule>&)>& edit)
{
    if (auto refused = refusedWhileBroken())
        return *refused;
    std::vector<Rule> rules = engine_.rules();
    const std::size_t lastingBefore = lastingUserRuleCount(rules);
    if (auto changed = edit(rules); !changed)
        return changed;
    if (const std::size_t lasting = lastingUserRuleCount(rules); lasting > maxRulesPerFile && lasting > lastingBefore)
        return Error::named(std::string(control_error::invalidRule),
                            fmt::format("Too many rules: {} user rules, the limit is {}", lasting, maxRulesPerFile));
    // Saved first (the whole file, which also compacts the journal), then enforced.
    if (auto saved = writeUserRules(rules); !saved)
        return Error::named(std::string(control_error::failed),
                            "Failed to save user rules, nothing changed: " + saved.error().describe());
    runtimeRules_.clear();
    for (const auto& rule : rules)
        if (rule.origin == RuleOrigin::User && !rule.lifetime.persistent())
            runtimeRules_.push_back(rule);
    enforce(std::move(rules));
    return Ok{};
}

std::string RuleLifecycle::exportText() const
{
    return serializeRules(lastingUserRules(engine_.rules()));
}

Result<std::size_t> RuleLifecycle::import(std::string_view toml, bool replace)
{
    if (auto tooLarge = checkRuleTextSize(toml.size(), "import"))
        return Error::named(std::string(control_error::invalidRule), tooLarge->describe());
    auto imported = parseImportedRules(toml, "import");
    if (!imported)
        return Error::named(std::string(control_error::invalidRule),
                            "Failed to import rules: " + imported.error().describe());
    for (const auto& rule : *imported) {
        if (rule.lifetime.kind == Lifetime::Kind::UntilExit)
            return Error::named(std::string(control_error::invalidRule),
                                "Failed to import rules: rules lasting until a process exits cannot be imported");
        if (auto refused = refusedRule(rule, "Failed to import rules"))
            return *refused;
    }
    const RuleId firstFree = nextId_;
    const TimePoint now = Clock::now();
    auto changed = change([&](std::vector<Rule>& rules) -> Result<void> {
        if (replace)
            std::erase_if(
                rules, [](const Rule& rule) { return rule.origin == RuleOrigin::User && rule.lifetime.persistent(); });
        for (auto rule : *imported) {
            rule.id = takeId();
            if (rule.created == TimePoint{})
                rule.created = now;
            rules.push_back(std::move(rule));
        }
        return Ok{};
    });
    if (!changed) {
        nextId_ = firstFree;
        return changed.error();
    }
    log_.info("Rules imported", {{"count", imported->size()}, {"replace", replace ? "yes" : "no"}});
    return imported->size();
}

void RuleLifecycle::watchProcessExit(std::int32_t pid)
{
    if (exitWatches_.contains(pid))
        return;
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) {
        endRulesOfExitedProcess(pid); // already gone
        return;
    }
    auto watch = loop_.watchFd(pidfd.get(), EPOLLIN, [this, pid](std::uint32_t) {
        const auto it = exitWatches_.find(pid);
        if (it == exitWatches_.end())
            return;
        loop_.unwatch(it->second.watch);
        exitWatches_.erase(it); // closes the pidfd
        endRulesOfExitedProcess(pid);
    });
    if (!watch) {
        log_.warning("Failed to watch process exit", {{"pid", pid}, {"error", watch.error().describe()}});
        return;
    }
    exitWatches_.emplace(pid, ExitWatch{std::move(pidfd), *watch});
}

void RuleLifecycle::endRulesOfExitedProcess(std::int32_t pid)
{
    engine_.processExited(pid);
    // Also from the rules kept across reloads, or the next reload would bring them back.
    std::erase_if(runtimeRules_, [pid](const Rule& rule) {
        return rule.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime.pid == pid;
    });
    if (hooks_.enforced)
        hooks_.enforced();
    log_.info("Process exited, its rules ended", {{"pid", pid}});
    if (hooks_.changedOnItsOwn)
        hooks_.changedOnItsOwn();
}

void RuleLifecycle::stopWatchingExits()
{
    for (const auto& [pid, exit] : exitWatches_)
        loop_.unwatch(exit.watch);
    exitWatches_.clear();
}

} // namespace hostgate
