// SPDX-License-Identifier: GPL-3.0-or-later
// DaemonConfig: hostgated's settings, read from a TOML file and overridden from the command line.
#pragma once

#include "decision/decision_engine.h"
#include "decision/encrypted_dns.h"
#include "enforce/kernel_defaults.h"
#include "net/ip_address.h"
#include "rules/rule.h"

#include "service/log.h"
#include "util/result.h"
#include "util/time.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

inline constexpr std::string_view kDefaultConfigPath = "/etc/hostgate/hostgated.toml";

// What happens to a connection nobody decided: the prompt timed out, or no prompt agent is registered.
// "deny" is the default because an application firewall that lets unanswered connections through fails
// open precisely when the user is not looking (OpenSnitch and Little Snitch recommend deny as well).
using DefaultAction = Action; // the core's allow/deny

// enforce: rules decide, unknown connections prompt. silent-allow / silent-deny: no prompts, unknown
// connections are allowed / denied and recorded. learning: allow unknown connections and propose rules.
using DaemonMode = Mode; // the decision engine's mode

// What the kernel does with queued packets while the daemon is not there to answer them. fail-closed
// drops them (no NFQUEUE --queue-bypass): enforcement never lapses silently. fail-open passes them.
enum class FailureMode { FailClosed, FailOpen };

// INET sockets that are neither TCP nor UDP (ICMP echo through ping sockets, raw sockets, SCTP, UDP-Lite,
// MPTCP): the kernel programs cannot judge them per destination, so they are refused (deny, the default) or
// let through unjudged (allow) for the whole enforced cgroup.
enum class OtherProtocols { Deny, Allow };
// What a rule pinned to a binary (sha256) does for a connection of a different binary at its app's path.
enum class BinaryChange { Deny, Warn };

struct DnsCacheLimits {
    // Answers are kept at least this long: apps (browsers) reuse addresses beyond very short TTLs, and a
    // connection to an address whose name was forgotten could only be matched by IP rules.
    Seconds minTtl{300};
    Seconds maxTtl{86400};
    std::uint32_t maxAddresses = 65536;

    bool operator==(const DnsCacheLimits&) const = default;
};

struct EventRetention {
    std::uint32_t maxEvents = 100000;
    std::uint32_t maxAgeDays = 30;

    bool operator==(const EventRetention&) const = default;
};

// Subscribed domain lists (lists.d/*.toml, see store/list_config_file.h) and how they are fetched.
struct ListSettings {
    std::filesystem::path dir = "/etc/hostgate/lists.d";
    // CA certificates to verify https list servers with (a PEM file); empty: the system's store.
    std::filesystem::path caFile;
    std::uint64_t maxBytes = 64ULL << 20; // a larger download is refused, the last good list stays
    Seconds timeout{60};                  // the whole transfer, connect included

    bool operator==(const ListSettings&) const = default;
};

struct DaemonConfig {
    // The cgroup v2 directory the BPF programs attach to; unset means the root of the cgroup2 hierarchy,
    // discovered at start from /proc/self/mountinfo (see cgroup.h).
    std::optional<std::filesystem::path> cgroupScope;
    std::filesystem::path adminRulesDir = "/etc/hostgate/rules.d";
    // The shipped base policy (read-only, below admin rules; an admin file of the same name replaces one of its
    // files); "" = none.
    std::filesystem::path baseRulesDir = "/usr/share/hostgate/rules.d";
    // Where base-policy rules with hosts_from read apt's, timesyncd's, NetworkManager's and fwupd's
    // configuration (an image being built, or a test); "/" on a running system.
    std::filesystem::path hostSourcesRoot = "/";
    std::filesystem::path userRulesFile = "/var/lib/hostgate/rules.toml";
    // Holds the event database.
    std::filesystem::path stateDir = "/var/lib/hostgate";
    // Where the BPF links and maps are pinned (on a bpf filesystem), so enforcement survives a crash of the
    // daemon and the next start adopts it. Empty: nothing is pinned (the programs die with the process).
    std::filesystem::path bpfPinDir = "/sys/fs/bpf/hostgate";
    // DNS servers whose answers name addresses, besides those the resolver files list.
    std::vector<IpAddress> trustedResolvers;
    // resolv.conf-format files whose nameservers are trusted resolvers; followed when they change.
    std::vector<std::filesystem::path> resolverFiles{"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"};
    OtherProtocols otherProtocols = OtherProtocols::Deny;
    BinaryChange onBinaryChange = BinaryChange::Deny;
    // Connections that carry DNS the daemon cannot read (a listed DoH resolver on 443, anything on 853), when
    // no rule naming their app decides them: deny | ask (as without a rule: enforce mode prompts) | allow.
    EncryptedDnsPolicy encryptedDns = EncryptedDnsPolicy::Ask;
    // The list of well-known DoH/DoT resolvers: the first of these files that exists.
    std::vector<std::filesystem::path> encryptedDnsFiles{"/etc/hostgate/encrypted-dns.toml",
                                                         "/usr/share/hostgate/encrypted-dns.toml"};
    ListSettings lists;
    // Answer Firefox's canary domain use-application-dns.net with NXDOMAIN (turns its automatic DoH off).
    bool refuseDohCanary = true;
    // Names without DNS: a TCP flow to an address no DNS answer named, that no rule decides, may let its
    // handshake out and wait this long for its first payload's claimed name (TLS SNI, HTTP Host; a QUIC
    // Initial is read from the held datagram); 0 = never wait. Claims are shown and logged; they match name
    // rules only with trustClaimedNames (an app can claim any name).
    std::chrono::milliseconds claimedNameWait{1000};
    bool trustClaimedNames = false;
    // The network monitor: the kernel counts each socket's traffic per remote end (cgroup_skb programs, one
    // map lookup per packet); off: nothing is counted and ListTraffic shows refused attempts only.
    bool trafficAccounting = true;

    DefaultAction defaultAction = DefaultAction::Deny;
    DaemonMode mode = DaemonMode::Enforce;
    Seconds promptTimeout{30};
    FailureMode failureMode = FailureMode::FailClosed;

    // Bits of the packet/socket mark (fwmark) we own; everything else in the mark is preserved. VPNs route
    // by mark: wg-quick uses 0xca6c (51820, bits 2,3,5,6,9,11,14,15), Tailscale 0x40000/0x80000 inside its
    // mask 0xff0000 (bits 16-23, which its rules rewrite), kube-proxy 0x4000/0x8000, Cilium bits 8-11,
    // Mullvad the ct mark 0xf41 and the value 0x6d6f6c65 (bits 24,26,27,29,30 of the top byte). Bits 25
    // (0x02000000) and 28 (0x10000000) are in none of them. Bit 31 is none of theirs either; it only marks
    // the DNS refusals the daemon writes itself and never a socket, so a tool that prints marks as signed
    // numbers shows it on no packet of an app. Calico claims 0xffff0000 by default: on such hosts configure
    // low bits. The defaults live in enforce/kernel_defaults.h, shared with the kernel adapters.
    std::uint32_t markBit = kernel_defaults::undecidedMarkBit; // sockets of undecided connections: first packet queued
    std::uint32_t rejectMarkBit =
        kernel_defaults::rejectMarkBit;                         // packets we deny: our chain rejects them with a reset
    std::uint32_t replyMarkBit = kernel_defaults::replyMarkBit; // DNS refusals we synthesize: they skip the DNS queue
    std::uint16_t dnsQueue = kernel_defaults::dnsQueue;
    std::uint16_t decisionQueue = kernel_defaults::decisionQueue;

    DnsCacheLimits dnsCache;
    // Bounds on how long a verdict derived from a DNS answer stays in the kernel's verdict map.
    Seconds verdictTtlMin{60};
    Seconds verdictTtlMax{3600};

    LogLevel logLevel = LogLevel::Info;
    EventRetention events;
    // Serve org.hostgate.Firewall1 on the system bus (the API and the users' prompt agents).
    bool dbus = true;
    // Once the kernel side is set up: drop every capability not needed at runtime, set NoNewPrivs and install
    // the seccomp allow-list (daemon/hostgated/seccomp_allowlist.h). Off only for debugging (--no-hardening).
    bool hardening = true;
    // Debugging the allow-list (--seccomp-log): a syscall outside it is logged by the kernel (audit type=1326
    // in the kernel log) and allowed, instead of killing the daemon.
    bool seccompLogOnly = false;
    // The runtime directory the service manager made for the daemon (RUNTIME_DIRECTORY: /run/hostgate under
    // systemd), where a package upgrade asks the daemon it restarts to hand its kernel state over
    // (service/restart_handover.h). Not a setting: taken from the environment; unset, no handover is asked.
    std::optional<std::filesystem::path> runtimeDir;

    std::uint32_t markMask() const { return std::uint32_t{1} << markBit; }
    std::uint32_t rejectMarkMask() const { return std::uint32_t{1} << rejectMarkBit; }
    std::uint32_t replyMarkMask() const { return std::uint32_t{1} << replyMarkBit; }
    std::filesystem::path eventDatabase() const { return stateDir / "events.sqlite"; }

    bool operator==(const DaemonConfig&) const = default;
};

std::string_view defaultActionName(DefaultAction action);
std::string_view daemonModeName(DaemonMode mode);
std::string_view failureModeName(FailureMode mode);
std::optional<DefaultAction> parseDefaultAction(std::string_view name);
std::optional<DaemonMode> parseDaemonMode(std::string_view name);
std::optional<FailureMode> parseFailureMode(std::string_view name);
std::string_view otherProtocolsName(OtherProtocols value);
std::optional<OtherProtocols> parseOtherProtocols(std::string_view name);
std::string_view binaryChangeName(BinaryChange value);
std::optional<BinaryChange> parseBinaryChange(std::string_view name);

// Checks ranges and the relations between settings (distinct mark bits and queues, min <= max, absolute
// paths). Every loader below calls it; call it yourself after building a DaemonConfig by hand.
Result<void> validateDaemonConfig(const DaemonConfig& config);

// Parses the text of a config file. `sourceName` locates errors ("hostgated.toml:3:7"). Unknown keys,
// wrong types and out-of-range values are errors; keys that are absent keep their defaults.
Result<DaemonConfig> parseDaemonConfig(std::string_view tomlText, std::string_view sourceName);

// Reads and parses `path`. A missing file yields the defaults only when `missingMeansDefaults` (the
// default path need not exist); a config the user named explicitly must exist.
Result<DaemonConfig> loadDaemonConfigFile(const std::filesystem::path& path, bool missingMeansDefaults);

// The effective configuration as a TOML document that parseDaemonConfig reads back to an equal value.
std::string renderConfig(const DaemonConfig& config);

// Settings given on the command line; each set one replaces the file's value.
struct ConfigOverrides {
    std::optional<std::filesystem::path> cgroupScope;
    std::optional<std::filesystem::path> adminRulesDir;
    std::optional<std::filesystem::path> baseRulesDir;
    std::optional<std::filesystem::path> userRulesFile;
    std::optional<std::filesystem::path> stateDir;
    std::optional<std::filesystem::path> bpfPinDir;
    std::optional<std::vector<IpAddress>> trustedResolvers;
    std::optional<std::vector<std::filesystem::path>> resolverFiles;
    std::optional<DefaultAction> defaultAction;
    std::optional<DaemonMode> mode;
    std::optional<Seconds> promptTimeout;
    std::optional<FailureMode> failureMode;
    std::optional<std::uint32_t> markBit;
    std::optional<std::uint16_t> dnsQueue;
    std::optional<std::uint16_t> decisionQueue;
    std::optional<LogLevel> logLevel;
    std::optional<bool> dbus;
    std::optional<bool> hardening;
    std::optional<bool> seccompLogOnly;
};

enum class StartupAction {
    Run,
    PrintHelp,    // --help: print CommandLine::helpText, exit 0
    PrintVersion, // --version: print hostgateVersion(), exit 0
    CheckConfig,  // --check-config: print renderConfig() and exit 0, or the error and exit 1
    Cleanup,      // --cleanup: remove every kernel object a daemon that is not running left behind, and exit
};

struct CommandLine {
    StartupAction action = StartupAction::Run;
    std::optional<std::filesystem::path> configPath; // --config; unset = kDefaultConfigPath
    ConfigOverrides overrides;
    std::string helpText;
};

// `arguments` excludes the program name. Values are checked here (ranges, enum names), so a bad option
// fails before any file is read.
Result<CommandLine> parseCommandLine(const std::vector<std::string>& arguments);
Result<CommandLine> parseCommandLine(int argc, char** argv);

// Replaces file values by the overrides, then validates the result.
Result<DaemonConfig> applyOverrides(DaemonConfig config, const ConfigOverrides& overrides);

// The effective configuration: the file (--config, or the default path, which may be missing) with the
// command line's overrides applied. `defaultConfigPath` is injected for tests.
Result<DaemonConfig> resolveDaemonConfig(const CommandLine& commandLine,
                                         const std::filesystem::path& defaultConfigPath = kDefaultConfigPath);

std::string_view hostgateVersion();

} // namespace hostgate
