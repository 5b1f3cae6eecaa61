// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the D-Bus a{sv} record parsing (rules, prompt answers, filters) on arbitrary records. A
// record that becomes a rule must pass the shared validation and survive the rule file format unchanged.
#include "bus/bus_records.h"
#include "rules/rule_validation.h"
#include "store/rule_file.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using namespace hostgate;

constexpr std::array<const char*, 20> knownKeys{"app",      "script",     "user",     "host",         "ports",
                                                "protocol", "action",     "lifetime", "until_usec",   "enabled",
                                                "note",     "id",         "pid",      "host_scope",   "port_scope",
                                                "verdict",  "since_usec", "origin",   "created_usec", "hit_count"};

// Consumes the input front to back; running out yields zeros and empty strings.
class Bytes {
public:
    Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool empty() const { return offset_ >= size_; }
    std::uint8_t byte() { return empty() ? 0 : data_[offset_++]; }
    template <class T>
    T number()
    {
        T value{};
        std::uint8_t raw[sizeof(T)] = {};
        for (auto& b : raw)
            b = byte();
        std::memcpy(&value, raw, sizeof(T));
        return value;
    }
    std::string text()
    {
        // Length: one byte, or a long string (to reach the 4 KiB limit) when the byte is 255.
        std::size_t length = byte();
        if (length == 255)
            length = 4000 + number<std::uint16_t>() % 256;
        std::string out;
        for (std::size_t i = 0; i < length && !empty(); ++i)
            out.push_back(static_cast<char>(byte()));
        if (out.size() < length && length > 255)
            out.append(length - out.size(), 'a'); // long strings without long inputs
        return out;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t offset_ = 0;
};

VariantMap recordFrom(Bytes& in)
{
    VariantMap record;
    const std::size_t entries = in.byte() % 16;
    for (std::size_t i = 0; i < entries && !in.empty(); ++i) {
        const std::uint8_t keyChoice = in.byte();
        const std::string key = keyChoice < 2 * knownKeys.size() ? knownKeys[keyChoice % knownKeys.size()] : in.text();
        // sd-bus refuses to serialize strings that are not valid UTF-8 (or contain NUL), so such strings never
        // reach the daemon from the bus; the fuzzer skips them the same way.
        try {
            switch (in.byte() % 7) {
            case 0:
                record[key] = sdbus::Variant(in.text());
                break;
            case 1:
                record[key] = sdbus::Variant(in.number<std::int64_t>());
                break;
            case 2:
                record[key] = sdbus::Variant(in.number<std::uint32_t>());
                break;
            case 3:
                record[key] = sdbus::Variant(in.byte() % 2 == 1);
                break;
            case 4:
                record[key] = sdbus::Variant(in.number<std::uint64_t>());
                break;
            case 5:
                record[key] = sdbus::Variant(in.number<std::int32_t>());
                break;
            default:
                record[key] = sdbus::Variant(std::vector<std::string>{in.text()});
                break;
            }
        } catch (const sdbus::Error&) {
            record.erase(key);
        }
    }
    return record;
}

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "bus_record_fuzz: %s\n", what);
    std::abort();
}

void checkRule(const Result<Rule>& rule)
{
    if (!rule) {
        if (rule.error().message.empty() || rule.error().code != "InvalidRule")
            fail("a refused rule record without a message or not named InvalidRule");
        return;
    }
    if (validateRule(*rule))
        fail("a rule record was accepted that the shared validation refuses");
    if (rule->lifetime.until && rule->lifetime.until > latestRuleTime())
        fail("an until time beyond what can be stored");
    Rule stored = *rule;
    stored.id = 1;
    const std::string text = serializeRules({stored});
    const auto reparsed = parseRuleFile(text, "fuzz.toml", RuleOrigin::User);
    if (!reparsed || reparsed->size() != 1 || reparsed->front() != stored) {
        std::fprintf(stderr, "bus_record_fuzz: rule %s\n%s\n%s\n", describe(stored).c_str(), text.c_str(),
                     reparsed ? describe(reparsed->front()).c_str() : reparsed.error().describe().c_str());
        fail("an accepted rule record does not survive the rule file format");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    Bytes in(data, size);
    const TimePoint now = fromUsec(1'700'000'000'000'000);
    const VariantMap record = recordFrom(in);

    checkRule(newRuleFromRecord(record, now));
    Rule existing;
    existing.app = "/usr/bin/curl";
    existing.host = HostPattern::parse("*.example.com").value();
    existing.action = Action::Allow;
    checkRule(applyRuleRecord(existing, record, now));

    if (const auto answer = promptAnswerFromRecord(record); !answer && answer.error().message.empty())
        fail("a refused answer without a message");
    if (const auto filter = eventFilterFromRecord(record); !filter && filter.error().message.empty())
        fail("a refused filter without a message");
    return 0;
}
