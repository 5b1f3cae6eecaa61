// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's own firewall rules: queue DNS and undecided connections to nfqueue, reject on request.
#pragma once

#include "enforce/kernel_defaults.h"
#include "net/ip_address.h"
#include "util/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hostgate {

enum class FirewallBackend {
    NftNative,   // nft `queue` statement (needs CONFIG_NFT_QUEUE; missing on the 6.18 test kernels)
    IptablesNft, // iptables-nft / ip6tables-nft with the xtables NFQUEUE target
    None,        // neither works: enforcement is unavailable
};

struct FirewallConfig {
    std::string chainPrefix = "HOSTGATE";
    std::uint16_t dnsQueue = kernel_defaults::dnsQueue;
    std::uint16_t decisionQueue = kernel_defaults::decisionQueue;
    // One bit: set by the cgroup program on sockets awaiting a decision.
    std::uint32_t markMask = kernel_defaults::maskOf(kernel_defaults::undecidedMarkBit);
    // One bit: a held packet re-injected with it is rejected.
    std::uint32_t rejectMark = kernel_defaults::maskOf(kernel_defaults::rejectMarkBit);
    // One bit: carried by DNS answers the daemon synthesizes (DnsReplyInjector) so they skip the DNS queue.
    std::uint32_t replyMark = kernel_defaults::maskOf(kernel_defaults::replyMarkBit);
    // Adds --queue-bypass to the decision queue: held packets pass when no daemon is bound to it. DNS rules
    // always bypass (see below).
    bool failOpen = false;
    bool ipv6 = true;
    // DNS servers whose traffic goes straight to the DNS queue (observed, their answers name addresses).
    // DNS to any other server is a connection like any other: held and decided first.
    std::vector<IpAddress> trustedResolvers;
};

// Installs and removes the daemon's rules in the current network namespace, never touching other
// chains or tables. Exact iptables-nft rules (filter table, same for ip6tables; M = markMask,
// R = rejectMark, P = replyMark, D = dnsQueue, Q = decisionQueue, [B] = " --queue-bypass" if failOpen,
// T... = the trusted resolvers of the family):
//
//   -I OUTPUT 1 -j HOSTGATE-OUT
//   -I INPUT 1 -j HOSTGATE-IN
//   -A HOSTGATE-OUT -p tcp -m mark --mark 0x0/(M|R|P) -m tcp ! --dport 53 -j RETURN (the fast path: decided
//   -A HOSTGATE-OUT -p udp -m mark --mark 0x0/(M|R) -m udp ! --dport 53 -j RETURN    flows leave at once)
//   -A HOSTGATE-OUT -p tcp -m mark --mark R/R -j REJECT --reject-with tcp-reset
//   -A HOSTGATE-OUT -p udp -m mark --mark R/R -j REJECT --reject-with icmp-port-unreachable
//                                                       (IPv6: icmp6-port-unreachable)
//   -A HOSTGATE-OUT -p tcp -m connmark --mark M/M -m mark ! --mark P/P -j NFQUEUE --queue-num Q[B]
//   -A HOSTGATE-OUT -p tcp -m mark --mark P/P -m tcp ! --sport 53 -j HOSTGATE-WAIT
//   -A HOSTGATE-WAIT -m conntrack --ctstate NEW -j CONNMARK --set-xmark M/M
//   -A HOSTGATE-WAIT -m conntrack ! --ctstate NEW -j CONNMARK --set-xmark 0x0/M
//   -A HOSTGATE-OUT -p udp -m udp --dport 53 -j HOSTGATE-DNS
//   -A HOSTGATE-OUT -p tcp -m tcp --dport 53 -j HOSTGATE-DNS
//   -A HOSTGATE-OUT -d 127.0.0.0/8 -j RETURN                       (IPv6: ::1/128)
//   -A HOSTGATE-OUT -p tcp -m mark --mark M/M -m conntrack --ctstate NEW -j NFQUEUE --queue-num Q[B]
//   -A HOSTGATE-OUT -p udp -m mark --mark M/M -m conntrack --ctstate NEW -j NFQUEUE --queue-num Q[B]
//   -A HOSTGATE-OUT -p udp -m udp --dport 53 -j NFQUEUE --queue-num D --queue-bypass
//   -A HOSTGATE-OUT -p tcp -m tcp --dport 53 -j NFQUEUE --queue-num D --queue-bypass
//   -A HOSTGATE-DNS -d T -j NFQUEUE --queue-num D --queue-bypass   (one per trusted resolver)
//   -A HOSTGATE-IN -p tcp -m connmark --mark M/M -m conntrack --ctdir REPLY -m tcp --tcp-flags SYN,RST NONE -j DROP
//   -A HOSTGATE-IN -p tcp -m tcp ! --sport 53 -j RETURN
//   -A HOSTGATE-IN -p udp -m udp ! --sport 53 -j RETURN
//   -A HOSTGATE-IN -m mark --mark P/P -j RETURN
//   -A HOSTGATE-IN -p tcp -m tcp --tcp-flags RST RST -j RETURN     (see the source: resets of our REJECT)
//   -A HOSTGATE-IN -p udp -m udp --sport 53 -j NFQUEUE --queue-num D --queue-bypass
//   -A HOSTGATE-IN -p tcp -m tcp --sport 53 -j NFQUEUE --queue-num D --queue-bypass
//
// Waiting for a claimed name (issue 14.2, DecisionPath): a TCP flow to an address no DNS answer named, which
// no rule decides and whose claim could matter (claims trusted, or an agent to show it to), is not decided at
// its SYN. The SYN is re-injected with P: HOSTGATE-WAIT sets the ct mark M on its (NEW) conntrack entry, and
// from then on every outgoing packet of the flow goes to the decision queue, where the ones without payload
// pass and the first payload is held until its ClientHello's SNI or its HTTP Host has been read. Inbound,
// the server's packets of a waiting flow carrying neither SYN nor RST are dropped (a greeting, or data, never
// reaches the app before the decision); so what leaves before the decision is the TCP handshake, nothing
// more. The decision re-injects the held packet with P (HOSTGATE-WAIT clears M, the flow is on the fast path)
// or with R; a flow that sent nothing is decided when the wait ends, M cleared through ctnetlink
// (ConntrackMarks) or the socket destroyed (SockDiag::destroy).
//
// Why this order: the reject rules come first because NfQueue::repeatWithMark(R) re-runs the hook from
// the top and must hit REJECT before the queue rules (or the packet would be queued again). DNS to a
// trusted resolver goes to the DNS queue before anything else: it is observed, never held as a connection.
// DNS to any other server falls through: a marked new flow is held and decided like any connection (the
// decision path re-runs an allowed first packet without the mark, so it lands in the DNS queue too); its
// later packets are inspected by the last two OUT rules, so what is not DNS on port 53 is dropped.
// Port-unreachable in both families gives the application ECONNREFUSED, like the TCP reset does.
// DNS rules always bypass: while no daemon reads the queue, DNS still works, and opens nothing, because the
// BPF programs refuse (fail-closed) every undecided connection while the daemon is gone.
// install() replaces the rules in place, in one transaction per family (declaring an existing chain in
// iptables-restore --noflush flushes it): a daemon restarting over the chains of a killed one never opens a
// window without them.
// The nft-native backend installs the same rules as `table inet hostgate` (or `ip` without IPv6), with
// base chains `output` and `input` at filter priority and the trusted resolvers in named sets; it cannot be
// exercised on kernels without CONFIG_NFT_QUEUE.
class FirewallRules {
public:
    FirewallRules(FirewallConfig config, FirewallBackend backend);

    // Tries the backends in the current network namespace, without leaving anything behind: an nft
    // transaction that adds and deletes a throwaway table with a `queue` rule, then an iptables chain
    // with an NFQUEUE rule that is created and removed again.
    static FirewallBackend probe();

    // Validates the config, removes leftovers (removeStale) and installs everything atomically per family
    // (iptables-restore --noflush: all rules or none).
    Result<void> install();
    // Replaces the trusted resolvers in place (one transaction per family).
    Result<void> setTrustedResolvers(std::vector<IpAddress> resolvers);
    // Removes the jumps and chains install() created; succeeds when they are already gone.
    Result<void> remove();
    // Removes every chain named "<prefix>-*" in any table (left by a crashed run or an older version)
    // and every rule that jumps to one, except the chains install() (re)fills in place. Other chains and
    // rules stay untouched.
    Result<void> removeStale();

    // The iptables-restore input install() applies (ipv6 selects ip6tables), or the nft script.
    // `withJumps` adds the OUTPUT/INPUT jumps (when they are not there yet).
    std::string iptablesRestoreScript(bool ipv6, bool withJumps = true) const;
    std::string nftScript() const;

    const FirewallConfig& config() const { return config_; }
    FirewallBackend backend() const { return backend_; }

private:
    Result<void> validate() const;
    Result<void> removeIptablesChains(bool ipv6, bool onlyInstalledChains);
    Result<void> installIptables(bool ipv6);
    std::string trustedResolverRules(bool ipv6) const;
    std::vector<std::string> ownChainNames() const;
    std::string nftTableFamily() const;
    std::string nftTableName() const;

    FirewallConfig config_;
    FirewallBackend backend_;
};

} // namespace hostgate
