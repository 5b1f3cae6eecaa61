// SPDX-License-Identifier: GPL-3.0-or-later
/* hostgate_abi.h: the fixed-width structs and constants shared by the cgroup BPF programs and user space. */
#ifndef HOSTGATE_ABI_H
#define HOSTGATE_ABI_H

/*
 * Every struct here is read and written by both sides, so:
 *  - only fixed-width fields, laid out without implicit padding (explicit pad fields instead), because the
 *    kernel hashes map keys byte for byte and a garbage padding byte would make two equal keys differ;
 *  - user space static_asserts every size (daemon/capture/bpf_firewall.cpp);
 *  - changing a layout means rebuilding both sides together (the skeleton embeds the object).
 */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Address families as the kernel numbers them (AF_INET, AF_INET6), defined here because the BPF side has
 * no libc headers. */
#define HG_FAMILY_V4 2
#define HG_FAMILY_V6 10

/* Protocols as IANA/the kernel number them (IPPROTO_TCP, IPPROTO_UDP). */
#define HG_PROTO_TCP 6
#define HG_PROTO_UDP 17

/* Verdict actions. 0 is deliberately unused so an all-zero value is never mistaken for a verdict. */
#define HG_ACTION_ALLOW 1
#define HG_ACTION_DENY 2

/* Ring buffer event types. */
#define HG_EVENT_MISS 1

/* hg_event.flags: why and where a miss happened. */
#define HG_MISS_REFUSED 1       /* the kernel refused the attempt (EPERM): it could not be held for a decision */
#define HG_MISS_FOREIGN_NETNS 2 /* the socket lives in another network namespace than the daemon's (a container) */
#define HG_MISS_UNMARKED                                                                                               \
    4                         /* an unconnected datagram left without the miss mark (a socket older than the
                                    programs, or whose SO_MARK another program rewrote) */
#define HG_MISS_MARK_FAILED 8 /* bpf_setsockopt(SO_MARK) failed; the attempt was refused */

/* hg_state.flags */
#define HG_STATE_FAIL_OPEN 1            /* daemon gone: undecided attempts pass instead of being refused */
#define HG_STATE_DENY_OTHER_PROTOCOLS 2 /* INET sockets other than TCP and UDP are refused at socket()/connect() */
#define HG_STATE_SCOPES 4               /* the `scoped_cgroups` set is not empty: look for the caller's scope */
#define HG_STATE_TRAFFIC_ACCOUNTING 8   /* traffic is counted: record the owner of connect()s a verdict decides too */

/*
 * Scopes (hostgatectl run / attach): a cgroup below the enforced one whose processes (and its descendants')
 * have rules of their own. Its cgroup id (the directory's inode, bpf_get_current_ancestor_cgroup_id()) is in
 * the `scoped_cgroups` set (value: __u8 1). A process in a scope is judged ONLY by verdicts cached for that
 * scope: the key's `process` field is HG_SCOPE_PROCESS | <the innermost scope's cgroup id>, never 0 or a
 * process image, so a verdict cached for the app outside the scope never decides inside it, and the other way
 * round. Ancestors are searched from level 1 to HG_MAX_SCOPE_LEVEL.
 * Worked example: curl in scope cgroup 4242 → key { app = curl, process = 0x8000000000001092, uid, addr... }.
 */
#define HG_SCOPE_PROCESS 0x8000000000000000ULL
#define HG_MAX_SCOPE_LEVEL 16

/*
 * The miss mark (load-time `mark_bit`, one SO_MARK bit) and who sets it:
 *  - every new UDP socket (AF_INET/AF_INET6, SOCK_DGRAM, IPPROTO_UDP) of the cgroup gets it at socket()
 *    time (cgroup/sock_create), because udp_sendmsg() reads sk_mark before the sendmsg hook could set it:
 *    that way the first datagram of every new unconnected flow is queued for a decision;
 *  - connect()/sendmsg() misses set it (TCP, and UDP sockets that lost it);
 *  - connect() on a UDP socket clears it when the destination is allowed by a live verdict, is a trusted
 *    resolver on port 53 or a loopback address, so an allowed connected flow never enters the queue;
 *  - an unconnected datagram of a miss whose socket did NOT carry the bit (created before the programs were
 *    attached, or another program rewrote SO_MARK) would leave unqueued: it is refused with EPERM instead,
 *    the bit is set so the next attempt is held, and the daemon is told (HG_MISS_REFUSED | HG_MISS_UNMARKED).
 * Worked example (mark_bit 0x02000000): socket(AF_INET, SOCK_DGRAM) → mark 0x02000000; sendto(203.0.113.9:
 * 4433), a miss → datagram queued, event sent; connect(198.51.100.1:9999) with an allow verdict → mark 0.
 */

/* DNS: port 53 is judged like any other port, except that queries to a trusted resolver (the
 * `trusted_resolvers` map) are allowed: the daemon's DNS queue observes them. */
#define HG_DNS_PORT 53

/*
 * An application: the (device, inode) of the executable the task runs, read from
 * task->mm->exe_file->f_inode.
 *
 * `dev` uses the KERNEL's dev_t encoding (MKDEV: major << 20 | minor), which is what i_sb->s_dev holds.
 * stat() reports st_dev in glibc's encoding (makedev), so user space must convert:
 *     kernel = major(st_dev) << 20 | minor(st_dev)
 * Worked example: /usr/bin/curl on /dev/vda (254:0): stat says st_dev = 0xfe00, inode 247228;
 * the key is { .dev = 254 << 20 | 0 = 0x0fe00000 = 266338304, .ino = 247228 }.
 * (btrfs subvolumes and overlayfs report an st_dev that differs from the superblock's s_dev; keys for
 * binaries on those file systems must come from a BPF-observed owner record, not from stat().)
 */
struct hg_app_key {
    __u64 dev;
    __u64 ino;
};

/*
 * Key of the verdict map: who (app, uid) may reach what (address, port, protocol).
 *
 * Addresses are in network byte order. IPv4 is stored in addr[0..3] with addr[4..15] zero and
 * family = HG_FAMILY_V4, the same layout as the core's IpAddress::bytes(). A connect6/sendmsg6 to an
 * IPv4-mapped address (::ffff:a.b.c.d) is looked up as that IPv4 key, so one entry covers both socket kinds.
 * port is in HOST byte order; port 0 means "any port" and is consulted after the exact port misses.
 *
 * `process` is 0 for a verdict that holds for every process of the app. Interpreters (python, sh, node...)
 * share one executable for every script they run, so their verdicts are per process instead:
 * process = tgid << 32 | (u32)task->self_exec_id (an exec() within the same pid changes self_exec_id).
 * The programs look up the app-wide key first, then the per-process one.
 *
 * Worked example: curl (above) run by uid 1000, TCP to 198.51.100.1:80 →
 *   { app = {0x0fe00000, 247228}, process = 0, uid = 1000, addr = {198, 51, 100, 1, 0...}, port = 80,
 *     proto = HG_PROTO_TCP, family = HG_FAMILY_V4 }
 * and to [2001:db8::1]:443 → addr = {0x20, 0x01, 0x0d, 0xb8, 0, ..., 0, 1}, port = 443, family = HG_FAMILY_V6.
 */
struct hg_verdict_key {
    struct hg_app_key app;
    __u64 process;
    __u32 uid;
    __u8 addr[16];
    __u16 port;
    __u8 proto;
    __u8 family;
};

/*
 * Value of the verdict map. expires_ns is CLOCK_MONOTONIC in nanoseconds (bpf_ktime_get_ns(), which is what
 * std::chrono::steady_clock reads on Linux); 0 means never. An expired entry behaves exactly like a miss;
 * user space sweeps expired entries away.
 * rule_id is user space's: the rule whose decision this entry caches (0: a mode default), so the hits the
 * kernel counts here can be credited to it, also by a daemon that adopted the map. Every connect()/sendmsg()
 * this entry decides adds 1 to hits (an atomic add: the programs run on every CPU at once) and stores
 * bpf_ktime_get_ns() in last_hit_ns; an expired entry decides nothing and counts nothing.
 * Worked example: allow for 60 s from now, for rule 12, written by user space:
 *   { .action = HG_ACTION_ALLOW, .expires_ns = now_ns + 60e9, .rule_id = 12, .hits = 0, .last_hit_ns = 0 };
 * after two more connects the kernel has made it { ..., .hits = 2, .last_hit_ns = <time of the second> }.
 */
struct hg_verdict {
    __u8 action;
    __u8 pad[7];
    __u64 expires_ns;
    __u64 rule_id;
    __u64 hits;
    __u64 last_hit_ns;
};

/*
 * Who owns a socket, recorded at every connect/sendmsg in an LRU hash keyed by the socket cookie
 * (bpf_get_socket_cookie(), the same value getsockopt(SO_COOKIE) and sock_diag report).
 * pid is the thread-group id (what user space calls the PID), tid the thread. comm is NUL-terminated.
 */
struct hg_sock_owner {
    __u64 cookie;
    __u32 pid;
    __u32 tid;
    __u32 uid;
    __u32 gid;
    struct hg_app_key app;
    char comm[16];
    __u64 netns_cookie; /* bpf_get_netns_cookie() of the socket's network namespace */
    __u64 cgroup_id;    /* bpf_get_current_cgroup_id(): the cgroup v2 directory's inode (a container scope) */
    __u32 exec_id;      /* (u32)task->self_exec_id, for per-process verdict keys */
    __u32 pad;
};

/*
 * Ring buffer record, sent for every verdict-map miss that was marked (one per connect/sendmsg, not
 * rate-limited: the buffer size bounds the burst; when it is full the event is dropped and counted in the
 * program's `dropped_events` global, and the marked packet still reaches the decision queue).
 * addr/port/proto/family use the hg_verdict_key conventions. mark_error is 0 or the negative errno of the
 * bpf_setsockopt(SO_MARK) call. flags are HG_MISS_*: a miss without HG_MISS_REFUSED was let through marked
 * (its first packet is held in the decision queue); one with it was refused, and the daemon decides it from
 * the event alone so that the next attempt finds a verdict.
 */
struct hg_event {
    __u32 type;
    __s32 mark_error;
    struct hg_sock_owner owner;
    __u8 addr[16];
    __u16 port;
    __u8 proto;
    __u8 family;
    __u32 flags;
};

/*
 * The one entry (key 0) of the `state` array map: what the programs need to know about the daemon.
 * heartbeat_ns is bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the daemon's last sign of life; when it is older
 * than stale_after_ns (or 0: no daemon ever ran) the daemon counts as gone: undecided attempts are refused
 * (fail-closed) or let through unmarked (HG_STATE_FAIL_OPEN), instead of being marked for a queue nobody reads.
 * netns_cookie is the daemon's network namespace: sockets in another one (containers) cannot be held by
 * its queues, so their misses are refused and reported. daemon_tgid may always create sockets.
 * Worked example: daemon pid 812 in the init netns (cookie 1), fail-closed, heartbeat every 250 ms:
 *   { .heartbeat_ns = <now>, .stale_after_ns = 3e9, .netns_cookie = 1, .daemon_tgid = 812, .flags = 0 }
 * policy_hash lets a restarted daemon keep the verdicts its predecessor cached only when its rules are the
 * same ones.
 */
struct hg_state {
    __u64 heartbeat_ns;
    __u64 stale_after_ns;
    __u64 netns_cookie;
    __u64 policy_hash; /* user space only: fingerprint of the rules the verdict map was filled from */
    __u32 daemon_tgid;
    __u32 flags;
};

/* Key of the `trusted_resolvers` set (value: __u8 1): a DNS server whose answers name addresses. */
struct hg_resolver_key {
    __u8 addr[16]; /* hg_verdict_key conventions */
    __u8 family;
    __u8 pad[3];
};

/*
 * Traffic accounting (the network monitor). The cgroup_skb programs count, for every TCP and UDP packet a
 * socket of the cgroup sends or receives, its L4 payload bytes (what the peer's application reads: IP and
 * TCP/UDP headers left out; a GSO/GRO super-packet counts once with all its payload) in the `flows` LRU hash,
 * keyed by socket and remote end, so an unconnected UDP socket has one entry per peer. The owner of a flow is
 * the socket's entry in `socket_owners` (same cookie). cgroup/sock_release stores the time a socket closed in
 * the `closed_sockets` LRU hash. Entries of either map are forgotten when the map is full (LRU), and the daemon
 * removes flows that closed long ago.
 * Worked example: curl sends a 78-byte HTTP request to 203.0.113.80:80 and reads a 1000-byte answer in one
 * TCP segment →
 *   key { .cookie = 4711, .addr = {203, 0, 113, 80, 0...}, .port = 80, .proto = HG_PROTO_TCP, .family = HG_FAMILY_V4 }
 *   value { .bytes_out = 78, .bytes_in = 1000, .packets_out = 4, .packets_in = 3, .first_ns = <SYN>, .last_ns = <FIN> }
 * (packets count the handshake's and the teardown's empty segments too).
 */
struct hg_flow_key {
    __u64 cookie;
    __u8 addr[16]; /* the remote end, hg_verdict_key conventions */
    __u16 port;    /* the remote port, host byte order; 0 for a non-first fragment */
    __u8 proto;
    __u8 family;
    __u8 pad[4];
};

struct hg_flow_counters {
    __u64 bytes_out;
    __u64 bytes_in;
    __u64 packets_out;
    __u64 packets_in;
    __u64 first_ns; /* bpf_ktime_get_ns() of the first packet */
    __u64 last_ns;  /* ... and of the latest */
};

#endif /* HOSTGATE_ABI_H */
