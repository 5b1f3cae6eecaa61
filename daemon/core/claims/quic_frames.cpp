// SPDX-License-Identifier: GPL-3.0-or-later
// QUIC Initial framing: long header (RFC 9000 §17.2, §17.2.2; v2 packet types RFC 9369 §3.2) and frames
// (RFC 9000 §19).
#include "claims/quic_frames.h"

#include <algorithm>
#include <string>

namespace hostgate {

std::optional<std::uint64_t> readQuicVarint(std::span<const std::uint8_t> bytes, std::size_t& at)
{
    if (at >= bytes.size())
        return std::nullopt;
    const std::size_t length = std::size_t{1} << (bytes[at] >> 6);
    if (bytes.size() - at < length)
        return std::nullopt;
    std::uint64_t value = bytes[at] & 0x3f;
    for (std::size_t i = 1; i < length; ++i)
        value = value << 8 | bytes[at + i];
    at += length;
    return value;
}

Result<QuicInitialHeader> parseQuicInitialHeader(std::span<const std::uint8_t> datagram)
{
    if (datagram.size() < 7)
        return Error("QUIC packet too short for a long header");
    const std::uint8_t first = datagram[0];
    if ((first & 0x80) == 0)
        return Error("not a QUIC long header");
    QuicInitialHeader header;
    header.version = static_cast<std::uint32_t>(datagram[1]) << 24 | static_cast<std::uint32_t>(datagram[2]) << 16 |
                     static_cast<std::uint32_t>(datagram[3]) << 8 | datagram[4];
    const unsigned type = (first & 0x30) >> 4;
    if (header.version == kQuicVersion1) {
        if (type != 0)
            return Error("not a QUIC Initial packet");
    } else if (header.version == kQuicVersion2) {
        if (type != 1)
            return Error("not a QUIC Initial packet");
    } else {
        return Error("QUIC version " + std::to_string(header.version) + " is not one hostgate reads");
    }
    std::size_t at = 5;
    const std::size_t dcidLength = datagram[at++];
    if (dcidLength > 20 || datagram.size() - at < dcidLength + 1)
        return Error("QUIC destination connection id malformed");
    header.dcid.assign(datagram.begin() + static_cast<std::ptrdiff_t>(at),
                       datagram.begin() + static_cast<std::ptrdiff_t>(at + dcidLength));
    at += dcidLength;
    const std::size_t scidLength = datagram[at++];
    if (scidLength > 20 || datagram.size() - at < scidLength)
        return Error("QUIC source connection id malformed");
    at += scidLength;
    const auto tokenLength = readQuicVarint(datagram, at);
    if (!tokenLength || datagram.size() - at < *tokenLength)
        return Error("QUIC token malformed");
    at += static_cast<std::size_t>(*tokenLength);
    const auto length = readQuicVarint(datagram, at);
    if (!length || datagram.size() - at < *length)
        return Error("QUIC packet length exceeds the datagram");
    // The packet number (1..4 bytes, protected) and at least a 16-byte tag; the header-protection sample
    // starts 4 bytes after the packet number's start (RFC 9001 §5.4.2).
    if (*length < 4 + 16)
        return Error("QUIC Initial packet too short to carry a payload");
    header.packetNumberOffset = at;
    header.packetEnd = at + static_cast<std::size_t>(*length);
    return header;
}

Result<void> CryptoStream::add(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    if (offset > maxBytes_ || data.size() > maxBytes_ - offset)
        return Error("QUIC CRYPTO data beyond " + std::to_string(maxBytes_) + " bytes");
    const std::size_t begin = static_cast<std::size_t>(offset);
    const std::size_t end = begin + data.size();
    if (bytes_.size() < end) {
        bytes_.resize(end);
        have_.resize(end, false);
    }
    std::copy(data.begin(), data.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(begin));
    std::fill(have_.begin() + static_cast<std::ptrdiff_t>(begin), have_.begin() + static_cast<std::ptrdiff_t>(end),
              true);
    while (contiguous_ < have_.size() && have_[contiguous_])
        ++contiguous_;
    return Ok{};
}

Result<void> collectCryptoFrames(std::span<const std::uint8_t> plaintext, CryptoStream& stream)
{
    std::size_t at = 0;
    const auto varint = [&]() { return readQuicVarint(plaintext, at); };
    while (at < plaintext.size()) {
        const auto type = varint();
        if (!type)
            return Error("QUIC frame type malformed");
        switch (*type) {
        case 0x00: // PADDING
        case 0x01: // PING
            break;
        case 0x02:   // ACK
        case 0x03: { // ACK with ECN counts
            const auto largest = varint();
            const auto delay = varint();
            const auto ranges = varint();
            const auto firstRange = varint();
            if (!largest || !delay || !ranges || !firstRange || *ranges > plaintext.size())
                return Error("QUIC ACK frame malformed");
            for (std::uint64_t i = 0; i < *ranges * 2; ++i)
                if (!varint())
                    return Error("QUIC ACK frame malformed");
            if (*type == 0x03)
                for (int i = 0; i < 3; ++i)
                    if (!varint())
                        return Error("QUIC ACK frame malformed");
            break;
        }
        case 0x06: { // CRYPTO
            const auto offset = varint();
            const auto length = varint();
            if (!offset || !length || plaintext.size() - at < *length)
                return Error("QUIC CRYPTO frame malformed");
            if (auto added = stream.add(*offset, plaintext.subspan(at, static_cast<std::size_t>(*length))); !added)
                return added.error();
            at += static_cast<std::size_t>(*length);
            break;
        }
        case 0x1c: { // CONNECTION_CLOSE (transport)
            const auto code = varint();
            const auto frameType = varint();
            const auto reasonLength = varint();
            if (!code || !frameType || !reasonLength || plaintext.size() - at < *reasonLength)
                return Error("QUIC CONNECTION_CLOSE frame malformed");
            at += static_cast<std::size_t>(*reasonLength);
            break;
        }
        default:
            return Error("QUIC frame type " + std::to_string(*type) + " is not allowed in an Initial packet");
        }
    }
    return Ok{};
}

} // namespace hostgate
