// SPDX-License-Identifier: GPL-3.0-or-later
// RuleStore: the rules in force from the admin directory and the user's file, and the user file's writer.
#pragma once

#include "rules/rule.h"
#include "store/admin_rule_ids.h"
#include "store/host_sources.h"
#include "store/rule_journal.h"
#include "util/result.h"

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hostgate {

struct RuleStorePaths {
    std::filesystem::path adminDir; // e.g. /etc/hostgate/rules.d: every *.toml, read-only to us
    std::filesystem::path userFile; // e.g. /var/lib/hostgate/rules.toml
    // The shipped base policy, e.g. /usr/share/hostgate/rules.d: every *.toml whose name is not also in
    // adminDir (an admin file of that name, even an empty one or a symlink to /dev/null, replaces it).
    // Empty: none.
    std::filesystem::path baseDir = {};
    // Where hosts_from reads the system's configuration (store/host_sources.h): "/" but in tests.
    std::filesystem::path hostSourcesRoot = "/";
};

class RuleStore {
public:
    // The user file is written with this mode: it records which apps the user runs and where they connect,
    // and only the daemon (root) reads it; everyone else sees rules through the D-Bus API.
    static constexpr mode_t userFileMode = 0600;

    explicit RuleStore(RuleStorePaths paths);

    struct LoadReport {
        std::vector<Error> errors;  // one per file that could not be read or parsed; `where` = file:line:column
        std::size_t adminRules = 0; // rules in force after the load
        std::size_t userRules = 0;
        // The user file (or its directory) was refused: its last good rules stay, and it must not be written
        // over, or the user's edit would be lost.
        bool userFileFailed = false;
        std::size_t journalRecords = 0;             // changes replayed from the journal on top of the user file
        std::optional<std::string> journalNotice;   // e.g. a torn last record that was ignored
        std::optional<std::string> adminIdNotice;   // the admin rule id table could not be read or written
        std::vector<std::string> hostSourceNotices; // configuration hosts_from could not read (rules still load)
    };

    // (Re)reads every admin file (sorted by name) and the user file. A missing admin directory or user file
    // means no rules from it. A file that fails keeps the rules it had at its last good load (none if it
    // never loaded); a file that was deleted drops its rules. Failing includes distrust (file_trust.h): a
    // file, the admin directory or the user file's directory not owned by root or writable by group/others,
    // and a file over the size limit; the error names the path and the chmod/chown that fixes it.
    // `idFloor`: ids below it may be in use elsewhere (the caller's in-memory rules), so a new admin rule's short
    // id is at least that.
    LoadReport load(RuleId idFloor = 1);

    // Admin rules (by file name, then position) followed by user rules (file order); a fresh copy, so the
    // store holds each rule once.
    std::vector<Rule> rules() const;

    // Replaces the user's rules: validates (user origin only, unique ids in 1..2^63-1, text that parses back
    // to the same rules), writes the file atomically (creating its directory), then updates rules(). The
    // journal's records are then in the file, and the journal is removed (compaction).
    Result<void> saveUserRules(std::vector<Rule> rules);

    // Records one change of a lasting user rule in the journal (rule_journal.h): on disk when it returns, then
    // in rules(). Put: a user rule with an id in 1..2^63-1 that reads back unchanged; Remove: by id.
    Result<void> recordUserRule(const Rule& rule);
    Result<void> recordUserRuleRemoval(RuleId id);
    // The journal has grown past the bound where a compaction (saveUserRules) is worth its full rewrite.
    bool compactionDue() const { return journal_.size() > compactionBytes; }
    bool journalEmpty() const { return journal_.size() <= ruleJournalHeader.size(); }
    std::size_t userRuleCount() const { return lastGoodUserRules_.size(); }
    std::filesystem::path journalPath() const;

    static constexpr std::size_t compactionBytes = 1024 * 1024;

    // One more than the largest user rule id in force (1 when there are none).
    RuleId nextUserRuleId() const;

    const RuleStorePaths& paths() const { return paths_; }

private:
    std::size_t adminRuleCount() const;
    // Loads the *.toml files of an admin or base directory into `loaded` (skipping names in `masked`; a failing
    // file or directory keeps its rules from `previous`). Returns the names of its *.toml entries.
    std::set<std::string> loadReadOnlyDirectory(const std::filesystem::path& directory, RuleOrigin origin,
                                                const std::set<std::string>& masked,
                                                const HostSourceSnapshot& hostSources,
                                                const std::map<std::string, std::vector<Rule>>& previous,
                                                std::map<std::string, std::vector<Rule>>& loaded, LoadReport& report);
    // Applies the journal's records to `userRules`; an error leaves them as they were.
    Result<void> replayJournal(std::vector<Rule>& userRules, LoadReport& report);
    std::filesystem::path userFileDirectory() const;

    RuleStorePaths paths_;
    std::map<std::string, std::vector<Rule>> lastGoodAdminRules_; // admin and base rules by file name (unique: masked)
    std::vector<Rule> lastGoodUserRules_;
    RuleJournalWriter journal_;
    AdminRuleIds adminIds_; // short ids of the admin rules (admin-rule-ids next to the user file)
};

} // namespace hostgate
