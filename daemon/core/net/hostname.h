// SPDX-License-Identifier: GPL-3.0-or-later
// Hostname normalization for matching: lower case, no trailing dot, ASCII (punycode) only.
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>

namespace hostgate {

// Lower-cases, strips one trailing dot and validates label syntax (1..63 octets, total <= 253,
// letters/digits/hyphen/underscore). Non-ASCII input is rejected with an error that says to convert it
// to punycode first (the `hostgate_idn` adapter does that with libidn2); "xn--" labels are accepted.
Result<std::string> normalizeHostname(std::string_view name);

// True when `name` equals `domain` or ends with "." + domain (label boundary). Both normalized.
bool isSameOrSubdomain(std::string_view name, std::string_view domain);

} // namespace hostgate
