// The DNS path: every DNS query and answer passes through the DNS nfqueue. Queries are attributed and
// may be refused locally; answers are validated against the queries really sent and, when they come from a
// trusted resolver, fill the DNS cache and pre-install the querying app's kernel verdicts — all before the
// answer is released to the app. Answers of other servers (reached only after a decision) name nothing:
// they are kept apart as unverified hints for prompts. What is not DNS on port 53 is dropped.
#pragma once

#include "capture/dns_reply_injector.h"
#include "capture/nfqueue.h"
#include "capture/packet.h"
#include "decision/decision_engine.h"
#include "dns/dns_cache.h"
#include "dns/dns_query_tracker.h"
#include "dns/dns_tcp_stream.h"
#include "hostgated/attribution.h"
#include "hostgated/decision_log.h"
#include "hostgated/decision_path.h"
#include "hostgated/kernel_verdicts.h"
#include "hostgated/unverified_names.h"
#include "dns/trusted_resolvers.h"
#include "service/log.h"

#include <map>

namespace hostgate {

class DnsPath {
public:
    DnsPath(NfQueue& queue, Attributor& attributor, DnsQueryTracker& queries, DnsCache& cache, DecisionEngine& engine,
            KernelVerdicts& kernel, DnsReplyInjector& injector, DecisionLog& decisions, Logger& log,
            DecisionMarks marks, const TrustedResolvers& trusted, UnverifiedNames& unverified);

    void onPacket(QueuedPacket&& packet, TimePoint now);

private:
    enum class Outcome { Accept, Drop, Reject };

    Outcome onQuery(const ParsedPacket& packet, std::span<const std::uint8_t> message, TimePoint now);
    Outcome onResponse(const ParsedPacket& packet, std::span<const std::uint8_t> message, TimePoint now);
    std::optional<Decision> nameRuleDecision(const Connection& connection, TimePoint now) const;
    void preinstallVerdicts(const FiveTuple& clientToServer, const std::vector<CachedAddress>& addresses,
                            TimePoint now);
    void release(const QueuedPacket& packet, Outcome outcome);

    NfQueue& queue_;
    Attributor& attributor_;
    DnsQueryTracker& queries_;
    DnsCache& cache_;
    DecisionEngine& engine_;
    KernelVerdicts& kernel_;
    DnsReplyInjector& injector_;
    DecisionLog& decisions_;
    Logger& log_;
    DecisionMarks marks_;
    const TrustedResolvers& trusted_;
    UnverifiedNames& unverified_;

    struct TupleLess {
        bool operator()(const FiveTuple& a, const FiveTuple& b) const
        {
            return std::tie(a.src, a.dst, a.sport, a.dport, a.proto) < std::tie(b.src, b.dst, b.sport, b.dport, b.proto);
        }
    };
    static constexpr std::size_t maxTcpStreams = 1024;
    std::map<FiveTuple, DnsTcpReassembler, TupleLess> tcpStreams_; // DNS over TCP, one per direction
};

} // namespace hostgate
