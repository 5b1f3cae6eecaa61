// SPDX-License-Identifier: GPL-3.0-or-later
// ScopeBook: policies tied to one cgroup (hostgatectl run / attach) — which scope a process is in, and how
// its scoped rules, its default and the global rules decide its connections.
#pragma once

#include "decision/connection.h"
#include "decision/decision_engine.h"
#include "rules/rule.h"
#include "util/result.h"
#include "util/time.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

using ScopeId = std::uint64_t;

// What a scope's process gets when none of its scoped rules matches:
//  - Deny: denied (an egress filter: only what the scope allows);
//  - Allow: the global rules decide; where none matches, allowed (instead of the mode's default or prompt);
//  - Ask: the global rules, then the mode decide, exactly as for a process outside any scope.
// So only a scoped allow rule can open what a global rule denies.
enum class ScopeDefault : std::uint8_t { Deny, Allow, Ask };

std::string_view toString(ScopeDefault value); // "deny", "allow", "ask"
std::optional<ScopeDefault> parseScopeDefault(std::string_view text);

enum class ScopeKind : std::uint8_t {
    Run,    // a transient cgroup the daemon made for one command; ends with its client (bus name)
    Attach, // an existing cgroup (a unit's, a container's); ends with detach or with the cgroup
};

std::string_view toString(ScopeKind kind); // "run", "attach"

struct Scope {
    ScopeId id = 0;
    ScopeKind kind = ScopeKind::Run;
    // The cgroup v2 path relative to the hierarchy's root, as /proc/PID/cgroup shows it: "/hg/hostgate-run-3".
    std::string cgroup;
    std::uint64_t cgroupId = 0; // the directory's inode: what the kernel reports as the cgroup id
    std::uint32_t uid = 0;      // who made it
    std::string owner;          // Run: the client's unique bus name; the scope ends when it leaves the bus
    std::string label;          // for people: the command, the unit, the container
    ScopeDefault defaultAction = ScopeDefault::Deny;
    std::vector<Rule> rules; // every one with scope == id, ids 1..n within the scope
    TimePoint created{};
    // Ending: its client left or it was detached, but processes are still in its transient cgroup; it keeps
    // judging them until the cgroup is empty and removed.
    bool ending = false;
};

// Bounds of what one caller can make the daemon hold.
inline constexpr std::size_t maxScopes = 64;
inline constexpr std::size_t maxScopesPerUid = 16;
inline constexpr std::size_t maxRulesPerScope = 1024;
inline constexpr std::size_t maxScopeLabelBytes = 256;

// Whether the cgroup path `inner` is `outer` or below it, component by component ("/a/run-1" does not contain
// "/a/run-10").
bool cgroupContains(std::string_view outer, std::string_view inner);

class ScopeBook {
public:
    // Validates (bounds, every rule through validateRule, scoped rules forever and enabled), assigns the next id,
    // ties the rules to it (scope, ids 1..n, origin User). Nothing changes on failure.
    Result<ScopeId> add(Scope scope, TimePoint now);
    bool remove(ScopeId id);
    const Scope* find(ScopeId id) const;
    Scope* find(ScopeId id);
    // The innermost scope whose cgroup contains `cgroupPath` (nullptr: none).
    const Scope* innermostFor(std::string_view cgroupPath) const;
    std::vector<const Scope*> all() const;
    std::size_t size() const { return scopes_.size(); }
    std::size_t countOfUid(std::uint32_t uid) const;
    // Changes whenever a scope is added or removed (callers cache cgroup → scope answers by it).
    std::uint64_t generation() const { return generation_; }

    // The decision for `connection` of a process in `scope`: its scoped rules first (the most specific wins,
    // deny over allow, as for global rules), then its default (see ScopeDefault) with `global` deciding where
    // the default defers to it. Decisions by a scoped rule or the default name no global rule (`rule` empty)
    // and say so: "scope #3 (curl): allow a.example (matched a.example)".
    Decision decide(const Scope& scope, DecisionEngine& global, const Connection& connection, TimePoint now) const;

private:
    struct Entry {
        Scope scope;
        std::unique_ptr<DecisionEngine> rules; // the scoped rules, indexed like global ones
    };
    std::map<ScopeId, Entry> scopes_;
    ScopeId nextId_ = 1;
    std::uint64_t generation_ = 0;
};

} // namespace hostgate
