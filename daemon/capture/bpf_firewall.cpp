// BpfFirewall: skeleton lifetime, cgroup attachment, verdict/owner map access and miss-event decoding.
#include "capture/bpf_firewall.h"

#include "hostgate.skel.h"
#include "hostgate_abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>
#include <vector>

namespace hostgate {

// The ABI structs are copied byte for byte between the kernel and us: their layout is the contract.
static_assert(sizeof(hg_app_key) == 16);
static_assert(sizeof(hg_verdict_key) == 40, "verdict keys must have no implicit padding");
static_assert(sizeof(hg_verdict) == 16);
static_assert(sizeof(hg_sock_owner) == 56);
static_assert(sizeof(hg_event) == 88);
static_assert(offsetof(hg_verdict_key, addr) == 20 && offsetof(hg_verdict_key, port) == 36);
static_assert(HG_FAMILY_V4 == AF_INET && HG_FAMILY_V6 == AF_INET6);
static_assert(HG_PROTO_TCP == IPPROTO_TCP && HG_PROTO_UDP == IPPROTO_UDP);

namespace {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    void reset()
    {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

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

// libbpf reports failures as negative return values or as errno; both become a readable reason.
std::string reason(int negativeOrPositiveErrno)
{
    const int code = negativeOrPositiveErrno < 0 ? -negativeOrPositiveErrno : negativeOrPositiveErrno;
    return std::error_code(code, std::generic_category()).message();
}

Error failure(const std::string& what, int err)
{
    return Error("Failed to " + what + ": " + reason(err));
}

std::uint64_t monotonicNanoseconds(std::chrono::steady_clock::time_point time)
{
    const auto count = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    // 0 means "never expires" in the map, so an instant at or before the clock's epoch becomes 1: expired.
    return count > 0 ? static_cast<std::uint64_t>(count) : 1;
}

Result<hg_verdict_key> toKernelKey(const VerdictKey& key)
{
    hg_verdict_key kernelKey{};
    kernelKey.app.dev = key.app.device;
    kernelKey.app.ino = key.app.inode;
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
        return failure("open cgroup " + path.string(), errno);
    }
    struct statfs fs {};
    if (::fstatfs(fd.get(), &fs) != 0) {
        return failure("inspect cgroup " + path.string(), errno);
    }
    if (fs.f_type != CGROUP2_SUPER_MAGIC) {
        return Error("Failed to use cgroup " + path.string() + ": not a cgroup v2 directory");
    }
    // Every cgroup v2 directory except a hierarchy's root has a cgroup.type file.
    if (refuseRoot && ::faccessat(fd.get(), "cgroup.type", F_OK, 0) != 0) {
        return Error("Failed to use cgroup " + path.string() + ": it is the root of the hierarchy, which "
                     "these options refuse");
    }
    return fd;
}

} // namespace

struct BpfFirewall::Impl {
    // Declaration order is teardown order reversed: events stop first, then programs detach, then unload.
    std::filesystem::path cgroupPath;
    std::uint32_t markBit = 0;
    UniqueFd cgroupFd;
    SkeletonPtr skeleton;
    std::vector<LinkPtr> links;
    RingBufferPtr events;
    // Set only while pollEvents() runs: the ring buffer callback is a C function with this Impl as context.
    const MissHandler* handler = nullptr;
    std::exception_ptr handlerFailure;
    std::size_t handled = 0;

    static int onRecord(void* context, void* data, size_t size);
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
    std::vector<hg_verdict_key> keys;
    hg_verdict_key key{};
    const hg_verdict_key* previous = nullptr;
    while (bpf_map__get_next_key(skeleton->maps.verdicts, previous, &key, sizeof(key)) == 0) {
        keys.push_back(key);
        previous = &keys.back();
    }
    return keys;
}

int BpfFirewall::Impl::deleteVerdict(const hg_verdict_key& key)
{
    return bpf_map__delete_elem(skeleton->maps.verdicts, &key, sizeof(key), 0);
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

    auto impl = std::make_unique<Impl>();
    impl->cgroupPath = options.cgroup;
    impl->markBit = options.markBit;
    impl->cgroupFd = std::move(cgroupFd.value());
    impl->skeleton.reset(hostgate_bpf__open());
    if (!impl->skeleton) {
        return failure("open the BPF object", errno);
    }
    hostgate_bpf& skeleton = *impl->skeleton;
    skeleton.rodata->mark_bit = options.markBit;
    skeleton.rodata->bypass_loopback = options.bypassLoopback ? 1 : 0;
    const std::array<std::pair<bpf_map*, std::uint32_t>, 3> sizes = {{
        {skeleton.maps.verdicts, options.verdictEntries},
        {skeleton.maps.socket_owners, options.ownerEntries},
        {skeleton.maps.events, options.eventBufferBytes},
    }};
    for (const auto& [map, entries] : sizes) {
        if (int err = bpf_map__set_max_entries(map, entries); err != 0) {
            return failure(std::string("size BPF map ") + bpf_map__name(map), err);
        }
    }
    if (int err = hostgate_bpf__load(&skeleton); err != 0) {
        return failure("load the BPF programs (the verifier log is on stderr)", err);
    }

    // sock_create first: a UDP socket created while the others attach is then already pre-marked.
    for (bpf_program* program : {skeleton.progs.hg_sock_create, skeleton.progs.hg_connect4,
                                 skeleton.progs.hg_connect6, skeleton.progs.hg_sendmsg4,
                                 skeleton.progs.hg_sendmsg6}) {
        LinkPtr link(bpf_program__attach_cgroup(program, impl->cgroupFd.get()));
        if (!link) {
            return failure(std::string("attach BPF program ") + bpf_program__name(program) + " to cgroup " +
                               options.cgroup.string(),
                           errno);
        }
        impl->links.push_back(std::move(link));
    }

    impl->events.reset(ring_buffer__new(bpf_map__fd(skeleton.maps.events), &Impl::onRecord, impl.get(), nullptr));
    if (!impl->events) {
        return failure("open the BPF event ring buffer", errno);
    }
    return BpfFirewall(std::move(impl));
}

BpfFirewall::BpfFirewall(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfFirewall::BpfFirewall(BpfFirewall&&) noexcept = default;
BpfFirewall& BpfFirewall::operator=(BpfFirewall&&) noexcept = default;
BpfFirewall::~BpfFirewall() = default;

Result<void> BpfFirewall::setVerdict(const VerdictKey& key, Action action,
                                     std::optional<std::chrono::steady_clock::time_point> expires)
{
    auto kernelKey = toKernelKey(key);
    if (!kernelKey) {
        return kernelKey.error();
    }
    hg_verdict verdict{};
    verdict.action = action == Action::Allow ? HG_ACTION_ALLOW : HG_ACTION_DENY;
    verdict.expires_ns = expires ? monotonicNanoseconds(*expires) : 0;
    const int err = bpf_map__update_elem(impl_->skeleton->maps.verdicts, &kernelKey.value(), sizeof(hg_verdict_key),
                                         &verdict, sizeof(verdict), BPF_ANY);
    if (err != 0) {
        return failure("store verdict for " + key.address.toString(), err);
    }
    return Ok{};
}

Result<void> BpfFirewall::removeVerdict(const VerdictKey& key)
{
    auto kernelKey = toKernelKey(key);
    if (!kernelKey) {
        return kernelKey.error();
    }
    const int err =
        bpf_map__delete_elem(impl_->skeleton->maps.verdicts, &kernelKey.value(), sizeof(hg_verdict_key), 0);
    if (err != 0 && err != -ENOENT) {
        return failure("remove verdict for " + key.address.toString(), err);
    }
    return Ok{};
}

Result<void> BpfFirewall::clearVerdicts()
{
    for (const auto& key : impl_->verdictKeys()) {
        if (int err = impl_->deleteVerdict(key); err != 0 && err != -ENOENT) {
            return failure("clear the verdict map", err);
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

std::optional<SocketOwner> BpfFirewall::ownerOfCookie(std::uint64_t cookie) const
{
    hg_sock_owner owner{};
    if (bpf_map__lookup_elem(impl_->skeleton->maps.socket_owners, &cookie, sizeof(cookie), &owner, sizeof(owner),
                             0) != 0) {
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
        return failure("read BPF miss events", consumed);
    }
    return impl_->handled;
}

std::uint64_t BpfFirewall::droppedEvents() const
{
    return __atomic_load_n(&impl_->skeleton->bss->dropped_events, __ATOMIC_RELAXED);
}

std::uint32_t BpfFirewall::markBit() const
{
    return impl_->markBit;
}

const std::filesystem::path& BpfFirewall::cgroup() const
{
    return impl_->cgroupPath;
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
