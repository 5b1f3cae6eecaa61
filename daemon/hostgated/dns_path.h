// SPDX-License-Identifier: GPL-3.0-or-later
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
#include "dns/trusted_resolvers.h"
#include "hostgated/attribution.h"
#include "hostgated/decision_path.h"
#include "hostgated/kernel_verdicts.h"
#include "hostgated/unverified_names.h"
#include "service/log.h"

#include <functional>
#include <map>
#include <mutex>

namespace hostgate {

// The DNS path runs on the DNS lane's thread (hostgated/dns_lane.h). It owns what only DNS needs (the queue's
// verdicts, the outstanding queries, TCP streams, a per-flow attribution cache, the reply socket) and shares the
// policy with the main thread: the engine, the DNS cache, the unverified names, the trusted resolvers and the
// kernel's verdict map, all guarded by one mutex the main loop holds while it dispatches. A batch takes that
// mutex once, at its first policy access, and gives it back before its verdicts are sent: the main thread
// waits at most one bounded batch, never behind a flood. Denials are handed to `onDenied` (the main thread
// logs and broadcasts them), never recorded from this thread.
class DnsPath {
public:
    struct SharedPolicy {
        std::mutex& mutex;
        DnsCache& cache;
        DecisionEngine& engine;
        KernelVerdicts& kernel;
        const TrustedResolvers& trusted;
        UnverifiedNames& unverified;
    };
    using DenialSink = std::function<void(Connection connection, RuleId rule, std::string explanation, TimePoint now)>;
    struct Options {
        // Answer Firefox's canary domain (kDohCanaryName) with NXDOMAIN, which turns its automatic DoH off.
        bool refuseDohCanary = true;
    };

    DnsPath(NfQueue& queue, Attributor& attributor, DnsReplyInjector& injector, SharedPolicy policy,
            DenialSink onDenied, Logger& log, DecisionMarks marks, Options options);

    // Firefox asks for this name before it turns DNS over HTTPS on by itself; an NXDOMAIN answer tells it the
    // network does its own filtering, and it keeps using the system's resolver (support.mozilla.org, "Canary
    // domain - use-application-dns.net"). An enterprise policy or a user's explicit choice in Firefox overrides it.
    static constexpr std::string_view kDohCanaryName = "use-application-dns.net";

    // Decides every packet of one batch (at most `maxBatch`) and sends their verdicts at once.
    Result<ReceiveSummary> serveBatch(TimePoint now);
    // Outstanding queries past their timeout and stale flow attributions go.
    void expire(TimePoint now);

    static constexpr std::size_t maxBatch = 32;

private:
    enum class Outcome { Accept, Drop, Reject };

    void onPacket(const QueuedPacketView& packet, TimePoint now);
    Outcome onQuery(const ParsedPacket& packet, std::optional<std::uint32_t> uid, std::span<const std::uint8_t> message,
                    TimePoint now);
    // NXDOMAIN for the DoH canary (UDP; a TCP query is reset), without asking the resolver.
    Outcome refuseCanary(const FiveTuple& tuple, std::span<const std::uint8_t> wire);
    Outcome onResponse(const ParsedPacket& packet, std::span<const std::uint8_t> message, TimePoint now);
    std::optional<Decision> nameRuleDecision(const Connection& connection, TimePoint now) const;
    void preinstallVerdicts(const Attribution& attribution, const FiveTuple& clientToServer,
                            const std::vector<CachedAddress>& addresses, TimePoint now);
    void release(const QueuedPacketView& packet, Outcome outcome);
    // The app behind a local socket's flow. A resolver client sends many queries from one socket, so the
    // answer is kept per flow for `flowTtl`: without it every query and answer cost a sock_diag round trip and
    // a /proc read (most of the path's CPU when profiled). `uid` (the queue's, when the packet has an owner)
    // must match what was cached.
    const Attribution* attributeFlow(const FiveTuple& outgoing, std::optional<std::uint32_t> uid, TimePoint now);
    void lockPolicy();

    NfQueue& queue_;
    Attributor& attributor_;
    DnsReplyInjector& injector_;
    SharedPolicy policy_;
    DenialSink onDenied_;
    Logger& log_;
    DecisionMarks marks_;
    Options options_;
    DnsQueryTracker queries_;
    NfQueue::VerdictBatch verdicts_;
    std::unique_lock<std::mutex> policyLock_;

    struct TupleLess {
        bool operator()(const FiveTuple& a, const FiveTuple& b) const
        {
            return std::tie(a.src, a.dst, a.sport, a.dport, a.proto) <
                   std::tie(b.src, b.dst, b.sport, b.dport, b.proto);
        }
    };
    static constexpr std::size_t maxTcpStreams = 1024;
    std::map<FiveTuple, DnsTcpReassembler, TupleLess> tcpStreams_; // DNS over TCP, one per direction

    struct FlowAttribution {
        Attribution attribution;
        std::optional<std::uint32_t> uid;
        TimePoint until;
    };
    static constexpr std::size_t maxFlows = 4096;
    static constexpr std::chrono::seconds flowTtl{2};
    std::map<FiveTuple, FlowAttribution, TupleLess> flows_;
};

} // namespace hostgate
