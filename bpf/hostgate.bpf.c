// hostgate.bpf.c: cgroup socket programs that apply per-application verdicts and flag misses.
//
// Flow for every connect()/unconnected sendmsg() of a socket in the attached cgroup:
//   1. app key = executable (dev, inode) of the current task; no executable (kernel thread) → allow.
//   2. record cookie → owner in `socket_owners`, always: DNS attribution needs it even for port 53.
//   3. port 53 → allow (the DNS nfqueue path judges DNS); non-TCP/UDP (ping sockets) → allow.
//   4. verdict {app, uid, addr, port, proto, family}, then the same with port 0 ("any port");
//      an expired entry counts as missing. allow → 1; deny → 0 (the caller gets EPERM at once).
//   5. miss: loopback destinations are allowed without marking when `bypass_loopback` (nothing outside the
//      host judges them); otherwise OR `mark_bit` into SO_MARK (keeping the other bits, which policy
//      routing owns), emit a ring buffer event, allow. The firewall queues marked new flows for a decision.
//   6. a connected UDP socket allowed in 4 or bypassed in 5 has `mark_bit` cleared (see below).
//
// UDP sockets are marked from birth (hg_sock_create). Why: udp_sendmsg() copies sk_mark into the datagram's
// cmsg cookie BEFORE the sendmsg hook runs, so a mark set by the hook on a miss of an unconnected socket
// would apply only from its second datagram on, and the first would leave unqueued. With the bit set at
// socket() time, the first datagram of every new unconnected flow reaches the decision queue. Consequences:
//   - Unconnected sends never clear the bit, not even on an allow hit or a bypassed loopback miss: the
//     hook cannot unmark the datagram being sent anyway, and a cleared bit would let the socket's next
//     datagram to a NEW destination (a miss) leave unmarked. So the first datagram of an allowed
//     unconnected flow costs one queue round trip (the decision path re-decides it with the same rules and
//     accepts it); the conntrack entry then keeps the rest of the flow out of the queue once the peer
//     replies. A pre-marked datagram to loopback is queued as well: the firewall should skip `-o lo` for
//     the mark rule when loopback is bypassed, or the decision path decides it.
//   - connect() on UDP decides the socket's one destination up front: an allow hit, or a bypassed loopback
//     miss, CLEARS the bit so the connected flow stays in the kernel (TCP sockets are never pre-marked and
//     are left alone). Residual gap: a connected socket whose bit was cleared that then sendto()s a
//     different, unknown destination (or disconnects with AF_UNSPEC and sends again) leaks that first
//     datagram; the hook re-marks the socket for the ones after it.
//   - Port 53 is left as created: the firewall's DNS rules come before its mark rule, so DNS datagrams go
//     to the DNS queue whatever their mark.
//   - Sockets created before the programs were attached, outside the cgroup, or whose SO_MARK a privileged
//     process overwrote after socket(), are not pre-marked and keep the old first-datagram gap.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "hostgate_abi.h"

#define SOL_SOCKET 1
#define SO_MARK 36
#define SOCK_DGRAM 2

#define ALLOW 1
#define DENY 0

// Load-time settings, written by user space between open and load.
const volatile __u32 mark_bit = 0;
const volatile __u8 bypass_loopback = 1;

// Events lost because the ring buffer was full; user space reads it from the skeleton's bss.
__u64 dropped_events = 0;

// Sizes are defaults; user space resizes with bpf_map__set_max_entries before load.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, struct hg_verdict_key);
    __type(value, struct hg_verdict);
} verdicts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, __u64);
    __type(value, struct hg_sock_owner);
} socket_owners SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

// The destination of one call, in the verdict key's conventions (network-order words for the address).
struct destination {
    __u32 addr[4];
    __u16 port;
    __u8 proto;
    __u8 family;
};

static __always_inline void destination_v4(struct bpf_sock_addr *ctx, struct destination *dst)
{
    dst->addr[0] = ctx->user_ip4;
    dst->addr[1] = 0;
    dst->addr[2] = 0;
    dst->addr[3] = 0;
    dst->family = HG_FAMILY_V4;
}

static __always_inline void destination_v6(struct bpf_sock_addr *ctx, struct destination *dst)
{
    __u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];

    // ::ffff:a.b.c.d is an IPv4 connection made through an IPv6 socket: judge it by the IPv4 entry.
    if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0x0000ffff)) {
        dst->addr[0] = w3;
        dst->addr[1] = 0;
        dst->addr[2] = 0;
        dst->addr[3] = 0;
        dst->family = HG_FAMILY_V4;
        return;
    }
    dst->addr[0] = w0;
    dst->addr[1] = w1;
    dst->addr[2] = w2;
    dst->addr[3] = w3;
    dst->family = HG_FAMILY_V6;
}

static __always_inline int is_loopback(const struct destination *dst)
{
    if (dst->family == HG_FAMILY_V4)
        return (bpf_ntohl(dst->addr[0]) >> 24) == 127;
    return dst->addr[0] == 0 && dst->addr[1] == 0 && dst->addr[2] == 0 && dst->addr[3] == bpf_htonl(1);
}

// The live action for `key` (HG_ACTION_*), or 0 when there is no entry or it has expired.
static __always_inline __u8 live_action(const struct hg_verdict_key *key)
{
    const struct hg_verdict *verdict = bpf_map_lookup_elem(&verdicts, key);

    if (!verdict)
        return 0;
    if (verdict->expires_ns != 0 && bpf_ktime_get_ns() >= verdict->expires_ns)
        return 0;
    return verdict->action;
}

static __always_inline void emit_miss(const struct hg_sock_owner *owner, const struct destination *dst,
                                      int mark_error)
{
    struct hg_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);

    if (!event) {
        __sync_fetch_and_add(&dropped_events, 1);
        return;
    }
    event->type = HG_EVENT_MISS;
    event->mark_error = mark_error;
    __builtin_memcpy(&event->owner, owner, sizeof(*owner));
    __builtin_memcpy(event->addr, dst->addr, sizeof(event->addr));
    event->port = dst->port;
    event->proto = dst->proto;
    event->family = dst->family;
    event->pad = 0;
    bpf_ringbuf_submit(event, 0);
}

// ORs mark_bit into the socket's mark. Returns 0 or a negative errno. When the current mark cannot be
// read, nothing is written: clobbering another program's routing mark would be worse than an unmarked miss.
static __always_inline int mark_socket(struct bpf_sock_addr *ctx)
{
    int mark = 0;
    int err = bpf_getsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));

    if (err)
        return err;
    if (mark & mark_bit)
        return 0;
    mark |= mark_bit;
    return bpf_setsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
}

// Takes mark_bit out of the socket's mark, keeping the other bits. Failures leave the bit set, which only
// costs a queue round trip.
static __always_inline void unmark_socket(struct bpf_sock_addr *ctx)
{
    int mark = 0;

    if (bpf_getsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) || !(mark & mark_bit))
        return;
    mark &= ~mark_bit;
    bpf_setsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
}

// A connected UDP socket judged allowed (or bypassed) sends its whole flow unqueued: drop its birth mark.
static __always_inline int allow_flow(struct bpf_sock_addr *ctx, const struct destination *dst, int connecting)
{
    if (connecting && dst->proto == HG_PROTO_UDP)
        unmark_socket(ctx);
    return ALLOW;
}

// connecting: 1 for connect(), which fixes the socket's destination; 0 for an unconnected sendmsg().
static __always_inline int judge(struct bpf_sock_addr *ctx, struct destination *dst, int connecting)
{
    struct task_struct *task = bpf_get_current_task_btf();
    struct file *exe = BPF_CORE_READ(task, mm, exe_file);
    struct hg_sock_owner owner = {};
    struct hg_verdict_key key = {};
    __u64 pid_tgid, uid_gid;
    __u8 action;

    if (!exe)
        return ALLOW;

    pid_tgid = bpf_get_current_pid_tgid();
    uid_gid = bpf_get_current_uid_gid();
    owner.cookie = bpf_get_socket_cookie(ctx);
    owner.pid = pid_tgid >> 32;
    owner.tid = (__u32)pid_tgid;
    owner.uid = (__u32)uid_gid;
    owner.gid = uid_gid >> 32;
    owner.app.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
    owner.app.ino = BPF_CORE_READ(exe, f_inode, i_ino);
    bpf_get_current_comm(owner.comm, sizeof(owner.comm));
    bpf_map_update_elem(&socket_owners, &owner.cookie, &owner, BPF_ANY);

    dst->port = bpf_ntohs((__u16)ctx->user_port);
    dst->proto = (__u8)ctx->protocol;
    if (dst->port == HG_DNS_PORT)
        return ALLOW;
    if (dst->proto != HG_PROTO_TCP && dst->proto != HG_PROTO_UDP)
        return ALLOW;

    key.app = owner.app;
    key.uid = owner.uid;
    __builtin_memcpy(key.addr, dst->addr, sizeof(key.addr));
    key.port = dst->port;
    key.proto = dst->proto;
    key.family = dst->family;
    action = live_action(&key);
    if (!action) {
        key.port = 0;
        action = live_action(&key);
    }
    if (action == HG_ACTION_ALLOW)
        return allow_flow(ctx, dst, connecting);
    if (action == HG_ACTION_DENY)
        return DENY;

    if (bypass_loopback && is_loopback(dst))
        return allow_flow(ctx, dst, connecting);
    emit_miss(&owner, dst, mark_socket(ctx));
    return ALLOW;
}

SEC("cgroup/connect4")
int hg_connect4(struct bpf_sock_addr *ctx)
{
    struct destination dst = {};

    destination_v4(ctx, &dst);
    return judge(ctx, &dst, 1);
}

SEC("cgroup/connect6")
int hg_connect6(struct bpf_sock_addr *ctx)
{
    struct destination dst = {};

    destination_v6(ctx, &dst);
    return judge(ctx, &dst, 1);
}

SEC("cgroup/sendmsg4")
int hg_sendmsg4(struct bpf_sock_addr *ctx)
{
    struct destination dst = {};

    destination_v4(ctx, &dst);
    return judge(ctx, &dst, 0);
}

SEC("cgroup/sendmsg6")
int hg_sendmsg6(struct bpf_sock_addr *ctx)
{
    struct destination dst = {};

    destination_v6(ctx, &dst);
    return judge(ctx, &dst, 0);
}

// Pre-marks every new UDP socket of the cgroup (see the top of this file for why). Raw sockets with
// protocol 17, ping sockets and TCP are left alone; the socket's other mark bits are kept.
SEC("cgroup/sock_create")
int hg_sock_create(struct bpf_sock *ctx)
{
    if ((ctx->family == HG_FAMILY_V4 || ctx->family == HG_FAMILY_V6) && ctx->type == SOCK_DGRAM &&
        ctx->protocol == HG_PROTO_UDP)
        ctx->mark |= mark_bit;
    return ALLOW;
}

char LICENSE[] SEC("license") = "GPL";
