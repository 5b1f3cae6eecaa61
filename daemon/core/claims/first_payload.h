// SPDX-License-Identifier: GPL-3.0-or-later
// The name a connection claims in its first payload, when DNS gave the daemon none: the server_name of a TLS
// ClientHello, the Host header of a plain HTTP request. Pure parsing of untrusted bytes, bounded and
// allocation-light; it never reads past the span it is given.
//
// A claimed name is what the application *says*; nothing checks it (no certificate is seen: the daemon does
// not intercept TLS). It is shown and logged as claimed, and matches name rules only when the administrator
// trusts claims (DaemonConfig::trustClaimedNames).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hostgate {

enum class ClaimSource : std::uint8_t { TlsSni, HttpHost, QuicSni };

// "TLS SNI", "HTTP Host", "QUIC SNI": how logs, prompts and the API name where a claim came from.
std::string_view claimSourceName(ClaimSource source);
// "tls-sni", "http-host", "quic-sni": the API's token for it.
std::string_view claimSourceToken(ClaimSource source);

struct ClaimedName {
    // Normalized (lower case, no trailing dot, ASCII); empty when the payload was recognised but names nothing
    // (a ClientHello without server_name, an HTTP Host that is an address).
    std::string host;
    ClaimSource source = ClaimSource::TlsSni;
    // The ClientHello carries an encrypted_client_hello extension (ECH): `host` is the outer, public name
    // (the client-facing server's), the name the app really wants is encrypted.
    bool encryptedHello = false;

    bool operator==(const ClaimedName&) const = default;
};

enum class ScanStatus : std::uint8_t {
    NeedMore,      // a prefix of something recognised: more bytes may complete it
    Found,         // recognised: `claim` is set
    NotRecognised, // not TLS, not HTTP, malformed, or larger than the bounds below
};

struct PayloadScan {
    ScanStatus status = ScanStatus::NotRecognised;
    std::optional<ClaimedName> claim;
    std::string why; // for NotRecognised: what was wrong, for the log
};

// Bounds: a ClientHello may span TLS records up to this many bytes of handshake; an HTTP request's head must
// end within this many bytes. Anything longer is NotRecognised (decided without a claim).
inline constexpr std::size_t kMaxClientHelloBytes = 64 * 1024;
inline constexpr std::size_t kMaxHttpHeadBytes = 16 * 1024;

// The start of a TCP stream (the bytes the client sent first, in order): TLS records (a ClientHello) or an
// HTTP/1.x request head.
PayloadScan scanStreamStart(std::span<const std::uint8_t> bytes);

// TLS records from the start of the stream: the first handshake message must be a ClientHello.
PayloadScan scanTlsRecords(std::span<const std::uint8_t> bytes);

// Handshake messages without the record layer (QUIC's CRYPTO stream): a ClientHello at the start.
PayloadScan scanHandshake(std::span<const std::uint8_t> handshake, ClaimSource source);

// An HTTP/1.x request head: the Host header (or a CONNECT request's authority).
PayloadScan scanHttpRequest(std::span<const std::uint8_t> bytes);

} // namespace hostgate
