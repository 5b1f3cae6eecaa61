// SPDX-License-Identifier: GPL-3.0-or-later
// DNS wire format ↔ DnsMessage, via ldns: decoding observed packets and synthesizing local refusals.
#pragma once

#include "dns/dns_message.h"
#include "util/result.h"

#include <cstdint>
#include <span>
#include <vector>

namespace hostgate {

// Decodes one DNS message (UDP payload, or one TCP message without its 2-byte length prefix).
//
// Names are normalized (lower case, no trailing dot) and must be valid host names:
// - a question whose name is not (e.g. the root ".", or bytes outside letters/digits/-/_) makes the whole
//   message an Error, because it can be neither matched against rules nor cached; callers pass such
//   packets through undecided;
// - an A/AAAA/CNAME answer whose owner or target is not a valid host name is left out, and so is any answer
//   of a class other than IN; the rest of the message is kept.
// Malformed wire data (truncated, compression loops, counts larger than the packet, empty, > 65535 bytes)
// is an Error that says what is wrong.
Result<DnsMessage> decodeDnsMessage(std::span<const std::uint8_t> wire);

// Builds the answer the firewall gives in the resolver's place to a query it gates: same id and question
// (byte for byte, so 0x20 case randomization still matches), QR=1, opcode QUERY, RD and CD copied, RA set
// when recursion was desired, the given rcode (dns_rcode::NxDomain or dns_rcode::Refused), no records.
// Errors when `queryWire` is not a decodable standard query with exactly one question, or for other rcodes.
Result<std::vector<std::uint8_t>> buildRefusalResponse(std::span<const std::uint8_t> queryWire, std::uint8_t rcode);

} // namespace hostgate
