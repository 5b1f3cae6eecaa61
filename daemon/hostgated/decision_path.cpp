// SPDX-License-Identifier: GPL-3.0-or-later
// Deciding a held first packet: attribute, name, decide (or ask), release, and teach the kernel.
#include "hostgated/decision_path.h"

#include "capture/quic_initial.h"
#include "claims/first_payload.h"

#include <tuple>

namespace hostgate {

namespace {

Outcome outcomeOf(Action action)
{
    return action == Action::Allow ? Outcome::Allowed : Outcome::Denied;
}

} // namespace

DecisionPath::DecisionPath(NfQueue& queue, Attributor& attributor, DnsCache& dnsCache, DecisionEngine& engine,
                           PromptBroker& prompts, KernelVerdicts& kernel, DecisionLog& decisions, Logger& log,
                           DecisionMarks marks, Hooks hooks)
    : queue_(queue), attributor_(attributor), dnsCache_(dnsCache), engine_(engine), prompts_(prompts), kernel_(kernel),
      decisions_(decisions), log_(log), marks_(marks), hooks_(std::move(hooks))
{}

namespace {

// Flows that may wait at once, packets one flow may hold while it waits, and how long a concluded flow's
// late packets (queued before its wait ended) are still recognised.
constexpr std::size_t kMaxWaitingFlows = 4096;
constexpr std::size_t kMaxHeldPerFlow = 64;
constexpr auto kStragglerTime = std::chrono::seconds(10);
constexpr std::uint16_t kQuicPort = 443;

std::string describeClaim(const ClaimedName& claim, bool trusted)
{
    std::string text = claim.host.empty()
                           ? "its " + std::string(claimSourceName(claim.source)) + " names no host"
                           : "it claims " + claim.host + " (" + std::string(claimSourceName(claim.source)) +
                                 (trusted ? ", trusted: trust_claimed_names" : ", not verified") + ")";
    if (claim.encryptedHello)
        text += "; its ClientHello is encrypted (ECH): the name shown is the public one, the real one is hidden";
    return text;
}

} // namespace

bool DecisionPath::TupleLess::operator()(const FiveTuple& a, const FiveTuple& b) const
{
    return std::tie(a.src, a.dst, a.sport, a.dport, a.proto) < std::tie(b.src, b.dst, b.sport, b.dport, b.proto);
}

void DecisionPath::onPacket(QueuedPacket&& packet, TimePoint now)
{
    const auto parsed = parseIpPacket(packet.payload);
    if (!parsed) {
        // Only our mark rule queues here, so this is a packet we cannot read: fail closed.
        log_.warning("Failed to parse held packet, rejecting", {{"error", parsed.error().message}});
        release(packet.id, packet.mark, FiveTuple{}, Action::Deny);
        return;
    }
    const FiveTuple& tuple = parsed->tuple;
    if (auto waiting = waiting_.find(tuple); waiting != waiting_.end()) {
        onWaitingPacket(waiting->second, *parsed, packet, now);
        return;
    }

    Connection connection;
    if (auto attribution = attributor_.attribute(tuple)) {
        connection = connectionFor(*attribution, tuple);
    } else {
        // Still decided: rules for any application apply, everything else follows the mode.
        log_.warning("Failed to attribute connection, deciding it as an unknown application",
                     {{"error", attribution.error().message}});
        connection.app.pathState = AppPathState::Unknown;
        connection.app.sharedExecutable = true; // nothing may be cached for an unknown app
        connection.uid = packet.uid.value_or(0);
        connection.destination = tuple.dst;
        connection.port = tuple.dport;
        connection.protocol = tuple.proto;
    }
    addNames(connection, now);

    Decision decision = decideWithPin(connection, now);
    const bool unnamed = mayReadClaim(connection, decision);
    const bool syn = tuple.proto == Protocol::Tcp && (parsed->tcpFlags & tcp_flags::Syn) != 0;
    // The payload in hand already (a QUIC Initial, TCP Fast Open data): read it, wait only for its rest.
    const bool payloadInHand =
        unnamed && ((tuple.proto == Protocol::Udp && tuple.dport == kQuicPort) || (syn && !parsed->payload.empty()));
    if (!payloadInHand && !(syn && mayWaitForClaim(connection, decision))) {
        applyDecision(packet, tuple, connection, std::move(decision), now);
        return;
    }

    WaitingFlow& flow = waiting_[tuple];
    flow.connection = std::move(connection);
    flow.tuple = tuple;
    flow.deadline = now + claims_.wait;
    if (!payloadInHand) {
        // Let the SYN go provisionally, re-injected with the reply bit: our chain marks the flow as waiting, so
        // its next packets come back here and its application receives nothing but the handshake.
        if (auto sent = repeatThroughWaitChain(packet.id, packet.mark); !sent) {
            log_.error("Failed to let a SYN wait for its name", {{"error", sent.error().message}});
            waiting_.erase(tuple);
        }
        return;
    }
    flow.held.push_back({packet.id, packet.mark, syn});
    std::optional<ClaimedName> claim;
    std::string why;
    bool done = true;
    if (tuple.proto == Protocol::Udp) {
        flow.crypto = std::make_unique<CryptoStream>(kMaxClientHelloBytes);
        done = readQuic(flow, parsed->payload, claim, why);
        if (!done && !mayWaitForClaim(flow.connection, decision)) {
            done = true;
            why = "its ClientHello continues in a later datagram";
        }
    } else {
        const auto scan = scanStreamStart(parsed->payload);
        if (scan.status == ScanStatus::Found)
            claim = scan.claim;
        else
            why = scan.status == ScanStatus::NeedMore ? "its SYN carries only the start of a request" : scan.why;
    }
    if (done)
        concludeWait(flow, std::move(claim), why, now);
}

Result<void> DecisionPath::repeatThroughWaitChain(std::uint32_t packetId, std::uint32_t mark)
{
    // The reply bit on an outgoing TCP packet sends it through the wait chain: a SYN starts the flow's wait, any
    // later packet ends it (firewall_rules.h).
    return queue_.repeatWithMark(packetId, (mark & ~marks_.pending) | marks_.reply);
}

bool DecisionPath::mayReadClaim(const Connection& connection, const Decision& decision) const
{
    // Nothing else names or decides the flow, and there is room (and the kernel handles) to hold it.
    return claims_.wait.count() > 0 && conntrack_ && sockets_ && connection.hostnames.empty() &&
           connection.unverifiedHostnames.empty() && !connection.encryptedDns && !decision.rule &&
           waiting_.size() < kMaxWaitingFlows;
}

bool DecisionPath::mayWaitForClaim(const Connection& connection, const Decision& decision) const
{
    // Waiting lets the handshake out before the decision: only worth it where a claim can change the outcome
    // (trusted claims match name rules) or will be shown to the person asked.
    return mayReadClaim(connection, decision) && connection.port != 53 &&
           ((decision.verdict == Verdict::Ask && hooks_.canAsk && hooks_.canAsk(connection.uid)) || claims_.trust);
}

void DecisionPath::applyDecision(QueuedPacket& packet, const FiveTuple& tuple, Connection& connection,
                                 Decision decision, TimePoint now)
{
    const std::optional<RuleId> ruleId = decision.rule ? std::optional(decision.rule->id) : std::nullopt;
    switch (decision.verdict) {
    case Verdict::Allow:
    case Verdict::Deny: {
        const auto action = decision.verdict == Verdict::Allow ? Action::Allow : Action::Deny;
        kernel_.remember(connection, decision, nameExpiry(connection, decision, now), now);
        release(packet.id, packet.mark, tuple, action);
        decisions_.record(connection, outcomeOf(action), ruleId, decision.explanation, now);
        return;
    }
    case Verdict::Ask:
        break;
    }

    decisions_.record(connection, Outcome::Asked, std::nullopt, decision.explanation, now);
    ask(connection, now, [this, id = packet.id, mark = packet.mark, tuple, connection](const PromptOutcome& outcome) {
        completePrompt(id, mark, tuple, connection, outcome);
    });
}

bool DecisionPath::readQuic(WaitingFlow& flow, std::span<const std::uint8_t> payload, std::optional<ClaimedName>& claim,
                            std::string& why) const
{
    if (auto read = readQuicInitials(payload, *flow.crypto); !read) {
        why = read.error().message;
        return true;
    }
    const auto scan = scanHandshake(flow.crypto->contiguous(), ClaimSource::QuicSni);
    if (scan.status == ScanStatus::Found)
        claim = scan.claim;
    else if (scan.status == ScanStatus::NotRecognised)
        why = scan.why;
    return scan.status != ScanStatus::NeedMore;
}

void DecisionPath::onWaitingPacket(WaitingFlow& flow, const ParsedPacket& parsed, const QueuedPacket& packet,
                                   TimePoint now)
{
    const bool syn = (parsed.tcpFlags & tcp_flags::Syn) != 0;
    if (flow.concluded) {
        // Queued before the wait ended: the flow's decision applies.
        if (flow.tuple.proto == Protocol::Udp || syn || *flow.concluded == Action::Deny)
            release(packet.id, packet.mark, flow.tuple, *flow.concluded);
        else if (auto sent = repeatThroughWaitChain(packet.id, packet.mark); !sent)
            log_.error("Failed to set verdict on held packet",
                       {{"packet", packet.id}, {"error", sent.error().message}});
        return;
    }
    if (flow.tuple.proto == Protocol::Tcp && parsed.payload.empty()) {
        // The handshake's ACK, a window update, a retransmitted SYN: they carry nothing.
        if (auto sent = queue_.accept(packet.id); !sent)
            log_.error("Failed to set verdict on held packet",
                       {{"packet", packet.id}, {"error", sent.error().message}});
        if ((parsed.tcpFlags & (tcp_flags::Fin | tcp_flags::Rst)) != 0 && !flow.asking)
            concludeWait(flow, std::nullopt, "it closed before sending anything", now);
        return;
    }
    flow.held.push_back({packet.id, packet.mark, syn});
    if (flow.asking)
        return;
    if (flow.held.size() > kMaxHeldPerFlow) {
        concludeWait(flow, std::nullopt,
                     "its first payload took more than " + std::to_string(kMaxHeldPerFlow) + " packets", now);
        return;
    }
    std::optional<ClaimedName> claim;
    std::string why;
    if (flow.tuple.proto == Protocol::Udp) {
        if (readQuic(flow, parsed.payload, claim, why))
            concludeWait(flow, std::move(claim), why, now);
        return;
    }
    if (!flow.nextSeq)
        flow.nextSeq = parsed.tcpSeq;
    if (parsed.tcpSeq == *flow.nextSeq) {
        flow.stream.append(reinterpret_cast<const char*>(parsed.payload.data()), parsed.payload.size());
        *flow.nextSeq += static_cast<std::uint32_t>(parsed.payload.size());
    }
    const auto scan =
        scanStreamStart(std::span(reinterpret_cast<const std::uint8_t*>(flow.stream.data()), flow.stream.size()));
    if (scan.status == ScanStatus::NeedMore)
        return;
    concludeWait(flow, scan.claim, scan.why, now);
}

void DecisionPath::concludeWait(WaitingFlow& flow, std::optional<ClaimedName> claim, std::string_view why,
                                TimePoint now)
{
    Connection& connection = flow.connection;
    connection.claimedName = claim;
    if (claim && claims_.trust && !claim->host.empty()) {
        connection.hostnames = {claim->host};
        connection.claimTrusted = true;
    }
    Decision decision = decideWithPin(connection, now);
    decision.explanation += claim ? "; " + describeClaim(*claim, connection.claimTrusted)
                                  : "; no name claimed: " + std::string(why.empty() ? "not TLS, HTTP or QUIC" : why);
    const std::optional<RuleId> ruleId = decision.rule ? std::optional(decision.rule->id) : std::nullopt;
    if (decision.verdict != Verdict::Ask) {
        const auto action = decision.verdict == Verdict::Allow ? Action::Allow : Action::Deny;
        // A verdict that rests on a trusted claim holds for this connection only: the next one claims anew.
        if (!connection.claimTrusted)
            kernel_.remember(connection, decision, nameExpiry(connection, decision, now), now);
        finishWait(flow, action, now);
        decisions_.record(connection, outcomeOf(action), ruleId, decision.explanation, now);
        return;
    }
    decisions_.record(connection, Outcome::Asked, std::nullopt, decision.explanation, now);
    flow.asking = true;
    ask(connection, now,
        [this, tuple = flow.tuple](const PromptOutcome& outcome) { completeWaitPrompt(tuple, outcome); });
}

void DecisionPath::completeWaitPrompt(const FiveTuple& tuple, const PromptOutcome& outcome)
{
    const auto found = waiting_.find(tuple);
    if (found == waiting_.end() || found->second.concluded)
        return;
    WaitingFlow& flow = found->second;
    const auto now = Clock::now();
    const std::optional<RuleId> ruleId = adoptAnswer(flow.connection, outcome, now);
    finishWait(flow, outcome.action, now);
    decisions_.record(flow.connection, outcomeOf(outcome.action), ruleId, outcome.explanation, now);
}

void DecisionPath::finishWait(WaitingFlow& flow, Action action, TimePoint now)
{
    const FiveTuple& tuple = flow.tuple;
    if (tuple.proto == Protocol::Udp) {
        for (const HeldPacket& held : flow.held)
            release(held.id, held.mark, tuple, action);
    } else if (!flow.held.empty()) {
        for (const HeldPacket& held : flow.held) {
            if (held.syn || action == Action::Deny) {
                release(held.id, held.mark, tuple, action); // a SYN (Fast Open) or a reset
                continue;
            }
            // Re-injected with the reply bit, the first of them ends the wait in our chain.
            if (auto sent = repeatThroughWaitChain(held.id, held.mark); !sent)
                log_.error("Failed to set verdict on held packet",
                           {{"packet", held.id}, {"error", sent.error().message}});
        }
    } else if (action == Action::Allow) {
        // No packet in hand (the app has sent nothing yet): end the wait in the conntrack entry itself.
        if (auto cleared = conntrack_->clearBits(tuple, marks_.pending); !cleared)
            log_.warning("Failed to end a flow's wait for its name", {{"error", cleared.error().message}});
    } else if (auto closed = sockets_->destroy(tuple); !closed) {
        // Still waiting in the kernel: nothing but its handshake reaches the app, and what it sends is rejected.
        log_.warning("Failed to close a denied connection", {{"error", closed.error().message}});
    }
    flow.held.clear();
    flow.stream.clear();
    flow.crypto.reset();
    flow.asking = false;
    flow.concluded = action;
    flow.deadline = now + kStragglerTime;
}

std::optional<TimePoint> DecisionPath::nextWaitDeadline() const
{
    std::optional<TimePoint> next;
    for (const auto& [tuple, flow] : waiting_)
        if (!flow.asking && (!next || flow.deadline < *next))
            next = flow.deadline;
    return next;
}

void DecisionPath::expireWaits(TimePoint now)
{
    for (auto it = waiting_.begin(); it != waiting_.end();) {
        WaitingFlow& flow = it->second;
        if (flow.concluded && flow.deadline <= now) {
            it = waiting_.erase(it);
            continue;
        }
        if (!flow.concluded && !flow.asking && flow.deadline <= now)
            concludeWait(flow, std::nullopt,
                         flow.held.empty()
                             ? "it sent nothing within " + std::to_string(claims_.wait.count()) + " ms"
                             : "its first payload was incomplete after " + std::to_string(claims_.wait.count()) + " ms",
                         now);
        ++it;
    }
}

Decision DecisionPath::decideWithPin(Connection& connection, TimePoint now)
{
    Decision decision = decide(connection, now);
    if (decision.rule && decision.rule->sha256 && hooks_.checkPin)
        decision = hooks_.checkPin(connection, std::move(decision));
    return decision;
}

Decision DecisionPath::decide(Connection& connection, TimePoint now)
{
    if (hooks_.decideInScope)
        if (auto scoped = hooks_.decideInScope(connection, now))
            return std::move(scoped).value();
    return engine_.decide(connection, now);
}

void DecisionPath::ask(const Connection& connection, TimePoint now, PromptBroker::Completion completion)
{
    const auto asked = prompts_.ask(connection, now, std::move(completion));
    if (!asked.isNew)
        return; // merged into a prompt that is already out
    if (const auto request = prompts_.find(asked.promptId); request && hooks_.deliverPrompt)
        hooks_.deliverPrompt(*request);
    else if (request)
        prompts_.noAgent(asked.promptId, now);
}

std::optional<RuleId> DecisionPath::adoptAnswer(const Connection& connection, const PromptOutcome& outcome,
                                                TimePoint now)
{
    if (!outcome.rule)
        return std::nullopt;
    Rule rule = *outcome.rule;
    if (outcome.pinBinary && hooks_.runningDigest) {
        if (auto digest = hooks_.runningDigest(connection))
            rule.sha256 = std::move(digest).value();
        else
            log_.warning("Failed to pin the answer's rule to the binary: kept without a pin",
                         {{"exe", displayPath(connection.app)}, {"error", digest.error().message}});
    }
    if (outcome.persistRule && hooks_.adoptRule)
        rule = hooks_.adoptRule(std::move(rule));
    Decision decision;
    decision.verdict = outcome.action == Action::Allow ? Verdict::Allow : Verdict::Deny;
    decision.rule = rule;
    decision.matchedHost = connection.hostnames.empty() ? std::string() : connection.hostnames.front();
    kernel_.remember(connection, decision, nameExpiry(connection, decision, now), now);
    return rule.id;
}

void DecisionPath::completePrompt(std::uint32_t packetId, std::uint32_t mark, const FiveTuple& tuple,
                                  const Connection& connection, const PromptOutcome& outcome)
{
    const auto now = Clock::now();
    const std::optional<RuleId> ruleId = adoptAnswer(connection, outcome, now);
    release(packetId, mark, tuple, outcome.action);
    decisions_.record(connection, outcomeOf(outcome.action), ruleId, outcome.explanation, now);
}

void DecisionPath::onRefusedMiss(const MissEvent& miss, TimePoint now)
{
    const Attribution attribution = attributor_.attributeOwner(miss.owner);
    FiveTuple tuple;
    tuple.dst = miss.destination;
    tuple.dport = miss.port;
    tuple.proto = miss.protocol;
    Connection connection = connectionFor(attribution, tuple);
    connection.foreignNetns = miss.foreignNetns;
    connection.cgroup = processCgroup(miss.owner.pid);
    addNames(connection, now);
    const std::string why =
        miss.foreignNetns ? "refused: it comes from another network namespace (" +
                                (connection.cgroup.empty() ? std::string("a container") : connection.cgroup) +
                                "), whose packets the daemon cannot hold"
        : miss.unmarked ? "refused: its socket predates the firewall or lost its mark, so the datagram "
                          "could not be held"
                        : "refused: the socket could not be marked for a decision";

    Decision decision = decide(connection, now);
    if (decision.rule && decision.rule->sha256 && hooks_.checkPin)
        decision = hooks_.checkPin(connection, std::move(decision));
    if (decision.verdict != Verdict::Ask) {
        kernel_.remember(connection, decision, nameExpiry(connection, decision, now), now);
        const std::optional<RuleId> ruleId = decision.rule ? std::optional(decision.rule->id) : std::nullopt;
        const std::string next = decision.verdict == Verdict::Allow ? "the next attempt is allowed" : "denied";
        decisions_.record(connection, Outcome::Denied, ruleId,
                          "Attempt " + why + "; " + next + ": " + decision.explanation, now);
        return;
    }
    decisions_.record(connection, Outcome::Asked, std::nullopt, "Attempt " + why + "; asking: " + decision.explanation,
                      now);
    ask(connection, now,
        [this, connection](const PromptOutcome& outcome) { completeRefusedPrompt(connection, outcome); });
}

void DecisionPath::completeRefusedPrompt(const Connection& connection, const PromptOutcome& outcome)
{
    const auto now = Clock::now();
    const std::optional<RuleId> ruleId = adoptAnswer(connection, outcome, now);
    decisions_.record(connection, outcomeOf(outcome.action), ruleId,
                      outcome.explanation + (outcome.action == Action::Allow ? " (from the next attempt on)" : ""),
                      now);
}

void DecisionPath::addNames(Connection& connection, TimePoint now) const
{
    // With app-id rules (or a process with a root of its own) the executable no longer says who decides: the
    // verdict is kept in the kernel for this process image only.
    if (engine_.judgedPerProcess(connection))
        connection.app.sharedExecutable = true;
    connection.hostnames = dnsCache_.namesFor(connection.destination, now);
    if (connection.hostnames.empty() && unverifiedNames_) {
        if (auto unverified = unverifiedNames_->lookup(connection.destination, now)) {
            connection.unverifiedHostnames = std::move(unverified->names);
            connection.unverifiedResolver = unverified->resolver;
        }
    }
    // Unverified names count here: they can only make a connection subject to the encrypted-DNS policy.
    static const EncryptedDnsList noList;
    const EncryptedDnsList& list = encryptedDns_ ? *encryptedDns_ : noList;
    connection.encryptedDns =
        list.classify(connection.destination, connection.port,
                      connection.hostnames.empty() ? connection.unverifiedHostnames : connection.hostnames);
}

void DecisionPath::release(std::uint32_t packetId, std::uint32_t mark, const FiveTuple& tuple, Action action)
{
    constexpr std::uint16_t dnsPort = 53;
    Result<void> sent = Ok{};
    if (action == Action::Deny)
        // Re-injected with the reject bit, our chain answers with a TCP reset or ICMP unreachable, so the app
        // fails at once instead of timing out.
        sent = queue_.repeatWithMark(packetId, (mark & ~marks_.pending) | marks_.reject);
    else if (tuple.dport == dnsPort)
        // An allowed flow to a DNS server that is not a trusted resolver: re-run without the pending bit, so
        // the chain's last rules hand it to the DNS queue (tracked, and dropped if it is not DNS).
        sent = queue_.repeatWithMark(packetId, mark & ~marks_.pending);
    else
        sent = queue_.accept(packetId);
    if (!sent)
        log_.error("Failed to set verdict on held packet",
                   {{"packet", packetId}, {"proto", toString(tuple.proto)}, {"error", sent.error().message}});
}

std::optional<TimePoint> DecisionPath::nameExpiry(const Connection& connection, const Decision& decision,
                                                  TimePoint now) const
{
    if (decision.matchedHost.empty())
        return std::nullopt;
    return dnsCache_.expiryOf(connection.destination, decision.matchedHost, now);
}

} // namespace hostgate
