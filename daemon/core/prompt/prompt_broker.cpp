// SPDX-License-Identifier: GPL-3.0-or-later
// The prompt broker: keyed, merged, deadline-bound prompts whose callers are completed exactly once.
#include "prompt/prompt_broker.h"

#include "util/name_table.h"

#include <fmt/format.h>

#include <chrono>

namespace hostgate {

namespace {

long long secondsBetween(TimePoint from, TimePoint to)
{
    return std::chrono::duration_cast<Seconds>(to - from).count();
}

constexpr NameTable<PromptOutcome::Reason, 6> kReasonNames{{{PromptOutcome::Reason::Cancelled, "cancelled"},
                                                            {PromptOutcome::Reason::Answered, "answered"},
                                                            {PromptOutcome::Reason::TimedOut, "timed-out"},
                                                            {PromptOutcome::Reason::AgentGone, "agent-gone"},
                                                            {PromptOutcome::Reason::NoAgent, "no-agent"},
                                                            {PromptOutcome::Reason::Overloaded, "overloaded"}}};

} // namespace

std::string_view toString(PromptOutcome::Reason reason)
{
    return nameIn(kReasonNames, reason);
}

PromptKey PromptKey::of(const Connection& connection)
{
    return PromptKey{connection.app.device, connection.app.inode,   displayPath(connection.app),
                     connection.app.script, connection.app.appId,   connection.app.unit,
                     connection.uid,        connection.destination, connection.port,
                     connection.protocol};
}

PromptBroker::PromptBroker(Config config) : config_(config) {}

PromptBroker::AskResult PromptBroker::ask(const Connection& connection, TimePoint now, Completion completion)
{
    auto key = PromptKey::of(connection);
    const auto refuse = [&](std::string explanation) {
        PromptOutcome outcome;
        outcome.action = config_.defaultAction;
        outcome.reason = PromptOutcome::Reason::Overloaded;
        outcome.explanation = std::move(explanation);
        completion(outcome);
        return AskResult{};
    };

    if (const auto known = idsByKey_.find(key); known != idsByKey_.end()) {
        Pending& prompt = prompts_.at(known->second);
        if (prompt.completions.size() >= config_.maxCallersPerPrompt)
            return refuse(fmt::format("prompt #{} already holds {} attempts: default action {}", known->second,
                                      prompt.completions.size(), toString(config_.defaultAction)));
        prompt.completions.push_back(std::move(completion));
        ++prompt.request.attempts;
        return AskResult{known->second, false};
    }

    if (prompts_.size() >= config_.maxPending)
        return refuse(fmt::format("{} prompts are already pending: default action {}", prompts_.size(),
                                  toString(config_.defaultAction)));
    if (const auto ofUid = pendingCountOf(connection.uid); ofUid >= config_.maxPendingPerUid)
        return refuse(fmt::format("{} prompts of uid {} are already pending: default action {}", ofUid, connection.uid,
                                  toString(config_.defaultAction)));

    const PromptId id = nextId_++;
    Pending prompt;
    prompt.request.id = id;
    prompt.request.connection = connection;
    prompt.request.asked = now;
    prompt.request.deadline = now + config_.timeout;
    prompt.request.defaultAction = config_.defaultAction;
    prompt.key = key;
    prompt.completions.push_back(std::move(completion));
    deadlines_.emplace(prompt.request.deadline, id);
    ++pendingByUid_[connection.uid];
    idsByKey_.emplace(std::move(key), id);
    prompts_.emplace(id, std::move(prompt));
    return AskResult{id, true};
}

Result<void> PromptBroker::answer(PromptId id, const PromptAnswer& answer, std::uint32_t answeringUid, TimePoint now)
{
    const auto it = prompts_.find(id);
    if (it == prompts_.end())
        return Error{fmt::format("Failed to answer prompt #{}: it is not pending (already answered, timed out, "
                                 "or never asked)",
                                 id)};
    const Connection& connection = it->second.request.connection;
    if (connection.uid != answeringUid)
        return Error{fmt::format("Failed to answer prompt #{}: not authorized: it belongs to uid {}, the answer "
                                 "came from uid {}",
                                 id, connection.uid, answeringUid)};
    auto rule = ruleFromAnswer(connection, answer, now);
    if (!rule)
        return Error{fmt::format("Failed to answer prompt #{}: {}", id, rule.error().message)};

    Finished finished;
    finished.outcome.promptId = id;
    finished.outcome.action = answer.action;
    finished.outcome.reason = PromptOutcome::Reason::Answered;
    if (answer.lifetime == Lifetime::Kind::Once) {
        finished.outcome.explanation = fmt::format("answered at prompt #{}: {} once", id, toString(answer.action));
    } else {
        finished.outcome.explanation = fmt::format("answered at prompt #{}: {}", id, describe(*rule));
        finished.outcome.rule = std::move(rule).value();
        finished.outcome.pinBinary = answer.pinBinary && finished.outcome.rule->app.has_value();
    }
    finished.completions = std::move(takePrompt(it).completions);

    std::vector<Finished> all;
    all.push_back(std::move(finished));
    deliver(std::move(all));
    return Ok{};
}

bool PromptBroker::assignAgent(PromptId id, std::string agentName)
{
    const auto it = prompts_.find(id);
    if (it == prompts_.end())
        return false;
    it->second.agent = std::move(agentName);
    return true;
}

void PromptBroker::agentGone(const std::string& agentName, TimePoint now)
{
    std::vector<Finished> finished;
    for (auto it = prompts_.begin(); it != prompts_.end();) {
        const auto current = it++;
        if (current->second.agent != agentName)
            continue;
        const auto waited = secondsBetween(current->second.request.asked, now);
        finished.push_back(finishWithDefault(
            current, PromptOutcome::Reason::AgentGone,
            fmt::format("prompt agent {} went away after {} s without answering", agentName, waited)));
    }
    deliver(std::move(finished));
}

void PromptBroker::noAgent(PromptId id, TimePoint now)
{
    const auto it = prompts_.find(id);
    if (it == prompts_.end())
        return;
    const auto uid = it->second.request.connection.uid;
    const auto waited = secondsBetween(it->second.request.asked, now);
    std::vector<Finished> finished;
    finished.push_back(finishWithDefault(it, PromptOutcome::Reason::NoAgent,
                                         fmt::format("no prompt agent could ask uid {} (after {} s)", uid, waited)));
    deliver(std::move(finished));
}

void PromptBroker::expire(TimePoint now)
{
    std::vector<Finished> finished;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        const auto it = prompts_.find(deadlines_.begin()->second);
        finished.push_back(
            finishWithDefault(it, PromptOutcome::Reason::TimedOut,
                              fmt::format("no answer within {} s",
                                          secondsBetween(it->second.request.asked, it->second.request.deadline))));
    }
    deliver(std::move(finished));
}

std::optional<TimePoint> PromptBroker::nextDeadline() const
{
    if (deadlines_.empty())
        return std::nullopt;
    return deadlines_.begin()->first;
}

std::optional<PromptRequest> PromptBroker::find(PromptId id) const
{
    const auto it = prompts_.find(id);
    if (it == prompts_.end())
        return std::nullopt;
    return it->second.request;
}

std::size_t PromptBroker::pendingCountOf(std::uint32_t uid) const
{
    const auto it = pendingByUid_.find(uid);
    return it == pendingByUid_.end() ? 0 : it->second;
}

void PromptBroker::cancelAll()
{
    std::vector<Finished> finished;
    while (!prompts_.empty())
        finished.push_back(finishWithDefault(prompts_.begin(), PromptOutcome::Reason::Cancelled,
                                             "the firewall daemon is shutting down"));
    deliver(std::move(finished));
}

PromptBroker::Pending PromptBroker::takePrompt(std::map<PromptId, Pending>::iterator it)
{
    Pending prompt = std::move(it->second);
    prompts_.erase(it);
    idsByKey_.erase(prompt.key);
    deadlines_.erase({prompt.request.deadline, prompt.request.id});
    if (const auto counted = pendingByUid_.find(prompt.request.connection.uid);
        counted != pendingByUid_.end() && --counted->second == 0)
        pendingByUid_.erase(counted);
    return prompt;
}

PromptBroker::Finished PromptBroker::finishWithDefault(std::map<PromptId, Pending>::iterator it,
                                                       PromptOutcome::Reason reason, std::string explanation)
{
    Finished finished;
    finished.outcome.promptId = it->first;
    finished.outcome.action = it->second.request.defaultAction;
    finished.outcome.reason = reason;
    finished.outcome.explanation =
        fmt::format("prompt #{}: {}: default action {}", it->first, explanation, toString(finished.outcome.action));
    finished.completions = std::move(takePrompt(it).completions);
    return finished;
}

// Runs after every finished prompt has left the broker's maps, so a completion that asks again starts a
// fresh prompt instead of joining one that is being completed.
void PromptBroker::deliver(std::vector<Finished> finished)
{
    for (auto& prompt : finished) {
        for (std::size_t caller = 0; caller < prompt.completions.size(); ++caller) {
            PromptOutcome outcome = prompt.outcome;
            outcome.persistRule = caller == 0 && outcome.rule.has_value();
            prompt.completions[caller](outcome);
        }
    }
}

} // namespace hostgate
