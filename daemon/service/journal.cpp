// SPDX-License-Identifier: GPL-3.0-or-later
// The journal's native protocol over a connected, non-blocking datagram socket.
#include "service/journal.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace hostgate {

namespace {

UniqueFd connectedSocket(const std::filesystem::path& path)
{
    sockaddr_un address{};
    if (path.native().size() >= sizeof(address.sun_path))
        return {};
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        return {};
    address.sun_family = AF_UNIX;
    path.native().copy(address.sun_path, sizeof(address.sun_path) - 1);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
        return {};
    return fd;
}

} // namespace

std::string encodeJournalEntry(const std::vector<JournalField>& fields)
{
    std::string entry;
    for (const auto& field : fields) {
        entry += field.name;
        if (field.value.find('\n') == std::string::npos) {
            entry += '=';
            entry += field.value;
        } else {
            entry += '\n';
            std::uint64_t size = field.value.size();
            for (int byte = 0; byte < 8; ++byte, size >>= 8)
                entry += static_cast<char>(size & 0xff);
            entry += field.value;
        }
        entry += '\n';
    }
    return entry;
}

bool stderrIsJournal()
{
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr)
        return false;
    struct stat status {};
    if (::fstat(2, &status) != 0)
        return false;
    return std::string_view(stream) == fmt::format("{}:{}", static_cast<unsigned long long>(status.st_dev),
                                                   static_cast<unsigned long long>(status.st_ino));
}

std::optional<JournalWriter> JournalWriter::connect(const std::filesystem::path& socketPath)
{
    UniqueFd fd = connectedSocket(socketPath);
    if (!fd)
        return std::nullopt;
    return JournalWriter(socketPath, std::move(fd));
}

bool JournalWriter::send(const std::vector<JournalField>& fields)
{
    const std::string entry = encodeJournalEntry(fields);
    if (entry.size() > maxEntryBytes) {
        ++dropped_;
        return false;
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (fd_ && ::send(fd_.get(), entry.data(), entry.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(entry.size()))
            return true;
        // journald restarted (its socket was bound anew): connect again, once per entry.
        if (fd_ && errno != ECONNREFUSED && errno != ENOTCONN)
            break;
        fd_ = connectedSocket(socketPath_);
    }
    ++dropped_;
    return false;
}

} // namespace hostgate
