// SPDX-License-Identifier: GPL-3.0-or-later
// StringTable: a compact open-addressing map from strings to values, for the rule index's name lookups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// Why not std::unordered_map<std::string, T>: with a transparent hash libstdc++ stops caching hash codes and
// rehashes every key it walks past, and each probe chases a node pointer. Here a probe is one slot read
// (stored hash) plus one string compare on a hash hit. Callers pass the hash so a host name's parent
// domains can all be hashed in one pass (see suffixHashes()). Values live in a vector in insertion order.
template <class Value>
class StringTable {
public:
    // FNV-1a over the bytes from last to first, so a name and all its parent domains hash in one pass.
    static std::uint64_t hashOf(std::string_view key)
    {
        std::uint64_t hash = seed;
        for (auto it = key.rbegin(); it != key.rend(); ++it)
            hash = step(hash, *it);
        return hash;
    }
    static constexpr std::uint64_t seed = 14695981039346656037ull;
    static std::uint64_t step(std::uint64_t hash, char c)
    {
        return (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }

    bool empty() const { return values_.empty(); }
    std::size_t size() const { return values_.size(); }
    std::vector<Value>& values() { return values_; }
    const std::vector<Value>& values() const { return values_; }
    const std::vector<std::string>& keys() const { return keys_; }

    const Value* find(std::string_view key, std::uint64_t hash) const
    {
        const auto index = indexOf(key, hash);
        return index == 0 ? nullptr : &values_[index - 1];
    }
    const Value* find(std::string_view key) const { return find(key, hashOf(key)); }

    // The value for `key`, default-constructed on first use. References stay valid until the next insert.
    Value& operator[](std::string_view key)
    {
        const std::uint64_t hash = hashOf(key);
        if (const auto index = indexOf(key, hash); index != 0)
            return values_[index - 1];
        if ((values_.size() + 1) * 4 > slots_.size() * 3)
            grow();
        keys_.emplace_back(key);
        values_.emplace_back();
        place(hash, static_cast<std::uint32_t>(values_.size()));
        return values_.back();
    }

private:
    struct Slot {
        std::uint64_t hash = 0;
        std::uint32_t index = 0; // 1-based position in values_; 0: empty
    };

    // FNV's low bits are weak; fold the high bits in before masking to a power-of-two table.
    static std::size_t mix(std::uint64_t hash)
    {
        return static_cast<std::size_t>(((hash ^ (hash >> 29)) * 0xbf58476d1ce4e5b9ull) >> 16);
    }

    // 1-based index into values_, 0 when absent.
    std::uint32_t indexOf(std::string_view key, std::uint64_t hash) const
    {
        if (slots_.empty())
            return 0;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = mix(hash) & mask;; i = (i + 1) & mask) {
            const Slot& slot = slots_[i];
            if (slot.index == 0 || (slot.hash == hash && keys_[slot.index - 1] == key))
                return slot.index;
        }
    }

    void place(std::uint64_t hash, std::uint32_t index)
    {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = mix(hash) & mask;
        while (slots_[i].index != 0)
            i = (i + 1) & mask;
        slots_[i] = {hash, index};
    }

    void grow()
    {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(old.empty() ? 8 : old.size() * 2, Slot{});
        for (const auto& slot : old) {
            if (slot.index != 0)
                place(slot.hash, slot.index);
        }
    }

    std::vector<Slot> slots_;
    std::vector<std::string> keys_;
    std::vector<Value> values_;
};

} // namespace hostgate
