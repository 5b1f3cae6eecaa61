// SPDX-License-Identifier: GPL-3.0-or-later
// Atomic file replacement: temp file, fsync, rename, fsync of the directory.
#include "store/atomic_file.h"
#include "util/errno_error.h"

#include "util/unique_fd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace hostgate {

namespace {

constexpr std::string_view temporarySuffix = ".tmp-";
constexpr std::size_t temporaryRandomLength = 6; // mkostemp's XXXXXX

std::string temporaryPrefix(const std::filesystem::path& path)
{
    return "." + path.filename().string() + std::string(temporarySuffix);
}

bool isTemporaryNameOf(std::string_view name, std::string_view prefix)
{
    if (name.size() != prefix.size() + temporaryRandomLength || !name.starts_with(prefix))
        return false;
    for (const char c : name.substr(prefix.size())) {
        const bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alphanumeric)
            return false;
    }
    return true;
}

Error failure(const std::string& verb, const std::filesystem::path& object, int error)
{
    return Error{"Failed to " + verb + " " + object.string() + ": " + errnoText(error)};
}

Result<void> writeAll(int fd, std::string_view content)
{
    while (!content.empty()) {
        ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return Error{errnoText(errno)};
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
    return Ok{};
}

// Deletes the temporary file unless the rename has consumed it.
class TemporaryFile {
public:
    explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {}
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    ~TemporaryFile()
    {
        if (!committed_)
            ::unlink(path_.c_str());
    }
    const std::filesystem::path& path() const { return path_; }
    void markCommitted() { committed_ = true; }

private:
    std::filesystem::path path_;
    bool committed_ = false;
};

} // namespace

Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view content, mode_t mode)
{
    if (!path.has_filename())
        return Error{"Failed to write " + path.string() + ": not a file name"};
    std::filesystem::path directory = path.parent_path();
    if (directory.empty())
        directory = ".";

    // A dot prefix keeps the temp file out of "*.toml" globs, so a reader never loads a half-written file.
    std::string pattern = (directory / (temporaryPrefix(path) + "XXXXXX")).string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    UniqueFd fd(::mkostemp(name.data(), O_CLOEXEC)); // O_CREAT | O_EXCL with a unique name
    if (!fd.valid())
        return failure("create temporary file in", directory, errno);
    TemporaryFile temporary(std::filesystem::path(name.data()));

    if (::fchmod(fd.get(), mode) != 0)
        return failure("set the mode of", temporary.path(), errno);
    if (Result<void> written = writeAll(fd.get(), content); !written)
        return Error{"Failed to write " + temporary.path().string() + ": " + written.error().message};
    if (::fsync(fd.get()) != 0)
        return failure("flush", temporary.path(), errno);
    if (fd.close() != 0)
        return failure("close", temporary.path(), errno);
    if (::rename(temporary.path().c_str(), path.c_str()) != 0)
        return failure("replace", path, errno);
    temporary.markCommitted();

    UniqueFd directoryFd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directoryFd.valid() || ::fsync(directoryFd.get()) != 0)
        return Error{"Failed to flush directory " + directory.string() + " after replacing " + path.string() +
                     " (the new content is in place but may not survive a crash): " + errnoText(errno)};
    return Ok{};
}

Result<std::size_t> removeStaleTemporaryFiles(const std::filesystem::path& path)
{
    std::filesystem::path directory = path.parent_path();
    if (directory.empty())
        directory = ".";
    const std::string prefix = temporaryPrefix(path);
    UniqueFd directoryFd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directoryFd.valid()) {
        if (errno == ENOENT)
            return std::size_t{0};
        return failure("open directory", directory, errno);
    }
    const int listFd = ::dup(directoryFd.get());
    if (listFd < 0)
        return failure("list", directory, errno);
    DIR* listing = ::fdopendir(listFd);
    if (listing == nullptr) {
        const int error = errno;
        ::close(listFd);
        return failure("list", directory, error);
    }
    std::vector<std::string> stale;
    while (const dirent* entry = ::readdir(listing)) {
        if (isTemporaryNameOf(entry->d_name, prefix))
            stale.emplace_back(entry->d_name);
    }
    ::closedir(listing);

    std::size_t removed = 0;
    for (const std::string& name : stale) {
        struct stat status {};
        // lstat: a symlink or directory with our name was not made by us, leave it.
        if (::fstatat(directoryFd.get(), name.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(status.st_mode))
            continue;
        if (::unlinkat(directoryFd.get(), name.c_str(), 0) != 0)
            return failure("remove", directory / name, errno);
        ++removed;
    }
    return removed;
}

} // namespace hostgate
