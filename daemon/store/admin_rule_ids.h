// SPDX-License-Identifier: GPL-3.0-or-later
// Short ids for admin rules: a number a person can type, the same across reloads and restarts while the rule stays.
#pragma once

#include "rules/rule.h"
#include "util/result.h"

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// An admin rule is known by (its file's name, its text, which occurrence of that text in the file): the first
// time the daemon sees it, it takes the next number of the id sequence user rules also draw from (so `#12` names
// one rule, whatever its origin), and keeps it as long as that rule stays in that file unchanged, whatever is
// added, removed or reordered around it. Numbers are never given out twice: the table file keeps the next one.
// The table lives in the daemon's state directory (`admin-rule-ids`, written atomically when it changes) and
// holds only the rules currently loaded, so it is bounded like the admin rules themselves.
//   hostgate-admin-rule-ids 1
//   next 58
//   12 9f86d081884c7d65 1 10-corp.toml
class AdminRuleIds {
public:
    explicit AdminRuleIds(std::filesystem::path file) : file_(std::move(file)) {}

    // Gives every rule of `byFile` (file name → its rules in file order) its short id; ids in `taken` (the user
    // rules') are never given, and a rule new to the table gets at least `floor` (ids below it may belong to
    // rules kept only in memory). Returns a problem with the table file (the ids are assigned anyway, but may
    // not be the same at the next start).
    std::optional<Error> assign(std::map<std::string, std::vector<Rule>>& byFile, const std::set<RuleId>& taken,
                                RuleId floor = 1);
    // Above every id this table ever gave out.
    RuleId next() const { return next_; }
    const std::filesystem::path& file() const { return file_; }

    // The table as saved, and back (an error names the line).
    struct Table {
        RuleId next = 1;
        std::map<std::string, RuleId> ids; // key() → id
    };
    static std::string encode(const Table& table);
    static Result<Table> decode(std::string_view text, std::string_view path);
    // "<hash> <occurrence> <file name>" of an admin rule.
    static std::string key(std::string_view fileName, const Rule& rule, std::size_t occurrence);
    static std::string contentHash(const Rule& rule);

private:
    std::optional<Error> loadOnce();

    std::filesystem::path file_;
    bool loaded_ = false;
    Table table_;
    RuleId next_ = 1;
};

} // namespace hostgate
