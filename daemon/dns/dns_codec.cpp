// SPDX-License-Identifier: GPL-3.0-or-later
// ldns-backed DNS decoding and refusal synthesis; every ldns allocation is owned by a unique_ptr.
#include "dns/dns_codec.h"

#include "net/hostname.h"

#include "dns/ldns_cxx.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace hostgate {

namespace {

constexpr std::size_t maxDnsMessageSize = 65535;

struct PacketDeleter {
    void operator()(ldns_pkt* packet) const { ldns_pkt_free(packet); }
};
struct MallocDeleter {
    void operator()(void* memory) const { std::free(memory); }
};
using UniquePacket = std::unique_ptr<ldns_pkt, PacketDeleter>;

Result<UniquePacket> parsePacket(std::span<const std::uint8_t> wire)
{
    if (wire.empty())
        return Error{"empty packet"};
    if (wire.size() > maxDnsMessageSize)
        return Error{"packet of " + std::to_string(wire.size()) + " bytes exceeds the 65535-byte DNS maximum"};
    ldns_pkt* raw = nullptr;
    const ldns_status status = ldns_wire2pkt(&raw, wire.data(), wire.size());
    UniquePacket packet(raw);
    if (status != LDNS_STATUS_OK)
        return Error{ldns_get_errorstr_by_id(status)};
    if (!packet)
        return Error{"ldns returned no packet"};
    return packet;
}

// The presentation form from ldns escapes every byte that is not a plain label character ("\.", "\032"),
// so a label with a dot or a control byte inside cannot pass normalizeHostname as a different name.
Result<std::string> normalizedName(const ldns_rdf* name)
{
    if (name == nullptr || ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME)
        return Error{"not a domain name"};
    std::unique_ptr<char, MallocDeleter> text(ldns_rdf2str(name));
    if (!text)
        return Error{"cannot render domain name"};
    return normalizeHostname(text.get());
}

std::optional<IpAddress> addressFromRdata(const ldns_rr* record, ldns_rr_type type)
{
    if (ldns_rr_rd_count(record) != 1)
        return std::nullopt;
    const ldns_rdf* rdata = ldns_rr_rdf(record, 0);
    if (rdata == nullptr)
        return std::nullopt;
    const std::uint8_t* bytes = ldns_rdf_data(rdata);
    if (type == LDNS_RR_TYPE_A && ldns_rdf_size(rdata) == 4) {
        std::uint8_t v4[4];
        std::copy(bytes, bytes + 4, v4);
        return IpAddress::fromV4Bytes(v4);
    }
    if (type == LDNS_RR_TYPE_AAAA && ldns_rdf_size(rdata) == 16) {
        std::uint8_t v6[16];
        std::copy(bytes, bytes + 16, v6);
        return IpAddress::fromV6Bytes(v6);
    }
    return std::nullopt;
}

// The answer record in the firewall's terms, or nullopt for records it does not keep.
std::optional<DnsRecord> convertAnswer(const ldns_rr* record)
{
    const ldns_rr_type type = ldns_rr_get_type(record);
    if (type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA && type != LDNS_RR_TYPE_CNAME)
        return std::nullopt;
    if (ldns_rr_get_class(record) != LDNS_RR_CLASS_IN)
        return std::nullopt;
    auto owner = normalizedName(ldns_rr_owner(record));
    if (!owner)
        return std::nullopt;

    DnsRecord converted;
    converted.name = std::move(owner.value());
    converted.type = static_cast<std::uint16_t>(type);
    converted.ttl = ldns_rr_ttl(record);
    if (type == LDNS_RR_TYPE_CNAME) {
        if (ldns_rr_rd_count(record) != 1)
            return std::nullopt;
        auto target = normalizedName(ldns_rr_rdf(record, 0));
        if (!target)
            return std::nullopt;
        converted.data = std::move(target.value());
    } else {
        auto address = addressFromRdata(record, type);
        if (!address)
            return std::nullopt;
        converted.data = *address;
    }
    return converted;
}

} // namespace

Result<DnsMessage> decodeDnsMessage(std::span<const std::uint8_t> wire)
{
    auto packet = parsePacket(wire);
    if (!packet)
        return Error{"Failed to decode DNS message: " + packet.error().message};
    const ldns_pkt* pkt = packet->get();

    DnsMessage message;
    message.id = ldns_pkt_id(pkt);
    message.isResponse = ldns_pkt_qr(pkt);
    message.truncated = ldns_pkt_tc(pkt);
    message.opcode = static_cast<std::uint8_t>(ldns_pkt_get_opcode(pkt));
    message.rcode = static_cast<std::uint8_t>(ldns_pkt_get_rcode(pkt));

    const ldns_rr_list* questions = ldns_pkt_question(pkt);
    const std::size_t questionCount = questions ? ldns_rr_list_rr_count(questions) : 0;
    message.questions.reserve(questionCount);
    for (std::size_t i = 0; i < questionCount; ++i) {
        const ldns_rr* question = ldns_rr_list_rr(questions, i);
        auto name = normalizedName(ldns_rr_owner(question));
        if (!name)
            return Error{"Failed to decode DNS message: question name is not a usable host name: " +
                         name.error().message};
        message.questions.push_back(DnsQuestion{std::move(name.value()),
                                                static_cast<std::uint16_t>(ldns_rr_get_type(question)),
                                                static_cast<std::uint16_t>(ldns_rr_get_class(question))});
    }

    const ldns_rr_list* answers = ldns_pkt_answer(pkt);
    const std::size_t answerCount = answers ? ldns_rr_list_rr_count(answers) : 0;
    for (std::size_t i = 0; i < answerCount; ++i) {
        if (auto record = convertAnswer(ldns_rr_list_rr(answers, i)))
            message.answers.push_back(std::move(*record));
    }
    return message;
}

Result<std::vector<std::uint8_t>> buildRefusalResponse(std::span<const std::uint8_t> queryWire, std::uint8_t rcode)
{
    if (rcode != dns_rcode::NxDomain && rcode != dns_rcode::Refused)
        return Error{"Failed to build DNS refusal: rcode " + std::to_string(rcode) +
                     " is neither NXDOMAIN nor REFUSED"};
    auto parsed = parsePacket(queryWire);
    if (!parsed)
        return Error{"Failed to build DNS refusal: cannot decode the query: " + parsed.error().message};
    const ldns_pkt* query = parsed->get();
    if (ldns_pkt_qr(query))
        return Error{"Failed to build DNS refusal: the packet is a response, not a query"};
    if (ldns_pkt_get_opcode(query) != LDNS_PACKET_QUERY)
        return Error{"Failed to build DNS refusal: the query's opcode is not QUERY"};
    const ldns_rr_list* questions = ldns_pkt_question(query);
    if (questions == nullptr || ldns_rr_list_rr_count(questions) != 1)
        return Error{"Failed to build DNS refusal: the query does not have exactly one question"};

    UniquePacket response(ldns_pkt_new());
    if (!response)
        return Error{"Failed to build DNS refusal: out of memory"};
    ldns_pkt* pkt = response.get();
    ldns_pkt_set_id(pkt, ldns_pkt_id(query));
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_opcode(pkt, LDNS_PACKET_QUERY);
    ldns_pkt_set_rd(pkt, ldns_pkt_rd(query));
    ldns_pkt_set_cd(pkt, ldns_pkt_cd(query));
    ldns_pkt_set_ra(pkt, ldns_pkt_rd(query));
    ldns_pkt_set_rcode(pkt, rcode);

    ldns_rr* question = ldns_rr_clone(ldns_rr_list_rr(questions, 0));
    if (question == nullptr)
        return Error{"Failed to build DNS refusal: cannot copy the question"};
    if (!ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, question)) {
        ldns_rr_free(question);
        return Error{"Failed to build DNS refusal: cannot add the question"};
    }

    std::uint8_t* rawWire = nullptr;
    std::size_t size = 0;
    const ldns_status status = ldns_pkt2wire(&rawWire, pkt, &size);
    std::unique_ptr<std::uint8_t, MallocDeleter> wire(rawWire);
    if (status != LDNS_STATUS_OK || !wire)
        return Error{std::string("Failed to build DNS refusal: cannot encode the response: ") +
                     ldns_get_errorstr_by_id(status)};
    return std::vector<std::uint8_t>(wire.get(), wire.get() + size);
}

} // namespace hostgate
