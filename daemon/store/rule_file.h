// SPDX-License-Identifier: GPL-3.0-or-later
// The TOML format of rule files: strict parsing with file:line:column errors, and round-trip serialization.
#pragma once

// Schema (admin /etc/hostgate/rules.d/*.toml and the user's /var/lib/hostgate/rules.toml):
//
//   version = 1                     # optional; other versions are refused
//
//   [[rule]]                        # one table per rule, applied in file order
//   id = 12                         # user file: required, 1..2^63-1, unique; admin files: not allowed
//   app = "/usr/bin/curl"           # executable path; omitted or "*" = any application
//   script = "/home/u/tool.py"      # interpreter's script; omitted or "*" = any
//   user = 1000                     # uid; omitted = any user
//   host = "*.example.com"          # required: "*", name, "*.domain", address or CIDR; Unicode names become
//                                   #   punycode
//   ports = "80,443,8000-8100"      # a string as PortSet::parse takes it, or one integer (443); omitted = any
//   protocol = "tcp"                # tcp | udp | any (default any)
//   action = "allow"                # allow | deny: required
//   lifetime = "forever"            # forever (default) | once | until-exit | until-time
//   until = 2026-12-01T00:00:00Z    # required with (and only with) until-time; needs a UTC offset
//   pid = 4242                      # required with (and only with) until-exit
//   enabled = true                  # default true
//   note = "why this rule exists"   # default ""
//   created = 2026-11-23T10:00:00Z  # offset date-times, nanosecond precision; default: the Unix epoch
//   last_hit = 2026-11-24T08:30:15Z # omitted = never hit
//   hosts_from = "apt-sources"      # admin and base files only, instead of `host`: one rule per host the system's
//                                   #   configuration names (store/host_sources.h), re-read at every load
//   hit_count = 3                   # default 0
//
// Unknown keys, wrong types and invalid values are errors located at the key or value. Every rule passes
// validateRule (rules/rule_validation.h): strings up to 4 KiB; a file holds at most maxRulesPerFile rules and
// maxRuleTextBytes (4 MiB) of text.

#include "rules/rule.h"
#include "store/host_sources.h"
#include "util/result.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

inline constexpr std::int64_t ruleFileVersion = 1;

// User rule ids are 1 .. 2^63-1 and stored in the file. Admin rule ids are never written in a file: parsing
// gives them 2^63 + (40-bit hash of the file's name, without directory) * 2^23 + position in the file
// (1-based), unique per load, which the store then replaces with short ids from the shared sequence
// (store/admin_rule_ids.h).
inline constexpr RuleId firstAdminRuleId = RuleId{1} << 63;
RuleId adminRuleId(std::string_view fileName, std::size_t position);
inline bool isAdminRuleId(RuleId id)
{
    return id >= firstAdminRuleId;
}

// The error for a rule file or import of `bytes` bytes when that is over maxRuleTextBytes, naming the source.
std::optional<Error> checkRuleTextSize(std::size_t bytes, std::string_view sourcePath);

// Parses a whole rule file. `sourcePath` names the file in errors ("path:line:column") and, for admin
// rules, becomes Rule::source and seeds the ids. Any problem (TOML syntax, unknown key, wrong type, invalid
// host, ports, protocol, action, lifetime or time, duplicate user id) rejects the whole file, so a half-
// understood file never changes what is enforced.
// `hostSources` expands hosts_from (admin and base files); without it such a rule is an error.
Result<std::vector<Rule>> parseRuleFile(std::string_view text, std::string_view sourcePath, RuleOrigin origin,
                                        const HostSourceSnapshot* hostSources = nullptr);

// Parses rules a user imports (the user-file format, e.g. an export): user origin, and every rule gets id 0
// whether or not the text has ids, because the store assigns fresh ones. Errors as parseRuleFile.
Result<std::vector<Rule>> parseImportedRules(std::string_view text, std::string_view sourceName);

// Writes rules in the same format. User rules get their `id`; admin rules get none (it is derived on load),
// so parsing the output as the same file yields equal rules. Rule::origin and Rule::source are not written.
std::string serializeRules(const std::vector<Rule>& rules);

} // namespace hostgate
