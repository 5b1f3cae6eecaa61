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
    if (!decision.rule)
        return now + limits.minTtl;

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
