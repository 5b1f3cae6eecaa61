// Deciding a held first packet: attribute, name, decide (or ask), release, and teach the kernel.
#include "hostgated/decision_path.h"

namespace hostgate {

DecisionPath::DecisionPath(NfQueue& queue, Attributor& attributor, DnsCache& dnsCache, DecisionEngine& engine,
                           PromptBroker& prompts, KernelVerdicts& kernel, DecisionLog& decisions, Logger& log,
                           DecisionMarks marks, Hooks hooks)
    : queue_(queue), attributor_(attributor), dnsCache_(dnsCache), engine_(engine), prompts_(prompts),
      kernel_(kernel), decisions_(decisions), log_(log), marks_(marks), hooks_(std::move(hooks))
{
}

void DecisionPath::onPacket(QueuedPacket&& packet, TimePoint now)
{
    const auto parsed = parseIpPacket(packet.payload);
    if (!parsed) {
        // Only our mark rule queues here, so this is a packet we cannot read: fail closed.
        log_.warning("Failed to parse held packet, rejecting", {{"error", parsed.error().message}});
        release(packet.id, packet.mark, Protocol::Tcp, Action::Deny);
        return;
    }
    const FiveTuple& tuple = parsed->tuple;

    Connection connection;
    if (auto attribution = attributor_.attribute(tuple)) {
        connection = connectionFor(*attribution, tuple);
    } else {
        // Still decided: rules for any application apply, everything else follows the mode.
        log_.warning("Failed to attribute connection, deciding it as an unknown application",
                     {{"error", attribution.error().message}});
        connection.app.path = "[unknown]";
        connection.uid = packet.uid.value_or(0);
        connection.destination = tuple.dst;
        connection.port = tuple.dport;
        connection.protocol = tuple.proto;
    }
    connection.hostnames = dnsCache_.namesFor(connection.destination, now);

    const Decision decision = engine_.decide(connection, now);
    const std::optional<RuleId> ruleId = decision.rule ? std::optional(decision.rule->id) : std::nullopt;
    switch (decision.verdict) {
    case Verdict::Allow:
    case Verdict::Deny: {
        const auto action = decision.verdict == Verdict::Allow ? Action::Allow : Action::Deny;
        kernel_.remember(connection, decision, nameExpiry(connection, decision, now), now);
        release(packet.id, packet.mark, tuple.proto, action);
        decisions_.record(connection, action == Action::Allow ? "allowed" : "denied", ruleId, decision.explanation,
                          now);
        return;
    }
    case Verdict::Ask:
        break;
    }

    decisions_.record(connection, "asked", std::nullopt, decision.explanation, now);
    const auto asked = prompts_.ask(connection, now,
                                    [this, id = packet.id, mark = packet.mark, connection](const PromptOutcome& outcome) {
                                        completePrompt(id, mark, connection, outcome);
                                    });
    if (asked.isNew) {
        if (const auto request = prompts_.find(asked.promptId); request && hooks_.deliverPrompt)
            hooks_.deliverPrompt(*request);
        else if (request)
            prompts_.noAgent(asked.promptId, now);
    }
}

void DecisionPath::completePrompt(std::uint32_t packetId, std::uint32_t mark, const Connection& connection,
                                  const PromptOutcome& outcome)
{
    const auto now = Clock::now();
    std::optional<RuleId> ruleId;
    if (outcome.rule) {
        Rule rule = *outcome.rule;
        if (outcome.persistRule && hooks_.adoptRule)
            rule = hooks_.adoptRule(std::move(rule));
        ruleId = rule.id;
        Decision decision;
        decision.verdict = outcome.action == Action::Allow ? Verdict::Allow : Verdict::Deny;
        decision.rule = rule;
        decision.matchedHost = connection.hostnames.empty() ? std::string() : connection.hostnames.front();
        kernel_.remember(connection, decision, nameExpiry(connection, decision, now), now);
    }
    release(packetId, mark, connection.protocol, outcome.action);
    decisions_.record(connection, outcome.action == Action::Allow ? "allowed" : "denied", ruleId, outcome.explanation,
                      now);
}

void DecisionPath::release(std::uint32_t packetId, std::uint32_t mark, Protocol protocol, Action action)
{
    Result<void> sent = action == Action::Allow
                            ? queue_.accept(packetId)
                            // Re-injected with the reject bit, our chain answers with a TCP reset or ICMP
                            // unreachable, so the app fails at once instead of timing out.
                            : queue_.repeatWithMark(packetId, (mark & ~marks_.pending) | marks_.reject);
    if (!sent)
        log_.error("Failed to set verdict on held packet",
                   {{"packet", packetId}, {"proto", toString(protocol)}, {"error", sent.error().message}});
}

std::optional<TimePoint> DecisionPath::nameExpiry(const Connection& connection, const Decision& decision,
                                                  TimePoint now) const
{
    if (decision.matchedHost.empty())
        return std::nullopt;
    return dnsCache_.expiryOf(connection.destination, decision.matchedHost, now);
}

} // namespace hostgate
