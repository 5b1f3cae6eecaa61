// SPDX-License-Identifier: GPL-3.0-or-later
// Daemon: the network monitor's snapshot (ListTraffic): the kernel's traffic counters per socket and remote
// end, named by the socket's owner and joined with the latest decision for that app and destination.
#include "hostgated/daemon.h"

#include <algorithm>
#include <map>
#include <set>

namespace hostgate {

namespace {

// How long a closed socket's flows and a refused attempt stay in the monitor.
constexpr auto keepClosed = std::chrono::minutes(10);

// What a flow takes from the latest decision for its app and destination; the script and app id only where the
// socket's owner did not say (it has exited since).
void takeDecision(TrafficFlow& flow, const FlowDecision& decision)
{
    flow.verdict = decision.verdict;
    flow.ruleId = decision.ruleId;
    flow.host = decision.host;
    flow.explanation = decision.explanation;
    flow.container = decision.container;
    if (flow.script.empty())
        flow.script = decision.script;
    if (flow.appId.empty())
        flow.appId = decision.appId;
}

} // namespace

Result<std::vector<TrafficFlow>> Daemon::traffic(std::size_t limit)
{
    const TimePoint now = Clock::now();
    const auto steadyNow = std::chrono::steady_clock::now();
    const auto wall = [&](std::chrono::steady_clock::time_point at) {
        return now - std::chrono::duration_cast<Clock::duration>(steadyNow - at);
    };
    std::vector<TrafficFlow> flows;
    std::set<FlowBookKey> shown; // decisions a counted flow already shows
    if (bpf_ && bpf_->accountsTraffic()) {
        auto counters = bpf_->readFlows();
        if (!counters)
            return counters.error();
        auto closed = bpf_->readClosedSockets();
        if (!closed)
            return closed.error();
        std::set<std::uint64_t> gone; // closed long ago: forgotten
        for (const auto& [cookie, at] : *closed)
            if (steadyNow - at > keepClosed)
                gone.insert(cookie);
        bpf_->forgetSockets(gone, *counters);

        std::map<std::uint64_t, std::optional<Attribution>> owners; // one attribution per socket
        for (const FlowCounter& counter : *counters) {
            if (gone.contains(counter.cookie))
                continue;
            auto [owner, fresh] = owners.try_emplace(counter.cookie);
            if (fresh)
                if (auto kernelOwner = bpf_->ownerOfCookie(counter.cookie))
                    owner->second = attributor_->attributeOwner(*kernelOwner);
            TrafficFlow flow;
            flow.socket = counter.cookie;
            flow.address = counter.remote;
            flow.port = counter.port;
            flow.protocol = counter.protocol;
            flow.since = wall(counter.first);
            flow.lastActive = wall(counter.last);
            if (auto closedAt = closed->find(counter.cookie); closedAt != closed->end())
                flow.closed = wall(closedAt->second);
            flow.bytesSent = counter.bytesOut;
            flow.bytesReceived = counter.bytesIn;
            flow.packetsSent = counter.packetsOut;
            flow.packetsReceived = counter.packetsIn;
            if (owner->second) {
                const Attribution& who = *owner->second;
                flow.app = displayPath(who.process.app);
                flow.script = who.process.app.script.value_or("");
                flow.appId = who.process.app.appId.value_or(who.process.app.unit.value_or(""));
                flow.comm = who.owner.command;
                flow.pid = who.owner.pid;
                flow.uid = who.owner.uid;
                // The decision path's keys: the app's device in user space's encoding (as attribution sets it).
                FlowBookKey key{who.process.app.device,
                                who.process.app.inode,
                                who.process.app.sharedExecutable ? who.owner.processKey() : 0,
                                who.owner.uid,
                                counter.remote,
                                counter.port,
                                counter.protocol};
                const FlowDecision* decision = flows_.find(key);
                if (!decision) {
                    key.process = 0;
                    decision = flows_.find(key);
                }
                if (decision) {
                    shown.insert(key);
                    takeDecision(flow, *decision);
                    // A process that exited since is known from its decision.
                    if (who.process.app.pathState != AppPathState::Known)
                        flow.app = decision->app;
                }
            }
            if (flow.host.empty())
                if (auto names = dnsCache_.namesFor(counter.remote, now); !names.empty())
                    flow.host = names.front();
            flows.push_back(std::move(flow));
        }
    }
    // Refused attempts carried no traffic: they are shown from their decision.
    // A refusal the kernel counted a packet for (a reset the firewall sent the socket) is shown by that flow.
    for (auto& [key, decision] : flows_.recent(Outcome::Denied, now - keepClosed, limit)) {
        if (shown.contains(key))
            continue;
        TrafficFlow flow;
        flow.app = decision.app;
        flow.pid = decision.pid;
        flow.uid = key.uid;
        flow.address = key.address;
        flow.port = key.port;
        flow.protocol = key.protocol;
        takeDecision(flow, decision);
        flow.since = decision.at;
        flow.lastActive = decision.at;
        flows.push_back(std::move(flow));
    }
    std::sort(flows.begin(), flows.end(), [](const TrafficFlow& a, const TrafficFlow& b) {
        return a.lastActive != b.lastActive ? a.lastActive > b.lastActive : a.socket < b.socket;
    });
    if (flows.size() > limit)
        flows.resize(limit);
    return flows;
}

} // namespace hostgate
