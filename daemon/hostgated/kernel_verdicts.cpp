// SPDX-License-Identifier: GPL-3.0-or-later
// Decision → verdict-map entries, with expiries converted from wall clock to the kernel's monotonic clock.
#include "hostgated/kernel_verdicts.h"

namespace hostgate {

namespace {

VerdictKey keyFor(const Connection& connection, std::uint16_t port, Protocol protocol)
{
    VerdictKey key;
    key.app = {kernelDeviceFromUser(connection.app.device), connection.app.inode};
    // An interpreter's decision belongs to this process image only (its script), never to the interpreter.
    key.process = connection.app.sharedExecutable ? connection.processImage : 0;
    // A scope's processes find only their scope's verdicts (hostgate_abi.h, "Scopes").
    if (connection.scope != 0)
        key.process = BpfFirewall::scopeVerdictProcess(connection.scopeCgroupId);
    key.uid = connection.uid;
    key.address = connection.destination;
    key.port = port;
    key.protocol = protocol;
    return key;
}

Action actionOf(const Decision& decision)
{
    return decision.verdict == Verdict::Allow ? Action::Allow : Action::Deny;
}

RuleId ruleOf(const Decision& decision)
{
    return decision.rule ? decision.rule->id : 0;
}

} // namespace

void KernelVerdicts::remember(const Connection& connection, const Decision& decision,
                              std::optional<TimePoint> nameExpiry, TimePoint now)
{
    const auto expires = kernelVerdictExpiry(connection, decision, nameExpiry, now, limits_);
    if (!expires)
        return;
    // A miss asked for it: whatever was written before is not in the kernel (any more), so always write.
    const auto key = keyFor(connection, connection.port, connection.protocol);
    written_.erase(key);
    write(key, actionOf(decision), *expires, now, ruleOf(decision));
}

void KernelVerdicts::rememberForAnyPort(const Connection& connection, const Decision& decision,
                                        std::optional<TimePoint> nameExpiry, TimePoint now)
{
    const auto expires = kernelVerdictExpiry(connection, decision, nameExpiry, now, limits_);
    if (!expires)
        return;
    for (const auto protocol : {Protocol::Tcp, Protocol::Udp})
        write(keyFor(connection, 0, protocol), actionOf(decision), *expires, now, ruleOf(decision));
}

std::size_t KernelVerdicts::sweepExpired()
{
    const auto now = Clock::now();
    std::erase_if(written_, [&](const auto& entry) { return entry.second.expires <= now; });
    auto counters = readAndCredit();
    if (!counters)
        return bpf_.sweepExpired();
    // An expired entry decides nothing, so it counts nothing more: what it counted was credited just now.
    const auto steadyNow = std::chrono::steady_clock::now();
    std::size_t removed = 0;
    for (const auto& counter : *counters) {
        if (counter.expires > steadyNow)
            continue;
        if (bpf_.removeVerdict(counter.key)) {
            ledger_.replace(counter.key, std::nullopt, std::nullopt);
            ++removed;
        }
    }
    return removed;
}

void KernelVerdicts::forgetAll()
{
    written_.clear();
    // Hits between this read and the clear (microseconds) are not credited.
    readAndCredit();
    ledger_.clear();
    if (auto cleared = bpf_.clearVerdicts(); !cleared)
        log_.error("Failed to clear kernel verdicts", {{"error", cleared.error().message}});
}

void KernelVerdicts::foldHits()
{
    readAndCredit();
}

void KernelVerdicts::adoptHits()
{
    auto counters = bpf_.readVerdictCounters();
    if (!counters) {
        log_.warning("Failed to read the kernel's hit counters, ignoring", {{"error", counters.error().message}});
        return;
    }
    ledger_.adopt(*counters);
}

std::optional<std::vector<VerdictCounter>> KernelVerdicts::readAndCredit()
{
    auto counters = bpf_.readVerdictCounters();
    if (!counters) {
        log_.warning("Failed to read the kernel's hit counters, ignoring", {{"error", counters.error().message}});
        return std::nullopt;
    }
    for (const auto& owed : ledger_.fold(*counters))
        credit(owed);
    return std::move(*counters);
}

void KernelVerdicts::credit(const HitLedger::Credit& owed)
{
    if (!onHits_)
        return;
    // The kernel's clock is monotonic; the rules' times are wall clock.
    const auto age = std::chrono::steady_clock::now() - owed.lastHit;
    const auto lastHit = Clock::now() - std::chrono::duration_cast<Clock::duration>(std::max(age, age.zero()));
    onHits_(owed.rule, owed.hits, lastHit);
}

void KernelVerdicts::write(VerdictKey key, Action action, TimePoint expires, TimePoint now, RuleId rule)
{
    if (const auto found = written_.find(key); found != written_.end()) {
        const auto& last = found->second;
        // Never skipped when the new entry would end earlier: a shorter expiry must reach the kernel.
        if (last.action == action && expires >= last.expires && now - last.at < maxSkipAge &&
            last.expires - now >= (expires - now) / 2)
            return;
    }
    if (written_.size() >= maxWritten)
        written_.clear();
    const auto steadyExpiry = std::chrono::steady_clock::now() +
                              std::chrono::duration_cast<std::chrono::steady_clock::duration>(expires - now);
    // The entry's counter restarts with the new value: what it counted so far is credited first (hits between
    // this read and the write, microseconds, are not).
    std::optional<VerdictCounter> previous;
    if (ledger_.knows(key)) {
        previous = bpf_.verdictCounter(key);
        if (auto owed = ledger_.replace(key, previous, rule))
            credit(*owed);
    }
    if (auto written = bpf_.setVerdict(key, action, steadyExpiry, rule); !written) {
        if (previous) // still in the map, and credited up to here
            ledger_.adoptOne(*previous);
        log_.warning("Failed to write kernel verdict, ignoring",
                     {{"address", key.address.toString()}, {"port", key.port}, {"error", written.error().message}});
        written_.erase(key);
        return;
    }
    ledger_.replace(key, std::nullopt, rule);
    written_.insert_or_assign(key, Written{action, expires, now});
}

} // namespace hostgate
