// SPDX-License-Identifier: GPL-3.0-or-later
// App ids in rules: "flatpak:org.mozilla.firefox", "snap:firefox", "appimage:Foo.AppImage", "unit:foo.service".
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hostgate {

struct AppIdentity;

// The prefixes a rule's `app` may carry instead of an executable path.
inline constexpr std::string_view kFlatpakPrefix = "flatpak:";
inline constexpr std::string_view kSnapPrefix = "snap:";
inline constexpr std::string_view kAppImagePrefix = "appimage:";
inline constexpr std::string_view kUnitPrefix = "unit:";

// True when `app` starts with one of the prefixes above (it names an app id, not a path).
bool isAppId(std::string_view app);

// What is wrong with a rule's `app` value, or nullopt: an absolute path, or an app id whose name is valid for
// its kind (Flatpak: a reverse-DNS id of letters, digits, '_', '-' and at least two dots-separated parts;
// Snap: lower-case letters, digits and '-'; AppImage: a file name without '/'; unit: a systemd unit name
// ending in .service or .scope). No control characters or spaces anywhere.
std::optional<std::string> appFieldProblem(std::string_view app);

// The keys under which rules may name this process, best known first: its executable path (unless the process
// has its own root directory, where paths are the sandbox's own: "/app/bin/..." means something else in every
// Flatpak), its sandbox app id, its systemd unit. A rule's `app` matches the process when it equals one of them.
// Fixed size, no allocation: it runs for every rule lookup.
struct AppKeys {
    std::array<std::string_view, 3> keys;
    std::size_t count = 0;
    const std::string_view* begin() const { return keys.data(); }
    const std::string_view* end() const { return keys.data() + count; }
};
AppKeys appKeysOf(const AppIdentity& app);

} // namespace hostgate
