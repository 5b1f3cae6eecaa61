// SPDX-License-Identifier: GPL-3.0-or-later
// Reads a QUIC client's Initial packets (RFC 9001 §5): derives the Initial keys from the packet's own
// destination connection id (HKDF-SHA256 with the version's public salt), removes header protection
// (AES-128-ECB) and opens the payload (AES-128-GCM), all with OpenSSL, then collects the CRYPTO frames that
// carry the ClientHello. Anyone on the path can do this by design: Initial keys protect against nothing but
// ossification. No key of the connection proper is ever seen.
#pragma once

#include "claims/quic_frames.h"
#include "util/result.h"

#include <cstdint>
#include <span>

namespace hostgate {

// Adds the CRYPTO data of every client Initial packet coalesced in `datagram` to `stream`. Fails when the
// datagram does not start with a QUIC v1/v2 Initial or a packet does not decrypt (not QUIC, or corrupted).
Result<void> readQuicInitials(std::span<const std::uint8_t> datagram, CryptoStream& stream);

// Derives keys once, so that OpenSSL has loaded everything it needs before the daemon's seccomp filter is on.
Result<void> warmUpQuicInitialCrypto();

} // namespace hostgate
