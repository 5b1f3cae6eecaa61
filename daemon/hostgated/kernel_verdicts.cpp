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
    write(key, actionOf(decision), *expires, now);
}

void KernelVerdicts::rememberForAnyPort(const Connection& connection, const Decision& decision,
                                        std::optional<TimePoint> nameExpiry, TimePoint now)
{
    const auto expires = kernelVerdictExpiry(connection, decision, nameExpiry, now, limits_);
    if (!expires)
        return;
    for (const auto protocol : {Protocol::Tcp, Protocol::Udp})
        write(keyFor(connection, 0, protocol), actionOf(decision), *expires, now);
}

std::size_t KernelVerdicts::sweepExpired()
{
    const auto now = Clock::now();
    std::erase_if(written_, [&](const auto& entry) { return entry.second.expires <= now; });
    return bpf_.sweepExpired();
}

void KernelVerdicts::forgetAll()
{
    written_.clear();
    if (auto cleared = bpf_.clearVerdicts(); !cleared)
        log_.error("Failed to clear kernel verdicts", {{"error", cleared.error().message}});
}

void KernelVerdicts::write(VerdictKey key, Action action, TimePoint expires, TimePoint now)
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
    if (auto written = bpf_.setVerdict(key, action, steadyExpiry); !written) {
        log_.warning("Failed to write kernel verdict, ignoring",
                     {{"address", key.address.toString()}, {"port", key.port}, {"error", written.error().message}});
        written_.erase(key);
        return;
    }
    written_.insert_or_assign(key, Written{action, expires, now});
}

} // namespace hostgate
