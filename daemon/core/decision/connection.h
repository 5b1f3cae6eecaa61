// SPDX-License-Identifier: GPL-3.0-or-later
// What the daemon knows about one outbound connection attempt when it has to decide on it.
#pragma once

#include "claims/first_payload.h"
#include "net/ip_address.h"
#include "rules/rule.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// Whether the executable's path is known. Unknown: the connection could not be attributed to a process at all;
// Exited: the process was gone before /proc could be read, only the kernel's record (its key and comm) is left.
enum class AppPathState { Known, Unknown, Exited };

// The identity of an application: the kernel keys it by executable (device, inode); users see the path.
struct AppIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::string path;                  // canonical /proc/PID/exe target; empty unless pathState is Known
    std::optional<std::string> script; // for interpreters: the script being run
    std::optional<std::string> appId;  // "flatpak:ID", "snap:NAME", "appimage:FILE" when known (rules/app_id.h)
    // "unit:NAME.service" / "unit:NAME.scope": the systemd unit (or a container's scope) of a system service,
    // from the cgroup path; never set for units of a user's own service manager, which could take any name.
    std::optional<std::string> unit{};
    // The process has a root directory of its own (a Flatpak, a Snap, a container): its executable path is a
    // path inside that root, so rules naming a path do not apply to it; app ids and units do.
    bool ownRoot = false;
    // The executable does not identify the program: an interpreter (every script shares python's inode), or
    // a process whose identity could not be read (it exited, or exec()ed since its connect()). A decision for
    // such a process may only be cached in the kernel for that one process image, never app-wide.
    bool sharedExecutable = false;
    AppPathState pathState = AppPathState::Known;
    std::string exitedCommand{}; // Exited: the process's comm from the kernel's record

    bool operator==(const AppIdentity&) const = default;
};

// The text that stands for the app where people and the wire formats see it (logs, journal, connection log, D-Bus,
// prompts): the path, or "[unknown]", or "[exited] COMM". Never a key a rule could name (not an absolute path).
std::string displayPath(const AppIdentity& app);

// The inverse for text read back from an edge (the connection log): Known for a real path.
AppPathState pathStateOfDisplayed(std::string_view displayed);

// AppIdentity::script of an interpreter that runs no script file (`python3 -c ...`, an interactive shell):
// rules made for it hold only for such runs, never for the interpreter's scripts.
inline constexpr std::string_view kInlineScript = "<inline>";

// The distribution package that installed an executable (or script), so a person knows what "curl" is.
struct PackageInfo {
    std::string name;         // "curl"
    std::string architecture; // "amd64", "all"
    std::string version;      // "7.88.1-10+deb12u15"
    std::string summary;      // the description's first line
    bool operator==(const PackageInfo&) const = default;
};

struct Connection {
    AppIdentity app;
    std::int32_t pid = 0;
    std::int32_t parentPid = 0;
    std::uint32_t uid = 0;
    std::string commandLine;
    IpAddress destination;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;  // Tcp or Udp, never Any
    std::vector<std::string> hostnames; // normalized; from the DNS cache, the name the app asked for first
    // Names a DNS server that is not a trusted resolver answered for the destination: shown to the user as
    // such, never matched against name rules.
    std::vector<std::string> unverifiedHostnames;
    std::optional<IpAddress> unverifiedResolver; // the server that answered them
    // The kernel's key for this one process image (pid << 32 | exec id), 0 when unknown: where the decision
    // for a shared executable is cached.
    std::uint64_t processImage = 0;
    // The cgroup v2 path of the process (e.g. a container's docker-<id>.scope), when it is not the host's own
    // network namespace or is otherwise worth showing; empty when unknown.
    std::string cgroup;
    // The process lives in another network namespace than the daemon's (a container).
    bool foreignNetns = false;
    // The cgroup v2 id (directory inode) the kernel saw the process in at connect(); 0 when unknown.
    std::uint64_t cgroupId = 0;
    // The scope (hostgatectl run / attach, scope/scope_book.h) the process is in, and that scope's cgroup id
    // (its verdicts are cached in the kernel under it); 0: none.
    std::uint64_t scope = 0;
    std::uint64_t scopeCgroupId = 0;
    // The package that installed the app, filled in only where a person will read it (prompts).
    std::shared_ptr<const PackageInfo> package;
    // Set when the connection carries encrypted DNS (decision/encrypted_dns.h): the label shown for it, e.g.
    // "DNS over TLS (port 853)". Such a connection is decided by the encrypted-DNS policy unless a rule naming
    // its app does.
    std::optional<std::string> encryptedDns;
    // The name the connection's first payload claims (TLS SNI, HTTP Host, QUIC SNI), read when DNS gave the
    // destination no name (claims/first_payload.h). Shown and logged as claimed, never as resolved.
    std::optional<ClaimedName> claimedName;
    // The claim was put into `hostnames` for matching: the administrator trusts claims (trust_claimed_names).
    bool claimTrusted = false;
};

} // namespace hostgate
