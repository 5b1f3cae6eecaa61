// SPDX-License-Identifier: GPL-3.0-or-later
// BinaryDigests: one read of the file through OpenSSL's EVP digests, cached by what identifies its content.
#include "identity/binary_digest.h"

#include "util/errno_error.h"
#include "util/unique_fd.h"

#include <openssl/evp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>

namespace hostgate {

namespace {

struct DigestContext {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

std::string hex(const unsigned char* bytes, unsigned length)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(length * 2);
    for (unsigned i = 0; i < length; ++i) {
        text += digits[bytes[i] >> 4];
        text += digits[bytes[i] & 0xf];
    }
    return text;
}

} // namespace

Result<FileDigests> BinaryDigests::ofPath(const std::filesystem::path& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return errnoError("open " + path.string() + " to hash it", errno);
    return ofDescriptor(fd.get());
}

Result<FileDigests> BinaryDigests::ofDescriptor(int fd)
{
    struct stat status {};
    if (::fstat(fd, &status) != 0)
        return errnoError("stat a file to hash it", errno);
    if (!S_ISREG(status.st_mode))
        return Error{"Failed to hash a file: it is not a regular file"};
    if (static_cast<std::uint64_t>(status.st_size) > maxBytes)
        return Error{"Failed to hash a file: it is larger than 1 GiB"};
    const Key key{static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino),
                  static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec,
                  static_cast<std::uint64_t>(status.st_size)};
    if (const auto it = cache_.find(key); it != cache_.end())
        return it->second;

    DigestContext sha256, md5;
    if (!sha256.context || !md5.context || EVP_DigestInit_ex(sha256.context.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestInit_ex(md5.context.get(), EVP_md5(), nullptr) != 1)
        return Error{"Failed to hash a file: OpenSSL could not set up SHA-256 and MD5"};
    std::array<unsigned char, 64 * 1024> buffer{};
    off_t offset = 0;
    while (true) {
        const ssize_t count = ::pread(fd, buffer.data(), buffer.size(), offset);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return errnoError("read a file to hash it", errno);
        }
        if (count == 0)
            break;
        offset += count;
        if (EVP_DigestUpdate(sha256.context.get(), buffer.data(), static_cast<std::size_t>(count)) != 1 ||
            EVP_DigestUpdate(md5.context.get(), buffer.data(), static_cast<std::size_t>(count)) != 1)
            return Error{"Failed to hash a file: OpenSSL refused the data"};
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned length = 0;
    FileDigests result;
    if (EVP_DigestFinal_ex(sha256.context.get(), digest.data(), &length) != 1)
        return Error{"Failed to hash a file: SHA-256 did not finish"};
    result.sha256 = hex(digest.data(), length);
    if (EVP_DigestFinal_ex(md5.context.get(), digest.data(), &length) != 1)
        return Error{"Failed to hash a file: MD5 did not finish"};
    result.md5 = hex(digest.data(), length);
    ++filesRead_;
    if (cache_.size() >= maxCached)
        cache_.clear();
    cache_.emplace(key, result);
    return result;
}

} // namespace hostgate
