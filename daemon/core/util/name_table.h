// SPDX-License-Identifier: GPL-3.0-or-later
// NameTable: the one way an enum's values are given their names and names read back (files, bus, logs).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace hostgate {

// One {value, name} pair per spelling. A value may have more than one spelling (an accepted alias, e.g. "*" for
// "any"); the first is the one written.
template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

// The name `value` is written as. A value the table lacks (only a cast can make one) gets the first entry's name,
// so put the safe default first.
template <class Enum, std::size_t N>
constexpr std::string_view nameIn(const NameTable<Enum, N>& table, Enum value)
{
    for (const auto& [candidate, name] : table)
        if (candidate == value)
            return name;
    return table.front().second;
}

// The value spelled `name` exactly (no case folding, no trimming: one spelling per value), nullopt when none is.
template <class Enum, std::size_t N>
constexpr std::optional<Enum> valueIn(const NameTable<Enum, N>& table, std::string_view name)
{
    for (const auto& [candidate, candidateName] : table)
        if (candidateName == name)
            return candidate;
    return std::nullopt;
}

} // namespace hostgate
