// SPDX-License-Identifier: GPL-3.0-or-later
// DNS-over-TCP length-prefix framing: stateless splitting, framing, and bounded incremental reassembly.
#include "dns/dns_tcp_stream.h"

#include <algorithm>
#include <string>

namespace hostgate {

namespace {

constexpr std::size_t lengthPrefixSize = 2;
constexpr std::size_t maxMessageSize = 65535;

std::size_t readLength(std::span<const std::uint8_t> prefix)
{
    return (std::size_t{prefix[0]} << 8) | prefix[1];
}

} // namespace

Result<std::vector<std::span<const std::uint8_t>>> splitDnsTcpStream(std::span<const std::uint8_t> stream)
{
    std::vector<std::span<const std::uint8_t>> messages;
    while (!stream.empty()) {
        if (stream.size() < lengthPrefixSize)
            return Error{"Failed to split DNS TCP stream: 1 byte of a length prefix left over"};
        const std::size_t length = readLength(stream);
        if (length == 0)
            return Error{"Failed to split DNS TCP stream: zero-length message"};
        if (stream.size() - lengthPrefixSize < length)
            return Error{"Failed to split DNS TCP stream: message of " + std::to_string(length) + " bytes has only " +
                         std::to_string(stream.size() - lengthPrefixSize) + " bytes"};
        messages.push_back(stream.subspan(lengthPrefixSize, length));
        stream = stream.subspan(lengthPrefixSize + length);
    }
    return messages;
}

Result<std::vector<std::uint8_t>> frameDnsTcpMessage(std::span<const std::uint8_t> message)
{
    if (message.size() > maxMessageSize)
        return Error{"Failed to frame DNS message: " + std::to_string(message.size()) +
                     " bytes exceed the 65535-byte TCP message maximum"};
    std::vector<std::uint8_t> framed;
    framed.reserve(lengthPrefixSize + message.size());
    framed.push_back(static_cast<std::uint8_t>(message.size() >> 8));
    framed.push_back(static_cast<std::uint8_t>(message.size() & 0xff));
    framed.insert(framed.end(), message.begin(), message.end());
    return framed;
}

Result<std::vector<std::vector<std::uint8_t>>> DnsTcpReassembler::feed(std::span<const std::uint8_t> segment)
{
    if (failed_)
        return Error{"Failed to reassemble DNS TCP stream: stream was already broken by an earlier error"};

    std::vector<std::vector<std::uint8_t>> messages;
    while (!segment.empty()) {
        // Complete the length prefix first, then the body; never buffer more than one message.
        std::size_t wanted = lengthPrefixSize;
        if (pending_.size() >= lengthPrefixSize) {
            const std::size_t length = readLength(pending_);
            wanted = lengthPrefixSize + length;
        }
        const std::size_t take = std::min(wanted - pending_.size(), segment.size());
        pending_.insert(pending_.end(), segment.begin(), segment.begin() + static_cast<std::ptrdiff_t>(take));
        segment = segment.subspan(take);

        if (pending_.size() == lengthPrefixSize && readLength(pending_) == 0) {
            failed_ = true;
            pending_.clear();
            return Error{"Failed to reassemble DNS TCP stream: zero-length message"};
        }
        if (pending_.size() > lengthPrefixSize && pending_.size() == lengthPrefixSize + readLength(pending_)) {
            messages.emplace_back(pending_.begin() + lengthPrefixSize, pending_.end());
            pending_.clear();
        }
    }
    return messages;
}

void DnsTcpReassembler::reset()
{
    pending_.clear();
    failed_ = false;
}

} // namespace hostgate
