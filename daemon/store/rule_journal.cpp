// SPDX-License-Identifier: GPL-3.0-or-later
// The user rules' journal: record encoding with length and CRC-32, torn-tail tolerant replay, trusted appends.
#include "store/rule_journal.h"

#include "store/file_trust.h"
#include "store/rule_file.h"
#include "util/errno_error.h"
#include "util/name_table.h"
#include "util/unique_fd.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <unordered_map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hostgate {

namespace {

constexpr std::array<std::uint32_t, 256> crcTable = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}();

constexpr NameTable<JournalRecord::Op, 2> kOpNames{
    {{JournalRecord::Op::Put, "put"}, {JournalRecord::Op::Remove, "remove"}}};

std::string_view opName(JournalRecord::Op op)
{
    return nameIn(kOpNames, op);
}

template <class T>
bool parseNumber(std::string_view text, T& value, int base = 10)
{
    if (text.empty())
        return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    return error == std::errc{} && end == text.data() + text.size();
}

// Regular, root's, not writable by group or others: what readTrustedFile demands of rule files, on the fd.
Result<void> checkJournalFd(int fd, const std::filesystem::path& path)
{
    struct stat status {};
    if (::fstat(fd, &status) != 0)
        return Error{fmt::format("Failed to examine {}: {}", path.string(), errnoText(errno))};
    if (!S_ISREG(status.st_mode))
        return Error{fmt::format("Refusing to load {}: it is not a regular file", path.string())};
    return checkTrusted(status, path);
}

Result<void> writeAll(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return Error{errnoText(errno)};
        data.remove_prefix(static_cast<std::size_t>(written));
    }
    return Ok{};
}

} // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc)
{
    crc = ~crc;
    for (const char c : data)
        crc = crcTable[(crc ^ static_cast<unsigned char>(c)) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

std::string encodeJournalRecord(const JournalRecord& record)
{
    const std::string payload =
        record.op == JournalRecord::Op::Put && record.rule ? serializeRules({*record.rule}) : std::string();
    const std::string head = fmt::format("{} {} {}\n", opName(record.op), record.id, payload.size());
    const std::uint32_t checksum = crc32(payload, crc32(head));
    return fmt::format("{} {} {} {:08x}\n{}\n", opName(record.op), record.id, payload.size(), checksum, payload);
}

Result<JournalReplay> decodeJournal(std::string_view text, std::string_view path)
{
    JournalReplay replay;
    if (text.empty())
        return replay;
    if (text.size() < ruleJournalHeader.size() && ruleJournalHeader.starts_with(text)) {
        replay.tornAt = 0; // killed while writing the header
        return replay;
    }
    if (!text.starts_with(ruleJournalHeader))
        return Error{fmt::format("Refusing to load {}: it does not start with \"{}\"", path,
                                 ruleJournalHeader.substr(0, ruleJournalHeader.size() - 1))};
    std::size_t offset = ruleJournalHeader.size();
    replay.goodBytes = offset;
    const auto damaged = [&](std::size_t at, std::string_view why) -> Error {
        return Error{fmt::format("Refusing to load {}: the record at byte {} is damaged ({}) and more follows it, so "
                                 "the journal was changed by something other than hostgated; move it away to "
                                 "drop the changes it records since the last compaction",
                                 path, at, why)};
    };
    while (offset < text.size()) {
        const std::size_t start = offset;
        const std::string_view rest = text.substr(start);
        // A problem in the last record is a torn append; anywhere else it is damage.
        const auto bad = [&](std::size_t recordEnd, std::string_view why) -> Result<JournalReplay> {
            if (recordEnd >= text.size()) {
                replay.tornAt = start;
                return replay;
            }
            return damaged(start, why);
        };
        const std::size_t newline = rest.find('\n');
        if (newline == std::string_view::npos || newline > 128)
            return bad(newline == std::string_view::npos ? text.size() : start + newline + 1, "no record header");
        const std::string_view header = rest.substr(0, newline);
        std::string_view fields[4];
        std::size_t count = 0;
        for (std::size_t from = 0; from <= header.size() && count < 4;) {
            const std::size_t space = std::min(header.find(' ', from), header.size());
            fields[count++] = header.substr(from, space - from);
            from = space + 1;
        }
        JournalRecord record;
        std::size_t length = 0;
        std::uint32_t checksum = 0;
        const std::optional<JournalRecord::Op> op = valueIn(kOpNames, fields[0]);
        if (count != 4 || !op || !parseNumber(fields[1], record.id) || !parseNumber(fields[2], length) ||
            fields[3].size() != 8 || !parseNumber(fields[3], checksum, 16) || length > maxJournalRecordBytes)
            return bad(start + newline + 1, "unreadable record header");
        record.op = *op;
        const std::size_t payloadStart = newline + 1;
        if (rest.size() < payloadStart + length + 1)
            return bad(text.size(), "incomplete"); // the file ends inside this record
        const std::string_view payload = rest.substr(payloadStart, length);
        const std::size_t end = start + payloadStart + length + 1;
        const std::string head = fmt::format("{} {} {}\n", fields[0], record.id, length);
        if (rest[payloadStart + length] != '\n' || crc32(payload, crc32(head)) != checksum)
            return bad(end, "checksum mismatch");
        if (record.op == JournalRecord::Op::Put) {
            auto rules = parseRuleFile(payload, fmt::format("{} (record at byte {})", path, start), RuleOrigin::User);
            if (!rules)
                return Error{"Refusing to load a journal record: " + rules.error().describe()};
            if (rules->size() != 1 || rules->front().id != record.id)
                return Error{fmt::format("Refusing to load {}: the record at byte {} does not hold exactly rule {}",
                                         path, start, record.id)};
            record.rule = std::move(rules->front());
        } else if (length != 0) {
            return Error{fmt::format("Refusing to load {}: the remove record at byte {} has a payload", path, start)};
        }
        replay.records.push_back(std::move(record));
        offset = end;
        replay.goodBytes = end;
    }
    return replay;
}

void applyJournal(std::vector<Rule>& rules, const std::vector<JournalRecord>& records)
{
    if (records.empty())
        return;
    std::unordered_map<RuleId, std::size_t> positions;
    positions.reserve(rules.size() + records.size());
    for (std::size_t i = 0; i < rules.size(); ++i)
        positions[rules[i].id] = i;
    std::vector<std::uint8_t> removed(rules.size(), 0);
    for (const auto& record : records) {
        const auto it = positions.find(record.id);
        if (record.op == JournalRecord::Op::Put) {
            if (it != positions.end()) {
                rules[it->second] = *record.rule;
                removed[it->second] = 0;
            } else {
                positions[record.id] = rules.size();
                rules.push_back(*record.rule);
                removed.push_back(0);
            }
        } else if (it != positions.end()) {
            removed[it->second] = 1;
            positions.erase(it);
        }
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (!removed[i]) {
            if (kept != i) // a self-move would empty the rule's strings
                rules[kept] = std::move(rules[i]);
            ++kept;
        }
    rules.resize(kept);
}

Result<std::optional<std::string>> readTrustedJournal(const std::filesystem::path& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW));
    if (!fd.valid()) {
        if (errno == ENOENT)
            return std::optional<std::string>();
        if (errno == ELOOP)
            return Error{fmt::format("Refusing to load {}: it is a symbolic link; the journal must be the daemon's "
                                     "own file (remove the link)",
                                     path.string())};
        return Error{fmt::format("Failed to open {}: {}", path.string(), errnoText(errno))};
    }
    if (auto trusted = checkJournalFd(fd.get(), path); !trusted)
        return trusted.error();
    std::string content;
    char buffer[65536];
    for (;;) {
        const ssize_t count = ::read(fd.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return Error{fmt::format("Failed to read {}: {}", path.string(), errnoText(errno))};
        if (count == 0)
            return std::optional<std::string>(std::move(content));
        content.append(buffer, static_cast<std::size_t>(count));
        if (content.size() > maxJournalBytes)
            return Error{fmt::format("Refusing to load {}: it is larger than the limit of {} bytes", path.string(),
                                     maxJournalBytes)};
    }
}

Result<void> RuleJournalWriter::open()
{
    if (fd_)
        return Ok{};
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0)
        return Error{fmt::format("Failed to open {}: {}", path_.string(),
                                 errno == ELOOP ? "it is a symbolic link" : errnoText(errno))};
    UniqueFd owned(fd);
    if (auto trusted = checkJournalFd(fd, path_); !trusted)
        return trusted.error();
    struct stat status {};
    ::fstat(fd, &status);
    size_ = static_cast<std::size_t>(status.st_size);
    if (size_ == 0) {
        // The new name must survive a crash too, or the first acknowledged change could vanish with it.
        UniqueFd directory(
            ::open(path_.has_parent_path() ? path_.parent_path().c_str() : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (directory.valid())
            ::fsync(directory.get());
    }
    fd_ = std::move(owned);
    return Ok{};
}

Result<void> RuleJournalWriter::append(std::string_view encodedRecords)
{
    if (auto opened = open(); !opened)
        return opened;
    std::string data;
    if (size_ == 0)
        data = ruleJournalHeader;
    data += encodedRecords;
    if (size_ + data.size() > maxJournalBytes)
        return Error{fmt::format("Failed to append to {}: it would exceed {} bytes", path_.string(), maxJournalBytes)};
    const auto written = writeAll(fd_.get(), data);
    if (!written || ::fdatasync(fd_.get()) != 0) {
        const std::string reason = written ? errnoText(errno) : written.error().message;
        // A partial record must not stay in front of the next one (it would read as damage, not as a torn tail).
        if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0)
            fd_.reset(); // reopened (and its size re-read) at the next append
        return Error{fmt::format("Failed to append to {}: {}", path_.string(), reason)};
    }
    size_ += data.size();
    return Ok{};
}

Result<void> RuleJournalWriter::truncate(std::size_t length)
{
    if (auto opened = open(); !opened)
        return opened;
    if (::ftruncate(fd_.get(), static_cast<off_t>(length)) != 0 || ::fdatasync(fd_.get()) != 0)
        return Error{fmt::format("Failed to truncate {}: {}", path_.string(), errnoText(errno))};
    size_ = length;
    return Ok{};
}

Result<void> RuleJournalWriter::remove()
{
    fd_.reset();
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
        return Error{fmt::format("Failed to remove {}: {}", path_.string(), errnoText(errno))};
    size_ = 0;
    return Ok{};
}

} // namespace hostgate
