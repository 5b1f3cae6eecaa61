// SPDX-License-Identifier: GPL-3.0-or-later
// Structured logging to stderr in a form journald understands: "<priority>message key=value ...".
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace hostgate {

// The syslog severities the daemon uses; the numeric value is the syslog priority (sd-daemon(3) prefix).
enum class LogLevel : int { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

std::string_view logLevelName(LogLevel level);
std::optional<LogLevel> parseLogLevel(std::string_view name);

// One key=value pair of a log line. Values of any formattable type are rendered once, on construction.
struct LogField {
    LogField(std::string_view key_, std::string_view value_) : key(key_), value(value_) {}
    LogField(std::string_view key_, const char* value_) : key(key_), value(value_) {}
    LogField(std::string_view key_, const std::string& value_) : key(key_), value(value_) {}
    LogField(std::string_view key_, const std::filesystem::path& value_) : key(key_), value(value_.string()) {}
    LogField(std::string_view key_, bool value_) : key(key_), value(value_ ? "true" : "false") {}
    template <class T>
    requires std::is_arithmetic_v<T> LogField(std::string_view key_, T value_)
        : key(key_), value(fmt::to_string(value_))
    {}

    std::string_view key;
    std::string value;
};

// Whether lines carry the "<N>" priority prefix. journald (and `systemd-cat`) strip it and keep the
// priority; on an interactive terminal it would only be noise.
enum class PriorityPrefix { WhenNotTerminal, Always, Never };

// Writes one line per call with a single write(2), so lines from concurrent writers never interleave; safe to
// use from several threads.
// Not a singleton: the Daemon owns one and hands references to the components it wires.
class Logger {
public:
    explicit Logger(LogLevel threshold, int fd = 2, PriorityPrefix prefix = PriorityPrefix::WhenNotTerminal);

    void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
    void debug(std::string_view message, std::initializer_list<LogField> fields = {});
    void info(std::string_view message, std::initializer_list<LogField> fields = {});
    void notice(std::string_view message, std::initializer_list<LogField> fields = {});
    void warning(std::string_view message, std::initializer_list<LogField> fields = {});
    void error(std::string_view message, std::initializer_list<LogField> fields = {});

    bool enabled(LogLevel level) const
    {
        return static_cast<int>(level) <= static_cast<int>(threshold_.load(std::memory_order_relaxed));
    }
    LogLevel threshold() const { return threshold_.load(std::memory_order_relaxed); }
    // A configuration reload may change the level while the daemon runs.
    void setThreshold(LogLevel threshold) { threshold_.store(threshold, std::memory_order_relaxed); }

private:
    std::atomic<LogLevel> threshold_; // read by every thread that logs
    int fd_;
    bool prefixPriority_;
};

// The line `log` writes, without the trailing newline (exposed for tests and for the decision log).
std::string formatLogLine(LogLevel level, std::string_view message, std::initializer_list<LogField> fields,
                          bool prefixPriority);

// A value as it appears after "key=": bare when it is a plain token, otherwise double-quoted with
// backslash escapes, so a line always splits unambiguously into fields.
std::string quoteLogValue(std::string_view value);

} // namespace hostgate
