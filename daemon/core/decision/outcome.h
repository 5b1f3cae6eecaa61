// SPDX-License-Identifier: GPL-3.0-or-later
// Outcome: what happened to one connection (allowed, denied, or held for a prompt), from the decision path to the
// connection log, the journal and the bus; only those edges turn it into text.
#pragma once

#include "util/name_table.h"

#include <optional>
#include <string_view>

namespace hostgate {

enum class Outcome { Allowed, Denied, Asked };

// The spelling of the wire formats (the SQLite column, the D-Bus "verdict" key, HOSTGATE_VERDICT): fixed.
inline constexpr NameTable<Outcome, 3> kOutcomeNames{{
    {Outcome::Allowed, "allowed"},
    {Outcome::Denied, "denied"},
    {Outcome::Asked, "asked"},
}};

// Not `toString`: Qt Test's QCOMPARE finds a toString(Enum) by argument lookup and fails to build with a string_view.
constexpr std::string_view nameOf(Outcome outcome)
{
    return nameIn(kOutcomeNames, outcome);
}
constexpr std::optional<Outcome> parseOutcome(std::string_view name)
{
    return valueIn(kOutcomeNames, name);
}

} // namespace hostgate
