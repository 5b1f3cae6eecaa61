// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: DNS decoding, refusal synthesis, TCP reassembly and the cache on arbitrary bytes.
#include "dns/dns_cache.h"
#include "dns/dns_codec.h"
#include "dns/dns_tcp_stream.h"
#include "net/hostname.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace {

// Invariant violations abort, so libFuzzer records them as crashes next to the sanitizers' findings.
void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "dns_codec_fuzz invariant violated: %s\n", what);
        std::abort();
    }
}

bool isNormalized(const std::string& name)
{
    const auto normalized = hostgate::normalizeHostname(name);
    return normalized.ok() && *normalized == name;
}

void checkDecoded(const hostgate::DnsMessage& message)
{
    for (const hostgate::DnsQuestion& question : message.questions)
        require(isNormalized(question.name), "question name is not normalized");
    for (const hostgate::DnsRecord& record : message.answers) {
        require(isNormalized(record.name), "answer owner name is not normalized");
        if (const auto* target = std::get_if<std::string>(&record.data))
            require(isNormalized(*target), "CNAME target is not normalized");
    }
}

void fuzzMessage(std::span<const std::uint8_t> wire)
{
    const auto message = hostgate::decodeDnsMessage(wire);
    if (!message.ok()) {
        require(!message.error().message.empty(), "decode error without a message");
        return;
    }
    checkDecoded(*message);

    // The cache trusts its caller to have matched the response, not its content: feed it anyway.
    hostgate::DnsCache cache;
    hostgate::DnsMessage asResponse = *message;
    asResponse.isResponse = true;
    asResponse.rcode = hostgate::dns_rcode::NoError;
    asResponse.opcode = 0;
    for (const auto& added : cache.addResponse(asResponse, hostgate::TimePoint{})) {
        require(!added.names.empty(), "cached address without names");
        require(added.names.front() == asResponse.questions.front().name || asResponse.questions.size() > 1,
                "first cached name is not the question name");
    }

    if (message->isResponse || message->opcode != 0 || message->questions.size() != 1)
        return;
    const auto refusal = hostgate::buildRefusalResponse(wire, hostgate::dns_rcode::Refused);
    require(refusal.ok(), "a decodable single-question query could not be refused");
    const auto answer = hostgate::decodeDnsMessage(*refusal);
    require(answer.ok(), "refusal does not decode");
    require(answer->id == message->id && answer->isResponse && answer->rcode == hostgate::dns_rcode::Refused,
            "refusal header does not answer the query");
    require(answer->questions == message->questions, "refusal question differs from the query's");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> input(data, size);
    fuzzMessage(input);
    (void)hostgate::buildRefusalResponse(input, hostgate::dns_rcode::NxDomain);

    // The same bytes as a DNS-over-TCP stream, cut into two segments at a point the input chooses.
    if (const auto messages = hostgate::splitDnsTcpStream(input); messages.ok()) {
        for (const auto message : *messages)
            fuzzMessage(message);
    }
    hostgate::DnsTcpReassembler reassembler;
    const std::size_t cut = size == 0 ? 0 : data[0] % size;
    std::size_t completed = 0;
    for (const auto segment : {input.first(cut), input.subspan(cut)}) {
        const auto messages = reassembler.feed(segment);
        if (!messages.ok())
            break;
        completed += messages->size();
    }
    require(reassembler.pendingBytes() <= 2 + 65535, "reassembler buffered more than one message");
    if (const auto split = hostgate::splitDnsTcpStream(input); split.ok())
        require(completed == split->size() && reassembler.pendingBytes() == 0,
                "reassembler and splitter disagree on a complete stream");
    return 0;
}
