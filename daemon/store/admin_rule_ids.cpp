// SPDX-License-Identifier: GPL-3.0-or-later
// AdminRuleIds: (file, rule text, occurrence) → a short id from the shared sequence, kept in a small table file.
#include "store/admin_rule_ids.h"

#include "store/atomic_file.h"
#include "store/file_trust.h"
#include "store/rule_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace hostgate {

namespace {

constexpr std::string_view header = "hostgate-admin-rule-ids 1\n";
constexpr std::size_t maxTableBytes = 32 * 1024 * 1024;

bool parseNumber(std::string_view word, std::uint64_t& out)
{
    const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), out);
    return !word.empty() && error == std::errc() && end == word.data() + word.size();
}

} // namespace

std::string AdminRuleIds::contentHash(const Rule& rule)
{
    // What the rule says, as the file would say it: not where it is, what it counted or which id it had.
    Rule text = rule;
    text.id = 0;
    text.source.clear();
    text.hitCount = 0;
    text.lastHit.reset();
    text.created = {}; // the file's time unless it names one: touching the file changes no id
    const std::string serialized = serializeRules({text});
    std::uint64_t hash = 0xcbf29ce484222325ULL; // FNV-1a: stable across builds, unlike std::hash
    for (const char c : serialized) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return fmt::format("{:016x}", hash);
}

std::string AdminRuleIds::key(std::string_view fileName, const Rule& rule, std::size_t occurrence)
{
    return fmt::format("{} {} {}", contentHash(rule), occurrence, fileName);
}

std::string AdminRuleIds::encode(const Table& table)
{
    std::string text(header);
    text += fmt::format("next {}\n", table.next);
    for (const auto& [key, id] : table.ids)
        text += fmt::format("{} {}\n", id, key);
    return text;
}

Result<AdminRuleIds::Table> AdminRuleIds::decode(std::string_view text, std::string_view path)
{
    const auto bad = [&](std::size_t line) {
        return Error{fmt::format("Failed to read {}:{}: not a line of the admin rule id table", path, line)};
    };
    if (!text.starts_with(header))
        return bad(1);
    text.remove_prefix(header.size());
    Table table;
    std::size_t lineNumber = 1;
    bool sawNext = false;
    while (!text.empty()) {
        ++lineNumber;
        const auto newline = text.find('\n');
        if (newline == std::string_view::npos)
            return bad(lineNumber);
        const std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline + 1);
        const auto space = line.find(' ');
        if (space == std::string_view::npos)
            return bad(lineNumber);
        std::uint64_t number = 0;
        if (!sawNext) {
            if (line.substr(0, space) != "next" || !parseNumber(line.substr(space + 1), number) || number == 0 ||
                isAdminRuleId(number))
                return bad(lineNumber);
            table.next = number;
            sawNext = true;
            continue;
        }
        const std::string_view key = line.substr(space + 1);
        if (!parseNumber(line.substr(0, space), number) || number == 0 || number >= table.next || key.size() < 20)
            return bad(lineNumber);
        if (!table.ids.emplace(std::string(key), number).second)
            return bad(lineNumber);
    }
    if (!sawNext)
        return bad(lineNumber + 1);
    return table;
}

std::optional<Error> AdminRuleIds::loadOnce()
{
    if (loaded_)
        return std::nullopt;
    loaded_ = true;
    std::error_code error;
    if (!std::filesystem::exists(file_, error) && !error)
        return std::nullopt;
    auto text = readTrustedFile(file_, maxTableBytes);
    if (!text)
        return text.error();
    auto table = decode(*text, file_.string());
    if (!table)
        return table.error();
    table_ = std::move(*table);
    next_ = table_.next;
    return std::nullopt;
}

std::optional<Error> AdminRuleIds::assign(std::map<std::string, std::vector<Rule>>& byFile,
                                          const std::set<RuleId>& taken, RuleId floor)
{
    std::optional<Error> problem = loadOnce();
    Table assigned;
    std::set<RuleId> given;
    // Kept ids first, so a new rule never takes the number of one that stays.
    std::vector<std::pair<Rule*, std::string>> fresh;
    for (auto& [fileName, rules] : byFile) {
        std::map<std::string, std::size_t> occurrences;
        for (Rule& rule : rules) {
            const std::string hash = contentHash(rule);
            const std::string ruleKey = fmt::format("{} {} {}", hash, ++occurrences[hash], fileName);
            const auto known = table_.ids.find(ruleKey);
            if (known != table_.ids.end() && !taken.contains(known->second) && given.insert(known->second).second &&
                fileName.find('\n') == std::string::npos) {
                rule.id = known->second;
                assigned.ids.emplace(ruleKey, rule.id);
            } else {
                fresh.emplace_back(&rule, ruleKey);
            }
        }
    }
    if (!fresh.empty())
        next_ = std::max(next_, floor);
    for (auto& [rule, ruleKey] : fresh) {
        while (taken.contains(next_) || given.contains(next_))
            ++next_;
        rule->id = next_++;
        given.insert(rule->id);
        if (ruleKey.find('\n') == std::string::npos) // a file name with a newline cannot be a table line
            assigned.ids.emplace(ruleKey, rule->id);
    }
    assigned.next = next_;
    if (assigned.next == table_.next && assigned.ids == table_.ids)
        return problem;
    table_ = std::move(assigned);
    if (file_.has_parent_path())
        if (Result<void> created = createPrivateDirectories(file_.parent_path()); !created)
            return created.error();
    if (Result<void> written = writeFileAtomically(file_, encode(table_), 0600); !written)
        return written.error();
    return problem;
}

} // namespace hostgate
