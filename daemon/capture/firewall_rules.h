// The daemon's own firewall rules: queue DNS and undecided connections to nfqueue, reject on request.
#pragma once

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
    std::uint16_t dnsQueue = 4270;
    std::uint16_t decisionQueue = 4271;
    std::uint32_t markMask = 0x00100000;  // one bit: set by the cgroup program on sockets awaiting a decision
    std::uint32_t rejectMark = 0x00200000; // one bit: a held packet re-injected with it is rejected
    // One bit: carried by DNS answers the daemon synthesizes (DnsReplyInjector) so they skip the DNS queue.
    std::uint32_t replyMark = 0x00400000;
    bool failOpen = false; // adds --queue-bypass: packets pass when no daemon is bound to the queue
    bool ipv6 = true;
};

// Installs and removes the daemon's rules in the current network namespace, never touching other
// chains or tables. Exact iptables-nft rules (filter table, same for ip6tables; M = markMask,
// R = rejectMark, P = replyMark, D = dnsQueue, Q = decisionQueue, [B] = " --queue-bypass" if failOpen):
//
//   -I OUTPUT 1 -j HOSTGATE-OUT
//   -I INPUT 1 -j HOSTGATE-IN
//   -A HOSTGATE-OUT -p tcp -m mark --mark R/R -j REJECT --reject-with tcp-reset
//   -A HOSTGATE-OUT -p udp -m mark --mark R/R -j REJECT --reject-with icmp-port-unreachable
//                                                       (IPv6: icmp6-port-unreachable)
//   -A HOSTGATE-OUT -p udp -m udp --dport 53 -j NFQUEUE --queue-num D[B]
//   -A HOSTGATE-OUT -p tcp -m tcp --dport 53 -j NFQUEUE --queue-num D[B]
//   -A HOSTGATE-OUT -p tcp -m mark --mark M/M -m conntrack --ctstate NEW -j NFQUEUE --queue-num Q[B]
//   -A HOSTGATE-OUT -p udp -m mark --mark M/M -m conntrack --ctstate NEW -j NFQUEUE --queue-num Q[B]
//   -A HOSTGATE-IN -m mark --mark P/P -j RETURN
//   -A HOSTGATE-IN -p udp -m udp --sport 53 -j NFQUEUE --queue-num D[B]
//   -A HOSTGATE-IN -p tcp -m tcp --sport 53 -j NFQUEUE --queue-num D[B]
//
// Why this order: the reject rules come first because NfQueue::repeatWithMark(R) re-runs the hook from
// the top and must hit REJECT before the queue rules (or the packet would be queued again). DNS comes
// before the mark rule, so DNS packets are observed, never held as connections. Port-unreachable in both
// families gives the application ECONNREFUSED, like the TCP reset does.
// The nft-native backend installs the same rules as `table inet hostgate` (or `ip` without IPv6), with
// base chains `output` and `input` at filter priority; it cannot be exercised on kernels without
// CONFIG_NFT_QUEUE.
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
    // Removes the jumps and chains install() created; succeeds when they are already gone.
    Result<void> remove();
    // Removes every chain named "<prefix>-*" in any table (left by a crashed run or an older version)
    // and every rule that jumps to one. Other chains and rules stay untouched.
    Result<void> removeStale();

    // The iptables-restore input install() applies (ipv6 selects ip6tables), or the nft script.
    std::string iptablesRestoreScript(bool ipv6) const;
    std::string nftScript() const;

    const FirewallConfig& config() const { return config_; }
    FirewallBackend backend() const { return backend_; }

private:
    Result<void> validate() const;
    Result<void> removeIptablesChains(bool ipv6, bool onlyInstalledChains);
    std::string nftTableFamily() const;
    std::string nftTableName() const;

    FirewallConfig config_;
    FirewallBackend backend_;
};

} // namespace hostgate
