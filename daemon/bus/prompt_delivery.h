// SPDX-License-Identifier: GPL-3.0-or-later
// PromptDelivery: sends prompts to users' agents (async Ask with the prompt's deadline) and routes replies.
#pragma once

#include "bus/agent_registry.h"
#include "bus/bus_context.h"
#include "bus/bus_records.h"
#include "prompt/prompt_broker.h"
#include "service/event_loop.h"

#include <sdbus-c++/IProxy.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hostgate {

class AgentProxy;

class PromptDelivery {
public:
    explicit PromptDelivery(BusContext& bus);
    ~PromptDelivery();
    PromptDelivery(const PromptDelivery&) = delete;
    PromptDelivery& operator=(const PromptDelivery&) = delete;

    // See BusService::deliverPrompt.
    void deliver(const PromptRequest& request);
    // The agent connection `busName` left the bus: its pending asks are dropped (the broker learns it
    // through agentGone). Returns whether it had any.
    bool agentLeft(const std::string& busName);
    // The agents with an Ask in flight.
    std::set<std::string> askedAgents() const;

private:
    struct PendingAsk {
        AgentRegistration agent;
        // Set when the prompt is about a system user's process and went to a person's agent: the uid the
        // answer speaks for once polkit authorizes it.
        std::optional<std::uint32_t> onBehalfOf;
        std::map<std::string, std::string> polkitDetails; // what the prompt is about, for polkit rules
        std::unique_ptr<AgentProxy> proxy;
        std::chrono::steady_clock::time_point timesOutAt;
    };

    void onAskReply(PromptId id, const sdbus::Error* error, const VariantMap& answer);
    // An answer from a person's agent about a system user's process counts once polkit says so.
    void answerOnBehalf(PromptId id, const PromptAnswer& answer, const AgentRegistration& agent, std::uint32_t uid,
                        const PolkitAuthorizer::Details& details);
    // sd-bus must not see a proxy destroyed inside its own reply callback: retired proxies are destroyed
    // on the loop's next turn.
    void retire(std::map<PromptId, PendingAsk>::iterator it);

    BusContext& bus_;
    std::map<PromptId, PendingAsk> pending_;
    std::vector<std::unique_ptr<AgentProxy>> retired_;
    std::optional<TimerId> reaper_;
};

} // namespace hostgate
