// SPDX-License-Identifier: GPL-3.0-or-later
// Encrypted DNS: the policy's words and the resolver list's lookups.
#include "decision/encrypted_dns.h"

#include "net/hostname.h"
#include "util/name_table.h"

#include <algorithm>

namespace hostgate {

namespace {

constexpr NameTable<EncryptedDnsPolicy, 3> kPolicyNames{
    {{EncryptedDnsPolicy::Ask, "ask"}, {EncryptedDnsPolicy::Deny, "deny"}, {EncryptedDnsPolicy::Allow, "allow"}}};

} // namespace

std::string_view toString(EncryptedDnsPolicy policy)
{
    return nameIn(kPolicyNames, policy);
}

std::optional<EncryptedDnsPolicy> parseEncryptedDnsPolicy(std::string_view text)
{
    return valueIn(kPolicyNames, text);
}

EncryptedDnsList::EncryptedDnsList(std::vector<EncryptedDnsResolver> resolvers) : resolvers_(std::move(resolvers))
{
    for (std::size_t i = 0; i < resolvers_.size(); ++i)
        for (const auto& address : resolvers_[i].addresses)
            addresses_.emplace_back(address, i);
    std::sort(addresses_.begin(), addresses_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

const EncryptedDnsResolver* EncryptedDnsList::resolverFor(const IpAddress& destination,
                                                          const std::vector<std::string>& hostnames) const
{
    const auto found =
        std::lower_bound(addresses_.begin(), addresses_.end(), destination,
                         [](const auto& entry, const IpAddress& address) { return entry.first < address; });
    if (found != addresses_.end() && found->first == destination)
        return &resolvers_[found->second];
    for (const auto& resolver : resolvers_)
        for (const auto& host : resolver.hosts)
            for (const auto& name : hostnames) {
                const bool matches =
                    host.starts_with("*.")
                        ? name.size() > host.size() - 2 && isSameOrSubdomain(name, std::string_view(host).substr(2))
                        : name == host;
                if (matches)
                    return &resolver;
            }
    return nullptr;
}

std::optional<std::string> EncryptedDnsList::classify(const IpAddress& destination, std::uint16_t port,
                                                      const std::vector<std::string>& hostnames) const
{
    if (port == kDnsOverTlsPort) {
        const auto* resolver = resolverFor(destination, hostnames);
        return resolver ? "DNS over TLS (" + resolver->name + ", port 853)" : std::string("DNS over TLS (port 853)");
    }
    if (port != kHttpsPort)
        return std::nullopt;
    if (const auto* resolver = resolverFor(destination, hostnames))
        return "DNS over HTTPS (" + resolver->name + ")";
    return std::nullopt;
}

} // namespace hostgate
