// SPDX-License-Identifier: GPL-3.0-or-later
// DomainSet: a large set of domain names, looked up by a name and each of its parent domains (subscribed lists).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// An open-addressing hash table of 8-byte slots over one buffer holding every name once. A lookup hashes the
// queried name from its end, so the hashes of all its parent domains come out of one pass and each costs one
// probe sequence ("a.ads.example" probes "a.ads.example", "ads.example" and "example"). 1M names of ~20
// characters take ~20 MB of names plus 16 MB of slots (bench/domain_set_bench.cpp measures it).
class DomainSet {
public:
    // Longest name the set keeps: a normalized hostname has at most 253 octets.
    static constexpr std::size_t kMaxNameLength = 253;

    DomainSet() = default;

    // Adds a normalized name (lower case, no trailing dot); false when it was there already or is empty or too
    // long. Amortised O(length).
    bool add(std::string_view name);
    // Whether `name` itself is in the set.
    bool contains(std::string_view name) const;
    // The longest entry that equals `name` or is a parent domain of it at a label boundary, or an empty view.
    std::string_view matchSuffix(std::string_view name) const;

    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    // Bytes held by the names and the table (not counting the object itself).
    std::size_t memoryBytes() const { return names_.capacity() + slots_.capacity() * sizeof(std::uint64_t); }

    // Calls `visit(std::string_view)` for every entry in insertion order.
    template <class Visit>
    void forEach(Visit&& visit) const
    {
        for (std::size_t offset = 0; offset < names_.size();) {
            const auto length = static_cast<unsigned char>(names_[offset]);
            visit(std::string_view(names_.data() + offset + 1, length));
            offset += 1 + length;
        }
    }

private:
    std::string_view nameAt(std::uint64_t slot) const;
    std::size_t findSlot(std::string_view name, std::uint64_t hash) const; // position of `name` or of an empty slot
    void grow();

    std::string names_;                // per entry: one length byte, then the name
    std::vector<std::uint64_t> slots_; // 0 = empty; else bits 0..31 offset + 1, 32..63 hash tag
    std::size_t count_ = 0;
};

} // namespace hostgate
