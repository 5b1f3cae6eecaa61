// SPDX-License-Identifier: GPL-3.0-or-later
// When a decision may be repeated by the kernel without asking the daemon again, and for how long.
#pragma once

#include "decision/connection.h"
#include "decision/decision_engine.h"
#include "util/time.h"

#include <optional>

namespace hostgate {

struct VerdictCacheLimits {
    Seconds minTtl{60};   // decisions made without a rule (mode defaults) are cached only this long
    Seconds maxTtl{3600}; // no kernel entry outlives this, so policy drift is bounded
};

// The instant until which the kernel may answer connections like `connection` with `decision`'s verdict,
// or nullopt when it must not cache it at all:
//  - an Ask has no verdict yet;
//  - a connection of a shared executable (an interpreter, or an unreadable identity) whose process image
//    the kernel did not report: the kernel keys apps by executable inode, which all scripts of one
//    interpreter share, so such decisions are cached per process image (KernelVerdicts) or not at all;
//  - a Once rule: it decides exactly one connection;
//  - a connection in a scope of a shared executable (the kernel keys a scope's verdicts by executable only).
// A scope's decisions name no global rule: they are cached for minTtl (and no longer than the name they matched).
// A decision by a hostname rule ends with the DNS answer that tied the address to that name
// (`nameExpiry`), so an address whose answer expired is decided afresh; a timed rule ends at its time;
// everything ends within maxTtl.
std::optional<TimePoint> kernelVerdictExpiry(const Connection& connection, const Decision& decision,
                                             std::optional<TimePoint> nameExpiry, TimePoint now,
                                             const VerdictCacheLimits& limits);

} // namespace hostgate
