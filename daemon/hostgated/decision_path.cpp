// Deciding a held first packet: attribute, name, decide (or ask), release, and teach the kernel.
#include "hostgated/decision_path.h"

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
        release(packet.id, packet.mark, FiveTuple{}, Action::Deny);
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
        connection.app.pathState = AppPathState::Unknown;
        connection.app.sharedExecutable = true; // nothing may be cached for an unknown app
        connection.uid = packet.uid.value_or(0);
        connection.destination = tuple.dst;
        connection.port = tuple.dport;
        connection.protocol = tuple.proto;
    }
    addNames(connection, now);

    Decision decision = decide(connection, now);
    if (decision.rule && decision.rule->sha256 && hooks_.checkPin)
        decision = hooks_.checkPin(connection, std::move(decision));
    const std::optional<RuleId> ruleId = decision.rule ? std::optional(decision.rule->id) : std::nullopt;
    switch (decision.verdict) {
    case Verdict::Allow:
    case Verdict::Deny: {
        const auto action = decision.verdict == Verdict::Allow ? Action::Allow : Action::Deny;
        kernel_.remember(connection, decision, nameExpiry(connection, decision, now), now);
        release(packet.id, packet.mark, tuple, action);
        decisions_.record(connection, outcomeOf(action), ruleId, decision.explanation,
                          now);
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

std::optional<RuleId> DecisionPath::adoptAnswer(const Connection& connection, const PromptOutcome& outcome, TimePoint now)
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
    decisions_.record(connection, outcomeOf(outcome.action), ruleId, outcome.explanation,
                      now);
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
    const std::string why = miss.foreignNetns ? "refused: it comes from another network namespace (" +
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
        decisions_.record(connection, Outcome::Denied, ruleId, "Attempt " + why + "; " + next + ": " + decision.explanation,
                          now);
        return;
    }
    decisions_.record(connection, Outcome::Asked, std::nullopt, "Attempt " + why + "; asking: " + decision.explanation, now);
    ask(connection, now, [this, connection](const PromptOutcome& outcome) { completeRefusedPrompt(connection, outcome); });
}

void DecisionPath::completeRefusedPrompt(const Connection& connection, const PromptOutcome& outcome)
{
    const auto now = Clock::now();
    const std::optional<RuleId> ruleId = adoptAnswer(connection, outcome, now);
    decisions_.record(connection, outcomeOf(outcome.action), ruleId,
                      outcome.explanation + (outcome.action == Action::Allow ? " (from the next attempt on)" : ""), now);
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
    connection.encryptedDns = list.classify(connection.destination, connection.port,
                                            connection.hostnames.empty() ? connection.unverifiedHostnames
                                                                         : connection.hostnames);
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
