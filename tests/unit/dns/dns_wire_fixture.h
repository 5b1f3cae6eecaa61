// SPDX-License-Identifier: GPL-3.0-or-later
// Test fixtures: DNS packets built by ldns from zone-file lines, so a test reads like the packet it sends.
#pragma once

#include "dns/ldns_cxx.h"

#include <QtGlobal>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace hostgate::test {

struct DnsWireFixture {
    std::uint16_t id = 0x1234;
    bool response = false;
    bool truncated = false;
    bool recursionDesired = true;
    std::uint8_t rcode = 0;
    std::vector<std::string> questions; // "www.example.com. IN A"
    std::vector<std::string> answers;   // "www.example.com. 300 IN A 203.0.113.10"

    std::vector<std::uint8_t> wire() const
    {
        struct PacketDeleter {
            void operator()(ldns_pkt* packet) const { ldns_pkt_free(packet); }
        };
        std::unique_ptr<ldns_pkt, PacketDeleter> packet(ldns_pkt_new());
        ldns_pkt_set_id(packet.get(), id);
        ldns_pkt_set_qr(packet.get(), response);
        ldns_pkt_set_tc(packet.get(), truncated);
        ldns_pkt_set_rd(packet.get(), recursionDesired);
        ldns_pkt_set_ra(packet.get(), response);
        ldns_pkt_set_rcode(packet.get(), rcode);
        for (const std::string& line : questions) {
            ldns_rr* record = nullptr;
            if (ldns_rr_new_question_frm_str(&record, line.c_str(), nullptr, nullptr) != LDNS_STATUS_OK)
                qFatal("bad question fixture: %s", line.c_str());
            ldns_pkt_push_rr(packet.get(), LDNS_SECTION_QUESTION, record);
        }
        for (const std::string& line : answers) {
            ldns_rr* record = nullptr;
            if (ldns_rr_new_frm_str(&record, line.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
                qFatal("bad answer fixture: %s", line.c_str());
            ldns_pkt_push_rr(packet.get(), LDNS_SECTION_ANSWER, record);
        }
        std::uint8_t* raw = nullptr;
        std::size_t size = 0;
        if (ldns_pkt2wire(&raw, packet.get(), &size) != LDNS_STATUS_OK)
            qFatal("cannot encode fixture");
        std::vector<std::uint8_t> bytes(raw, raw + size);
        std::free(raw);
        return bytes;
    }
};

inline DnsWireFixture query(std::uint16_t id, const std::string& question)
{
    DnsWireFixture fixture;
    fixture.id = id;
    fixture.questions = {question};
    return fixture;
}

inline DnsWireFixture response(std::uint16_t id, const std::string& question, std::vector<std::string> answers)
{
    DnsWireFixture fixture;
    fixture.id = id;
    fixture.response = true;
    fixture.questions = {question};
    fixture.answers = std::move(answers);
    return fixture;
}

} // namespace hostgate::test
