// SPDX-License-Identifier: GPL-3.0-or-later
// Daemon: scopes (hostgatectl run / attach) — their cgroups, their rules in memory, the kernel's scope set, and
// their end when the client leaves, the cgroup empties or goes away.
#include "hostgated/daemon.h"

#include "identity/process_info.h"
#include "store/rule_file.h"
#include "util/error_codes.h"

#include <fmt/format.h>

#include <unistd.h>

namespace hostgate {

namespace {

Error noSuchScope(ScopeId id)
{
    return Error::named(std::string(control_error::noSuchScope), fmt::format("No scope has id {}", id));
}

Error notAuthorized(std::string message)
{
    return Error::named(std::string(control_error::notAuthorized), std::move(message));
}

// Cached cgroup id → scope answers; beyond this the cache starts over.
constexpr std::size_t maxCachedCgroups = 4096;

} // namespace

Result<std::vector<Rule>> Daemon::scopeRules(ScopeRequest& request) const
{
    std::vector<Rule> rules = std::move(request.rules);
    if (!request.rulesToml.empty()) {
        auto parsed = parseImportedRules(request.rulesToml, "policy rules");
        if (!parsed)
            return Error::named(std::string(control_error::invalidRule), parsed.error().describe());
        for (Rule& rule : *parsed)
            rules.push_back(std::move(rule));
    }
    return rules;
}

Result<ScopeCreated> Daemon::addScope(Scope scope, ScopeRequest request)
{
    auto rules = scopeRules(request);
    if (!rules)
        return rules.error();
    scope.rules = std::move(rules).value();
    scope.defaultAction = request.defaultAction;
    scope.label = std::move(request.label);
    auto added = scopes_.add(std::move(scope), Clock::now());
    if (!added)
        return added.error();
    const Scope& stored = *scopes_.find(*added);
    syncScopesToKernel();
    log_.info("Scope created", {{"scope", stored.id},
                                {"kind", toString(stored.kind)},
                                {"cgroup", stored.cgroup},
                                {"uid", stored.uid},
                                {"rules", stored.rules.size()},
                                {"default", toString(stored.defaultAction)},
                                {"label", stored.label}});
    return ScopeCreated{stored.id, stored.cgroup};
}

Result<ScopeCreated> Daemon::createRunScope(ScopeRequest request, std::uint32_t uid, const std::string& busName)
{
    if (!scopeCgroups_ || !bpf_)
        return Error::named(std::string(control_error::failed),
                            "Scopes need the cgroup2 hierarchy and the BPF programs");
    // Checked before the cgroup is made, so a refused request leaves nothing behind.
    if (scopes_.size() >= maxScopes || scopes_.countOfUid(uid) >= maxScopesPerUid)
        return Error::named(std::string(control_error::limitExceeded),
                            fmt::format("Too many scopes (at most {}, {} per uid)", maxScopes, maxScopesPerUid));
    auto rules = scopeRules(request);
    if (!rules)
        return rules.error();
    request.rules = std::move(rules).value();
    request.rulesToml.clear();
    // The daemon's pid in the name: a leftover of an earlier daemon never collides.
    const std::string name = fmt::format("hostgate-run-{}-{}", ::getpid(), nextRunCgroup_++);
    auto cgroup = scopeCgroups_->createRun(name);
    if (!cgroup)
        return cgroup.error();
    Scope scope;
    scope.kind = ScopeKind::Run;
    scope.cgroup = cgroup->cgroup;
    scope.cgroupId = cgroup->id;
    scope.uid = uid;
    scope.owner = busName;
    auto created = addScope(std::move(scope), std::move(request));
    if (!created)
        scopeCgroups_->removeIfEmpty(cgroup->cgroup);
    return created;
}

Result<void> Daemon::joinScope(ScopeId id, std::int32_t pid, std::uint32_t uid, std::int32_t callerPid,
                               const std::string& busName)
{
    const Scope* scope = scopes_.find(id);
    if (!scope)
        return noSuchScope(id);
    if (scope->kind != ScopeKind::Run || scope->owner != busName || scope->ending)
        return notAuthorized(fmt::format("Scope {} was not made by this connection (or is ending)", id));
    // The process must be the caller's own child, of the caller's uid: nobody moves another's process.
    auto process = readProcessInfo(pid);
    if (!process)
        return Error::named(std::string(control_error::invalidArgument),
                            fmt::format("Failed to read process {}: {}", pid, process.error().describe()));
    if (process->uid != uid || process->parentPid != callerPid)
        return notAuthorized(
            fmt::format("Process {} is not a child of the caller (pid {}, uid {})", pid, callerPid, uid));
    if (auto moved = scopeCgroups_->move(scope->cgroup, pid); !moved)
        return moved.error();
    log_.info("Process joined scope", {{"scope", id}, {"pid", pid}, {"exe", process->app.path}});
    return Ok{};
}

Result<ScopeCreated> Daemon::attachScope(std::string_view kind, std::string_view target, ScopeRequest request,
                                         std::uint32_t uid)
{
    if (!scopeCgroups_ || !bpf_)
        return Error::named(std::string(control_error::failed),
                            "Scopes need the cgroup2 hierarchy and the BPF programs");
    auto cgroup = scopeCgroups_->find(kind, target);
    if (!cgroup)
        return cgroup.error();
    Scope scope;
    scope.kind = ScopeKind::Attach;
    scope.cgroup = cgroup->cgroup;
    scope.cgroupId = cgroup->id;
    scope.uid = uid;
    if (request.label.empty())
        request.label = std::string(target);
    return addScope(std::move(scope), std::move(request));
}

Result<void> Daemon::removeScope(ScopeId id)
{
    if (!scopes_.find(id))
        return noSuchScope(id);
    endScope(id);
    return Ok{};
}

std::vector<Scope> Daemon::scopes() const
{
    std::vector<Scope> result;
    for (const Scope* scope : scopes_.all())
        result.push_back(*scope);
    return result;
}

void Daemon::clientGone(const std::string& busName)
{
    std::vector<ScopeId> gone;
    for (const Scope* scope : scopes_.all())
        if (scope->kind == ScopeKind::Run && scope->owner == busName && !scope->ending)
            gone.push_back(scope->id);
    for (const ScopeId id : gone) {
        log_.info("Scope's client left the bus", {{"scope", id}, {"client", busName}});
        endScope(id);
    }
}

void Daemon::endScope(ScopeId id)
{
    Scope* scope = scopes_.find(id);
    if (!scope)
        return;
    // Processes left in a run's cgroup stay judged by its rules until it is empty: nothing escapes its policy.
    if (scope->kind == ScopeKind::Run && scopeCgroups_ && !scopeCgroups_->removeIfEmpty(scope->cgroup)) {
        if (!scope->ending)
            log_.info("Scope ends once its cgroup is empty", {{"scope", id}, {"cgroup", scope->cgroup}});
        scope->ending = true;
        return;
    }
    forgetScope(id);
}

void Daemon::forgetScope(ScopeId id)
{
    const Scope* scope = scopes_.find(id);
    if (!scope)
        return;
    log_.info("Scope removed", {{"scope", id}, {"cgroup", scope->cgroup}});
    scopes_.remove(id);
    syncScopesToKernel();
    // Its verdicts are unreachable now, but a later scope of the same cgroup (attach again) must not find them.
    kernel_->forgetAll();
}

void Daemon::syncScopesToKernel()
{
    if (!bpf_)
        return;
    std::vector<std::uint64_t> ids;
    for (const Scope* scope : scopes_.all())
        ids.push_back(scope->cgroupId);
    if (auto set = bpf_->setScopedCgroups(ids); !set)
        log_.error("Failed to store the scopes' cgroups in the kernel", {{"error", set.error().describe()}});
}

void Daemon::maintainScopes()
{
    if (!scopeCgroups_)
        return;
    std::vector<ScopeId> gone;
    for (const Scope* scope : scopes_.all()) {
        if (scope->ending && scopeCgroups_->removeIfEmpty(scope->cgroup))
            gone.push_back(scope->id);
        else if (scope->kind == ScopeKind::Attach && !scopeCgroups_->exists({scope->cgroup, scope->cgroupId}))
            gone.push_back(scope->id);
    }
    for (const ScopeId id : gone)
        forgetScope(id);
}

const Scope* Daemon::scopeOfCgroup(std::uint64_t cgroupId)
{
    if (scopeCacheGeneration_ != scopes_.generation() || scopeOfCgroup_.size() >= maxCachedCgroups) {
        scopeOfCgroup_.clear();
        scopeCacheGeneration_ = scopes_.generation();
    }
    if (const auto cached = scopeOfCgroup_.find(cgroupId); cached != scopeOfCgroup_.end())
        return cached->second == 0 ? nullptr : scopes_.find(cached->second);
    const Scope* found = nullptr;
    std::vector<std::string> roots;
    for (const Scope* scope : scopes_.all()) {
        if (scope->cgroupId == cgroupId)
            found = scope;
        roots.push_back(scope->cgroup);
    }
    // A descendant of a scope's cgroup: its path, then the innermost scope containing it.
    if (!found && scopeCgroups_)
        if (const auto path = scopeCgroups_->pathOf(cgroupId, roots))
            found = scopes_.innermostFor(*path);
    scopeOfCgroup_[cgroupId] = found ? found->id : 0;
    return found;
}

std::optional<Decision> Daemon::decideInScope(Connection& connection, TimePoint now)
{
    if (scopes_.size() == 0 || connection.cgroupId == 0)
        return std::nullopt;
    const Scope* scope = scopeOfCgroup(connection.cgroupId);
    if (!scope)
        return std::nullopt;
    connection.scope = scope->id;
    connection.scopeCgroupId = scope->cgroupId;
    return scopes_.decide(*scope, engine_, connection, now);
}

} // namespace hostgate
