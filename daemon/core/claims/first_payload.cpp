// SPDX-License-Identifier: GPL-3.0-or-later
// TLS ClientHello (RFC 8446 §4.1.2, server_name RFC 6066 §3, ECH draft-ietf-tls-esni) and HTTP/1.1 (RFC 9112)
// request heads, read just far enough to find the name a client claims.
#include "claims/first_payload.h"

#include "net/hostname.h"
#include "net/ip_address.h"
#include "util/name_table.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace hostgate {

namespace {

constexpr std::uint8_t kRecordHandshake = 22;
constexpr std::uint8_t kClientHello = 1;
constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtEncryptedClientHello = 0xfe0d;
constexpr std::uint8_t kHostName = 0;

// A cursor over untrusted bytes: every read checks the remaining length first.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::size_t remaining() const { return bytes_.size() - at_; }
    bool skip(std::size_t n)
    {
        if (remaining() < n)
            return false;
        at_ += n;
        return true;
    }
    bool u8(std::uint8_t& out)
    {
        if (remaining() < 1)
            return false;
        out = bytes_[at_++];
        return true;
    }
    bool u16(std::uint16_t& out)
    {
        if (remaining() < 2)
            return false;
        out = static_cast<std::uint16_t>(bytes_[at_] << 8 | bytes_[at_ + 1]);
        at_ += 2;
        return true;
    }
    bool u24(std::uint32_t& out)
    {
        if (remaining() < 3)
            return false;
        out = static_cast<std::uint32_t>(bytes_[at_] << 16 | bytes_[at_ + 1] << 8 | bytes_[at_ + 2]);
        at_ += 3;
        return true;
    }
    // A length-prefixed sub-range (prefix of `width` bytes); false when it does not fit.
    bool vector(std::size_t width, std::span<const std::uint8_t>& out)
    {
        std::uint32_t length = 0;
        if (width == 1) {
            std::uint8_t n = 0;
            if (!u8(n))
                return false;
            length = n;
        } else if (width == 2) {
            std::uint16_t n = 0;
            if (!u16(n))
                return false;
            length = n;
        } else if (!u24(length)) {
            return false;
        }
        if (remaining() < length)
            return false;
        out = bytes_.subspan(at_, length);
        at_ += length;
        return true;
    }

private:
    std::span<const std::uint8_t> bytes_;
    std::size_t at_ = 0;
};

PayloadScan notRecognised(std::string why)
{
    PayloadScan scan;
    scan.status = ScanStatus::NotRecognised;
    scan.why = std::move(why);
    return scan;
}

PayloadScan needMore()
{
    PayloadScan scan;
    scan.status = ScanStatus::NeedMore;
    return scan;
}

PayloadScan found(std::string host, ClaimSource source, bool encryptedHello = false)
{
    PayloadScan scan;
    scan.status = ScanStatus::Found;
    scan.claim = ClaimedName{std::move(host), source, encryptedHello};
    return scan;
}

// A claimed host as a name rule would see it; empty when it is an address literal or not a valid name.
std::optional<std::string> claimedHost(std::string_view text)
{
    if (text.empty())
        return std::string();
    if (IpAddress::parse(text))
        return std::string(); // an address claims no name
    auto normalized = normalizeHostname(text);
    if (!normalized)
        return std::nullopt;
    return std::move(normalized).value();
}

// The server_name extension's body: a list of names, of which only host_name (0) is defined.
std::optional<std::string> serverName(std::span<const std::uint8_t> body)
{
    Reader reader(body);
    std::span<const std::uint8_t> list;
    if (!reader.vector(2, list))
        return std::nullopt;
    Reader names(list);
    while (names.remaining() > 0) {
        std::uint8_t type = 0;
        std::span<const std::uint8_t> name;
        if (!names.u8(type) || !names.vector(2, name))
            return std::nullopt;
        if (type == kHostName)
            return std::string(reinterpret_cast<const char*>(name.data()), name.size());
    }
    return std::string();
}

// The body of a complete ClientHello message (after its 4-byte header).
PayloadScan scanClientHelloBody(std::span<const std::uint8_t> body, ClaimSource source)
{
    Reader reader(body);
    std::span<const std::uint8_t> field;
    if (!reader.skip(2 + 32)) // legacy_version, random
        return notRecognised("ClientHello shorter than its fixed fields");
    if (!reader.vector(1, field) || field.size() > 32)
        return notRecognised("ClientHello session id malformed");
    if (!reader.vector(2, field) || field.size() < 2 || field.size() % 2 != 0)
        return notRecognised("ClientHello cipher suites malformed");
    if (!reader.vector(1, field) || field.empty())
        return notRecognised("ClientHello compression methods malformed");
    if (reader.remaining() == 0)
        return found(std::string(), source); // no extensions, hence no server_name
    std::span<const std::uint8_t> extensions;
    if (!reader.vector(2, extensions))
        return notRecognised("ClientHello extensions malformed");
    Reader ext(extensions);
    std::optional<std::string> name;
    bool encrypted = false;
    while (ext.remaining() > 0) {
        std::uint16_t type = 0;
        std::span<const std::uint8_t> data;
        if (!ext.u16(type) || !ext.vector(2, data))
            return notRecognised("ClientHello extension malformed");
        if (type == kExtServerName) {
            if (name)
                return notRecognised("ClientHello carries server_name twice");
            name = serverName(data);
            if (!name)
                return notRecognised("ClientHello server_name malformed");
        } else if (type == kExtEncryptedClientHello) {
            encrypted = true;
        }
    }
    const auto host = claimedHost(name.value_or(std::string()));
    if (!host)
        return notRecognised("ClientHello server_name is not a valid host name");
    return found(*host, source, encrypted);
}

bool startsWithCaseless(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i])
            return false;
    return true;
}

std::string_view trimmed(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// "name", "name:port", "[v6]:port", "v4:port" -> the host part (brackets kept off).
std::string_view authorityHost(std::string_view authority)
{
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        return close == std::string_view::npos ? authority : authority.substr(1, close - 1);
    }
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(':') == colon)
        return authority.substr(0, colon);
    return authority;
}

constexpr std::array<std::string_view, 9> kMethods{"GET ",     "POST ",  "HEAD ",    "PUT ",  "DELETE ",
                                                   "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "};

} // namespace

namespace {

// The token the log, the bus and the journal carry, and the phrase explanations use.
constexpr NameTable<ClaimSource, 3> claimSourceTokens{{
    {ClaimSource::TlsSni, "tls-sni"},
    {ClaimSource::HttpHost, "http-host"},
    {ClaimSource::QuicSni, "quic-sni"},
}};
constexpr NameTable<ClaimSource, 3> claimSourcePhrases{{
    {ClaimSource::TlsSni, "TLS SNI"},
    {ClaimSource::HttpHost, "HTTP Host"},
    {ClaimSource::QuicSni, "QUIC SNI"},
}};

} // namespace

std::string_view claimSourceName(ClaimSource source)
{
    return nameIn(claimSourcePhrases, source);
}

std::string_view claimSourceToken(ClaimSource source)
{
    return nameIn(claimSourceTokens, source);
}

PayloadScan scanHandshake(std::span<const std::uint8_t> handshake, ClaimSource source)
{
    Reader reader(handshake);
    std::uint8_t type = 0;
    std::uint32_t length = 0;
    if (!reader.u8(type))
        return needMore();
    if (type != kClientHello)
        return notRecognised("the first handshake message is not a ClientHello");
    if (!reader.u24(length))
        return needMore();
    if (length > kMaxClientHelloBytes)
        return notRecognised("ClientHello larger than " + std::to_string(kMaxClientHelloBytes) + " bytes");
    if (reader.remaining() < length)
        return needMore();
    return scanClientHelloBody(handshake.subspan(4, length), source);
}

PayloadScan scanTlsRecords(std::span<const std::uint8_t> bytes)
{
    // Handshake fragments, concatenated across records until the ClientHello is complete.
    std::string handshake;
    std::size_t at = 0;
    while (true) {
        if (bytes.size() - at < 5)
            break;
        const std::uint8_t type = bytes[at];
        const std::uint8_t major = bytes[at + 1];
        const std::size_t length = static_cast<std::size_t>(bytes[at + 3] << 8 | bytes[at + 4]);
        if (type != kRecordHandshake)
            return notRecognised("a TLS record before the ClientHello is not a handshake record");
        if (major != 3)
            return notRecognised("not a TLS record (version)");
        if (length == 0 || length > (1U << 14))
            return notRecognised("TLS record length out of range");
        if (bytes.size() - at - 5 < length)
            break;
        handshake.append(reinterpret_cast<const char*>(bytes.data() + at + 5), length);
        at += 5 + length;
        if (handshake.size() > kMaxClientHelloBytes + 4)
            return notRecognised("ClientHello larger than " + std::to_string(kMaxClientHelloBytes) + " bytes");
        const auto scan = scanHandshake(
            std::span(reinterpret_cast<const std::uint8_t*>(handshake.data()), handshake.size()), ClaimSource::TlsSni);
        if (scan.status != ScanStatus::NeedMore)
            return scan;
    }
    if (bytes.empty())
        return needMore();
    if (bytes[0] != kRecordHandshake)
        return notRecognised("not a TLS handshake record");
    if (bytes.size() >= 2 && bytes[1] != 3)
        return notRecognised("not a TLS record (version)");
    if (bytes.size() > kMaxClientHelloBytes + 5 * 8)
        return notRecognised("ClientHello larger than " + std::to_string(kMaxClientHelloBytes) + " bytes");
    return needMore();
}

PayloadScan scanHttpRequest(std::span<const std::uint8_t> bytes)
{
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::string_view method;
    for (std::string_view candidate : kMethods) {
        if (text.size() < candidate.size()) {
            if (candidate.substr(0, text.size()) == text)
                return needMore();
            continue;
        }
        if (text.substr(0, candidate.size()) == candidate) {
            method = candidate;
            break;
        }
    }
    if (method.empty())
        return notRecognised("not an HTTP request");
    const auto headEnd = text.find("\r\n\r\n");
    const auto bareEnd = text.find("\n\n");
    const auto end = std::min(headEnd, bareEnd);
    if (end == std::string_view::npos)
        return text.size() >= kMaxHttpHeadBytes
                   ? notRecognised("HTTP request head longer than " + std::to_string(kMaxHttpHeadBytes) + " bytes")
                   : needMore();
    if (end > kMaxHttpHeadBytes)
        return notRecognised("HTTP request head longer than " + std::to_string(kMaxHttpHeadBytes) + " bytes");
    const std::string_view head = text.substr(0, end);
    const auto firstEol = head.find('\n');
    const std::string_view requestLine = trimmed(head.substr(0, firstEol));
    const auto secondSpace = requestLine.find(' ', method.size());
    if (secondSpace == std::string_view::npos || !requestLine.substr(secondSpace + 1).starts_with("HTTP/1."))
        return notRecognised("HTTP request line malformed");
    const std::string_view target = requestLine.substr(method.size(), secondSpace - method.size());

    std::optional<std::string_view> host;
    std::size_t at = firstEol == std::string_view::npos ? head.size() : firstEol + 1;
    while (at < head.size()) {
        auto eol = head.find('\n', at);
        if (eol == std::string_view::npos)
            eol = head.size();
        const std::string_view line = head.substr(at, eol - at);
        at = eol + 1;
        if (startsWithCaseless(line, "host:")) {
            if (host)
                return notRecognised("HTTP request carries Host twice"); // RFC 9112 §3.2: a 400
            host = trimmed(line.substr(5));
        }
    }
    std::string_view authority;
    if (host)
        authority = *host;
    else if (method == "CONNECT ")
        authority = target;
    else
        return found(std::string(), ClaimSource::HttpHost); // HTTP/1.0 without Host: names nothing
    const auto name = claimedHost(authorityHost(authority));
    if (!name)
        return notRecognised("HTTP Host is not a valid host name");
    return found(*name, ClaimSource::HttpHost);
}

PayloadScan scanStreamStart(std::span<const std::uint8_t> bytes)
{
    if (bytes.empty())
        return needMore();
    if (bytes[0] == kRecordHandshake)
        return scanTlsRecords(bytes);
    return scanHttpRequest(bytes);
}

} // namespace hostgate
