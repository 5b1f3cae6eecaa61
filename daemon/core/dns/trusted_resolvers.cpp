// SPDX-License-Identifier: GPL-3.0-or-later
// resolv.conf parsing and the sorted set of trusted resolver addresses.
#include "dns/trusted_resolvers.h"

#include <algorithm>

namespace hostgate {

namespace {

bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view nextWord(std::string_view& line)
{
    while (!line.empty() && isBlank(line.front()))
        line.remove_prefix(1);
    std::size_t end = 0;
    while (end < line.size() && !isBlank(line[end]))
        ++end;
    const std::string_view word = line.substr(0, end);
    line.remove_prefix(end);
    return word;
}

} // namespace

std::vector<IpAddress> parseResolvConf(std::string_view text)
{
    std::vector<IpAddress> servers;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (const std::size_t comment = line.find_first_of("#;"); comment != std::string_view::npos)
            line = line.substr(0, comment);
        if (nextWord(line) != "nameserver")
            continue;
        std::string_view address = nextWord(line);
        if (const std::size_t zone = address.find('%'); zone != std::string_view::npos)
            address = address.substr(0, zone);
        const auto parsed = IpAddress::parse(address);
        if (parsed && std::find(servers.begin(), servers.end(), *parsed) == servers.end())
            servers.push_back(*parsed);
    }
    return servers;
}

TrustedResolvers::TrustedResolvers(std::vector<IpAddress> resolvers) : addresses_(std::move(resolvers))
{
    std::sort(addresses_.begin(), addresses_.end());
    addresses_.erase(std::unique(addresses_.begin(), addresses_.end()), addresses_.end());
}

bool TrustedResolvers::contains(const IpAddress& address) const
{
    return std::binary_search(addresses_.begin(), addresses_.end(), address);
}

} // namespace hostgate
