// SPDX-License-Identifier: GPL-3.0-or-later
// PromptDelivery: one async Ask per prompt to the newest agent of the connection's uid (or, for a system user
// without one, of a person, authorized by polkit when the answer comes); never blocks.
#include "bus/prompt_delivery.h"
#include "identity/process_info.h"

#include "prompt_agent1_proxy.h"

#include <sdbus-c++/Error.h>

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace hostgate {

namespace {

constexpr auto minimumAskTimeout = std::chrono::seconds(1);
// sd-bus reports its own call timeout as NoReply ("Method call timed out"), and so does the bus when the
// agent disconnects: the time tells them apart.
constexpr auto timeoutSlack = std::chrono::milliseconds(100);
constexpr std::string_view noReplyError = "org.freedesktop.DBus.Error.NoReply";
constexpr std::string_view timeoutError = "org.freedesktop.DBus.Error.Timeout";

// What an admin's polkit rule may look at to decide who answers for which service, e.g.
// action.lookup("unit") == "systemd-timesyncd.service".
PolkitAuthorizer::Details polkitDetailsOf(const PromptRequest& request, const std::string& userName)
{
    const Connection& connection = request.connection;
    const auto& unit = connection.app.unit;
    return {
        {"uid", std::to_string(connection.uid)},
        {"user", userName},
        {"app", displayPath(connection.app)},
        {"unit", unit && unit->starts_with("unit:") ? unit->substr(5) : unit.value_or("")},
        {"host", connection.hostnames.empty() ? connection.destination.toString() : connection.hostnames.front()},
        {"address", connection.destination.toString()},
        {"port", std::to_string(connection.port)},
        {"protocol", std::string(toString(connection.protocol))},
    };
}

} // namespace

// One agent object. Ask goes through the raw proxy (it needs a per-call timeout and the prompt id in the
// reply handler, which the generated Ask lacks); Cancel is the generated no-reply call.
class AgentProxy final : public org::hostgate::PromptAgent1_proxy {
public:
    explicit AgentProxy(std::unique_ptr<sdbus::IProxy> proxy) : PromptAgent1_proxy(*proxy), proxy_(std::move(proxy)) {}
    sdbus::IProxy& raw() { return *proxy_; }

private:
    // The generated single-callback Ask is never used (see above), so its reply hook has nothing to do.
    void onAskReply(const std::map<std::string, sdbus::Variant>&, const sdbus::Error*) override {}

    std::unique_ptr<sdbus::IProxy> proxy_;
};

PromptDelivery::PromptDelivery(BusContext& bus) : bus_(bus) {}

PromptDelivery::~PromptDelivery()
{
    if (reaper_)
        bus_.loop.cancelTimer(*reaper_);
}

void PromptDelivery::deliver(const PromptRequest& request)
{
    const auto id = request.id;
    const auto uid = request.connection.uid;
    const auto recipient = bus_.agents.recipientFor(uid, bus_.options.systemUidMax);
    if (!recipient) {
        bus_.log.info("No prompt agent for the connection's user", {{"prompt", id}, {"uid", uid}});
        bus_.control.promptUndeliverable(id);
        return;
    }
    const AgentRegistration& agent = recipient->agent;
    const std::optional<std::uint32_t> onBehalfOf = recipient->onBehalfOf;
    if (const auto previous = pending_.find(id); previous != pending_.end())
        retire(previous);

    const std::string userName = userNameOf(uid);
    auto record = promptRequestToRecord(request, userName, executableOf(request.connection.parentPid));
    if (onBehalfOf)
        record["system_service"] = sdbus::Variant(true);
    const auto timeout = std::max<std::chrono::microseconds>(
        minimumAskTimeout, std::chrono::duration_cast<std::chrono::microseconds>(request.deadline - Clock::now()));
    try {
        auto proxy = std::make_unique<AgentProxy>(sdbus::createProxy(*bus_.connection, agent.busName, agent.path));
        proxy->raw()
            .callMethodAsync("Ask")
            .onInterface(AgentProxy::INTERFACE_NAME)
            .withTimeout(timeout)
            .withArguments(record)
            .uponReplyInvoke(
                [this, id](const sdbus::Error* error, const VariantMap& answer) { onAskReply(id, error, answer); });
        pending_[id] =
            PendingAsk{agent, onBehalfOf, onBehalfOf ? polkitDetailsOf(request, userName) : PolkitAuthorizer::Details{},
                       std::move(proxy), std::chrono::steady_clock::now() + timeout};
    } catch (const sdbus::Error& error) {
        bus_.afterSend();
        bus_.log.warning("Failed to send a prompt to the agent",
                         {{"prompt", id}, {"agent", agent.busName}, {"error", error.getMessage()}});
        bus_.control.promptUndeliverable(id);
        return;
    }
    bus_.afterSend();
    if (onBehalfOf)
        bus_.log.info("Prompt about a system user's process sent to a person's agent",
                      {{"prompt", id}, {"uid", uid}, {"agent", agent.busName}, {"agent_uid", agent.uid}});
    else
        bus_.log.debug("Prompt sent to agent", {{"prompt", id}, {"agent", agent.busName}, {"path", agent.path}});
    bus_.control.promptDelivered(id, agent.busName);
}

void PromptDelivery::onAskReply(PromptId id, const sdbus::Error* error, const VariantMap& answer)
{
    const auto it = pending_.find(id);
    if (it == pending_.end())
        return; // dropped meanwhile (agent left, or re-delivered): the newer state decides
    const AgentRegistration agent = it->second.agent;
    const auto onBehalfOf = it->second.onBehalfOf;
    const auto polkitDetails = it->second.polkitDetails;
    const auto timesOutAt = it->second.timesOutAt;

    try {
        if (error != nullptr) {
            const bool noReply = error->getName() == noReplyError || error->getName() == timeoutError;
            if (noReply && std::chrono::steady_clock::now() + timeoutSlack >= timesOutAt) {
                // The broker times the prompt out by itself; the agent only needs to close its dialog.
                bus_.log.info("Prompt agent did not answer in time", {{"prompt", id}, {"agent", agent.busName}});
                it->second.proxy->Cancel(id, "timeout");
                bus_.afterSend();
            } else if (noReply) {
                bus_.log.info("Prompt agent left without answering", {{"prompt", id}, {"agent", agent.busName}});
            } else {
                bus_.log.info("Prompt agent declined to answer",
                              {{"prompt", id}, {"agent", agent.busName}, {"error", error->getName()}});
                retire(it);
                bus_.control.promptUndeliverable(id);
                return;
            }
            retire(it);
            return;
        }
        retire(it);
        auto parsed = promptAnswerFromRecord(answer);
        if (!parsed) {
            bus_.log.warning("Failed to accept a prompt answer, applying the default",
                             {{"prompt", id}, {"agent", agent.busName}, {"error", parsed.error().describe()}});
            bus_.control.promptUndeliverable(id);
            return;
        }
        if (onBehalfOf) {
            answerOnBehalf(id, *parsed, agent, *onBehalfOf, polkitDetails);
            return;
        }
        if (auto answered = bus_.control.answerPrompt(id, *parsed, agent.uid); !answered) {
            bus_.log.warning("Failed to apply a prompt answer, ignoring",
                             {{"prompt", id}, {"agent", agent.busName}, {"error", answered.error().describe()}});
        }
    } catch (const std::exception& failure) {
        // Nothing may escape into sd-bus's callback.
        bus_.log.error("Failed to handle a prompt agent's reply", {{"prompt", id}, {"error", failure.what()}});
    }
}

void PromptDelivery::answerOnBehalf(PromptId id, const PromptAnswer& answer, const AgentRegistration& agent,
                                    std::uint32_t uid, const PolkitAuthorizer::Details& details)
{
    // Interactive: answering for the system is an admin's decision, and the person at the desktop is the one
    // who clicked, so their polkit agent may ask for the password (auth_admin_keep asks once for a while).
    const Caller caller{agent.busName, agent.uid, true};
    bus_.authorizer->check(
        caller, polkit_action::answerSystemPrompts,
        [this, id, answer, agent, uid](Result<void> allowed) {
            if (!allowed) {
                bus_.log.info("Answer about a system user's process refused: not authorized, applying the default",
                              {{"prompt", id},
                               {"uid", uid},
                               {"agent", agent.busName},
                               {"agent_uid", agent.uid},
                               {"error", allowed.error().describe()}});
                bus_.control.promptUndeliverable(id);
                return;
            }
            bus_.log.info("Prompt about a system user's process answered by a person",
                          {{"prompt", id}, {"uid", uid}, {"agent", agent.busName}, {"agent_uid", agent.uid}});
            if (auto answered = bus_.control.answerPrompt(id, answer, uid); !answered) {
                bus_.log.warning("Failed to apply a prompt answer, ignoring",
                                 {{"prompt", id}, {"agent", agent.busName}, {"error", answered.error().describe()}});
            }
        },
        details);
}

bool PromptDelivery::agentLeft(const std::string& busName)
{
    bool had = false;
    for (auto it = pending_.begin(); it != pending_.end();) {
        const auto next = std::next(it);
        if (it->second.agent.busName == busName) {
            retire(it);
            had = true;
        }
        it = next;
    }
    return had;
}

std::set<std::string> PromptDelivery::askedAgents() const
{
    std::set<std::string> names;
    for (const auto& [id, ask] : pending_)
        names.insert(ask.agent.busName);
    return names;
}

void PromptDelivery::retire(std::map<PromptId, PendingAsk>::iterator it)
{
    retired_.push_back(std::move(it->second.proxy));
    pending_.erase(it);
    if (!reaper_) {
        reaper_ = bus_.loop.addTimer(std::chrono::steady_clock::duration::zero(), [this] {
            reaper_.reset();
            retired_.clear();
        });
    }
}

} // namespace hostgate
