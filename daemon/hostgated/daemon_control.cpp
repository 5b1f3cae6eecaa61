// The daemon's side of the D-Bus API (FirewallControl): status, mode, rule changes that are saved before they
// take effect, import/export, the connection log, and the prompt agents' replies fed to the broker.
#include "hostgated/daemon.h"

#include "hostgated/saved_mode.h"
#include "rules/rule_validation.h"
#include "store/rule_file.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

namespace hostgate {

namespace {

// The shared validation (rules/rule_validation.h) as the API's InvalidRule error; `what` says which call.
std::optional<Error> refusedRule(const Rule& rule, std::string_view what)
{
    if (auto problem = validateRule(rule))
        return Error::named(std::string(control_error::invalidRule),
                            fmt::format("{}: '{}' {}", what, problem->key, problem->reason));
    return std::nullopt;
}

std::size_t lastingUserRuleCount(const std::vector<Rule>& rules)
{
    return static_cast<std::size_t>(std::count_if(rules.begin(), rules.end(), [](const Rule& rule) {
        return rule.origin == RuleOrigin::User && rule.lifetime.persistent();
    }));
}


Error noSuchRule(RuleId id)
{
    return Error::named(std::string(control_error::noSuchRule), fmt::format("No rule with id {}", id));
}

// The rule with `id` among `rules`, if the API may change it.
Result<std::vector<Rule>::iterator> editableRule(std::vector<Rule>& rules, RuleId id)
{
    const auto it = std::find_if(rules.begin(), rules.end(), [id](const Rule& rule) { return rule.id == id; });
    if (it == rules.end())
        return noSuchRule(id);
    if (it->origin == RuleOrigin::Admin)
        return Error::named(std::string(control_error::readOnlyRule),
                            fmt::format("Rule {} comes from the administrator's file {} and is read-only", id,
                                        it->source));
    return it;
}

std::vector<std::string> featureNames(const KernelFeatures& features)
{
    std::vector<std::string> names;
    const std::pair<bool, const char*> known[] = {
        {features.cgroup2Mount.has_value(), "cgroup2"},
        {features.kernelBtf, "btf"},
        {features.cgroupSockPrograms, "cgroup-sock"},
        {features.cgroupSockAddrPrograms, "cgroup-sock-addr"},
        {features.currentTaskBtfHelper, "current-task-btf"},
        {features.ringBuffer, "ringbuf"},
        {features.lruHash, "lru-hash"},
    };
    for (const auto& [available, name] : known)
        if (available)
            names.emplace_back(name);
    return names;
}

} // namespace

FirewallStatus Daemon::status() const
{
    FirewallStatus status;
    status.version = std::string(hostgateVersion());
    status.mode = engine_.mode();
    status.defaultAction = config_.defaultAction;
    status.promptTimeout = config_.promptTimeout;
    status.kernelFeatures = featureNames(features_);
    status.missingFeatures = features_.missing();
    for (const auto& rule : engine_.rules()) {
        ++status.rules;
        if (rule.origin == RuleOrigin::Admin)
            ++status.adminRules;
        else if (rule.lifetime.persistent())
            ++status.userRules;
        else
            ++status.runtimeRules;
    }
    status.ruleErrors = ruleErrors_;
    status.pendingPrompts = prompts_.pendingCount();
    if (decisions_) {
        status.allowed = decisions_->counters().allowed;
        status.denied = decisions_->counters().denied;
        status.asked = decisions_->counters().asked;
    }
    status.started = started_;
    return status;
}

Mode Daemon::mode() const
{
    return engine_.mode();
}

Result<void> Daemon::setMode(Mode mode)
{
    // Saved first, so the mode the user picked is the one a restart comes back with.
    if (auto saved = saveMode(config_.stateDir, mode); !saved)
        return Error::named(std::string(control_error::failed), "Failed to save the mode, nothing changed: " +
                                                                     saved.error().describe());
    const Mode before = engine_.mode();
    engine_.setMode(mode);
    // Verdicts cached in the kernel may be the old mode's default ("no rule → allow" in silent-allow).
    invalidateKernelVerdicts();
    if (before != mode)
        log_.notice("Mode changed", {{"from", toString(before)}, {"to", toString(mode)}});
    return Ok{};
}

std::vector<Rule> Daemon::rules() const
{
    return engine_.rules();
}

std::optional<Rule> Daemon::rule(RuleId id) const
{
    for (auto& rule : engine_.rules())
        if (rule.id == id)
            return rule;
    return std::nullopt;
}

Result<void> Daemon::changeRules(const std::function<Result<void>(std::vector<Rule>&)>& change)
{
    if (userFileBroken_)
        return Error::named(std::string(control_error::rulesFileBroken),
                            fmt::format("The user rule file {} has errors; fix it (the daemon reloads it) before "
                                        "changing rules, so your edit is not overwritten",
                                        config_.userRulesFile.string()));
    std::vector<Rule> rules = engine_.rules();
    const std::size_t lastingBefore = lastingUserRuleCount(rules);
    if (auto changed = change(rules); !changed)
        return changed;
    // The lasting rules are saved as one file, which must stay loadable; fewer is always allowed.
    if (const std::size_t lasting = lastingUserRuleCount(rules); lasting > maxRulesPerFile && lasting > lastingBefore)
        return Error::named(std::string(control_error::invalidRule),
                            fmt::format("Too many rules: {} user rules, the limit is {}", lasting, maxRulesPerFile));

    // Saved first: a rule that cannot be written never takes effect, so what is enforced is what is on disk.
    if (auto saved = writeUserRules(rules); !saved)
        return Error::named(std::string(control_error::failed), "Failed to save user rules, nothing changed: " +
                                                                     saved.error().describe());
    runtimeRules_.clear();
    for (const auto& rule : rules)
        if (rule.origin == RuleOrigin::User && !rule.lifetime.persistent())
            runtimeRules_.push_back(rule);
    enforceRules(std::move(rules));
    // No RulesChanged here: these are the API's own changes, which the bus announces once it replied.
    return Ok{};
}

RuleId Daemon::takeRuleId()
{
    const RuleId id = std::max(nextRuntimeId_, store_.nextUserRuleId());
    nextRuntimeId_ = id + 1;
    return id;
}

Result<Rule> Daemon::addRule(Rule rule)
{
    if (rule.lifetime.kind == Lifetime::Kind::UntilExit)
        return Error::named(std::string(control_error::invalidRule),
                            "Rules lasting until a process exits come only from prompt answers");
    rule.origin = RuleOrigin::User;
    rule.source.clear();
    rule.hitCount = 0;
    rule.lastHit.reset();
    if (rule.created == TimePoint{})
        rule.created = Clock::now();
    if (auto refused = refusedRule(rule, "Failed to add rule"))
        return *refused;
    const RuleId firstFree = nextRuntimeId_;
    rule.id = takeRuleId();
    auto added = changeRules([&rule](std::vector<Rule>& rules) -> Result<void> {
        rules.push_back(rule);
        return Ok{};
    });
    if (!added) {
        nextRuntimeId_ = firstFree;
        return added.error();
    }
    log_.info("Rule added", {{"rule", describe(rule)}});
    return rule;
}

Result<void> Daemon::updateRule(Rule updated)
{
    if (auto refused = refusedRule(updated, "Failed to update rule"))
        return *refused;
    return changeRules([&](std::vector<Rule>& rules) -> Result<void> {
        auto it = editableRule(rules, updated.id);
        if (!it)
            return it.error();
        Rule& rule = **it;
        if (updated.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime != updated.lifetime)
            return Error::named(std::string(control_error::invalidRule),
                                "Rules lasting until a process exits come only from prompt answers");
        updated.origin = RuleOrigin::User;
        updated.source.clear();
        updated.created = rule.created;
        updated.hitCount = rule.hitCount;
        updated.lastHit = rule.lastHit;
        rule = std::move(updated);
        log_.info("Rule updated", {{"rule", describe(rule)}});
        return Ok{};
    });
}

Result<void> Daemon::removeRule(RuleId id)
{
    return changeRules([&](std::vector<Rule>& rules) -> Result<void> {
        auto it = editableRule(rules, id);
        if (!it)
            return it.error();
        log_.info("Rule removed", {{"rule", describe(**it)}});
        rules.erase(*it);
        return Ok{};
    });
}

Result<void> Daemon::setRuleEnabled(RuleId id, bool enabled)
{
    return changeRules([&](std::vector<Rule>& rules) -> Result<void> {
        auto it = editableRule(rules, id);
        if (!it)
            return it.error();
        (*it)->enabled = enabled;
        log_.info(enabled ? "Rule enabled" : "Rule disabled", {{"id", id}});
        return Ok{};
    });
}

std::string Daemon::exportRules() const
{
    return serializeRules(lastingUserRules(engine_.rules()));
}

Result<std::size_t> Daemon::importRules(std::string_view toml, bool replace)
{
    if (auto tooLarge = checkRuleTextSize(toml.size(), "import"))
        return Error::named(std::string(control_error::invalidRule), tooLarge->describe());
    auto imported = parseImportedRules(toml, "import");
    if (!imported)
        return Error::named(std::string(control_error::invalidRule),
                            "Failed to import rules: " + imported.error().describe());
    for (const auto& rule : *imported) {
        if (rule.lifetime.kind == Lifetime::Kind::UntilExit)
            return Error::named(std::string(control_error::invalidRule),
                                "Failed to import rules: rules lasting until a process exits cannot be imported");
        if (auto refused = refusedRule(rule, "Failed to import rules"))
            return *refused;
    }
    const RuleId firstFree = nextRuntimeId_;
    const TimePoint now = Clock::now();
    auto changed = changeRules([&](std::vector<Rule>& rules) -> Result<void> {
        if (replace)
            std::erase_if(rules, [](const Rule& rule) { return rule.origin == RuleOrigin::User && rule.lifetime.persistent(); });
        for (auto rule : *imported) {
            rule.id = takeRuleId();
            if (rule.created == TimePoint{})
                rule.created = now;
            rules.push_back(std::move(rule));
        }
        return Ok{};
    });
    if (!changed) {
        nextRuntimeId_ = firstFree;
        return changed.error();
    }
    log_.info("Rules imported", {{"count", imported->size()}, {"replace", replace ? "yes" : "no"}});
    return imported->size();
}

Result<std::vector<ConnectionEvent>> Daemon::recentConnections(std::size_t limit, const EventFilter& filter) const
{
    if (!events_)
        return Error::named(std::string(control_error::failed), "The connection log is not available (see the daemon log)");
    return events_->recent(limit, filter);
}

Result<std::vector<AppSummary>> Daemon::apps() const
{
    constexpr std::size_t eventsScanned = 10000;
    std::map<std::string, AppSummary> byApp;
    if (events_) {
        auto recent = events_->recent(eventsScanned);
        if (!recent)
            return Error::named(std::string(control_error::failed), recent.error().describe());
        for (const auto& event : *recent) {
            AppSummary& app = byApp[event.appPath];
            app.app = event.appPath;
            ++app.connections;
            if (event.verdict == "allowed")
                ++app.allowed;
            else if (event.verdict == "denied")
                ++app.denied;
            else
                ++app.asked;
            app.lastSeen = std::max(app.lastSeen.value_or(event.time), event.time);
        }
    }
    for (const auto& rule : engine_.rules()) {
        if (!rule.app)
            continue;
        AppSummary& app = byApp[*rule.app];
        app.app = *rule.app;
        ++app.rules;
    }
    std::vector<AppSummary> apps;
    apps.reserve(byApp.size());
    for (auto& [path, app] : byApp)
        apps.push_back(std::move(app));
    return apps;
}

void Daemon::promptDelivered(PromptId id, const std::string& agentBusName)
{
    if (!prompts_.assignAgent(id, agentBusName))
        log_.debug("Prompt finished while being delivered", {{"prompt", id}});
}

void Daemon::promptUndeliverable(PromptId id)
{
    prompts_.noAgent(id, Clock::now());
    armPromptTimer();
}

Result<void> Daemon::answerPrompt(PromptId id, const PromptAnswer& answer, std::uint32_t answeringUid)
{
    auto answered = prompts_.answer(id, answer, answeringUid, Clock::now());
    armPromptTimer();
    if (!answered) {
        // The connection is held for nothing now: the agent has spoken, badly. Apply the default at once.
        log_.warning("Prompt answer refused, applying the default action",
                     {{"prompt", id}, {"uid", answeringUid}, {"error", answered.error().describe()}});
        prompts_.noAgent(id, Clock::now());
        armPromptTimer();
    }
    return answered;
}

void Daemon::agentGone(const std::string& agentBusName)
{
    prompts_.agentGone(agentBusName, Clock::now());
    armPromptTimer();
}

void Daemon::notifyRulesChanged()
{
    if (bus_)
        bus_->emitRulesChanged();
}

} // namespace hostgate
