// SPDX-License-Identifier: GPL-3.0-or-later
// The rules' hit counts and last hits, saved apart from the rules so that counting never rewrites a rule file.
#pragma once

#include "rules/rule.h"
#include "util/result.h"
#include "util/time.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// One rule's counters as saved. `created` (µs since the epoch) ties a user rule's line to that rule: a user rule
// id freed by a removal and reused after a crash does not inherit the removed rule's hits.
struct SavedRuleHits {
    std::uint64_t hits = 0;
    std::optional<TimePoint> lastHit;
    TimePoint created{};
    bool operator==(const SavedRuleHits&) const = default;
};
using SavedHitsById = std::map<RuleId, SavedRuleHits>;

// The file: a header line, then one line per rule with hits, "<id> <hits> <last_hit_usec or -> <created_usec>":
//   hostgate-rule-hits 1
//   12 57 1764633600000000 1764547200000000
inline constexpr std::string_view ruleHitsHeader = "hostgate-rule-hits 1\n";
inline constexpr std::size_t maxRuleHitsBytes = 16 * 1024 * 1024; // ~250,000 lines

std::string encodeRuleHits(const std::vector<Rule>& rules);
// An error names the line; nothing is taken from a damaged file.
Result<SavedHitsById> decodeRuleHits(std::string_view text, std::string_view path);

// Missing file: nothing saved yet (empty). The file is trusted like the rule files (root-owned, not writable by
// others) and bounded by maxRuleHitsBytes.
Result<SavedHitsById> loadRuleHits(const std::filesystem::path& path);
// Written atomically (temp file, fsync, rename, fsync of the directory), mode 0600.
Result<void> saveRuleHits(const std::filesystem::path& path, const std::vector<Rule>& rules);

// Puts the saved counters on the rules they belong to (same id; for user rules also the same creation time),
// keeping the larger count when the rule already carries one (e.g. hit_count in the user file).
void applySavedHits(std::vector<Rule>& rules, const SavedHitsById& saved);

} // namespace hostgate
