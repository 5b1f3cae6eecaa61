// SPDX-License-Identifier: GPL-3.0-or-later
// DomainSet: hashing names from their end so every parent domain of a queried name costs one probe.
#include "lists/domain_set.h"

#include <array>
#include <stdexcept>

namespace hostgate {

namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

// FNV-1a over the characters from the last to the first, then a finaliser (murmur3 fmix64) so the low bits
// used as the table position depend on every character.
std::uint64_t step(std::uint64_t hash, char c)
{
    return (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
}

std::uint64_t finish(std::uint64_t hash)
{
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash;
}

std::uint64_t hashName(std::string_view name)
{
    std::uint64_t hash = kFnvOffset;
    for (auto it = name.rbegin(); it != name.rend(); ++it)
        hash = step(hash, *it);
    return finish(hash);
}

std::uint64_t tagOf(std::uint64_t hash)
{
    return hash & 0xffffffff00000000ULL;
}

} // namespace

std::string_view DomainSet::nameAt(std::uint64_t slot) const
{
    const std::size_t offset = (slot & 0xffffffffULL) - 1;
    const auto length = static_cast<unsigned char>(names_[offset]);
    return {names_.data() + offset + 1, length};
}

std::size_t DomainSet::findSlot(std::string_view name, std::uint64_t hash) const
{
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t tag = tagOf(hash);
    for (std::size_t position = hash & mask;; position = (position + 1) & mask) {
        const std::uint64_t slot = slots_[position];
        if (slot == 0 || (tagOf(slot) == tag && nameAt(slot) == name))
            return position;
    }
}

void DomainSet::grow()
{
    std::vector<std::uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (const std::uint64_t slot : old) {
        if (slot == 0)
            continue;
        // The tag holds the hash's high half only; the position needs all of it, so hash the name again.
        std::size_t position = hashName(nameAt(slot)) & mask;
        while (slots_[position] != 0)
            position = (position + 1) & mask;
        slots_[position] = slot;
    }
}

bool DomainSet::add(std::string_view name)
{
    if (name.empty() || name.size() > kMaxNameLength)
        return false;
    if ((count_ + 1) * 2 > slots_.size())
        grow();
    const std::uint64_t hash = hashName(name);
    const std::size_t position = findSlot(name, hash);
    if (slots_[position] != 0)
        return false;
    if (names_.size() + 1 + name.size() >= 0xffffffffULL)
        throw std::length_error("DomainSet: more than 4 GiB of names");
    const std::uint64_t offset = names_.size();
    names_.push_back(static_cast<char>(name.size()));
    names_.append(name);
    slots_[position] = tagOf(hash) | (offset + 1);
    ++count_;
    return true;
}

bool DomainSet::contains(std::string_view name) const
{
    if (count_ == 0 || name.empty() || name.size() > kMaxNameLength)
        return false;
    return slots_[findSlot(name, hashName(name))] != 0;
}

std::string_view DomainSet::matchSuffix(std::string_view name) const
{
    if (count_ == 0 || name.empty() || name.size() > kMaxNameLength)
        return {};
    // One pass from the end: at each label start the running hash is the hash of that suffix. The table is
    // large and the probes land far apart, so every suffix's first slot is prefetched before any is read; the
    // cache misses then overlap instead of queueing one after another.
    struct Suffix {
        std::size_t start;
        std::uint64_t hash;
    };
    std::array<Suffix, kMaxNameLength / 2 + 1> suffixes; // at most 127 labels in 253 octets
    std::size_t count = 0;
    const std::size_t mask = slots_.size() - 1;
    std::uint64_t hash = kFnvOffset;
    for (std::size_t i = name.size(); i-- > 0;) {
        hash = step(hash, name[i]);
        if ((i == 0 || name[i - 1] == '.') && count < suffixes.size()) {
            const auto finished = finish(hash);
            __builtin_prefetch(&slots_[finished & mask]);
            suffixes[count++] = {i, finished};
        }
    }
    // Longest first: the first suffix found is the answer.
    for (std::size_t k = count; k-- > 0;) {
        const auto suffix = name.substr(suffixes[k].start);
        if (slots_[findSlot(suffix, suffixes[k].hash)] != 0)
            return suffix;
    }
    return {};
}

} // namespace hostgate
