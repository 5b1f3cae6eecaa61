// What the daemon knows about one outbound connection attempt when it has to decide on it.
#pragma once

#include "net/ip_address.h"
#include "rules/rule.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

// The identity of an application: the kernel keys it by executable (device, inode); users see the path.
struct AppIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::string path;                 // canonical /proc/PID/exe target
    std::optional<std::string> script; // for interpreters: the script being run
    std::optional<std::string> appId;  // Flatpak/Snap/AppImage id when known

    bool operator==(const AppIdentity&) const = default;
};

struct Connection {
    AppIdentity app;
    std::int32_t pid = 0;
    std::int32_t parentPid = 0;
    std::uint32_t uid = 0;
    std::string commandLine;
    IpAddress destination;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp; // Tcp or Udp, never Any
    std::vector<std::string> hostnames; // normalized; from the DNS cache, the name the app asked for first
};

} // namespace hostgate
