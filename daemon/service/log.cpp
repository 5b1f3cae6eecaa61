// SPDX-License-Identifier: GPL-3.0-or-later
// Structured logging to stderr: formatting of fields and the journald priority prefix.
#include "service/log.h"

#include "util/name_table.h"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace hostgate {

namespace {

constexpr NameTable<LogLevel, 5> kLogLevelNames{{{LogLevel::Info, "info"},
                                                 {LogLevel::Error, "error"},
                                                 {LogLevel::Warning, "warning"},
                                                 {LogLevel::Notice, "notice"},
                                                 {LogLevel::Debug, "debug"}}};

} // namespace

std::string_view logLevelName(LogLevel level)
{
    return nameIn(kLogLevelNames, level);
}

std::optional<LogLevel> parseLogLevel(std::string_view name)
{
    return valueIn(kLogLevelNames, name);
}

namespace {

bool needsQuoting(std::string_view value)
{
    if (value.empty()) {
        return true;
    }
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '"' || c == '\\' || c == '=') {
            return true;
        }
    }
    return false;
}

// Writes everything, retrying on EINTR and short writes; a failing stderr has nowhere to report to.
void writeAll(int fd, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        data.remove_prefix(static_cast<std::size_t>(written));
    }
}

} // namespace

std::string quoteLogValue(std::string_view value)
{
    if (!needsQuoting(value)) {
        return std::string(value);
    }
    std::string quoted;
    quoted.reserve(value.size() + 2);
    quoted.push_back('"');
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            quoted += "\\\"";
            break;
        case '\\':
            quoted += "\\\\";
            break;
        case '\n':
            quoted += "\\n";
            break;
        case '\r':
            quoted += "\\r";
            break;
        case '\t':
            quoted += "\\t";
            break;
        default:
            // Control characters would break the one-line-per-record contract of the journal stream.
            if (byte < 0x20 || byte == 0x7f) {
                quoted += fmt::format("\\x{:02x}", byte);
            } else {
                quoted.push_back(c);
            }
        }
    }
    quoted.push_back('"');
    return quoted;
}

std::string formatLogLine(LogLevel level, std::string_view message, std::initializer_list<LogField> fields,
                          bool prefixPriority)
{
    std::string line;
    if (prefixPriority) {
        line = fmt::format("<{}>", static_cast<int>(level));
    }
    // The message is free text, but a newline in it would start a new journal record.
    for (char c : message) {
        line.push_back(c == '\n' || c == '\r' ? ' ' : c);
    }
    for (const LogField& field : fields) {
        line += fmt::format(" {}={}", field.key, quoteLogValue(field.value));
    }
    return line;
}

Logger::Logger(LogLevel threshold, int fd, PriorityPrefix prefix)
    : threshold_(threshold), fd_(fd), prefixPriority_(prefix == PriorityPrefix::Always ||
                                                      (prefix == PriorityPrefix::WhenNotTerminal && ::isatty(fd) == 0))
{}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields)
{
    if (!enabled(level)) {
        return;
    }
    std::string line = formatLogLine(level, message, fields, prefixPriority_);
    line.push_back('\n');
    writeAll(fd_, line);
}

void Logger::debug(std::string_view message, std::initializer_list<LogField> fields)
{
    log(LogLevel::Debug, message, fields);
}

void Logger::info(std::string_view message, std::initializer_list<LogField> fields)
{
    log(LogLevel::Info, message, fields);
}

void Logger::notice(std::string_view message, std::initializer_list<LogField> fields)
{
    log(LogLevel::Notice, message, fields);
}

void Logger::warning(std::string_view message, std::initializer_list<LogField> fields)
{
    log(LogLevel::Warning, message, fields);
}

void Logger::error(std::string_view message, std::initializer_list<LogField> fields)
{
    log(LogLevel::Error, message, fields);
}

} // namespace hostgate
