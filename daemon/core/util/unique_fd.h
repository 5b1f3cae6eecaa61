// SPDX-License-Identifier: GPL-3.0-or-later
// UniqueFd: sole owner of a file descriptor, closed when the owner goes away.
#pragma once

#include <unistd.h>

#include <utility>

namespace hostgate {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }

    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    explicit operator bool() const { return valid(); }

    // Gives up ownership without closing, e.g. to hand the descriptor to an API that closes it itself.
    [[nodiscard]] int release() { return std::exchange(fd_, -1); }

    // Closes now and reports close()'s result: on some file systems a failed write surfaces only here.
    int close() { return ::close(std::exchange(fd_, -1)); }

    void reset(int fd = -1)
    {
        // close() errors are not actionable here: the descriptor is released by the kernel even on EINTR.
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

} // namespace hostgate
