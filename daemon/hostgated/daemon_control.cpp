// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's side of the D-Bus API (FirewallControl): status, mode, rule changes that are saved before they
// take effect, import/export, the connection log, and the prompt agents' replies fed to the broker.
#include "hostgated/daemon.h"

#include "hostgated/saved_mode.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

namespace hostgate {

namespace {

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
    engine_.forEachRule([&status](const Rule& rule) {
        ++status.rules;
        if (isReadOnly(rule.origin))
            ++status.adminRules;
        else if (rule.lifetime.persistent())
            ++status.userRules;
        else
            ++status.runtimeRules;
    });
    status.ruleErrors = rules_.loadErrors();
    status.pendingPrompts = prompts_.pendingCount();
    if (decisions_) {
        status.allowed = decisions_->counters().allowed;
        status.denied = decisions_->counters().denied;
        status.asked = decisions_->counters().asked;
    }
    status.dnsPackets = dnsLane_ ? dnsLane_->packets() : 0;
    status.dnsQueueOverflows = dnsLane_ ? dnsLane_->overflows() : 0;
    status.decisionQueueOverflows = decisionQueueOverflows_;
    if (bpf_) {
        const auto now = std::chrono::steady_clock::now();
        if (!verdictCount_ || now - verdictCount_->first >= std::chrono::seconds(5))
            verdictCount_ = std::pair(now, bpf_->verdictCount());
        status.verdictEntries = verdictCount_->second;
        status.verdictCapacity = bpf_->verdictCapacity();
        status.missEventsDropped = bpf_->droppedEvents();
    }
    status.proposals = learning_.book().size();
    status.proposalLimit = learning_.book().limits().maxProposals;
    status.proposalsDropped = learning_.book().dropped();
    status.proposalsError = learning_.loadError().value_or("");
    if (lists_) {
        status.lists = lists_->status().size();
        status.listErrors = lists_->configErrors();
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
        return Error::named(std::string(control_error::failed),
                            "Failed to save the mode, nothing changed: " + saved.error().describe());
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
    if (const Rule* found = engine_.findRule(id))
        return *found;
    return std::nullopt;
}

Result<Rule> Daemon::addRule(Rule rule)
{
    return rules_.add(std::move(rule));
}

Result<void> Daemon::updateRule(Rule rule)
{
    return rules_.update(std::move(rule));
}

Result<void> Daemon::removeRule(RuleId id)
{
    return rules_.remove(id);
}

std::vector<ListInfo> Daemon::lists() const
{
    std::vector<ListInfo> infos;
    if (!lists_)
        return infos;
    for (auto& list : lists_->status()) {
        ListInfo info;
        info.name = list.config.name;
        info.description = list.config.description;
        info.source = list.config.source;
        info.file = list.config.file.string();
        info.format = std::string(toString(list.config.format));
        info.action = list.config.action;
        info.enabled = list.enabled;
        info.entries = list.entries;
        info.lastFetch = list.lastFetch;
        info.lastSuccess = list.lastSuccess;
        info.lastError = std::move(list.lastError);
        info.nextRefresh = list.nextRefresh;
        info.fetching = list.fetching;
        infos.push_back(std::move(info));
    }
    return infos;
}

Result<void> Daemon::refreshLists(const std::string& name)
{
    if (!lists_)
        return Error::named(std::string(control_error::noSuchList), "Lists are not running");
    return lists_->refresh(name);
}

Result<void> Daemon::setListEnabled(const std::string& name, bool enabled)
{
    if (!lists_)
        return Error::named(std::string(control_error::noSuchList), "Lists are not running");
    return lists_->setEnabled(name, enabled);
}

Result<void> Daemon::setRuleEnabled(RuleId id, bool enabled)
{
    return rules_.setEnabled(id, enabled);
}

std::string Daemon::exportRules() const
{
    return rules_.exportText();
}

Result<std::size_t> Daemon::importRules(std::string_view toml, bool replace)
{
    return rules_.import(toml, replace);
}

Result<std::vector<ConnectionEvent>> Daemon::recentConnections(std::size_t limit, const EventFilter& filter) const
{
    if (!events_)
        return Error::named(std::string(control_error::failed),
                            "The connection log is not available (see the daemon log)");
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
            switch (event.verdict) {
            case Outcome::Allowed:
                ++app.allowed;
                break;
            case Outcome::Denied:
                ++app.denied;
                break;
            case Outcome::Asked:
                ++app.asked;
                break;
            }
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
