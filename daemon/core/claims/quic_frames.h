// SPDX-License-Identifier: GPL-3.0-or-later
// The framing of QUIC Initial packets (RFC 9000 §17.2.2, §19; QUIC v2: RFC 9369): the long header a client's
// first datagram starts with, and the CRYPTO frames of its decrypted payload, reassembled into the
// ClientHello's bytes. Pure; the decryption with keys derived from the packet's own destination connection
// id (RFC 9001 §5.2) is the adapter daemon/capture/quic_initial.*.
#pragma once

#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace hostgate {

inline constexpr std::uint32_t kQuicVersion1 = 0x00000001;
inline constexpr std::uint32_t kQuicVersion2 = 0x6b3343cf;

struct QuicInitialHeader {
    std::uint32_t version = 0;
    std::vector<std::uint8_t> dcid;     // the destination connection id: the Initial keys derive from it
    std::size_t packetNumberOffset = 0; // where the (protected) packet number starts
    std::size_t packetEnd = 0;          // where this packet ends in the datagram (coalesced packets follow)
};

// Reads the long header of the packet at the start of `datagram`. Errors: not a long header, a version
// other than 1 and 2, not an Initial, lengths that do not fit.
Result<QuicInitialHeader> parseQuicInitialHeader(std::span<const std::uint8_t> datagram);

// A QUIC variable-length integer (RFC 9000 §16) at `at`; advances `at`. nullopt when it does not fit.
std::optional<std::uint64_t> readQuicVarint(std::span<const std::uint8_t> bytes, std::size_t& at);

// The CRYPTO stream of a connection's Initial packets, reassembled from frames in any order (duplicates and
// overlaps allowed), bounded to `maxBytes` from offset 0.
class CryptoStream {
public:
    explicit CryptoStream(std::size_t maxBytes) : maxBytes_(maxBytes) {}

    // Fails on data past the bound.
    Result<void> add(std::uint64_t offset, std::span<const std::uint8_t> data);
    // The bytes from offset 0 up to the first gap.
    std::span<const std::uint8_t> contiguous() const { return {bytes_.data(), contiguous_}; }

private:
    std::size_t maxBytes_;
    std::vector<std::uint8_t> bytes_;
    std::vector<bool> have_;
    std::size_t contiguous_ = 0;
};

// Walks the frames of a decrypted Initial payload: CRYPTO frames go to `stream`; PADDING, PING, ACK and
// CONNECTION_CLOSE are skipped; any other frame type (not allowed in an Initial) is an error.
Result<void> collectCryptoFrames(std::span<const std::uint8_t> plaintext, CryptoStream& stream);

} // namespace hostgate
