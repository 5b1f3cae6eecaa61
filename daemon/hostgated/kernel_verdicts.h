// Writes decisions into the BPF verdict map so the next connect() like this one never leaves the kernel.
#pragma once

#include "capture/bpf_firewall.h"
#include "decision/connection.h"
#include "decision/decision_engine.h"
#include "enforce/verdict_cache_policy.h"
#include "service/log.h"

#include <optional>

namespace hostgate {

class KernelVerdicts {
public:
    KernelVerdicts(BpfFirewall& bpf, VerdictCacheLimits limits, Logger& log) : bpf_(bpf), limits_(limits), log_(log) {}

    // Caches the decision for exactly this (app, uid, address, port, protocol) when the policy allows.
    void remember(const Connection& connection, const Decision& decision, std::optional<TimePoint> nameExpiry,
                  TimePoint now);
    // Caches a decision that holds for every port and protocol of the address (port 0 entries).
    void rememberForAnyPort(const Connection& connection, const Decision& decision,
                            std::optional<TimePoint> nameExpiry, TimePoint now);
    // Rules or the mode changed: every cached verdict may be wrong now.
    void forgetAll();
    std::size_t sweepExpired() { return bpf_.sweepExpired(); }

private:
    void write(VerdictKey key, Action action, TimePoint expires, TimePoint now);

    BpfFirewall& bpf_;
    VerdictCacheLimits limits_;
    Logger& log_;
};

} // namespace hostgate
