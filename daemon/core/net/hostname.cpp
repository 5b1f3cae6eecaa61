// SPDX-License-Identifier: GPL-3.0-or-later
// Hostname normalization and label-boundary suffix tests.
#include "net/hostname.h"

namespace hostgate {

namespace {

constexpr std::size_t maxNameLength = 253;
constexpr std::size_t maxLabelLength = 63;

bool isLabelChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

} // namespace

Result<std::string> normalizeHostname(std::string_view name)
{
    if (!name.empty() && name.back() == '.')
        name.remove_suffix(1);
    if (name.empty())
        return Error{"empty host name"};
    if (name.size() > maxNameLength)
        return Error{"host name longer than 253 characters"};

    std::string normalized;
    normalized.reserve(name.size());
    std::size_t labelLength = 0;
    for (char c : name) {
        if (static_cast<unsigned char>(c) >= 0x80)
            return Error{"host name '" + std::string(name) +
                         "' is not ASCII; internationalized names must be given in punycode (xn--)"};
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c == '.') {
            if (labelLength == 0)
                return Error{"host name '" + std::string(name) + "' has an empty label"};
            labelLength = 0;
        } else if (!isLabelChar(c)) {
            return Error{"host name '" + std::string(name) + "' contains invalid character '" + std::string(1, c) +
                         "'"};
        } else if (++labelLength > maxLabelLength) {
            return Error{"host name '" + std::string(name) + "' has a label longer than 63 characters"};
        }
        normalized.push_back(c);
    }
    if (labelLength == 0)
        return Error{"host name '" + std::string(name) + "' has an empty label"};
    return normalized;
}

bool isSameOrSubdomain(std::string_view name, std::string_view domain)
{
    if (name.size() == domain.size())
        return name == domain;
    return name.size() > domain.size() && name.ends_with(domain) && name[name.size() - domain.size() - 1] == '.';
}

} // namespace hostgate
