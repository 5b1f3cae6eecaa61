// SPDX-License-Identifier: GPL-3.0-or-later
// The user rules' journal: one appended record per API change, so a change at 100k rules writes one rule, not
// the whole file; replayed on top of the rule file at load and folded into it by compaction.
#pragma once

// Format (next to the user file, e.g. /var/lib/hostgate/rules.toml.journal), text so it can be read with less:
//
//   hostgate-rule-journal 1\n                       the header, once
//   put 42 187 5a0c11f3\n<187 bytes>\n               the rule with id 42 as one [[rule]] of rule-file TOML
//   remove 42 0 9b1e77a0\n\n                         the rule with id 42 is gone
//
// The header of a record names the operation, the rule id, the payload's length and the CRC-32 (IEEE) of
// "<op> <id> <length>\n" followed by the payload. Records are applied in order, by id: `put` replaces the rule
// with that id or appends it, `remove` drops it (if present), so replaying a journal twice, or on top of a file
// that already holds its changes (a crash between compaction's rename and the journal's removal), yields the
// same rules.
//
// A crash while appending leaves at most the last record incomplete (or with a bad checksum when the file
// system extended it with zeros): that record was never acknowledged, and it is ignored (JournalReplay::tornAt).
// A damaged record anywhere else means the file was changed by something other than the daemon: the whole
// journal is refused with an error naming the offset.

#include "rules/rule.h"
#include "util/result.h"
#include "util/unique_fd.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

inline constexpr std::string_view ruleJournalHeader = "hostgate-rule-journal 1\n";
// A journal larger than this is refused unread (compaction keeps it far below).
inline constexpr std::size_t maxJournalBytes = 64 * 1024 * 1024;
// Largest payload of one record: one rule, whose strings are bounded by maxRuleStringBytes each.
inline constexpr std::size_t maxJournalRecordBytes = 64 * 1024;

std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

struct JournalRecord {
    enum class Op : std::uint8_t { Put, Remove };
    Op op = Op::Put;
    RuleId id = 0;
    std::optional<Rule> rule; // Put
};

// One encoded record, ready to append. Put: the rule must be a valid user rule (parseRuleFile reads it back).
std::string encodeJournalRecord(const JournalRecord& record);

struct JournalReplay {
    std::vector<JournalRecord> records;
    std::size_t goodBytes = 0;         // length of the header and the complete records
    std::optional<std::size_t> tornAt; // offset of an incomplete last record, ignored
};

// Decodes a whole journal; `path` names it in errors ("path: record at byte N: ..."). An empty text is an
// empty journal (a crash before the header was written).
Result<JournalReplay> decodeJournal(std::string_view text, std::string_view path);

// Applies records to user rules (file order kept; a put of a new id appends).
void applyJournal(std::vector<Rule>& rules, const std::vector<JournalRecord>& records);

// Reads a journal the daemon may obey: not a symlink (opened with O_NOFOLLOW), a regular file owned by root
// and not writable by group or others, at most maxJournalBytes. nullopt when there is none.
Result<std::optional<std::string>> readTrustedJournal(const std::filesystem::path& path);

// Appends records to the journal, creating it (mode 0600, with the header) when missing; every append is on
// disk (fdatasync) when it returns. The same trust rules as readTrustedJournal apply to the opened file.
class RuleJournalWriter {
public:
    explicit RuleJournalWriter(std::filesystem::path path) : path_(std::move(path)) {}
    RuleJournalWriter(const RuleJournalWriter&) = delete;
    RuleJournalWriter& operator=(const RuleJournalWriter&) = delete;

    Result<void> append(std::string_view encodedRecords);
    // Cuts the journal back to `length` bytes (dropping a torn last record before anything follows it).
    Result<void> truncate(std::size_t length);
    // Removes the journal (after compaction put its records into the rule file).
    Result<void> remove();
    // Bytes in the journal as far as this writer knows (0 when there is none).
    std::size_t size() const { return size_; }
    void setKnownSize(std::size_t size) { size_ = size; }
    const std::filesystem::path& path() const { return path_; }

private:
    Result<void> open();

    std::filesystem::path path_;
    UniqueFd fd_; // open between appends; closed (and reopened at the next) when a failed append left it unsure
    std::size_t size_ = 0;
};

} // namespace hostgate
