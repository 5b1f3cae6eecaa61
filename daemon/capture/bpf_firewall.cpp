// SPDX-License-Identifier: GPL-3.0-or-later
// BpfFirewall: skeleton lifetime, cgroup attachment, verdict/owner map access and miss-event decoding.
#include "capture/bpf_firewall.h"
#include "util/errno_error.h"
#include "util/unique_fd.h"

#include "hostgate.skel.h"
#include "hostgate_abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace hostgate {

// The ABI structs are copied byte for byte between the kernel and us: their layout is the contract.
static_assert(sizeof(hg_app_key) == 16);
static_assert(sizeof(hg_verdict_key) == 48, "verdict keys must have no implicit padding");
static_assert(offsetof(hg_verdict_key, process) == 16 && offsetof(hg_verdict_key, uid) == 24);
static_assert(offsetof(hg_verdict_key, addr) == 28 && offsetof(hg_verdict_key, port) == 44);
static_assert(sizeof(hg_verdict) == 40 && offsetof(hg_verdict, rule_id) == 16 && offsetof(hg_verdict, hits) == 24);
static_assert(sizeof(hg_sock_owner) == 80);
static_assert(sizeof(hg_event) == 112);
static_assert(sizeof(hg_state) == 40);
static_assert(sizeof(hg_resolver_key) == 20);
static_assert(sizeof(hg_flow_key) == 32 && offsetof(hg_flow_key, addr) == 8 && offsetof(hg_flow_key, port) == 24);
static_assert(sizeof(hg_flow_counters) == 48);
static_assert(HG_FAMILY_V4 == AF_INET && HG_FAMILY_V6 == AF_INET6);
static_assert(HG_PROTO_TCP == IPPROTO_TCP && HG_PROTO_UDP == IPPROTO_UDP);

namespace {

struct SkeletonDeleter {
    void operator()(hostgate_bpf* skeleton) const { hostgate_bpf__destroy(skeleton); }
};
struct LinkDeleter {
    void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
struct RingBufferDeleter {
    void operator()(ring_buffer* buffer) const { ring_buffer__free(buffer); }
};

using SkeletonPtr = std::unique_ptr<hostgate_bpf, SkeletonDeleter>;
using LinkPtr = std::unique_ptr<bpf_link, LinkDeleter>;
using RingBufferPtr = std::unique_ptr<ring_buffer, RingBufferDeleter>;

std::uint64_t monotonicNanoseconds(std::chrono::steady_clock::time_point time)
{
    const auto count = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    // 0 means "never expires" in the map, so an instant at or before the clock's epoch becomes 1: expired.
    return count > 0 ? static_cast<std::uint64_t>(count) : 1;
}

// The other way: a bpf_ktime_get_ns() value the programs stored, as a steady_clock instant.
std::chrono::steady_clock::time_point steadyFromNanoseconds(std::uint64_t ns)
{
    using SteadyClock = std::chrono::steady_clock;
    return SteadyClock::time_point(std::chrono::duration_cast<SteadyClock::duration>(std::chrono::nanoseconds(ns)));
}

Result<hg_verdict_key> toKernelKey(const VerdictKey& key)
{
    hg_verdict_key kernelKey{};
    kernelKey.app.dev = key.app.device;
    kernelKey.app.ino = key.app.inode;
    kernelKey.process = key.process;
    kernelKey.uid = key.uid;
    std::memcpy(kernelKey.addr, key.address.bytes().data(), sizeof(kernelKey.addr));
    kernelKey.port = key.port;
    kernelKey.family = key.address.isV4() ? HG_FAMILY_V4 : HG_FAMILY_V6;
    switch (key.protocol) {
    case Protocol::Tcp:
        kernelKey.proto = HG_PROTO_TCP;
        break;
    case Protocol::Udp:
        kernelKey.proto = HG_PROTO_UDP;
        break;
    case Protocol::Any:
        return Error("Failed to encode verdict key: the protocol must be TCP or UDP, not any");
    }
    return kernelKey;
}

IpAddress addressFromKernel(const std::uint8_t (&addr)[16], std::uint8_t family)
{
    if (family == HG_FAMILY_V4) {
        const std::uint8_t v4[4] = {addr[0], addr[1], addr[2], addr[3]};
        return IpAddress::fromV4Bytes(v4);
    }
    return IpAddress::fromV6Bytes(addr);
}

Protocol protocolFromKernel(std::uint8_t proto)
{
    return proto == HG_PROTO_UDP ? Protocol::Udp : Protocol::Tcp;
}

VerdictKey fromKernelKey(const hg_verdict_key& kernelKey)
{
    VerdictKey key;
    key.app = {kernelKey.app.dev, kernelKey.app.ino};
    key.process = kernelKey.process;
    key.uid = kernelKey.uid;
    key.address = addressFromKernel(kernelKey.addr, kernelKey.family);
    key.port = kernelKey.port;
    key.protocol = protocolFromKernel(kernelKey.proto);
    return key;
}

SocketOwner fromKernelOwner(const hg_sock_owner& kernelOwner)
{
    SocketOwner owner;
    owner.cookie = kernelOwner.cookie;
    owner.pid = static_cast<std::int32_t>(kernelOwner.pid);
    owner.tid = static_cast<std::int32_t>(kernelOwner.tid);
    owner.uid = kernelOwner.uid;
    owner.gid = kernelOwner.gid;
    owner.app = {kernelOwner.app.dev, kernelOwner.app.ino};
    owner.command.assign(kernelOwner.comm, strnlen(kernelOwner.comm, sizeof(kernelOwner.comm)));
    owner.netnsCookie = kernelOwner.netns_cookie;
    owner.cgroupId = kernelOwner.cgroup_id;
    owner.execId = kernelOwner.exec_id;
    return owner;
}

Result<void> validate(const BpfFirewall::Options& options)
{
    if (std::popcount(options.markBit) != 1) {
        return Error("Failed to configure the BPF firewall: the mark bit must have exactly one bit set");
    }
    if (options.verdictEntries == 0 || options.ownerEntries == 0) {
        return Error("Failed to configure the BPF firewall: map sizes must be positive");
    }
    const auto pageSize = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
    if (!std::has_single_bit(options.eventBufferBytes) || options.eventBufferBytes % pageSize != 0) {
        return Error("Failed to configure the BPF firewall: the event buffer size must be a power of two "
                     "and a multiple of the page size");
    }
    return Ok{};
}

// Opens the cgroup directory the programs attach to, checking it is cgroup v2 (and not a root if asked).
Result<UniqueFd> openCgroup(const std::filesystem::path& path, bool refuseRoot)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) {
        return errnoError("open cgroup " + path.string(), errno);
    }
    struct statfs fs {};
    if (::fstatfs(fd.get(), &fs) != 0) {
        return errnoError("inspect cgroup " + path.string(), errno);
    }
    if (fs.f_type != CGROUP2_SUPER_MAGIC) {
        return Error("Failed to use cgroup " + path.string() + ": not a cgroup v2 directory");
    }
    // Every cgroup v2 directory except a hierarchy's root has a cgroup.type file.
    if (refuseRoot && ::faccessat(fd.get(), "cgroup.type", F_OK, 0) != 0) {
        return Error("Failed to use cgroup " + path.string() +
                     ": it is the root of the hierarchy, which "
                     "these options refuse");
    }
    return fd;
}

std::uint64_t monotonicNow()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(now.tv_nsec);
}

// The pin directory must live on a bpf filesystem: pins elsewhere fail, and pins on a bpffs that only this
// process's mount namespace sees would vanish with it.
Result<void> preparePinDirectory(const std::filesystem::path& directory)
{
    struct statfs fs {};
    if (::statfs(directory.c_str(), &fs) != 0) {
        if (errno != ENOENT)
            return errnoError("inspect BPF pin directory " + directory.string(), errno);
        if (::statfs(directory.parent_path().c_str(), &fs) != 0)
            return errnoError("inspect " + directory.parent_path().string(), errno);
        if (fs.f_type != BPF_FS_MAGIC)
            return Error("Failed to use BPF pin directory " + directory.string() + ": " +
                         directory.parent_path().string() + " is not a bpf filesystem (mount -t bpf bpf " +
                         directory.parent_path().string() + ")");
        if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST)
            return errnoError("create BPF pin directory " + directory.string(), errno);
        return Ok{};
    }
    if (fs.f_type != BPF_FS_MAGIC)
        return Error("Failed to use BPF pin directory " + directory.string() + ": not on a bpf filesystem");
    return Ok{};
}

std::uint64_t ownNetnsCookie()
{
    UniqueFd probe(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    std::uint64_t cookie = 0;
    socklen_t length = sizeof(cookie);
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
    if (probe.get() < 0 || ::getsockopt(probe.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &length) != 0)
        return 0; // unknown: the programs then treat every namespace as the daemon's
    return cookie;
}

std::uint64_t cgroupIdOf(int cgroupFd)
{
    struct stat status {};
    return ::fstat(cgroupFd, &status) == 0 ? status.st_ino : 0;
}

// Every key of a hash map, in the map's order (a snapshot: entries may come and go meanwhile).
template <class Key>
std::vector<Key> mapKeys(const bpf_map* map)
{
    std::vector<Key> keys;
    Key key{};
    const Key* previous = nullptr;
    while (bpf_map__get_next_key(map, previous, &key, sizeof(key)) == 0) {
        keys.push_back(key);
        previous = &keys.back();
    }
    return keys;
}

// The maps that outlive the process when a pin directory is set (the event ring buffer is per process).
std::array<bpf_map*, 4> pinnedMaps(const hostgate_bpf& skeleton)
{
    return {skeleton.maps.verdicts, skeleton.maps.socket_owners, skeleton.maps.state, skeleton.maps.trusted_resolvers};
}

} // namespace

struct BpfFirewall::Impl {
    // Declaration order is teardown order reversed: events stop first, then programs detach, then unload.
    std::filesystem::path cgroupPath;
    std::uint32_t markBit = 0;
    std::filesystem::path pinDirectory; // empty: nothing pinned
    bool adopted = false;
    bool accounting = false;
    hg_state state{};
    std::uint64_t previousPolicyHash = 0; // what the state map held when it was adopted
    std::vector<hg_resolver_key> resolvers;
    UniqueFd cgroupFd;
    SkeletonPtr skeleton;
    std::vector<LinkPtr> links;
    RingBufferPtr events;
    // Set only while pollEvents() runs: the ring buffer callback is a C function with this Impl as context.
    const MissHandler* handler = nullptr;
    std::exception_ptr handlerFailure;
    std::size_t handled = 0;

    static int onRecord(void* context, void* data, size_t size);
    Result<void> writeState();
    Result<void> attach(bpf_program* program);
    std::vector<hg_verdict_key> verdictKeys() const;
    // 0 or a negative errno.
    int deleteVerdict(const hg_verdict_key& key);
};

int BpfFirewall::Impl::onRecord(void* context, void* data, size_t size)
{
    auto* self = static_cast<Impl*>(context);
    hg_event event{};
    if (size < sizeof(event) || self->handler == nullptr) {
        return 0;
    }
    std::memcpy(&event, data, sizeof(event));
    if (event.type != HG_EVENT_MISS) {
        return 0;
    }
    MissEvent miss;
    miss.owner = fromKernelOwner(event.owner);
    miss.destination = addressFromKernel(event.addr, event.family);
    miss.port = event.port;
    miss.protocol = protocolFromKernel(event.proto);
    miss.markError = event.mark_error;
    miss.refused = (event.flags & HG_MISS_REFUSED) != 0;
    miss.foreignNetns = (event.flags & HG_MISS_FOREIGN_NETNS) != 0;
    miss.unmarked = (event.flags & HG_MISS_UNMARKED) != 0;
    // Exceptions must not unwind through libbpf's C frames: stop consuming and rethrow in pollEvents().
    try {
        (*self->handler)(miss);
    } catch (...) {
        self->handlerFailure = std::current_exception();
        return -ECANCELED;
    }
    ++self->handled;
    return 0;
}

std::vector<hg_verdict_key> BpfFirewall::Impl::verdictKeys() const
{
    return mapKeys<hg_verdict_key>(skeleton->maps.verdicts);
}

int BpfFirewall::Impl::deleteVerdict(const hg_verdict_key& key)
{
    return bpf_map__delete_elem(skeleton->maps.verdicts, &key, sizeof(key), 0);
}

Result<void> BpfFirewall::Impl::writeState()
{
    const std::uint32_t zero = 0;
    if (int err = bpf_map__update_elem(skeleton->maps.state, &zero, sizeof(zero), &state, sizeof(state), BPF_ANY);
        err != 0)
        return errnoError("write the BPF state map", err);
    return Ok{};
}

// Attaches `program` to the cgroup, or takes over the link an earlier process pinned for it: the link's
// program is replaced atomically (BPF_LINK_UPDATE), so enforcement never lapses during a restart.
Result<void> BpfFirewall::Impl::attach(bpf_program* program)
{
    const std::string name = bpf_program__name(program);
    const std::filesystem::path pin = pinDirectory.empty() ? std::filesystem::path() : pinDirectory / ("link_" + name);
    LinkPtr previous;
    if (!pin.empty() && std::filesystem::exists(pin)) {
        previous.reset(bpf_link__open(pin.c_str()));
        if (previous) {
            bpf_link_info info{};
            std::uint32_t length = sizeof(info);
            const bool sameCgroup = bpf_obj_get_info_by_fd(bpf_link__fd(previous.get()), &info, &length) == 0 &&
                                    info.type == BPF_LINK_TYPE_CGROUP &&
                                    info.cgroup.cgroup_id == cgroupIdOf(cgroupFd.get());
            if (sameCgroup && bpf_link__update_program(previous.get(), program) == 0) {
                adopted = true;
                links.push_back(std::move(previous));
                return Ok{};
            }
        }
    }
    // A fresh attachment first, then the old one goes: cgroup links are multi-attach, so there is no gap.
    LinkPtr link(bpf_program__attach_cgroup(program, cgroupFd.get()));
    if (!link)
        return errnoError("attach BPF program " + name + " to cgroup " + cgroupPath.string(), errno);
    if (previous) {
        adopted = true;
        bpf_link__unpin(previous.get());
        bpf_link_detach(bpf_link__fd(previous.get()));
        previous.reset();
    } else if (!pin.empty()) {
        ::unlink(pin.c_str()); // a pin that could not be opened
    }
    if (!pin.empty())
        if (int err = bpf_link__pin(link.get(), pin.c_str()); err != 0)
            return errnoError("pin BPF link " + pin.string(), err);
    links.push_back(std::move(link));
    return Ok{};
}

Result<BpfFirewall> BpfFirewall::open(const Options& options)
{
    auto cgroupFd = openCgroup(options.cgroup, options.refuseRootCgroup);
    if (!cgroupFd) {
        return cgroupFd.error();
    }
    if (auto valid = validate(options); !valid) {
        return valid.error();
    }
    if (!options.pinDirectory.empty())
        if (auto prepared = preparePinDirectory(options.pinDirectory); !prepared)
            return prepared.error();

    auto impl = std::make_unique<Impl>();
    impl->cgroupPath = options.cgroup;
    impl->markBit = options.markBit;
    impl->pinDirectory = options.pinDirectory;
    impl->cgroupFd = std::move(cgroupFd.value());
    // Maps an earlier process pinned are reused when their definition still matches (libbpf checks); the
    // verdicts in them keep applying. One that does not match (an upgrade changed it) is replaced.
    for (int attempt = 0;; ++attempt) {
        impl->skeleton.reset(hostgate_bpf__open());
        if (!impl->skeleton) {
            return errnoError("open the BPF object", errno);
        }
        hostgate_bpf& skeleton = *impl->skeleton;
        skeleton.rodata->mark_bit = options.markBit;
        const std::uint32_t flowEntries =
            options.trafficAccounting ? std::max<std::uint32_t>(options.flowEntries, 1) : 1;
        const std::array<std::pair<bpf_map*, std::uint32_t>, 5> sizes = {{
            {skeleton.maps.verdicts, options.verdictEntries},
            {skeleton.maps.socket_owners, options.ownerEntries},
            {skeleton.maps.events, options.eventBufferBytes},
            {skeleton.maps.flows, flowEntries},
            {skeleton.maps.closed_sockets, flowEntries},
        }};
        if (!options.trafficAccounting)
            for (bpf_program* program :
                 {skeleton.progs.hg_egress, skeleton.progs.hg_ingress, skeleton.progs.hg_sock_release})
                bpf_program__set_autoload(program, false);
        for (const auto& [map, entries] : sizes) {
            if (int err = bpf_map__set_max_entries(map, entries); err != 0) {
                return errnoError(std::string("size BPF map ") + bpf_map__name(map), err);
            }
        }
        const std::array<bpf_map*, 4> pinned = pinnedMaps(skeleton);
        if (!options.pinDirectory.empty())
            for (bpf_map* map : pinned)
                if (int err = bpf_map__set_pin_path(map, (options.pinDirectory / bpf_map__name(map)).c_str()); err != 0)
                    return errnoError(std::string("set the pin path of BPF map ") + bpf_map__name(map), err);
        const int err = hostgate_bpf__load(&skeleton);
        if (err == 0)
            break;
        if (options.pinDirectory.empty() || attempt > 0)
            return errnoError("load the BPF programs (the verifier log is on stderr)", err);
        // Most likely a pinned map of an older layout: unpin the maps (their programs keep them alive until
        // replaced below) and load with fresh ones.
        for (bpf_map* map : pinned)
            ::unlink((options.pinDirectory / bpf_map__name(map)).c_str());
    }
    hostgate_bpf& skeleton = *impl->skeleton;

    {
        const std::uint32_t zero = 0;
        hg_state previous{};
        if (bpf_map__lookup_elem(skeleton.maps.state, &zero, sizeof(zero), &previous, sizeof(previous), 0) == 0)
            impl->previousPolicyHash = previous.policy_hash;
        impl->state.policy_hash = impl->previousPolicyHash;
    }
    // Alive before anything is attached (or adopted programs would refuse misses until the first heartbeat).
    impl->state.heartbeat_ns = monotonicNow();
    impl->state.stale_after_ns =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(options.staleAfter).count());
    impl->state.netns_cookie = options.refuseForeignNetns ? ownNetnsCookie() : 0;
    impl->state.daemon_tgid = static_cast<std::uint32_t>(::getpid());
    impl->state.flags = (options.failOpen ? HG_STATE_FAIL_OPEN : 0) |
                        (options.denyOtherProtocols ? HG_STATE_DENY_OTHER_PROTOCOLS : 0) |
                        (options.trafficAccounting ? HG_STATE_TRAFFIC_ACCOUNTING : 0);
    if (auto written = impl->writeState(); !written)
        return written.error();

    // sock_create first: a UDP socket created while the others attach is then already pre-marked.
    for (bpf_program* program : {skeleton.progs.hg_sock_create, skeleton.progs.hg_connect4, skeleton.progs.hg_connect6,
                                 skeleton.progs.hg_sendmsg4, skeleton.progs.hg_sendmsg6}) {
        if (auto attached = impl->attach(program); !attached)
            return attached.error();
    }
    impl->accounting = options.trafficAccounting;
    for (bpf_program* program : {skeleton.progs.hg_egress, skeleton.progs.hg_ingress, skeleton.progs.hg_sock_release}) {
        if (options.trafficAccounting) {
            if (auto attached = impl->attach(program); !attached)
                return attached.error();
        } else if (!options.pinDirectory.empty()) {
            // An earlier daemon counted traffic, this one does not: its counting programs go.
            const auto pin = options.pinDirectory / (std::string("link_") + bpf_program__name(program));
            UniqueFd link(bpf_obj_get(pin.c_str()));
            if (link.get() >= 0)
                bpf_link_detach(link.get());
            ::unlink(pin.c_str());
        }
    }

    impl->events.reset(ring_buffer__new(bpf_map__fd(skeleton.maps.events), &Impl::onRecord, impl.get(), nullptr));
    if (!impl->events) {
        return errnoError("open the BPF event ring buffer", errno);
    }
    return BpfFirewall(std::move(impl));
}

Result<void> BpfFirewall::removePinned(const std::filesystem::path& directory)
{
    std::error_code ec;
    if (!std::filesystem::exists(directory, ec))
        return Ok{};
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("link_")) {
            UniqueFd link(bpf_obj_get(entry.path().c_str()));
            if (link.get() >= 0)
                bpf_link_detach(link.get()); // detaches even while another process holds the link
        }
        if (::unlink(entry.path().c_str()) != 0 && errno != ENOENT)
            return errnoError("remove BPF pin " + entry.path().string(), errno);
    }
    if (ec)
        return Error("Failed to list BPF pin directory " + directory.string() + ": " + ec.message());
    if (::rmdir(directory.c_str()) != 0 && errno != ENOENT)
        return errnoError("remove BPF pin directory " + directory.string(), errno);
    return Ok{};
}

BpfFirewall::BpfFirewall(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfFirewall::BpfFirewall(BpfFirewall&&) noexcept = default;
BpfFirewall& BpfFirewall::operator=(BpfFirewall&&) noexcept = default;
BpfFirewall::~BpfFirewall() = default;

Result<void> BpfFirewall::setVerdict(const VerdictKey& key, Action action,
                                     std::optional<std::chrono::steady_clock::time_point> expires, RuleId ruleId)
{
    auto kernelKey = toKernelKey(key);
    if (!kernelKey) {
        return kernelKey.error();
    }
    hg_verdict verdict{};
    verdict.action = action == Action::Allow ? HG_ACTION_ALLOW : HG_ACTION_DENY;
    verdict.expires_ns = expires ? monotonicNanoseconds(*expires) : 0;
    verdict.rule_id = ruleId;
    const int err = bpf_map__update_elem(impl_->skeleton->maps.verdicts, &kernelKey.value(), sizeof(hg_verdict_key),
                                         &verdict, sizeof(verdict), BPF_ANY);
    if (err != 0) {
        return errnoError("store verdict for " + key.address.toString(), err);
    }
    return Ok{};
}

namespace {

VerdictCounter counterFromKernel(const hg_verdict_key& key, const hg_verdict& verdict)
{
    VerdictCounter counter;
    counter.key = fromKernelKey(key);
    counter.ruleId = verdict.rule_id;
    counter.hits = verdict.hits;
    counter.lastHit = steadyFromNanoseconds(verdict.last_hit_ns);
    if (verdict.expires_ns != 0)
        counter.expires = steadyFromNanoseconds(verdict.expires_ns);
    return counter;
}

} // namespace

std::optional<VerdictCounter> BpfFirewall::verdictCounter(const VerdictKey& key) const
{
    auto kernelKey = toKernelKey(key);
    if (!kernelKey)
        return std::nullopt;
    hg_verdict verdict{};
    if (bpf_map__lookup_elem(impl_->skeleton->maps.verdicts, &kernelKey.value(), sizeof(hg_verdict_key), &verdict,
                             sizeof(verdict), 0) != 0)
        return std::nullopt;
    return counterFromKernel(*kernelKey, verdict);
}

namespace {

// Every entry of a hash `map` as `convert(key, value)`, read with BPF_MAP_LOOKUP_BATCH (one syscall per
// BpfFirewall::batchEntries entries; a snapshot: entries may come and go meanwhile). Falls back to one lookup per
// key where batches are refused. `what` names the read in an error ("read the verdict map's counters").
template <class Key, class Value, class Convert>
auto readBatched(bpf_map* map, const char* what, Convert convert)
    -> Result<std::vector<decltype(convert(std::declval<const Key&>(), std::declval<const Value&>()))>>
{
    std::vector<decltype(convert(std::declval<const Key&>(), std::declval<const Value&>()))> entries;
    const int fd = bpf_map__fd(map);
    std::vector<Key> keys(BpfFirewall::batchEntries);
    std::vector<Value> values(BpfFirewall::batchEntries);
    // For hash maps the batch position is a bucket number (a __u32); a wider buffer costs nothing.
    std::uint64_t position = 0;
    bool first = true;
    LIBBPF_OPTS(bpf_map_batch_opts, options);
    for (;;) {
        __u32 count = BpfFirewall::batchEntries;
        const int err = bpf_map_lookup_batch(fd, first ? nullptr : &position, &position, keys.data(), values.data(),
                                             &count, &options);
        first = false;
        if (err != 0 && err != -ENOENT) {
            if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOSPC)
                break; // walk key by key below
            return errnoError(what, err);
        }
        for (__u32 i = 0; i < count; ++i)
            entries.push_back(convert(keys[i], values[i]));
        if (err == -ENOENT)
            return entries;
    }
    entries.clear();
    for (const auto& key : mapKeys<Key>(map)) {
        Value value{};
        if (bpf_map__lookup_elem(map, &key, sizeof(key), &value, sizeof(value), 0) == 0)
            entries.push_back(convert(key, value));
    }
    return entries;
}

} // namespace

Result<std::vector<VerdictCounter>> BpfFirewall::readVerdictCounters() const
{
    return readBatched<hg_verdict_key, hg_verdict>(impl_->skeleton->maps.verdicts, "read the verdict map's counters",
                                                   counterFromKernel);
}

Result<void> BpfFirewall::removeVerdict(const VerdictKey& key)
{
    auto kernelKey = toKernelKey(key);
    if (!kernelKey) {
        return kernelKey.error();
    }
    const int err = bpf_map__delete_elem(impl_->skeleton->maps.verdicts, &kernelKey.value(), sizeof(hg_verdict_key), 0);
    if (err != 0 && err != -ENOENT) {
        return errnoError("remove verdict for " + key.address.toString(), err);
    }
    return Ok{};
}

std::size_t BpfFirewall::verdictCount() const
{
    return impl_->verdictKeys().size();
}

std::size_t BpfFirewall::verdictCapacity() const
{
    return bpf_map__max_entries(impl_->skeleton->maps.verdicts);
}

Result<void> BpfFirewall::clearVerdicts()
{
    for (const auto& key : impl_->verdictKeys()) {
        if (int err = impl_->deleteVerdict(key); err != 0 && err != -ENOENT) {
            return errnoError("clear the verdict map", err);
        }
    }
    return Ok{};
}

std::size_t BpfFirewall::removeVerdictsIf(const std::function<bool(const VerdictKey&)>& matches)
{
    std::size_t removed = 0;
    for (const auto& key : impl_->verdictKeys()) {
        if (matches(fromKernelKey(key)) && impl_->deleteVerdict(key) == 0) {
            ++removed;
        }
    }
    return removed;
}

std::size_t BpfFirewall::sweepExpired(std::chrono::steady_clock::time_point now)
{
    const std::uint64_t nowNs = monotonicNanoseconds(now);
    std::size_t removed = 0;
    for (const auto& key : impl_->verdictKeys()) {
        hg_verdict verdict{};
        if (bpf_map__lookup_elem(impl_->skeleton->maps.verdicts, &key, sizeof(key), &verdict, sizeof(verdict), 0) !=
            0) {
            continue;
        }
        if (verdict.expires_ns != 0 && verdict.expires_ns <= nowNs && impl_->deleteVerdict(key) == 0) {
            ++removed;
        }
    }
    return removed;
}

Result<void> BpfFirewall::heartbeat()
{
    impl_->state.heartbeat_ns = monotonicNow();
    return impl_->writeState();
}

Result<void> BpfFirewall::setTrustedResolvers(const std::vector<IpAddress>& resolvers)
{
    std::vector<hg_resolver_key> keys;
    for (const IpAddress& resolver : resolvers) {
        hg_resolver_key key{};
        std::memcpy(key.addr, resolver.bytes().data(), sizeof(key.addr));
        key.family = resolver.isV4() ? HG_FAMILY_V4 : HG_FAMILY_V6;
        keys.push_back(key);
    }
    bpf_map* map = impl_->skeleton->maps.trusted_resolvers;
    // New ones first, then the ones that left: a resolver in both sets is never missing.
    const std::uint8_t yes = 1;
    for (const auto& key : keys)
        if (int err = bpf_map__update_elem(map, &key, sizeof(key), &yes, sizeof(yes), BPF_ANY); err != 0)
            return errnoError("store a trusted resolver", err);
    for (const auto& old : mapKeys<hg_resolver_key>(map)) {
        const bool kept = std::any_of(keys.begin(), keys.end(), [&](const hg_resolver_key& wanted) {
            return std::memcmp(&wanted, &old, sizeof(old)) == 0;
        });
        if (!kept)
            bpf_map__delete_elem(map, &old, sizeof(old), 0);
    }
    return Ok{};
}

Result<void> BpfFirewall::setScopedCgroups(const std::vector<std::uint64_t>& cgroupIds)
{
    bpf_map* map = impl_->skeleton->maps.scoped_cgroups;
    const std::uint8_t yes = 1;
    // New ones before the flag turns on; the flag off before the last ones leave: never a scope without its entry.
    for (const std::uint64_t id : cgroupIds)
        if (int err = bpf_map__update_elem(map, &id, sizeof(id), &yes, sizeof(yes), BPF_ANY); err != 0)
            return errnoError("store a scope's cgroup", err);
    const std::uint32_t flags = cgroupIds.empty() ? impl_->state.flags & ~static_cast<std::uint32_t>(HG_STATE_SCOPES)
                                                  : impl_->state.flags | HG_STATE_SCOPES;
    if (flags != impl_->state.flags) {
        impl_->state.flags = flags;
        if (auto written = impl_->writeState(); !written)
            return written.error();
    }
    for (const auto& old : mapKeys<std::uint64_t>(map))
        if (std::find(cgroupIds.begin(), cgroupIds.end(), old) == cgroupIds.end())
            bpf_map__delete_elem(map, &old, sizeof(old), 0);
    return Ok{};
}

std::uint64_t BpfFirewall::scopeVerdictProcess(std::uint64_t cgroupId)
{
    return HG_SCOPE_PROCESS | cgroupId;
}

bool BpfFirewall::adopted() const
{
    return impl_->adopted;
}

std::uint64_t BpfFirewall::adoptedPolicyHash() const
{
    return impl_->previousPolicyHash;
}

Result<void> BpfFirewall::setPolicyHash(std::uint64_t hash)
{
    impl_->state.policy_hash = hash;
    return impl_->writeState();
}

void BpfFirewall::detachAndUnpin()
{
    impl_->events.reset();
    for (auto& link : impl_->links)
        bpf_link__unpin(link.get());
    impl_->links.clear(); // the last fd of each unpinned link: the program is detached
    if (impl_->pinDirectory.empty())
        return;
    for (bpf_map* map : pinnedMaps(*impl_->skeleton))
        bpf_map__unpin(map, nullptr);
    (void)removePinned(impl_->pinDirectory); // anything else an older version left
}

bool BpfFirewall::accountsTraffic() const
{
    return impl_->accounting;
}

Result<std::vector<FlowCounter>> BpfFirewall::readFlows() const
{
    const auto convert = [](const hg_flow_key& key, const hg_flow_counters& value) {
        FlowCounter flow;
        flow.cookie = key.cookie;
        flow.remote = addressFromKernel(key.addr, key.family);
        flow.port = key.port;
        flow.protocol = protocolFromKernel(key.proto);
        flow.bytesOut = value.bytes_out;
        flow.bytesIn = value.bytes_in;
        flow.packetsOut = value.packets_out;
        flow.packetsIn = value.packets_in;
        flow.first = steadyFromNanoseconds(value.first_ns);
        flow.last = steadyFromNanoseconds(value.last_ns != 0 ? value.last_ns : value.first_ns);
        return flow;
    };
    if (!impl_->accounting)
        return std::vector<FlowCounter>{};
    return readBatched<hg_flow_key, hg_flow_counters>(impl_->skeleton->maps.flows, "read the traffic counters",
                                                      convert);
}

Result<std::map<std::uint64_t, std::chrono::steady_clock::time_point>> BpfFirewall::readClosedSockets() const
{
    using SteadyClock = std::chrono::steady_clock;
    std::map<std::uint64_t, SteadyClock::time_point> closed;
    if (!impl_->accounting)
        return closed;
    auto entries = readBatched<std::uint64_t, std::uint64_t>(
        impl_->skeleton->maps.closed_sockets, "read the closed sockets", [](std::uint64_t cookie, std::uint64_t ns) {
            return std::pair{cookie, steadyFromNanoseconds(ns)};
        });
    if (!entries)
        return entries.error();
    closed.insert(entries->begin(), entries->end());
    return closed;
}

void BpfFirewall::forgetSockets(const std::set<std::uint64_t>& cookies, const std::vector<FlowCounter>& flows)
{
    if (!impl_->accounting || cookies.empty())
        return;
    for (const FlowCounter& flow : flows) {
        if (!cookies.contains(flow.cookie) || flow.protocol == Protocol::Any)
            continue;
        hg_flow_key key{};
        key.cookie = flow.cookie;
        std::memcpy(key.addr, flow.remote.bytes().data(), sizeof(key.addr));
        key.port = flow.port;
        key.proto = flow.protocol == Protocol::Tcp ? HG_PROTO_TCP : HG_PROTO_UDP;
        key.family = flow.remote.isV4() ? HG_FAMILY_V4 : HG_FAMILY_V6;
        bpf_map__delete_elem(impl_->skeleton->maps.flows, &key, sizeof(key), 0);
    }
    for (const std::uint64_t cookie : cookies)
        bpf_map__delete_elem(impl_->skeleton->maps.closed_sockets, &cookie, sizeof(cookie), 0);
}

std::optional<SocketOwner> BpfFirewall::ownerOfCookie(std::uint64_t cookie) const
{
    hg_sock_owner owner{};
    if (bpf_map__lookup_elem(impl_->skeleton->maps.socket_owners, &cookie, sizeof(cookie), &owner, sizeof(owner), 0) !=
        0) {
        return std::nullopt;
    }
    return fromKernelOwner(owner);
}

int BpfFirewall::eventFd() const
{
    return ring_buffer__epoll_fd(impl_->events.get());
}

Result<std::size_t> BpfFirewall::pollEvents(const MissHandler& onMiss)
{
    impl_->handler = &onMiss;
    impl_->handled = 0;
    impl_->handlerFailure = nullptr;
    const int consumed = ring_buffer__consume(impl_->events.get());
    impl_->handler = nullptr;
    if (impl_->handlerFailure) {
        std::rethrow_exception(std::exchange(impl_->handlerFailure, nullptr));
    }
    if (consumed < 0) {
        return errnoError("read BPF miss events", consumed);
    }
    return impl_->handled;
}

std::uint64_t BpfFirewall::droppedEvents() const
{
    return __atomic_load_n(&impl_->skeleton->bss->dropped_events, __ATOMIC_RELAXED);
}

AppKey BpfFirewall::appKeyFromStat(const struct stat& st)
{
    return {kernelDeviceFromUser(st.st_dev), st.st_ino};
}

std::uint64_t kernelDeviceFromUser(std::uint64_t userDevice)
{
    return (static_cast<std::uint64_t>(major(userDevice)) << 20) | minor(userDevice);
}

std::uint64_t userDeviceFromKernel(std::uint64_t kernelDevice)
{
    return makedev(static_cast<unsigned>(kernelDevice >> 20), static_cast<unsigned>(kernelDevice & 0xfffff));
}

} // namespace hostgate
