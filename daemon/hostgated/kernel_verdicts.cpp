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
    write(keyFor(connection, connection.port, connection.protocol), actionOf(decision), *expires, now);
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

void KernelVerdicts::forgetAll()
{
    if (auto cleared = bpf_.clearVerdicts(); !cleared)
        log_.error("Failed to clear kernel verdicts", {{"error", cleared.error().message}});
}

void KernelVerdicts::write(VerdictKey key, Action action, TimePoint expires, TimePoint now)
{
    const auto steadyExpiry = std::chrono::steady_clock::now() +
                              std::chrono::duration_cast<std::chrono::steady_clock::duration>(expires - now);
    if (auto written = bpf_.setVerdict(key, action, steadyExpiry); !written)
        log_.warning("Failed to write kernel verdict, ignoring",
                     {{"address", key.address.toString()}, {"port", key.port}, {"error", written.error().message}});
}

} // namespace hostgate
