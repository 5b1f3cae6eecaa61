// SPDX-License-Identifier: GPL-3.0-or-later
// hostgate.bpf.c: cgroup socket programs that apply per-application verdicts and flag misses.
//
// Flow for every connect()/unconnected sendmsg() of a socket in the attached cgroup:
//   1. app key = executable (dev, inode) of the current task; no executable (kernel thread) → allow.
//   2. record cookie → owner in `socket_owners`; for a connect() to a port other than 53 that a verdict decides
//      only with traffic accounting (HG_STATE_TRAFFIC_ACCOUNTING: the network monitor names a flow's app by it;
//      no packet of such a connect() reaches the daemon otherwise).
//   3. not TCP or UDP (ping sockets' connect()) → refused when HG_STATE_DENY_OTHER_PROTOCOLS, else allowed.
//   4. verdict {app, process 0, uid, addr, port, proto, family}, then port 0 ("any port"), then the same two
//      with the per-process key (interpreters); in a scope (hostgate_abi.h) only the scope's key {app,
//      HG_SCOPE_PROCESS | scope cgroup, ...} at both ports; an expired entry counts as missing. allow → 1; deny → 0 (the
//      caller gets EPERM at once).
//   5. miss to a trusted resolver on port 53, or to a loopback address → allowed unmarked: the daemon's DNS
//      queue observes trusted DNS, and nothing to loopback leaves the host.
//   6. miss while the daemon is gone (heartbeat stale, see hg_state) → refused (fail-closed) or allowed
//      unmarked (fail-open): a queue without a reader is never relied on.
//   7. miss in another network namespace (a container: the daemon's queues cannot see its packets, and the
//      mark does not survive the veth) → refused and reported; the daemon decides from the report, so the
//      next attempt finds a verdict.
//   8. miss otherwise: OR `mark_bit` into SO_MARK (keeping the other bits, which policy routing owns) and
//      report it; the firewall queues the first packet of marked new flows for a decision. An unconnected
//      datagram whose socket did not already carry the bit would leave unmarked: it is refused (EPERM) and
//      reported, and the socket keeps the bit, so the next datagram is held.
//   9. a connected UDP socket allowed in 4 or 5 has `mark_bit` cleared (see below).
//
// UDP sockets are marked from birth (hg_sock_create). Why: udp_sendmsg() copies sk_mark into the datagram's
// cmsg cookie BEFORE the sendmsg hook runs, so a mark set by the hook on a miss of an unconnected socket
// would apply only from its second datagram on. With the bit set at socket() time, the first datagram of
// every new unconnected flow reaches the decision queue. Consequences:
//   - Unconnected sends never clear the bit, not even on an allow hit: the hook cannot unmark the datagram
//     being sent anyway, and a cleared bit would let the socket's next datagram to a NEW destination leave
//     unmarked. So the first datagram of an allowed unconnected flow costs one queue round trip.
//   - connect() on UDP decides the socket's one destination up front: an allow hit CLEARS the bit so the
//     connected flow stays in the kernel. If that socket later sendto()s an unknown destination, step 8
//     refuses that datagram and re-marks the socket: nothing leaves undecided.
//   - Sockets created before the programs were attached, or whose SO_MARK a privileged process overwrote,
//     are caught by step 8 the same way.
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

#define SOCK_STREAM 1
#define SOCK_RAW 3

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

// The daemon's liveness and settings that may change without reloading the programs (hg_state).
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct hg_state);
} state SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, struct hg_resolver_key);
    __type(value, __u8);
} trusted_resolvers SEC(".maps");

// Cgroup ids of scopes (hostgate_abi.h, "Scopes").
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u64);
    __type(value, __u8);
} scoped_cgroups SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

// Traffic accounting (hostgate_abi.h): per socket and remote end, and when sockets closed. Not pinned: a
// restarted daemon starts counting afresh.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, struct hg_flow_key);
    __type(value, struct hg_flow_counters);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u64);
    __type(value, __u64);
} closed_sockets SEC(".maps");

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

// The live action for `key` (HG_ACTION_*), or 0 when there is no entry or it has expired. A live entry found
// here always decides the call (every caller returns its action), so this is where its hit is counted: one
// atomic add and one store into the value the lookup returned, no extra map operation.
static __always_inline __u8 live_action(const struct hg_verdict_key *key)
{
    struct hg_verdict *verdict = bpf_map_lookup_elem(&verdicts, key);
    __u64 now;

    if (!verdict)
        return 0;
    now = bpf_ktime_get_ns();
    if (verdict->expires_ns != 0 && now >= verdict->expires_ns)
        return 0;
    __sync_fetch_and_add(&verdict->hits, 1);
    verdict->last_hit_ns = now;
    return verdict->action;
}

// The verdict for `key` at its exact port, then at port 0 ("any port").
static __always_inline __u8 live_action_any_port(struct hg_verdict_key *key)
{
    __u16 port = key->port;
    __u8 action = live_action(key);

    if (!action) {
        key->port = 0;
        action = live_action(key);
        key->port = port;
    }
    return action;
}

static __always_inline const struct hg_state *daemon_state(void)
{
    __u32 zero = 0;

    return bpf_map_lookup_elem(&state, &zero);
}

// Whether the daemon has shown a sign of life recently enough to be trusted with queued packets.
static __always_inline int daemon_alive(const struct hg_state *st)
{
    __u64 now;

    if (!st || st->heartbeat_ns == 0)
        return 0;
    now = bpf_ktime_get_ns();
    return now < st->heartbeat_ns || now - st->heartbeat_ns <= st->stale_after_ns;
}

// The cgroup id of the innermost scope the current task is in, 0 when none (or no scope exists).
static __always_inline __u64 current_scope(const struct hg_state *st)
{
    __u64 found = 0;

    if (!st || !(st->flags & HG_STATE_SCOPES))
        return 0;
    for (int level = 1; level <= HG_MAX_SCOPE_LEVEL; level++) {
        __u64 id = bpf_get_current_ancestor_cgroup_id(level);

        if (!id)
            break;
        if (bpf_map_lookup_elem(&scoped_cgroups, &id))
            found = id;
    }
    return found;
}

static __always_inline int is_trusted_resolver(const struct destination *dst)
{
    struct hg_resolver_key key = {};

    __builtin_memcpy(key.addr, dst->addr, sizeof(key.addr));
    key.family = dst->family;
    return bpf_map_lookup_elem(&trusted_resolvers, &key) != 0;
}

static __always_inline void emit_miss(const struct hg_sock_owner *owner, const struct destination *dst, int mark_error,
                                      __u32 flags)
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
    event->flags = flags;
    bpf_ringbuf_submit(event, 0);
}

// ORs mark_bit into the socket's mark. Returns 0 or a negative errno; *had_bit says whether the socket
// already carried it (so a datagram being sent right now is marked too). When the current mark cannot be
// read, nothing is written: clobbering another program's routing mark would be worse; the caller refuses.
static __always_inline int mark_socket(struct bpf_sock_addr *ctx, int *had_bit)
{
    int mark = 0;
    int err = bpf_getsockopt(ctx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));

    *had_bit = 0;
    if (err)
        return err;
    if (mark & mark_bit) {
        *had_bit = 1;
        return 0;
    }
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
    // Direct loads through the task's BTF pointer (CO-RE relocated; the verifier makes them fault-safe) cost a
    // fraction of bpf_probe_read_kernel() helper calls, and this runs for every connect().
    struct mm_struct *mm = task->mm;
    struct file *exe = mm ? mm->exe_file : 0;
    struct inode *inode;
    const struct hg_state *st;
    struct hg_sock_owner owner = {};
    struct hg_verdict_key key = {};
    __u64 pid_tgid, uid_gid, scope;
    __u8 action;
    int had_bit = 0, err, decided;

    if (!exe)
        return ALLOW;

    pid_tgid = bpf_get_current_pid_tgid();
    uid_gid = bpf_get_current_uid_gid();
    owner.pid = pid_tgid >> 32;
    owner.tid = (__u32)pid_tgid;
    owner.uid = (__u32)uid_gid;
    owner.gid = uid_gid >> 32;
    inode = exe->f_inode;
    owner.app.dev = inode->i_sb->s_dev;
    owner.app.ino = inode->i_ino;

    dst->port = bpf_ntohs((__u16)ctx->user_port);
    dst->proto = (__u8)ctx->protocol;
    if (dst->proto != HG_PROTO_TCP && dst->proto != HG_PROTO_UDP) {
        st = daemon_state();
        return st && (st->flags & HG_STATE_DENY_OTHER_PROTOCOLS) ? DENY : ALLOW;
    }

    key.app = owner.app;
    key.uid = owner.uid;
    __builtin_memcpy(key.addr, dst->addr, sizeof(key.addr));
    key.port = dst->port;
    key.proto = dst->proto;
    key.family = dst->family;
    // A scope's processes are judged by their scope's verdicts only (hostgate_abi.h, "Scopes").
    st = daemon_state();
    scope = current_scope(st);
    if (scope)
        key.process = HG_SCOPE_PROCESS | scope;
    action = live_action_any_port(&key);
    // The fast path: a decided connect() sends no packet the daemon has to decide (an allowed connected flow is
    // never queued, a denied one never leaves). DNS is judged by the DNS path, and an unconnected datagram may
    // still be queued (its birth mark): those go on below.
    decided = connecting && dst->port != HG_DNS_PORT && (action == HG_ACTION_ALLOW || action == HG_ACTION_DENY);
    // The owner: the DNS path and the decision queue attribute packets by it, so every attempt that goes on
    // records it; a decided one only with traffic accounting, whose monitor names a flow's app by it.
    if (!decided || (st && (st->flags & HG_STATE_TRAFFIC_ACCOUNTING))) {
        owner.cookie = bpf_get_socket_cookie(ctx);
        bpf_get_current_comm(owner.comm, sizeof(owner.comm));
        owner.netns_cookie = bpf_get_netns_cookie(ctx);
        owner.cgroup_id = bpf_get_current_cgroup_id();
        owner.exec_id = (__u32)task->self_exec_id;
        bpf_map_update_elem(&socket_owners, &owner.cookie, &owner, BPF_ANY);
    }
    if (decided)
        return action == HG_ACTION_ALLOW ? allow_flow(ctx, dst, connecting) : DENY;

    if (!action && !scope) {
        key.process = ((__u64)owner.pid << 32) | owner.exec_id;
        action = live_action_any_port(&key);
    }
    if (action == HG_ACTION_ALLOW)
        return allow_flow(ctx, dst, connecting);
    if (action == HG_ACTION_DENY)
        return DENY;

    if (dst->port == HG_DNS_PORT && is_trusted_resolver(dst))
        return allow_flow(ctx, dst, connecting);
    // Nothing sent to loopback leaves the host: allowed without a mark (explicit verdicts still apply).
    if (is_loopback(dst))
        return allow_flow(ctx, dst, connecting);
    st = daemon_state();
    if (!daemon_alive(st))
        return st && (st->flags & HG_STATE_FAIL_OPEN) ? allow_flow(ctx, dst, connecting) : DENY;
    if (st->netns_cookie != 0 && owner.netns_cookie != st->netns_cookie) {
        emit_miss(&owner, dst, 0, HG_MISS_REFUSED | HG_MISS_FOREIGN_NETNS);
        return DENY;
    }
    err = mark_socket(ctx, &had_bit);
    if (err) {
        emit_miss(&owner, dst, err, HG_MISS_REFUSED | HG_MISS_MARK_FAILED);
        return DENY;
    }
    if (!connecting && !had_bit) {
        emit_miss(&owner, dst, 0, HG_MISS_REFUSED | HG_MISS_UNMARKED);
        return DENY;
    }
    emit_miss(&owner, dst, 0, 0);
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

// Pre-marks every new UDP socket of the cgroup (see the top of this file for why), keeping the socket's
// other mark bits. INET sockets that are neither TCP nor UDP (raw, ping, SCTP, UDP-Lite, MPTCP) cannot be
// judged per destination by these programs: with HG_STATE_DENY_OTHER_PROTOCOLS they are refused here,
// except the daemon's own (its raw DNS reply socket).
SEC("cgroup/sock_create")
int hg_sock_create(struct bpf_sock *ctx)
{
    const struct hg_state *st;

    if (ctx->family != HG_FAMILY_V4 && ctx->family != HG_FAMILY_V6)
        return ALLOW;
    if (ctx->type == SOCK_DGRAM && ctx->protocol == HG_PROTO_UDP) {
        ctx->mark |= mark_bit;
        return ALLOW;
    }
    if (ctx->type == SOCK_STREAM && ctx->protocol == HG_PROTO_TCP)
        return ALLOW;
    st = daemon_state();
    if (!st || !(st->flags & HG_STATE_DENY_OTHER_PROTOCOLS))
        return ALLOW;
    if (st->daemon_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) == st->daemon_tgid)
        return ALLOW;
    return DENY;
}

// Traffic accounting (hostgate_abi.h, "Traffic accounting"): counts every TCP and UDP packet of the cgroup's
// sockets by socket and remote end. Never refuses anything. skb data starts at the network header here.
#define ETH_P_IP_BE 0x0008   /* htons(0x0800) */
#define ETH_P_IPV6_BE 0xDD86 /* htons(0x86DD) */

static __always_inline void account(struct __sk_buff *skb, int outgoing)
{
    struct hg_flow_key key = {};
    struct hg_flow_counters fresh = {}, *counters;
    __u32 l4 = 0, headers = 0;
    __u8 proto = 0, ip[40];
    __u16 ports[2] = {};
    __u8 tcp[13];
    int fragment = 0;

    if (skb->protocol == ETH_P_IP_BE) {
        if (bpf_skb_load_bytes(skb, 0, ip, 20))
            return;
        l4 = (ip[0] & 0x0f) * 4;
        proto = ip[9];
        fragment = ((ip[6] & 0x1f) | ip[7]) != 0; /* a fragment offset: no L4 header in this one */
        key.family = HG_FAMILY_V4;
        __builtin_memcpy(key.addr, outgoing ? &ip[16] : &ip[12], 4);
    } else if (skb->protocol == ETH_P_IPV6_BE) {
        if (bpf_skb_load_bytes(skb, 0, ip, 40))
            return;
        l4 = 40;
        proto = ip[6]; /* extension headers are not followed: such packets count without ports */
        key.family = HG_FAMILY_V6;
        __builtin_memcpy(key.addr, outgoing ? &ip[24] : &ip[8], 16);
    } else {
        return;
    }
    if (proto != HG_PROTO_TCP && proto != HG_PROTO_UDP)
        return;
    headers = l4;
    if (!fragment) {
        if (proto == HG_PROTO_TCP) {
            if (bpf_skb_load_bytes(skb, l4, tcp, sizeof(tcp)))
                return;
            __builtin_memcpy(ports, tcp, sizeof(ports));
            headers += (tcp[12] >> 4) * 4;
        } else {
            if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)))
                return;
            headers += 8;
        }
        key.port = bpf_ntohs(outgoing ? ports[1] : ports[0]);
    }
    key.proto = proto;
    key.cookie = bpf_get_socket_cookie(skb);

    counters = bpf_map_lookup_elem(&flows, &key);
    if (!counters) {
        fresh.first_ns = bpf_ktime_get_ns();
        bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST);
        counters = bpf_map_lookup_elem(&flows, &key);
        if (!counters)
            return;
    }
    if (outgoing) {
        __sync_fetch_and_add(&counters->packets_out, 1);
        if (skb->len > headers)
            __sync_fetch_and_add(&counters->bytes_out, skb->len - headers);
    } else {
        __sync_fetch_and_add(&counters->packets_in, 1);
        if (skb->len > headers)
            __sync_fetch_and_add(&counters->bytes_in, skb->len - headers);
    }
    counters->last_ns = bpf_ktime_get_ns();
}

SEC("cgroup_skb/egress")
int hg_egress(struct __sk_buff *skb)
{
    account(skb, 1);
    return 1;
}

SEC("cgroup_skb/ingress")
int hg_ingress(struct __sk_buff *skb)
{
    account(skb, 0);
    return 1;
}

// When a socket of the cgroup closes, for the monitor to tell current connections from past ones.
SEC("cgroup/sock_release")
int hg_sock_release(struct bpf_sock *ctx)
{
    __u64 cookie, now;

    if ((ctx->family != HG_FAMILY_V4 && ctx->family != HG_FAMILY_V6) ||
        (ctx->protocol != HG_PROTO_TCP && ctx->protocol != HG_PROTO_UDP))
        return ALLOW;
    cookie = bpf_get_socket_cookie(ctx);
    now = bpf_ktime_get_ns();
    bpf_map_update_elem(&closed_sockets, &cookie, &now, BPF_ANY);
    return ALLOW;
}

// The kernel's marker for a GPL-licensed program (its list of license strings has no "GPL-3.0-or-later";
// "GPL" is the one for the GPL family): needed for the GPL-only helpers used above. The file itself is
// GPL-3.0-or-later, like the rest of hostgate (LICENSE).
char LICENSE[] SEC("license") = "GPL";
