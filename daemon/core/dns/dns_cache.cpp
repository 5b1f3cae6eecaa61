// SPDX-License-Identifier: GPL-3.0-or-later
// DNS cache: CNAME chain resolution from the question name, TTL clamping, per-address name lists, LRU bound.
#include "dns/dns_cache.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace hostgate {

namespace {

constexpr std::uint16_t anyType = 255;

bool countsForQuestion(std::uint16_t recordType, std::uint16_t questionType)
{
    if (recordType != dns_type::A && recordType != dns_type::AAAA)
        return false;
    return questionType == recordType || questionType == anyType;
}

// RFC 2181 section 8: a TTL with the most significant bit set is treated as zero.
std::uint32_t effectiveTtl(std::uint32_t ttl)
{
    return ttl > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()) ? 0 : ttl;
}

const DnsRecord* findCname(const std::vector<DnsRecord>& answers, const std::string& owner)
{
    for (const DnsRecord& record : answers) {
        if (record.type == dns_type::CNAME && record.name == owner && std::holds_alternative<std::string>(record.data))
            return &record;
    }
    return nullptr;
}

struct Chain {
    std::vector<std::string> names; // question name first
    std::string finalName;
    std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max(); // smallest CNAME TTL along the chain
};

// Follows CNAMEs from the question name, in whatever order the records appear. A name that has a CNAME is
// an alias (RFC 1034 3.6.2), so its own address records are not used.
std::optional<Chain> followCnames(const std::vector<DnsRecord>& answers, const std::string& questionName,
                                  std::size_t maxChainLength)
{
    Chain chain;
    chain.names.push_back(questionName);
    chain.finalName = questionName;
    while (const DnsRecord* cname = findCname(answers, chain.finalName)) {
        const auto& target = std::get<std::string>(cname->data);
        if (std::find(chain.names.begin(), chain.names.end(), target) != chain.names.end())
            return std::nullopt; // a CNAME loop resolves to nothing
        if (chain.names.size() > maxChainLength)
            return std::nullopt;
        chain.ttl = std::min(chain.ttl, effectiveTtl(cname->ttl));
        chain.names.push_back(target);
        chain.finalName = target;
    }
    return chain;
}

void mergeInto(std::vector<CachedAddress>& results, CachedAddress answer)
{
    auto existing = std::find_if(results.begin(), results.end(),
                                 [&](const CachedAddress& result) { return result.address == answer.address; });
    if (existing == results.end()) {
        results.push_back(std::move(answer));
        return;
    }
    for (std::string& name : answer.names) {
        if (std::find(existing->names.begin(), existing->names.end(), name) == existing->names.end())
            existing->names.push_back(std::move(name));
    }
    existing->expires = std::max(existing->expires, answer.expires);
}

} // namespace

DnsCache::DnsCache() : DnsCache(Config{}) {}

DnsCache::DnsCache(Config config) : config_(config)
{
    config_.minTtl = std::max(config_.minTtl, Seconds{0});
    config_.maxTtl = std::max(config_.maxTtl, config_.minTtl);
}

std::vector<CachedAddress> DnsCache::addResponse(const DnsMessage& validatedResponse, TimePoint now)
{
    std::vector<CachedAddress> results;
    if (!validatedResponse.isResponse || validatedResponse.opcode != 0 || validatedResponse.rcode != dns_rcode::NoError)
        return results;

    for (const DnsQuestion& question : validatedResponse.questions) {
        const auto chain = followCnames(validatedResponse.answers, question.name, config_.maxChainLength);
        if (!chain)
            continue;
        for (const DnsRecord& record : validatedResponse.answers) {
            if (record.name != chain->finalName || !countsForQuestion(record.type, question.type) ||
                !std::holds_alternative<IpAddress>(record.data))
                continue;
            const Seconds ttl{std::min(chain->ttl, effectiveTtl(record.ttl))};
            const Seconds lifetime = std::clamp(ttl, config_.minTtl, config_.maxTtl);
            mergeInto(results, CachedAddress{std::get<IpAddress>(record.data), chain->names, now + lifetime});
        }
    }

    for (const CachedAddress& answer : results)
        remember(answer);
    return results;
}

void DnsCache::remember(const CachedAddress& answer)
{
    auto found = index_.find(answer.address);
    if (found == index_.end()) {
        lru_.push_front(AddressEntry{answer.address, {}});
        found = index_.emplace(answer.address, lru_.begin()).first;
    } else {
        lru_.splice(lru_.begin(), lru_, found->second);
    }

    // The latest answer is the truth for the names it carries; they move to the front in chain order.
    auto& names = found->second->names;
    std::vector<NameEntry> updated;
    updated.reserve(answer.names.size() + names.size());
    for (const std::string& name : answer.names)
        updated.push_back(NameEntry{name, answer.expires});
    for (NameEntry& old : names) {
        if (std::find(answer.names.begin(), answer.names.end(), old.name) == answer.names.end())
            updated.push_back(std::move(old));
    }
    if (updated.size() > config_.maxNamesPerAddress)
        updated.resize(std::max<std::size_t>(config_.maxNamesPerAddress, 1));
    names = std::move(updated);

    while (index_.size() > config_.maxAddresses) {
        index_.erase(lru_.back().address);
        lru_.pop_back();
    }
}

std::vector<std::string> DnsCache::namesFor(const IpAddress& address, TimePoint now) const
{
    std::vector<std::string> names;
    const auto found = index_.find(address);
    if (found == index_.end())
        return names;
    for (const NameEntry& entry : found->second->names) {
        if (now < entry.expires)
            names.push_back(entry.name);
    }
    return names;
}

std::optional<TimePoint> DnsCache::expiryOf(const IpAddress& address, std::string_view name, TimePoint now) const
{
    const auto found = index_.find(address);
    if (found == index_.end())
        return std::nullopt;
    for (const NameEntry& entry : found->second->names) {
        if (entry.name == name)
            return now < entry.expires ? std::optional<TimePoint>(entry.expires) : std::nullopt;
    }
    return std::nullopt;
}

void DnsCache::expire(TimePoint now)
{
    for (auto entry = lru_.begin(); entry != lru_.end();) {
        std::erase_if(entry->names, [now](const NameEntry& name) { return name.expires <= now; });
        if (entry->names.empty()) {
            index_.erase(entry->address);
            entry = lru_.erase(entry);
        } else {
            ++entry;
        }
    }
}

} // namespace hostgate
