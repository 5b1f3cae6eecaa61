// SPDX-License-Identifier: GPL-3.0-or-later
// The rule-hits file: a small line format written atomically, read with a bound and a line-precise error.
#include "store/rule_hits.h"

#include "store/atomic_file.h"
#include "store/file_trust.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <system_error>

namespace hostgate {

namespace {

std::int64_t toUsec(TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

TimePoint fromUsec(std::int64_t usec)
{
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(usec)));
}

// The µs values that fit the daemon's time type (nanoseconds in 64 bits: years 1678..2262).
constexpr std::int64_t maxUsec = std::numeric_limits<std::int64_t>::max() / 1000;

template <class Number>
bool readNumber(std::string_view& line, Number& out)
{
    const auto space = line.find(' ');
    const std::string_view word = line.substr(0, space);
    const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), out);
    if (error != std::errc() || end != word.data() + word.size() || word.empty())
        return false;
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    return true;
}

} // namespace

std::string encodeRuleHits(const std::vector<Rule>& rules)
{
    std::string text(ruleHitsHeader);
    for (const Rule& rule : rules) {
        if (rule.hitCount == 0 || rule.id == 0)
            continue;
        const std::string lastHit = rule.lastHit ? std::to_string(toUsec(*rule.lastHit)) : "-";
        text += fmt::format("{} {} {} {}\n", rule.id, rule.hitCount, lastHit, toUsec(rule.created));
    }
    return text;
}

Result<SavedHitsById> decodeRuleHits(std::string_view text, std::string_view path)
{
    if (!text.starts_with(ruleHitsHeader))
        return Error{fmt::format("Failed to read {}:1: it does not start with '{}'", path,
                                 ruleHitsHeader.substr(0, ruleHitsHeader.size() - 1))};
    SavedHitsById saved;
    std::size_t lineNumber = 1;
    std::string_view rest = text.substr(ruleHitsHeader.size());
    while (!rest.empty()) {
        ++lineNumber;
        const auto newline = rest.find('\n');
        if (newline == std::string_view::npos)
            return Error{fmt::format("Failed to read {}:{}: the line is not terminated", path, lineNumber)};
        std::string_view line = rest.substr(0, newline);
        rest = rest.substr(newline + 1);
        RuleId id = 0;
        SavedRuleHits hits;
        std::int64_t created = 0;
        bool ok = readNumber(line, id) && id != 0 && readNumber(line, hits.hits);
        if (ok && line.starts_with("- ")) {
            line.remove_prefix(2);
        } else if (ok) {
            std::int64_t lastHit = 0;
            ok = readNumber(line, lastHit) && lastHit >= -maxUsec && lastHit <= maxUsec;
            if (ok)
                hits.lastHit = fromUsec(lastHit);
        }
        ok = ok && readNumber(line, created) && line.empty() && created >= -maxUsec && created <= maxUsec;
        if (!ok)
            return Error{fmt::format("Failed to read {}:{}: expected '<id> <hits> <last_hit_usec or -> <created_usec>'",
                                     path, lineNumber)};
        hits.created = fromUsec(created);
        if (!saved.emplace(id, hits).second)
            return Error{fmt::format("Failed to read {}:{}: rule {} appears twice", path, lineNumber, id)};
    }
    return saved;
}

Result<SavedHitsById> loadRuleHits(const std::filesystem::path& path)
{
    std::error_code error;
    if (!std::filesystem::exists(path, error) && !error)
        return SavedHitsById{};
    auto text = readTrustedFile(path, maxRuleHitsBytes);
    if (!text)
        return text.error();
    return decodeRuleHits(*text, path.string());
}

Result<void> saveRuleHits(const std::filesystem::path& path, const std::vector<Rule>& rules)
{
    if (path.has_parent_path())
        if (Result<void> created = createPrivateDirectories(path.parent_path()); !created)
            return created;
    return writeFileAtomically(path, encodeRuleHits(rules), 0600);
}

void applySavedHits(std::vector<Rule>& rules, const SavedHitsById& saved)
{
    for (Rule& rule : rules) {
        const auto found = saved.find(rule.id);
        if (found == saved.end())
            continue;
        const SavedRuleHits& hits = found->second;
        // Admin rule ids are tied to the rule's text by the id table, and their creation time is the file's.
        if (rule.origin == RuleOrigin::User && hits.created != rule.created)
            continue;
        if (hits.hits > rule.hitCount)
            rule.hitCount = hits.hits;
        if (hits.lastHit && (!rule.lastHit || *rule.lastHit < *hits.lastHit))
            rule.lastHit = hits.lastHit;
    }
}

} // namespace hostgate
