// RuleStore: the rules in force from the admin directory and the user's file, and the user file's writer.
#pragma once

#include "rules/rule.h"
#include "util/result.h"

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

namespace hostgate {

struct RuleStorePaths {
    std::filesystem::path adminDir; // e.g. /etc/hostgate/rules.d: every *.toml, read-only to us
    std::filesystem::path userFile; // e.g. /var/lib/hostgate/rules.toml
};

class RuleStore {
public:
    // The user file is written with this mode: it records which apps the user runs and where they connect,
    // and only the daemon (root) reads it; everyone else sees rules through the D-Bus API.
    static constexpr mode_t userFileMode = 0600;

    explicit RuleStore(RuleStorePaths paths);

    struct LoadReport {
        std::vector<Error> errors; // one per file that could not be read or parsed; `where` = file:line:column
        std::size_t adminRules = 0; // rules in force after the load
        std::size_t userRules = 0;
    };

    // (Re)reads every admin file (sorted by name) and the user file. A missing admin directory or user file
    // means no rules from it. A file that fails keeps the rules it had at its last good load (none if it
    // never loaded); a file that was deleted drops its rules. Failing includes distrust (file_trust.h): a
    // file, the admin directory or the user file's directory not owned by root or writable by group/others,
    // and a file over the size limit; the error names the path and the chmod/chown that fixes it.
    LoadReport load();

    // Admin rules (by file name, then position) followed by user rules (file order).
    const std::vector<Rule>& rules() const { return rules_; }
    std::vector<Rule> userRules() const;

    // Replaces the user's rules: validates (user origin only, unique ids in 1..2^63-1, text that parses back
    // to the same rules), writes the file atomically (creating its directory), then updates rules().
    Result<void> saveUserRules(std::vector<Rule> rules);

    // One more than the largest user rule id in force (1 when there are none).
    RuleId nextUserRuleId() const;

    const RuleStorePaths& paths() const { return paths_; }

private:
    void rebuild();
    std::filesystem::path userFileDirectory() const;

    RuleStorePaths paths_;
    std::map<std::string, std::vector<Rule>> lastGoodAdminRules_; // by file name: sorted, as they apply
    std::vector<Rule> lastGoodUserRules_;
    std::vector<Rule> rules_;
};

} // namespace hostgate
