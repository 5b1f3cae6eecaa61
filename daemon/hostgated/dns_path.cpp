// SPDX-License-Identifier: GPL-3.0-or-later
// DNS packets: decode, attribute, gate, validate, cache, pre-install; then release.
#include "hostgated/dns_path.h"

#include "dns/dns_codec.h"

#include <algorithm>

namespace hostgate {

namespace {

constexpr std::uint16_t dnsPort = 53;

FiveTuple reversed(const FiveTuple& tuple)
{
    return {tuple.dst, tuple.src, tuple.dport, tuple.sport, tuple.proto};
}

std::string questionNames(const DnsMessage& message)
{
    std::string names;
    for (const auto& question : message.questions)
        names += (names.empty() ? "" : ",") + question.name;
    return names;
}

} // namespace

DnsPath::DnsPath(NfQueue& queue, Attributor& attributor, DnsReplyInjector& injector, SharedPolicy policy,
                 DenialSink onDenied, Logger& log, DecisionMarks marks, Options options)
    : queue_(queue), attributor_(attributor), injector_(injector), policy_(policy), onDenied_(std::move(onDenied)),
      log_(log), marks_(marks), options_(options), verdicts_(queue.verdictBatch()),
      policyLock_(policy.mutex, std::defer_lock)
{}

Result<ReceiveSummary> DnsPath::serveBatch(TimePoint now)
{
    auto received = queue_.receiveBatch(maxBatch, [&](const QueuedPacketView& packet) { onPacket(packet, now); });
    // The policy is given back before the verdicts leave: their sending runs the packets' further path
    // (delivery to the resolver or the app) in this thread, which is most of a batch's time.
    if (policyLock_.owns_lock())
        policyLock_.unlock();
    const auto count = verdicts_.size();
    if (auto sent = queue_.send(verdicts_); !sent)
        log_.error("Failed to set verdicts on DNS packets", {{"packets", count}, {"error", sent.error().message}});
    return received;
}

void DnsPath::expire(TimePoint now)
{
    queries_.expire(now);
    std::erase_if(flows_, [&](const auto& flow) { return flow.second.until <= now; });
}

void DnsPath::lockPolicy()
{
    if (!policyLock_.owns_lock())
        policyLock_.lock();
}

const Attribution* DnsPath::attributeFlow(const FiveTuple& outgoing, std::optional<std::uint32_t> uid, TimePoint now)
{
    if (const auto found = flows_.find(outgoing); found != flows_.end()) {
        if (found->second.until > now && (!uid || !found->second.uid || uid == found->second.uid))
            return &found->second.attribution;
        flows_.erase(found);
    }
    auto attribution = attributor_.attribute(outgoing);
    if (!attribution) {
        if (log_.enabled(LogLevel::Debug))
            log_.debug("DNS flow not attributed",
                       {{"to", outgoing.dst.toString()}, {"error", attribution.error().message}});
        return nullptr;
    }
    if (flows_.size() >= maxFlows)
        flows_.clear(); // refilled at one attribution per live flow
    const auto uidOfOwner = uid ? uid : std::optional<std::uint32_t>(attribution->owner.uid);
    return &flows_.insert_or_assign(outgoing, FlowAttribution{std::move(*attribution), uidOfOwner, now + flowTtl})
                .first->second.attribution;
}

void DnsPath::onPacket(const QueuedPacketView& packet, TimePoint now)
{
    const auto parsed = parseIpPacket(packet.payload);
    if (!parsed) {
        // Only port 53 is queued here: what cannot even be read as a UDP/TCP packet is not passed.
        log_.notice("Failed to parse a packet on port 53, dropping it", {{"error", parsed.error().message}});
        release(packet, Outcome::Drop);
        return;
    }
    const bool isQuery = parsed->tuple.dport == dnsPort;
    const auto handle = [&](std::span<const std::uint8_t> message) {
        return isQuery ? onQuery(*parsed, packet.uid, message, now) : onResponse(*parsed, message, now);
    };

    if (parsed->tuple.proto == Protocol::Udp) {
        release(packet, handle(parsed->payload));
        return;
    }

    // DNS over TCP: the app reads nothing before the whole message is there, so holding the segment that
    // completes a message is enough to keep the cache ahead of the app.
    const auto& tuple = parsed->tuple;
    if (parsed->tcpFlags & (tcp_flags::Fin | tcp_flags::Rst)) {
        tcpStreams_.erase(tuple);
        release(packet, Outcome::Accept);
        return;
    }
    if (parsed->payload.empty()) {
        release(packet, Outcome::Accept);
        return;
    }
    if (tcpStreams_.size() >= maxTcpStreams && !tcpStreams_.contains(tuple))
        tcpStreams_.erase(tcpStreams_.begin());
    DnsTcpReassembler& stream = tcpStreams_[tuple];
    auto messages = stream.feed(parsed->payload);
    if (!messages) {
        // Port 53 is no free channel: a stream that is not DNS is cut (a reset towards the server's side is not
        // possible for answers, which are dropped instead).
        log_.notice(
            "Dropped TCP traffic on port 53 that is not DNS",
            {{"from", tuple.src.toString()}, {"to", tuple.dst.toString()}, {"error", messages.error().message}});
        tcpStreams_.erase(tuple);
        release(packet, isQuery ? Outcome::Reject : Outcome::Drop);
        return;
    }
    // A query leaves only once it is whole: an outgoing segment may end inside the 2-byte length prefix
    // (resolvers write prefix and message at once, or the prefix alone), never inside a message, or bytes
    // that turn out not to be DNS would already have left. Answers may span segments (large answers do).
    if (isQuery && stream.pendingBytes() > 2) {
        log_.notice("Dropped a TCP segment to port 53 that ends inside a message (not DNS as resolvers send it)",
                    {{"to", tuple.dst.toString()}, {"pending", stream.pendingBytes()}});
        tcpStreams_.erase(tuple);
        release(packet, Outcome::Reject);
        return;
    }
    Outcome outcome = Outcome::Accept;
    for (const auto& message : *messages)
        if (const auto each = handle(message); each != Outcome::Accept)
            outcome = isQuery ? Outcome::Reject : Outcome::Drop; // a refused TCP query is answered with a reset
    if (outcome != Outcome::Accept)
        tcpStreams_.erase(tuple);
    release(packet, outcome);
}

DnsPath::Outcome DnsPath::onQuery(const ParsedPacket& packet, std::optional<std::uint32_t> uid,
                                  std::span<const std::uint8_t> wire, TimePoint now)
{
    const auto& tuple = packet.tuple;
    const auto message = decodeDnsMessage(wire);
    if (!message || message->isResponse) {
        // Port 53 is no free channel: what is not a DNS query does not leave.
        log_.notice("Dropped a packet to port 53 that is not a DNS query",
                    {{"to", tuple.dst.toString()},
                     {"error", message ? std::string("it is a response") : message.error().message}});
        return Outcome::Drop;
    }
    if (options_.refuseDohCanary && std::any_of(message->questions.begin(), message->questions.end(),
                                                [](const auto& question) { return question.name == kDohCanaryName; }))
        return refuseCanary(tuple, wire);

    if (const auto* attribution = attributeFlow(tuple, uid, now)) {
        Connection connection = connectionFor(*attribution, tuple);
        lockPolicy();
        for (const auto& question : message->questions) {
            connection.hostnames = {question.name};
            const auto decision = nameRuleDecision(connection, now);
            if (!decision || decision->verdict != Verdict::Deny)
                continue;
            auto explanation = "DNS query for " + question.name + " refused: " + decision->explanation;
            onDenied_(connection, decision->rule->id, std::move(explanation), now);
            if (tuple.proto == Protocol::Tcp)
                return Outcome::Reject;
            auto reply = buildRefusalResponse(wire, dns_rcode::NxDomain);
            if (!reply) {
                log_.warning("Failed to build DNS refusal, dropping the query", {{"error", reply.error().message}});
                return Outcome::Drop;
            }
            if (auto sent = injector_.sendSpoofedUdpReply(tuple, *reply); !sent)
                log_.warning("Failed to send DNS refusal, dropping the query", {{"error", sent.error().message}});
            return Outcome::Drop;
        }
    } else if (log_.enabled(LogLevel::Debug)) {
        log_.debug("DNS query not attributed", {{"names", questionNames(*message)}});
    }

    const DnsFlow flow{tuple.src, tuple.sport, tuple.dst, tuple.dport, tuple.proto};
    queries_.onQuery(flow, *message, now);
    return Outcome::Accept;
}

DnsPath::Outcome DnsPath::refuseCanary(const FiveTuple& tuple, std::span<const std::uint8_t> wire)
{
    log_.info("Answered the DNS-over-HTTPS canary with NXDOMAIN", {{"name", kDohCanaryName},
                                                                   {"from", tuple.src.toString()},
                                                                   {"to", tuple.dst.toString()},
                                                                   {"protocol", toString(tuple.proto)}});
    if (tuple.proto == Protocol::Tcp)
        return Outcome::Reject;
    auto reply = buildRefusalResponse(wire, dns_rcode::NxDomain);
    if (!reply) {
        log_.warning("Failed to build the canary's NXDOMAIN, dropping the query", {{"error", reply.error().message}});
        return Outcome::Drop;
    }
    if (auto sent = injector_.sendSpoofedUdpReply(tuple, *reply); !sent)
        log_.warning("Failed to send the canary's NXDOMAIN, dropping the query", {{"error", sent.error().message}});
    return Outcome::Drop;
}

DnsPath::Outcome DnsPath::onResponse(const ParsedPacket& packet, std::span<const std::uint8_t> wire, TimePoint now)
{
    const auto& tuple = packet.tuple;
    // A TCP segment cannot be dropped without stalling the stream; an unmatched TCP answer is only not trusted.
    const Outcome untrusted = tuple.proto == Protocol::Udp ? Outcome::Drop : Outcome::Accept;
    const auto message = decodeDnsMessage(wire);
    if (!message || !message->isResponse) {
        log_.notice("Dropped a packet from port 53 that is not a DNS answer",
                    {{"from", tuple.src.toString()},
                     {"error", message ? std::string("it is a query") : message.error().message}});
        return Outcome::Drop;
    }
    const DnsFlow flow{tuple.dst, tuple.dport, tuple.src, tuple.sport, tuple.proto};
    if (!queries_.matchResponse(flow, *message, now)) {
        log_.notice("Ignored DNS answer that matches no outstanding query", {{"from", tuple.src.toString()},
                                                                             {"to_port", tuple.dport},
                                                                             {"id", message->id},
                                                                             {"names", questionNames(*message)}});
        return untrusted;
    }
    // Attributed before the policy is taken: a sock_diag round trip would otherwise hold the main thread up.
    const auto clientToServer = reversed(tuple);
    const auto* attribution = attributeFlow(clientToServer, std::nullopt, now);
    lockPolicy();
    if (!policy_.trusted.contains(tuple.src)) {
        // Reached only after the app was allowed to talk to this server; what it says names nothing.
        policy_.unverified.addResponse(*message, tuple.src, now);
        return Outcome::Accept;
    }
    const auto addresses = policy_.cache.addResponse(*message, now);
    // Without an attribution (e.g. the resolver's own upstream socket already closed) the miss path decides.
    if (!addresses.empty() && attribution)
        preinstallVerdicts(*attribution, clientToServer, addresses, now);
    return Outcome::Accept;
}

std::optional<Decision> DnsPath::nameRuleDecision(const Connection& connection, TimePoint now) const
{
    // Only a decision that cannot depend on port or protocol may be taken before the app even connects.
    if (policy_.engine.dependsOnPort(connection))
        return std::nullopt;
    auto decision = policy_.engine.peek(connection, now);
    // A rule pinned to a binary is checked against the binary when the app connects (BinaryPins), never here.
    if (!decision.rule || !decision.rule->host.matchesByName() || decision.rule->sha256)
        return std::nullopt;
    return decision;
}

void DnsPath::preinstallVerdicts(const Attribution& attribution, const FiveTuple& clientToServer,
                                 const std::vector<CachedAddress>& addresses, TimePoint now)
{
    for (const auto& address : addresses) {
        FiveTuple toAddress = clientToServer;
        toAddress.dst = address.address;
        toAddress.dport = 0;
        Connection connection = connectionFor(attribution, toAddress);
        connection.hostnames = address.names;
        if (policy_.engine.judgedPerProcess(connection))
            connection.app.sharedExecutable = true; // see DecisionPath::addNames
        const auto decision = nameRuleDecision(connection, now);
        // An allow for any port would also open port 853 and a resolver's 443, which the encrypted-DNS policy
        // decides unless the rule names the app: such allows are decided per port, at the first connection.
        if (decision && decision->verdict == Verdict::Allow && !decision->rule->app &&
            policy_.engine.encryptedDnsPolicy() != EncryptedDnsPolicy::Allow)
            continue;
        if (decision)
            policy_.kernel.rememberForAnyPort(connection, *decision, address.expires, now);
    }
}

void DnsPath::release(const QueuedPacketView& packet, Outcome outcome)
{
    switch (outcome) {
    case Outcome::Accept:
        verdicts_.accept(packet.id);
        break;
    case Outcome::Drop:
        verdicts_.drop(packet.id);
        break;
    case Outcome::Reject:
        verdicts_.repeatWithMark(packet.id, packet.mark | marks_.reject);
        break;
    }
}

} // namespace hostgate
