// SPDX-License-Identifier: GPL-3.0-or-later
// A stand-in suffix list for unit tests of the pure core: every TLD is a public suffix, nothing else is
// (so the registrable domain is the last two labels). The daemon uses libpsl instead.
#pragma once

#include "learning/proposal_book.h"

namespace hostgate::test {

class LastTwoLabels final : public RegistrableDomains {
public:
    std::optional<std::string> registrableDomain(std::string_view name) const override
    {
        const auto last = name.rfind('.');
        if (last == std::string_view::npos || last == 0)
            return std::nullopt;
        const auto before = name.rfind('.', last - 1);
        return std::string(before == std::string_view::npos ? name : name.substr(before + 1));
    }
};

} // namespace hostgate::test
