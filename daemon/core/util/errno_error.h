// SPDX-License-Identifier: GPL-3.0-or-later
// The one way system-call failures become text: errnoText() for an errno value, errnoError() for the
// "Failed to <what>: <reason>" Error every layer reports.
#pragma once

#include "util/result.h"

#include <string>
#include <string_view>
#include <system_error>

namespace hostgate {

// `error` is errno, or its negation as libbpf, sd-bus and the seccomp library return it.
inline std::string errnoText(int error)
{
    return std::error_code(error < 0 ? -error : error, std::generic_category()).message();
}

inline Error errnoError(std::string_view what, int error)
{
    return Error("Failed to " + std::string(what) + ": " + errnoText(error));
}

} // namespace hostgate
