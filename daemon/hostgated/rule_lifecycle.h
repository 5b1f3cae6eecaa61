// SPDX-License-Identifier: GPL-3.0-or-later
// RuleLifecycle: the rules in force over time — loaded from the store, changed through the API or by prompt
// answers, kept in memory (once, until-exit), saved, and ended when the process they were answered for exits.
#pragma once

#include "decision/decision_engine.h"
#include "rules/rule.h"
#include "service/event_loop.h"
#include "service/log.h"
#include "store/rule_store.h"
#include "util/result.h"
#include "util/unique_fd.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// Identifies one version of a file (an atomic save replaces the inode), to recognize our own writes when the
// file watcher reports them.
struct FileSignature {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = -1;
    std::int64_t mtimeSeconds = 0;
    std::int64_t mtimeNanoseconds = 0;
    bool operator==(const FileSignature&) const = default;
};
FileSignature fileSignature(const std::filesystem::path& path);

// Owns the store and the rule ids; puts rules in force through the engine it is given (which the decision and
// DNS paths read). Every change is saved before it is enforced, so what is enforced is what is on disk; a user
// file that failed to load is never written over. Single-threaded: the daemon's event loop calls it.
class RuleLifecycle {
public:
    struct Hooks {
        // The engine's rules changed, however: what was derived from them (kernel verdicts, known
        // executables) must follow.
        std::function<void()> enforced;
        // The rules changed on the lifecycle's own initiative (reload, prompt answer, process exit); the API's
        // own changes are announced by the bus once it replied.
        std::function<void()> changedOnItsOwn;
    };

    RuleLifecycle(RuleStorePaths paths, DecisionEngine& engine, EventLoop& loop, Logger& log, Hooks hooks);
    ~RuleLifecycle();
    RuleLifecycle(const RuleLifecycle&) = delete;
    RuleLifecycle& operator=(const RuleLifecycle&) = delete;

    // Reads the rule files and puts them in force with the in-memory rules; failures are logged and kept as
    // loadErrors(). reload() also announces the change.
    RuleStore::LoadReport load();
    void reload();

    // True when the user file is exactly as our last save left it (its watch event is then ours to ignore).
    bool isOwnUserFileWrite() const;
    // The last load failed for the user file: nothing is saved until it loads again.
    bool userFileBroken() const { return userFileBroken_; }
    // "file:line:column: message" of each file the last load refused.
    const std::vector<std::string>& loadErrors() const { return loadErrors_; }

    // The rule a prompt answer stands for: gets its id, takes effect at once, and is saved when it outlasts the
    // daemon (kept in memory otherwise, watched until its process exits for until-exit rules).
    Rule adopt(Rule rule);

    // The API's changes (control_error names on failure; nothing changes on failure, in memory or on disk).
    Result<Rule> add(Rule rule);
    Result<void> update(Rule rule);
    Result<void> remove(RuleId id);
    Result<void> setEnabled(RuleId id, bool enabled);
    // The lasting user rules as rule-file TOML, and their replacement or extension by such a text.
    std::string exportText() const;
    Result<std::size_t> import(std::string_view toml, bool replace);

    // The rules' hit counts and last hits (all origins) go to their own file, `rule-hits` next to the user file
    // (store/rule_hits.h), never into a rule file on a hit: saveHits() writes it when any count changed since
    // the last save (the daemon calls it every few seconds and at every stop); the first load() reads it.
    std::filesystem::path hitsPath() const;
    void saveHits();

    // Folds the journal into the user file (atomically) when it holds anything, unless the file is broken.
    // Called when the journal outgrows its bound and at an orderly stop.
    void compact();

    // Stops watching processes for their exit (at shutdown, before the loop goes).
    void stopWatchingExits();
    std::size_t exitWatchCount() const { return exitWatches_.size(); }

private:
    void noteLoadErrors(const RuleStore::LoadReport& report);
    void applyStored();
    // Puts `rules` in force and keeps fresh ids above them.
    void enforce(std::vector<Rule> rules);
    // Applies `change` to a copy of the rules in force, saves the user file, and only then enforces the copy
    // (imports: many rules at once, so the whole file is written).
    Result<void> change(const std::function<Result<void>(std::vector<Rule>&)>& edit);
    Result<void> writeUserRules(const std::vector<Rule>& rules);
    // One rule's change saved in the journal (`before`/`after` null for an addition/removal) and reflected in
    // the in-memory rules; nothing changes on failure. The caller then tells the engine.
    Result<void> saveChange(const Rule* before, const Rule* after);
    Result<void> record(const Rule& rule);
    Result<void> replace(Rule updated);
    Result<const Rule*> editable(RuleId id) const;
    std::optional<Error> refusedWhileBroken() const;
    void compactIfDue();
    RuleId takeId();
    void watchProcessExit(std::int32_t pid);
    void endRulesOfExitedProcess(std::int32_t pid);

    RuleStore store_;
    DecisionEngine& engine_;
    EventLoop& loop_;
    Logger& log_;
    Hooks hooks_;

    // Rules that live only in memory (answers "once" and "until the app quits"), kept across reloads.
    std::vector<Rule> runtimeRules_;
    RuleId nextId_ = 1; // above every user and runtime rule id ever in force
    bool hitsLoaded_ = false;
    std::optional<std::uint64_t> savedHitEvents_; // the engine's hitEvents() when the hits file was last written
    bool userFileBroken_ = false;
    std::vector<std::string> loadErrors_;
    std::optional<FileSignature> ownUserFileWrite_; // the user file as our last save left it
    struct ExitWatch {
        UniqueFd pidfd; // readable when the process exits
        WatchId watch;
    };
    std::map<std::int32_t, ExitWatch> exitWatches_; // by pid
};

// The user rules that are saved to disk (forever and until-time) among `rules`.
std::vector<Rule> lastingUserRules(const std::vector<Rule>& rules);

} // namespace hostgate
