// SPDX-License-Identifier: GPL-3.0-or-later
// The miss path: the first packet of a connection the kernel had no verdict for, held in the decision
// nfqueue until the engine (or the user, through the prompt broker) decides.
#pragma once

#include "capture/conntrack_marks.h"
#include "capture/nfqueue.h"
#include "capture/packet.h"
#include "capture/sock_diag.h"
#include "claims/quic_frames.h"
#include "decision/decision_engine.h"
#include "decision/encrypted_dns.h"
#include "dns/dns_cache.h"
#include "hostgated/attribution.h"
#include "hostgated/decision_log.h"
#include "hostgated/kernel_verdicts.h"
#include "hostgated/unverified_names.h"
#include "prompt/prompt_broker.h"
#include "service/log.h"

#include <functional>
#include <map>
#include <memory>

namespace hostgate {

struct DecisionMarks {
    std::uint32_t pending = 0; // set by the cgroup program on sockets awaiting a decision
    std::uint32_t reject = 0;  // a held packet re-injected with it is rejected by our chain
    std::uint32_t reply = 0;   // on a re-injected TCP packet: starts (SYN) or ends (later) a flow's wait
};

// Names without DNS (firewall_rules.h, "Waiting flows"): how long a flow to an address DNS gave no name may
// wait for its first payload to claim one, and whether claims match name rules.
struct ClaimSettings {
    std::chrono::milliseconds wait{1000}; // zero: never wait, decide at the first packet as before
    bool trust = false;                   // trust_claimed_names
};

class DecisionPath {
public:
    struct Hooks {
        // Delivers a new prompt to the user's agent; must end in broker.assignAgent() or broker.noAgent().
        std::function<void(const PromptRequest&)> deliverPrompt;
        // Adopts the rule a prompt answer stands for: assigns its id, adds it to the engine, persists it
        // when its lifetime outlasts the daemon. Returns the rule as adopted.
        std::function<Rule(Rule)> adoptRule;
        // For a decision whose rule pins a binary (sha256): the decision to apply instead (BinaryPins::check).
        std::function<Decision(const Connection&, Decision)> checkPin;
        // The SHA-256 of the binary a connection runs, for an answer that asks to pin its rule.
        std::function<Result<std::string>(const Connection&)> runningDigest;
        // The decision for a process in a scope (hostgatectl run / attach), which it marks in the connection
        // (scope, scopeCgroupId); nullopt: the process is in no scope, the engine decides.
        std::function<std::optional<Decision>(Connection&, TimePoint)> decideInScope;
        // Whether a prompt for this user would reach an agent now; without one an "ask" gets the default at
        // once, so a flow never waits for a claimed name nobody would read.
        std::function<bool(std::uint32_t uid)> canAsk;
    };

    DecisionPath(NfQueue& queue, Attributor& attributor, DnsCache& dnsCache, DecisionEngine& engine,
                 PromptBroker& prompts, KernelVerdicts& kernel, DecisionLog& decisions, Logger& log,
                 DecisionMarks marks, Hooks hooks);

    void onPacket(QueuedPacket&& packet, TimePoint now);
    // An attempt the kernel refused because it could not hold it (a container's socket, a datagram of a
    // socket older than the programs): decided now, so that the verdict is in the kernel for the next attempt.
    void onRefusedMiss(const MissEvent& miss, TimePoint now);
    // Names answered by DNS servers that are not trusted resolvers: shown, never matched.
    void setUnverifiedNames(const UnverifiedNames* names) { unverifiedNames_ = names; }
    // Known DoH/DoT resolvers: connections to them (and to any port 853) are labelled as encrypted DNS.
    void setEncryptedDnsList(const EncryptedDnsList* list) { encryptedDns_ = list; }
    // Enables waiting for claimed names; without the two kernel handles a flow never waits.
    void setClaims(ClaimSettings settings, ConntrackMarks* conntrack, SockDiag* sockets)
    {
        claims_ = settings;
        conntrack_ = conntrack;
        sockets_ = sockets;
    }
    // When the next waiting flow runs out of time, and deciding those that have (without a claim).
    std::optional<TimePoint> nextWaitDeadline() const;
    void expireWaits(TimePoint now);
    std::size_t waitingFlows() const { return waiting_.size(); }

private:
    struct HeldPacket {
        std::uint32_t id = 0;
        std::uint32_t mark = 0;
        bool syn = false; // a SYN carrying data (TCP Fast Open)
    };
    // A flow whose decision waits for the name its first payload claims.
    struct WaitingFlow {
        Connection connection; // attributed and named (without a name) at its first packet
        FiveTuple tuple;
        TimePoint deadline;           // the wait ends; once concluded: its stragglers are no longer recognised
        std::vector<HeldPacket> held; // packets with payload, in the order they came
        std::string stream;           // TCP: the payload bytes in sequence order from the first one
        std::optional<std::uint32_t> nextSeq;
        std::unique_ptr<CryptoStream> crypto; // UDP: the QUIC Initials' CRYPTO stream
        bool asking = false;                  // a prompt is out: packets are held until it is answered
        std::optional<Action> concluded;      // decided: stragglers queued before the wait ended get this
    };
    struct TupleLess {
        bool operator()(const FiveTuple& a, const FiveTuple& b) const;
    };

    Decision decide(Connection& connection, TimePoint now);
    Decision decideWithPin(Connection& connection, TimePoint now);
    // Whether the first payload of a flow without a name may be read for the name it claims (when it is in hand:
    // a QUIC Initial, TCP Fast Open data).
    bool mayReadClaim(const Connection& connection, const Decision& decision) const;
    // Whether a flow without a name should wait for (or, held already, be read for) the name it claims.
    bool mayWaitForClaim(const Connection& connection, const Decision& decision) const;
    // Re-injects a held packet of a waiting flow with the reply bit: the SYN starts the wait, a later packet ends it.
    Result<void> repeatThroughWaitChain(std::uint32_t packetId, std::uint32_t mark);
    void applyDecision(QueuedPacket& packet, const FiveTuple& tuple, Connection& connection, Decision decision,
                       TimePoint now);
    void onWaitingPacket(WaitingFlow& flow, const ParsedPacket& parsed, const QueuedPacket& packet, TimePoint now);
    // Decides a waiting flow with the claim it made (nullopt: none), and releases what it holds.
    void concludeWait(WaitingFlow& flow, std::optional<ClaimedName> claim, std::string_view why, TimePoint now);
    void finishWait(WaitingFlow& flow, Action action, TimePoint now);
    void completeWaitPrompt(const FiveTuple& tuple, const PromptOutcome& outcome);
    bool readQuic(WaitingFlow& flow, std::span<const std::uint8_t> payload, std::optional<ClaimedName>& claim,
                  std::string& why) const;
    void release(std::uint32_t packetId, std::uint32_t mark, const FiveTuple& tuple, Action action);
    void addNames(Connection& connection, TimePoint now) const;
    void completeRefusedPrompt(const Connection& connection, const PromptOutcome& outcome);
    // Puts `connection` to its user's prompt agent (or merges it into a prompt already out).
    void ask(const Connection& connection, TimePoint now, PromptBroker::Completion completion);
    // The rule a prompt answer stands for: adopted (persisted when it outlasts the daemon) and taught to the
    // kernel; its id, or nullopt when the answer made no rule.
    std::optional<RuleId> adoptAnswer(const Connection& connection, const PromptOutcome& outcome, TimePoint now);
    std::optional<TimePoint> nameExpiry(const Connection& connection, const Decision& decision, TimePoint now) const;
    void completePrompt(std::uint32_t packetId, std::uint32_t mark, const FiveTuple& tuple,
                        const Connection& connection, const PromptOutcome& outcome);

    NfQueue& queue_;
    Attributor& attributor_;
    DnsCache& dnsCache_;
    DecisionEngine& engine_;
    PromptBroker& prompts_;
    KernelVerdicts& kernel_;
    DecisionLog& decisions_;
    Logger& log_;
    DecisionMarks marks_;
    Hooks hooks_;
    const UnverifiedNames* unverifiedNames_ = nullptr;
    const EncryptedDnsList* encryptedDns_ = nullptr;
    ClaimSettings claims_;
    ConntrackMarks* conntrack_ = nullptr;
    SockDiag* sockets_ = nullptr;
    std::map<FiveTuple, WaitingFlow, TupleLess> waiting_;
};

} // namespace hostgate
