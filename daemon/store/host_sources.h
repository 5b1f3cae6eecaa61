// SPDX-License-Identifier: GPL-3.0-or-later
// Host sources: the destinations a base-policy rule takes from the system's own configuration (`hosts_from` in
// a rule file), so "apt may reach its mirrors" stays true when the admin edits sources.list.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// The sources a rule may name, and what each reads (paths under the configuration root, "/" on a system):
//   apt-sources                  hosts of the http/https URIs in etc/apt/sources.list, sources.list.d/*.list
//                                (one-line style) and sources.list.d/*.sources (deb822; "Enabled: no" skipped)
//   timesyncd-servers            NTP= and FallbackNTP= of etc/systemd/timesyncd.conf and its .conf.d drop-ins
//                                (etc, run, usr/lib; later wins per key); none set: Debian's compiled-in
//                                0..3.debian.pool.ntp.org
//   networkmanager-connectivity  the host of [connectivity] uri= in usr/lib/NetworkManager/conf.d/*.conf,
//                                etc/NetworkManager/NetworkManager.conf and etc/NetworkManager/conf.d/*.conf
//                                (later wins; "enabled=false" or an empty uri means none)
//   fwupd-remotes                hosts of MetadataURI= and FirmwareBaseURI= of the enabled remotes in
//                                etc/fwupd/remotes.d/*.conf
// Names are lower-cased and deduplicated; addresses are kept as written (a mirror given by IP address).
inline constexpr std::string_view hostSourceNames[] = {"apt-sources", "timesyncd-servers",
                                                       "networkmanager-connectivity", "fwupd-remotes"};
bool isHostSourceName(std::string_view name);

// What the sources held at one moment: read once per rule load, then shared read-only by the parsing threads.
struct HostSourceSnapshot {
    std::map<std::string, std::vector<std::string>, std::less<>> hosts; // by source name, sorted
    std::vector<std::string> notices; // files that exist but could not be read, unparsable URIs

    const std::vector<std::string>& of(std::string_view name) const;
};

HostSourceSnapshot readHostSources(const std::filesystem::path& root);

// The parts, for tests. Each returns the hosts in the text (duplicates kept); `notices` gets what was skipped.
std::vector<std::string> aptOneLineSourceHosts(std::string_view text, std::vector<std::string>& notices);
std::vector<std::string> aptDeb822SourceHosts(std::string_view text, std::vector<std::string>& notices);
// The host of an http or https URL ("" for any other scheme or a malformed URL), through libcurl's URL parser.
std::string httpUrlHost(std::string_view url);

// A systemd/NetworkManager/fwupd style INI file: "[section]" headers, "key=value" lines, '#' and ';' comments.
// The values of `key` in `section`, in file order (a later one overrides an earlier one for most keys).
std::vector<std::string> iniValues(std::string_view text, std::string_view section, std::string_view key);

} // namespace hostgate
