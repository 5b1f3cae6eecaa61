// SPDX-License-Identifier: GPL-3.0-or-later
// A decoded DNS message, reduced to what the firewall needs: questions, address and CNAME answers, TTLs.
#pragma once

#include "net/ip_address.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace hostgate {

namespace dns_type {
inline constexpr std::uint16_t A = 1;
inline constexpr std::uint16_t CNAME = 5;
inline constexpr std::uint16_t AAAA = 28;
} // namespace dns_type

namespace dns_rcode {
inline constexpr std::uint8_t NoError = 0;
inline constexpr std::uint8_t ServFail = 2;
inline constexpr std::uint8_t NxDomain = 3;
inline constexpr std::uint8_t Refused = 5;
} // namespace dns_rcode

struct DnsQuestion {
    std::string name; // normalized: lower case, no trailing dot
    std::uint16_t type = 0;
    std::uint16_t qclass = 1;
    bool operator==(const DnsQuestion&) const = default;
};

struct DnsRecord {
    std::string name; // normalized owner name
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    // A/AAAA: the address; CNAME: the normalized target name. Other types are not kept.
    std::variant<IpAddress, std::string> data;
    bool operator==(const DnsRecord&) const = default;
};

struct DnsMessage {
    std::uint16_t id = 0;
    bool isResponse = false;
    bool truncated = false;
    std::uint8_t opcode = 0;
    std::uint8_t rcode = 0;
    std::vector<DnsQuestion> questions;
    std::vector<DnsRecord> answers; // A, AAAA and CNAME records of the answer section, in wire order
};

} // namespace hostgate
