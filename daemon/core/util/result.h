// SPDX-License-Identifier: GPL-3.0-or-later
// Result<T>: the core's error-or-value return type (C++20 has no std::expected).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hostgate {

// A human-readable failure. `where` locates it in input (e.g. "rules.toml:3:7"), empty when not applicable.
struct Error {
    Error() = default;
    Error(std::string message_, std::string where_ = {}) : message(std::move(message_)), where(std::move(where_)) {}

    // A stable name for APIs that must tell failures apart (e.g. "NoSuchRule" becomes the D-Bus error
    // org.hostgate.Firewall1.Error.NoSuchRule); empty when only the message matters.
    static Error named(std::string code_, std::string message_)
    {
        Error error(std::move(message_));
        error.code = std::move(code_);
        return error;
    }

    std::string message;
    std::string where;
    std::string code;

    std::string describe() const { return where.empty() ? message : where + ": " + message; }
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<Error>(state_); }

private:
    std::variant<T, Error> state_;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Ok) {}
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool failed_ = false;
};

} // namespace hostgate
