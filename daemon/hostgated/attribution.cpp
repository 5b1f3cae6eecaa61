// SPDX-License-Identifier: GPL-3.0-or-later
// Packet → socket cookie → recorded owner → process identity.
#include "hostgated/attribution.h"

namespace hostgate {

Result<Attribution> Attributor::attribute(const FiveTuple& outgoing)
{
    auto socket = sockDiag_.lookup(outgoing);
    if (!socket)
        return Error{"Failed to find the socket of " + outgoing.src.toString() + ":" + std::to_string(outgoing.sport) +
                     " -> " + outgoing.dst.toString() + ":" + std::to_string(outgoing.dport) + ": " +
                     socket.error().message};
    auto owner = bpf_.ownerOfCookie(socket->cookie);
    if (!owner)
        return Error{"No owner recorded for socket cookie " + std::to_string(socket->cookie) +
                     " (opened before hostgated attached, or outside its cgroup)"};
    return attributeOwner(*owner);
}

void Attributor::setKnownExecutables(std::map<AppKey, std::string> executables)
{
    auto shared = std::make_shared<const std::map<AppKey, std::string>>(std::move(executables));
    const std::lock_guard lock(knownMutex_);
    knownExecutables_ = std::move(shared);
}

Attribution Attributor::attributeOwner(const SocketOwner& owner)
{
    Attribution attribution;
    attribution.owner = owner;
    if (const auto* process = cachedProcess(owner)) {
        attribution.process = *process;
    } else {
        // The process exited right after sending: the kernel's record still says who it was.
        attribution.process.pid = owner.pid;
        attribution.process.uid = owner.uid;
        std::shared_ptr<const std::map<AppKey, std::string>> knownExecutables;
        {
            const std::lock_guard lock(knownMutex_);
            knownExecutables = knownExecutables_;
        }
        if (const auto known = knownExecutables->find(owner.app); known != knownExecutables->end()) {
            // Its executable is one a rule names (same device and inode): that is who it was.
            attribution.process.app.path = known->second;
            attribution.process.app.sharedExecutable = isInterpreterExecutable(known->second);
        } else {
            attribution.process.app.pathState = AppPathState::Exited;
            attribution.process.app.exitedCommand = owner.command;
            attribution.process.app.sharedExecutable = true; // who it was is not known well enough to cache
        }
    }
    // The kernel's key is authoritative: it was read at connect() time, /proc may show a later exec().
    const auto userDevice = userDeviceFromKernel(owner.app.device);
    if (attribution.process.app.device != userDevice || attribution.process.app.inode != owner.app.inode) {
        attribution.process.app.device = userDevice;
        attribution.process.app.inode = owner.app.inode;
        attribution.process.app.script.reset();
        attribution.process.app.sharedExecutable = true;
    }
    attribution.process.uid = owner.uid;
    return attribution;
}

const ProcessInfo* Attributor::cachedProcess(const SocketOwner& owner)
{
    const auto startTime = processStartTime(owner.pid);
    if (!startTime)
        return nullptr;
    const ProcessKey key{owner.pid, *startTime, owner.app};
    if (const auto found = processes_.find(key); found != processes_.end())
        return &found->second;
    auto process = readProcessInfo(owner.pid);
    if (!process)
        return nullptr;
    // Exited processes are not tracked, so the cache is simply emptied when full: refilling it costs one
    // /proc read per live process.
    if (processes_.size() >= maxCachedProcesses)
        processes_.clear();
    return &processes_.emplace(key, std::move(*process)).first->second;
}

Connection connectionFor(const Attribution& attribution, const FiveTuple& outgoing)
{
    Connection connection;
    connection.app = attribution.process.app;
    connection.pid = attribution.owner.pid;
    connection.parentPid = attribution.process.parentPid;
    connection.uid = attribution.owner.uid;
    connection.commandLine = attribution.process.commandLine;
    connection.destination = outgoing.dst;
    connection.port = outgoing.dport;
    connection.protocol = outgoing.proto;
    connection.processImage = attribution.owner.processKey();
    connection.cgroupId = attribution.owner.cgroupId;
    return connection;
}

} // namespace hostgate
