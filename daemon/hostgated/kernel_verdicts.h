// Writes decisions into the BPF verdict map so the next connect() like this one never leaves the kernel.
#pragma once

#include "capture/bpf_firewall.h"
#include "decision/connection.h"
#include "decision/decision_engine.h"
#include "enforce/verdict_cache_policy.h"
#include "service/log.h"

#include <map>
#include <optional>
#include <tuple>

namespace hostgate {

// Used by the main thread and the DNS lane, always under the policy lock (see DnsPath).
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
    std::size_t sweepExpired();

private:
    void write(VerdictKey key, Action action, TimePoint expires, TimePoint now);

    BpfFirewall& bpf_;
    VerdictCacheLimits limits_;
    Logger& log_;

    // What was written lately, so the same entry is not rewritten for every DNS answer naming its address (a
    // map update is a syscall; a busy app resolves the same CDN names all the time). An entry is rewritten
    // once half its lifetime is spent, when it would end earlier than the one written, or after `maxSkipAge` (the kernel may have evicted it: LRU map), or
    // when the action differs. Everything that removes kernel entries forgets these too.
    struct Written {
        Action action;
        TimePoint expires;
        TimePoint at;
    };
    struct KeyLess {
        bool operator()(const VerdictKey& a, const VerdictKey& b) const
        {
            return std::tie(a.app.device, a.app.inode, a.process, a.uid, a.address, a.port, a.protocol) <
                   std::tie(b.app.device, b.app.inode, b.process, b.uid, b.address, b.port, b.protocol);
        }
    };
    static constexpr std::size_t maxWritten = 16384;
    static constexpr std::chrono::seconds maxSkipAge{30};
    std::map<VerdictKey, Written, KeyLess> written_;
};

} // namespace hostgate
