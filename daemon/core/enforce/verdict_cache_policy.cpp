// SPDX-License-Identifier: GPL-3.0-or-later
// Kernel verdict lifetimes: the rule's lifetime, the DNS answer's TTL and the configured bounds.
#include "enforce/verdict_cache_policy.h"

#include <algorithm>

namespace hostgate {

std::optional<TimePoint> kernelVerdictExpiry(const Connection& connection, const Decision& decision,
                                             std::optional<TimePoint> nameExpiry, TimePoint now,
                                             const VerdictCacheLimits& limits)
{
    if (decision.verdict == Verdict::Ask || (connection.app.sharedExecutable && connection.processImage == 0))
        return std::nullopt;
    // In a scope the kernel looks up the scope's key for the executable only (no per-process key), so an
    // interpreter's decision there must not be cached at all.
    if (connection.scope != 0 && (connection.scopeCgroupId == 0 || connection.app.sharedExecutable))
        return std::nullopt;
    if (!decision.rule) {
        // A scoped rule by name holds only while the name does.
        if (connection.scope != 0 && !decision.matchedHost.empty()) {
            if (!nameExpiry || *nameExpiry <= now)
                return std::nullopt;
            return std::min(now + limits.minTtl, *nameExpiry);
        }
        return now + limits.minTtl;
    }

    const Rule& rule = *decision.rule;
    if (rule.lifetime.kind == Lifetime::Kind::Once)
        return std::nullopt;

    TimePoint expires = now + limits.maxTtl;
    if (rule.lifetime.kind == Lifetime::Kind::UntilTime && rule.lifetime.until)
        expires = std::min(expires, *rule.lifetime.until);
    if (rule.host.matchesByName()) {
        if (!nameExpiry)
            return std::nullopt;
        expires = std::min(expires, *nameExpiry);
    }
    if (expires <= now)
        return std::nullopt;
    return expires;
}

} // namespace hostgate
