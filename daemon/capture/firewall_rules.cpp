// SPDX-License-Identifier: GPL-3.0-or-later
// Generates, applies and removes the daemon's iptables-nft (or nft) rules through the standard tools.
#include "capture/firewall_rules.h"
#include "service/subprocess.h"
#include "util/errno_error.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <sstream>
#include <system_error>

namespace hostgate {

namespace {

constexpr std::size_t maxChainNameLength = 28; // xtables: 29 bytes including the terminating zero

std::string hex(std::uint32_t value)
{
    return fmt::format("{:#x}", value);
}

bool isSingleBit(std::uint32_t value)
{
    return value != 0 && (value & (value - 1)) == 0;
}

std::string saveTool(bool ipv6)
{
    return ipv6 ? "ip6tables-nft-save" : "iptables-nft-save";
}

std::string restoreTool(bool ipv6)
{
    return ipv6 ? "ip6tables-nft-restore" : "iptables-nft-restore";
}

Result<void> restore(bool ipv6, const std::string& script)
{
    auto result = runTool({{restoreTool(ipv6), "--noflush"}, script});
    if (!result)
        return result.error();
    return {};
}

// The chains of one table in iptables-save output, with the rules in it that jump to chains we own.
struct SavedTable {
    std::string name;
    std::vector<std::string> ownChains;
    std::vector<std::string> jumpDeletions; // "-D CHAIN spec" for rules in other chains targeting ours
};

std::vector<SavedTable> findOwnChains(const std::string& saved, const std::function<bool(const std::string&)>& isOwn)
{
    std::vector<SavedTable> tables;
    std::istringstream lines(saved);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.starts_with('*')) {
            tables.push_back({line.substr(1), {}, {}});
        } else if (line.starts_with(':') && !tables.empty()) {
            const std::string chain = line.substr(1, line.find(' ') - 1);
            if (isOwn(chain))
                tables.back().ownChains.push_back(chain);
        } else if (line.starts_with("-A ") && !tables.empty()) {
            std::istringstream words(line.substr(3));
            std::string chain;
            words >> chain;
            if (isOwn(chain))
                continue; // flushed with the chain
            std::string word;
            std::string previous;
            while (words >> word) {
                if ((previous == "-j" || previous == "-g") && isOwn(word)) {
                    tables.back().jumpDeletions.push_back("-D " + line.substr(3));
                    break;
                }
                previous = word;
            }
        }
    }
    std::erase_if(tables,
                  [](const SavedTable& table) { return table.ownChains.empty() && table.jumpDeletions.empty(); });
    return tables;
}

Result<void> runNft(const std::string& script)
{
    auto result = runTool({{"nft", "-f", "-"}, script});
    if (!result)
        return result.error();
    return {};
}

} // namespace

FirewallRules::FirewallRules(FirewallConfig config, FirewallBackend backend)
    : config_(std::move(config)), backend_(backend)
{}

FirewallBackend FirewallRules::probe()
{
    // One transaction that adds and deletes: nothing is ever committed, but the kernel must accept the
    // queue expression (nft_queue) to get to the delete.
    const bool nftQueueWorks = runNft("add table ip hostgate_probe\n"
                                      "add chain ip hostgate_probe probe\n"
                                      "add rule ip hostgate_probe probe queue num 0 bypass\n"
                                      "delete table ip hostgate_probe\n")
                                   .ok();
    if (nftQueueWorks)
        return FirewallBackend::NftNative;
    // A chain nothing jumps to: the NFQUEUE rule never sees a packet during its short life.
    const bool iptablesWorks = restore(false, "*filter\n:HOSTGATE-PROBE - [0:0]\n"
                                              "-A HOSTGATE-PROBE -j NFQUEUE --queue-num 0 --queue-bypass\nCOMMIT\n")
                                   .ok();
    if (!iptablesWorks)
        return FirewallBackend::None;
    if (auto removed = restore(false, "*filter\n-F HOSTGATE-PROBE\n-X HOSTGATE-PROBE\nCOMMIT\n"); !removed)
        return FirewallBackend::None;
    return FirewallBackend::IptablesNft;
}

Result<void> FirewallRules::validate() const
{
    const std::string& prefix = config_.chainPrefix;
    if (prefix.empty() || prefix.size() + 4 > maxChainNameLength)
        return Error("Failed to install firewall rules: chain prefix must have 1 to " +
                     std::to_string(maxChainNameLength - 4) + " characters");
    if (!std::all_of(prefix.begin(), prefix.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
        return Error("Failed to install firewall rules: chain prefix '" + prefix +
                     "' may only hold letters, digits and '_'");
    const std::uint32_t bits[] = {config_.markMask, config_.rejectMark, config_.replyMark};
    if (!std::all_of(std::begin(bits), std::end(bits), isSingleBit))
        return Error("Failed to install firewall rules: markMask, rejectMark and replyMark must each be one bit");
    if ((config_.markMask | config_.rejectMark | config_.replyMark) !=
        (config_.markMask ^ config_.rejectMark ^ config_.replyMark))
        return Error("Failed to install firewall rules: markMask, rejectMark and replyMark must be different bits");
    if (config_.dnsQueue == config_.decisionQueue)
        return Error("Failed to install firewall rules: the DNS and decision queues must differ");
    return {};
}

std::vector<std::string> FirewallRules::ownChainNames() const
{
    return {config_.chainPrefix + "-OUT", config_.chainPrefix + "-IN", config_.chainPrefix + "-DNS",
            config_.chainPrefix + "-WAIT"};
}

std::string FirewallRules::trustedResolverRules(bool ipv6) const
{
    const std::string chain = config_.chainPrefix + "-DNS";
    const std::string dns = "-j NFQUEUE --queue-num " + std::to_string(config_.dnsQueue) + " --queue-bypass";
    std::string rules;
    for (const IpAddress& resolver : config_.trustedResolvers)
        if (resolver.isV4() != ipv6)
            rules += "-A " + chain + " -d " + resolver.toString() + (ipv6 ? "/128 " : "/32 ") + dns + "\n";
    return rules;
}

std::string FirewallRules::iptablesRestoreScript(bool ipv6, bool withJumps) const
{
    const std::string out = config_.chainPrefix + "-OUT";
    const std::string in = config_.chainPrefix + "-IN";
    const std::string trusted = config_.chainPrefix + "-DNS";
    const std::string wait = config_.chainPrefix + "-WAIT";
    const std::string bypass = config_.failOpen ? " --queue-bypass" : "";
    // DNS always bypasses: see the header.
    const std::string dns = "-j NFQUEUE --queue-num " + std::to_string(config_.dnsQueue) + " --queue-bypass";
    const std::string decide = "-j NFQUEUE --queue-num " + std::to_string(config_.decisionQueue) + bypass;
    const std::string reject = hex(config_.rejectMark) + "/" + hex(config_.rejectMark);
    const std::string mark = hex(config_.markMask) + "/" + hex(config_.markMask);
    const std::string reply = hex(config_.replyMark) + "/" + hex(config_.replyMark);
    const std::string unreachable = ipv6 ? "icmp6-port-unreachable" : "icmp-port-unreachable";

    // Declaring a chain that exists flushes it (--noflush keeps everything else): the refill is atomic.
    const std::uint32_t ours = config_.markMask | config_.rejectMark;
    const std::string neitherBit = "0x0/" + hex(ours);
    // TCP also looks at the reply bit: on an outgoing TCP packet it is the decision path's signal to start or
    // end the flow's wait for its first payload (the wait chain).
    const std::string noTcpBit = "0x0/" + hex(ours | config_.replyMark);
    std::string script = "*filter\n";
    script += ":" + out + " - [0:0]\n";
    script += ":" + in + " - [0:0]\n";
    script += ":" + trusted + " - [0:0]\n";
    script += ":" + wait + " - [0:0]\n";
    // The fast path first: a packet with neither our pending nor our reject bit, not to port 53, needs nothing
    // from us (one rule instead of the whole chain for every packet of every decided flow).
    script += "-A " + out + " -p tcp -m mark --mark " + noTcpBit + " -m tcp ! --dport 53 -j RETURN\n";
    script += "-A " + out + " -p udp -m mark --mark " + neitherBit + " -m udp ! --dport 53 -j RETURN\n";
    script += "-A " + out + " -p tcp -m mark --mark " + reject + " -j REJECT --reject-with tcp-reset\n";
    script += "-A " + out + " -p udp -m mark --mark " + reject + " -j REJECT --reject-with " + unreachable + "\n";
    // A flow waiting for its first payload (ct mark M): its packets go to the decision queue, except the ones
    // the decision path re-injects (reply bit), which start or end the wait.
    script += "-A " + out + " -p tcp -m connmark --mark " + mark + " -m mark ! --mark " + reply + " " + decide + "\n";
    script += "-A " + out + " -p tcp -m mark --mark " + reply + " -m tcp ! --sport 53 -j " + wait + "\n";
    script += "-A " + wait + " -m conntrack --ctstate NEW -j CONNMARK --set-xmark " + mark + "\n";
    script +=
        "-A " + wait + " -m conntrack ! --ctstate NEW -j CONNMARK --set-xmark 0x0/" + hex(config_.markMask) + "\n";
    script += "-A " + out + " -p udp -m udp --dport 53 -j " + trusted + "\n";
    script += "-A " + out + " -p tcp -m tcp --dport 53 -j " + trusted + "\n";
    // Loopback is never judged: UDP sockets are born marked (cgroup/sock_create), and an unconnected
    // datagram to a local service must not wait for, or be denied by, a decision.
    script += "-A " + out + " -d " + std::string(ipv6 ? "::1/128" : "127.0.0.0/8") + " -j RETURN\n";
    script += "-A " + out + " -p tcp -m mark --mark " + mark + " -m conntrack --ctstate NEW " + decide + "\n";
    script += "-A " + out + " -p udp -m mark --mark " + mark + " -m conntrack --ctstate NEW " + decide + "\n";
    // Decided DNS to servers that are not trusted resolvers: inspected (what is not DNS is dropped).
    script += "-A " + out + " -p udp -m udp --dport 53 " + dns + "\n";
    script += "-A " + out + " -p tcp -m tcp --dport 53 " + dns + "\n";
    script += trustedResolverRules(ipv6);
    // Until a waiting flow is decided, nothing but the handshake reaches its application (see the header).
    // (The reply direction only: when the server is local too, the app's own packets come in here as well.)
    script += "-A " + in + " -p tcp -m connmark --mark " + mark +
              " -m conntrack --ctdir REPLY -m tcp --tcp-flags SYN,RST NONE -j DROP\n";
    // Only DNS answers are ours to see.
    script += "-A " + in + " -p tcp -m tcp ! --sport 53 -j RETURN\n";
    script += "-A " + in + " -p udp -m udp ! --sport 53 -j RETURN\n";
    script += "-A " + in + " -m mark --mark " + reply + " -j RETURN\n";
    // A reset carries no DNS, and the one our REJECT sends for a denied SYN to port 53 shares the SYN's
    // unconfirmed conntrack entry, which nfqueue refuses (it would be dropped and the app would time out).
    script += "-A " + in + " -p tcp -m tcp --tcp-flags RST RST -j RETURN\n";
    script += "-A " + in + " -p udp -m udp --sport 53 " + dns + "\n";
    script += "-A " + in + " -p tcp -m tcp --sport 53 " + dns + "\n";
    if (withJumps) {
        script += "-I OUTPUT 1 -j " + out + "\n";
        script += "-I INPUT 1 -j " + in + "\n";
    }
    script += "COMMIT\n";
    return script;
}

std::string FirewallRules::nftTableFamily() const
{
    return config_.ipv6 ? "inet" : "ip";
}

std::string FirewallRules::nftTableName() const
{
    std::string name = config_.chainPrefix;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    return name;
}

std::string FirewallRules::nftScript() const
{
    const std::string table = nftTableFamily() + " " + nftTableName();
    const std::string bypass = config_.failOpen ? " bypass" : "";
    const std::string dns = "queue num " + std::to_string(config_.dnsQueue) + " bypass";
    const std::string decide = "queue num " + std::to_string(config_.decisionQueue) + bypass;
    const auto bitSet = [](std::uint32_t bit) { return "meta mark & " + hex(bit) + " == " + hex(bit); };
    const std::string unreachable = config_.ipv6 ? "icmpx type port-unreachable" : "icmp type port-unreachable";

    // Declaring then deleting the table makes the script replace an existing one in one transaction.
    std::string v4Resolvers;
    std::string v6Resolvers;
    for (const IpAddress& resolver : config_.trustedResolvers)
        (resolver.isV4() ? v4Resolvers : v6Resolvers) +=
            (resolver.isV4() ? v4Resolvers : v6Resolvers).empty() ? resolver.toString() : ", " + resolver.toString();
    std::string script = "table " + table + " {}\ndelete table " + table + "\n";
    script += "table " + table + " {\n";
    script += "    set trusted4 { type ipv4_addr;" +
              (v4Resolvers.empty() ? "" : " elements = { " + v4Resolvers + " };") + " }\n";
    if (config_.ipv6)
        script += "    set trusted6 { type ipv6_addr;" +
                  (v6Resolvers.empty() ? "" : " elements = { " + v6Resolvers + " };") + " }\n";
    const auto ctBitSet = [](std::uint32_t bit) { return "ct mark & " + hex(bit) + " == " + hex(bit); };
    const auto bitClear = [](std::uint32_t bit) { return "meta mark & " + hex(bit) + " == 0x0"; };
    script += "    chain output {\n        type filter hook output priority filter; policy accept;\n";
    script += "        meta l4proto tcp " + bitSet(config_.rejectMark) + " reject with tcp reset\n";
    script += "        meta l4proto udp " + bitSet(config_.rejectMark) + " reject with " + unreachable + "\n";
    script += "        meta l4proto tcp " + ctBitSet(config_.markMask) + " " + bitClear(config_.replyMark) + " " +
              decide + "\n";
    script += "        tcp sport != 53 " + bitSet(config_.replyMark) + " ct state new ct mark set ct mark | " +
              hex(config_.markMask) + "\n";
    script += "        tcp sport != 53 " + bitSet(config_.replyMark) + " ct state != new ct mark set ct mark & " +
              hex(~config_.markMask) + "\n";
    script += "        ip daddr @trusted4 meta l4proto { tcp, udp } th dport 53 " + dns + "\n";
    if (config_.ipv6)
        script += "        ip6 daddr @trusted6 meta l4proto { tcp, udp } th dport 53 " + dns + "\n";
    script += "        ip daddr 127.0.0.0/8 return\n";
    if (config_.ipv6)
        script += "        ip6 daddr ::1 return\n";
    script += "        meta l4proto { tcp, udp } " + bitSet(config_.markMask) + " ct state new " + decide + "\n";
    script += "        udp dport 53 " + dns + "\n";
    script += "        tcp dport 53 " + dns + "\n";
    script += "    }\n";
    script += "    chain input {\n        type filter hook input priority filter; policy accept;\n";
    script += "        meta l4proto tcp " + ctBitSet(config_.markMask) +
              " ct direction reply tcp flags & (syn | rst) == 0x0 drop\n";
    script += "        " + bitSet(config_.replyMark) + " return\n";
    script += "        tcp flags & rst == rst return\n";
    script += "        udp sport 53 " + dns + "\n";
    script += "        tcp sport 53 " + dns + "\n";
    script += "    }\n}\n";
    return script;
}

Result<void> FirewallRules::install()
{
    if (auto valid = validate(); !valid)
        return valid;
    if (auto cleaned = removeStale(); !cleaned)
        return cleaned;
    if (backend_ == FirewallBackend::NftNative) {
        if (auto applied = runNft(nftScript()); !applied)
            return Error("Failed to install nft table " + nftTableName() + ": " + applied.error().message);
        return {};
    }
    if (backend_ != FirewallBackend::IptablesNft)
        return Error(
            "Failed to install firewall rules: no working firewall backend (nft queue or iptables-nft NFQUEUE)");
    if (auto applied = installIptables(false); !applied)
        return Error("Failed to install iptables rules: " + applied.error().message);
    if (config_.ipv6) {
        if (auto applied = installIptables(true); !applied) {
            // All or nothing across both families: take the IPv4 half back out.
            (void)removeIptablesChains(false, true);
            return Error("Failed to install ip6tables rules: " + applied.error().message);
        }
    }
    return {};
}

Result<void> FirewallRules::installIptables(bool ipv6)
{
    // The jumps are added only when missing: a restart refills the chains in place and keeps the jumps.
    auto saved = runTool({{saveTool(ipv6)}, {}});
    if (!saved)
        return saved.error();
    std::string script = iptablesRestoreScript(ipv6, false);
    std::string jumps;
    for (const auto& [hook, chain] :
         {std::pair{"OUTPUT", config_.chainPrefix + "-OUT"}, std::pair{"INPUT", config_.chainPrefix + "-IN"}})
        if (saved->find("-A " + std::string(hook) + " -j " + chain + "\n") == std::string::npos)
            jumps += "-I " + std::string(hook) + " 1 -j " + chain + "\n";
    script.insert(script.rfind("COMMIT\n"), jumps);
    return restore(ipv6, script);
}

Result<void> FirewallRules::setTrustedResolvers(std::vector<IpAddress> resolvers)
{
    config_.trustedResolvers = std::move(resolvers);
    if (backend_ == FirewallBackend::NftNative)
        return install();
    const std::string chain = config_.chainPrefix + "-DNS";
    for (const bool ipv6 : {false, true}) {
        if (ipv6 && !config_.ipv6)
            continue;
        const std::string script = "*filter\n:" + chain + " - [0:0]\n" + trustedResolverRules(ipv6) + "COMMIT\n";
        if (auto applied = restore(ipv6, script); !applied)
            return Error("Failed to update the trusted resolvers: " + applied.error().message);
    }
    return {};
}

Result<void> FirewallRules::remove()
{
    if (backend_ == FirewallBackend::NftNative) {
        const std::string table = nftTableFamily() + " " + nftTableName();
        if (auto removed = runNft("table " + table + " {}\ndelete table " + table + "\n"); !removed)
            return Error("Failed to remove nft table " + nftTableName() + ": " + removed.error().message);
        return {};
    }
    if (auto removed = removeIptablesChains(false, true); !removed)
        return removed;
    if (config_.ipv6)
        return removeIptablesChains(true, true);
    return {};
}

Result<void> FirewallRules::removeStale()
{
    // nftScript() replaces the whole table in one transaction: nothing to remove first (and removing it
    // would open a window).
    if (backend_ == FirewallBackend::NftNative)
        return {};
    if (auto removed = removeIptablesChains(false, false); !removed)
        return removed;
    if (config_.ipv6)
        return removeIptablesChains(true, false);
    return {};
}

Result<void> FirewallRules::removeIptablesChains(bool ipv6, bool onlyInstalledChains)
{
    auto saved = runTool({{saveTool(ipv6)}, {}});
    if (!saved)
        return Error("Failed to read " + std::string(ipv6 ? "ip6tables" : "iptables") +
                     " rules: " + saved.error().message);
    const std::vector<std::string> current = ownChainNames();
    const std::string stalePrefix = config_.chainPrefix + "-";
    const auto isCurrent = [&](const std::string& chain) {
        return std::find(current.begin(), current.end(), chain) != current.end();
    };
    // removeStale() keeps the chains install() refills in place (a restart must not open a window).
    const auto isOwn = [&](const std::string& chain) {
        return onlyInstalledChains ? isCurrent(chain) : chain.starts_with(stalePrefix) && !isCurrent(chain);
    };
    std::vector<SavedTable> tables = findOwnChains(*saved, isOwn);
    if (tables.empty())
        return {};
    // Jumps first, then empty every chain, then delete them: chains may reference each other.
    std::string script;
    for (const SavedTable& table : tables) {
        script += "*" + table.name + "\n";
        for (const std::string& deletion : table.jumpDeletions)
            script += deletion + "\n";
        for (const std::string& chain : table.ownChains)
            script += "-F " + chain + "\n";
        for (const std::string& chain : table.ownChains)
            script += "-X " + chain + "\n";
        script += "COMMIT\n";
    }
    if (auto applied = restore(ipv6, script); !applied)
        return Error("Failed to remove " + std::string(ipv6 ? "ip6tables" : "iptables") + " chains " + stalePrefix +
                     "*: " + applied.error().message);
    return {};
}

} // namespace hostgate
