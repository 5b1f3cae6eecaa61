// SPDX-License-Identifier: GPL-3.0-or-later
// Encrypted DNS: which connections carry DNS the daemon cannot read (DoH to a known resolver, DoT/DoQ on 853).
#pragma once

#include "net/ip_address.h"
#include "rules/rule.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// What happens to an encrypted-DNS connection that no rule naming its app decides (see DecisionEngine):
// deny; ask (treated as a connection without a rule: the mode decides, in enforce mode a prompt); allow.
enum class EncryptedDnsPolicy : std::uint8_t { Deny, Ask, Allow };

std::string_view toString(EncryptedDnsPolicy policy); // "deny", "ask", "allow"
std::optional<EncryptedDnsPolicy> parseEncryptedDnsPolicy(std::string_view text);

// One well-known resolver of the shipped list: its DoH/DoT host names ("*.domain" for every name under it)
// and its addresses.
struct EncryptedDnsResolver {
    std::string name;               // "Cloudflare"
    std::vector<std::string> hosts; // normalized: "cloudflare-dns.com", "*.dns.nextdns.io"
    std::vector<IpAddress> addresses;

    bool operator==(const EncryptedDnsResolver&) const = default;
};

inline constexpr std::uint16_t kDnsOverTlsPort = 853;
inline constexpr std::uint16_t kHttpsPort = 443;

// The list, looked up per connection. Every connection to port 853 (DoT over TCP, DoQ over UDP) is encrypted
// DNS whatever its address; a connection to port 443 (TCP, or UDP for HTTP/3) is when its address or one of
// its names belongs to a listed resolver.
class EncryptedDnsList {
public:
    EncryptedDnsList() = default;
    explicit EncryptedDnsList(std::vector<EncryptedDnsResolver> resolvers);

    // The label shown in prompts, logs and the API ("DNS over HTTPS (Cloudflare)", "DNS over TLS (port 853)"),
    // or nullopt when the connection is not encrypted DNS.
    std::optional<std::string> classify(const IpAddress& destination, std::uint16_t port,
                                        const std::vector<std::string>& hostnames) const;
    // The resolver a listed address or name belongs to, for any port.
    const EncryptedDnsResolver* resolverFor(const IpAddress& destination,
                                            const std::vector<std::string>& hostnames) const;
    const std::vector<EncryptedDnsResolver>& resolvers() const { return resolvers_; }
    bool empty() const { return resolvers_.empty(); }

    bool operator==(const EncryptedDnsList&) const = default;

private:
    std::vector<EncryptedDnsResolver> resolvers_;
    std::vector<std::pair<IpAddress, std::size_t>> addresses_; // sorted; index into resolvers_
};

} // namespace hostgate
