// SPDX-License-Identifier: GPL-3.0-or-later
// DNS over TCP framing (RFC 1035 4.2.2): each message is preceded by its 2-byte big-endian length.
#pragma once

#include "util/result.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hostgate {

// Splits a buffer that holds whole framed messages into the messages (views into `stream`, without their
// length prefixes). Errors on a partial message at the end and on a zero-length message.
Result<std::vector<std::span<const std::uint8_t>>> splitDnsTcpStream(std::span<const std::uint8_t> stream);

// Prefixes a message with its length, for answering over TCP. Errors when it exceeds 65535 bytes.
Result<std::vector<std::uint8_t>> frameDnsTcpMessage(std::span<const std::uint8_t> message);

// Reassembles the messages of one direction of one TCP connection from its in-order payload bytes: a
// segment may carry several messages, the end of one and the start of the next, or a single byte. At most
// one partial message (<= 65537 bytes) is buffered, so memory stays bounded whatever the peer sends.
class DnsTcpReassembler {
public:
    // Appends `segment` and returns the messages it completed (without length prefixes), oldest first.
    // A zero-length message is a protocol error: it returns an Error, and so does every later call until
    // reset(), because the message boundaries of the rest of the stream can no longer be trusted.
    Result<std::vector<std::vector<std::uint8_t>>> feed(std::span<const std::uint8_t> segment);

    // Bytes of an incomplete message waiting for more data.
    std::size_t pendingBytes() const { return pending_.size(); }
    bool failed() const { return failed_; }
    void reset();

private:
    std::vector<std::uint8_t> pending_;
    bool failed_ = false;
};

} // namespace hostgate
