// SPDX-License-Identifier: GPL-3.0-or-later
// JournalWriter: structured entries to journald over its native protocol, without ever blocking the loop.
#pragma once

#include "util/result.h"
#include "util/unique_fd.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

// Where journald listens for native entries (systemd-journald.socket).
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// One journal field. Names are upper case letters, digits and '_' and do not start with '_' (journald drops
// others); values are any bytes.
struct JournalField {
    std::string name;
    std::string value;
    bool operator==(const JournalField&) const = default;
};

// The native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL): "NAME=value\n", or for a value containing a newline
// "NAME\n" + its length as 64-bit little endian + value + "\n".
std::string encodeJournalEntry(const std::vector<JournalField>& fields);

// True when the process's stderr is a journal stream (systemd sets JOURNAL_STREAM=dev:inode of it for a service
// with StandardError=journal): lines written there already reach the journal.
bool stderrIsJournal();

// Sends entries as single datagrams on a non-blocking socket, as sd_journal_sendv(3) does but never waiting: when
// journald is behind (its queue is full) an entry is dropped and counted instead of stalling the event loop, and
// an oversized one is refused instead of being passed through a memfd (which the seccomp allow-list does not have).
class JournalWriter {
public:
    // nullopt when nothing listens at `socketPath` (no journald: the daemon logs to stderr only).
    static std::optional<JournalWriter> connect(const std::filesystem::path& socketPath = kJournalSocket);

    // False when the entry was dropped (journald busy or gone, entry too large); the next send tries again.
    bool send(const std::vector<JournalField>& fields);
    std::uint64_t dropped() const { return dropped_; }

    // A datagram larger than this is not sent (well under the socket buffer, 208 KiB by default).
    static constexpr std::size_t maxEntryBytes = 128 * 1024;

private:
    JournalWriter(std::filesystem::path socketPath, UniqueFd fd)
        : socketPath_(std::move(socketPath)), fd_(std::move(fd))
    {}

    std::filesystem::path socketPath_;
    UniqueFd fd_;
    std::uint64_t dropped_ = 0;
};

} // namespace hostgate
