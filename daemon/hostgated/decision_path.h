// The miss path: the first packet of a connection the kernel had no verdict for, held in the decision
// nfqueue until the engine (or the user, through the prompt broker) decides.
#pragma once

#include "capture/nfqueue.h"
#include "capture/packet.h"
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

namespace hostgate {

struct DecisionMarks {
    std::uint32_t pending = 0; // set by the cgroup program on sockets awaiting a decision
    std::uint32_t reject = 0;  // a held packet re-injected with it is rejected by our chain
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

private:
    Decision decide(Connection& connection, TimePoint now);
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
};

} // namespace hostgate
