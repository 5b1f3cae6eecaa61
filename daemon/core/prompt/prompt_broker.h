// SPDX-License-Identifier: GPL-3.0-or-later
// The prompt broker: holds the questions waiting for a user's answer, with their deadlines and callers.
#pragma once

#include "decision/connection.h"
#include "net/ip_address.h"
#include "prompt/prompt_answer.h"
#include "rules/rule.h"
#include "util/result.h"
#include "util/time.h"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hostgate {

// Identifies one prompt for its whole life and beyond: ids start at 1 and are never reused, so a late
// answer to a finished prompt can never land on a newer one. 0 means "no prompt".
using PromptId = std::uint64_t;

// What makes two connection attempts "the same question": the same application (executable and script)
// run by the same user going to the same address, port and protocol. The process id is deliberately not
// part of it: three tabs of one browser opening the same server get one dialog, not three.
struct PromptKey {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::string path;
    std::optional<std::string> script;
    std::optional<std::string> appId; // two sandboxed apps may run the same file under the same path
    std::optional<std::string> unit;
    std::uint32_t uid = 0;
    IpAddress destination;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;

    static PromptKey of(const Connection& connection);

    auto operator<=>(const PromptKey&) const = default;
    bool operator==(const PromptKey&) const = default;
};

// Everything an agent needs to show the question. `connection` is the first attempt's (its pid is the
// one an "until this process exits" answer refers to); `attempts` counts the merged attempts so far.
struct PromptRequest {
    PromptId id = 0;
    Connection connection;
    TimePoint asked{};
    TimePoint deadline{};
    Action defaultAction = Action::Deny; // applied when the deadline passes without an answer
    std::size_t attempts = 1;
};

struct PromptOutcome {
    enum class Reason : std::uint8_t {
        Answered,   // the user answered
        TimedOut,   // the deadline passed
        AgentGone,  // the agent the prompt was delivered to left the bus
        NoAgent,    // the daemon found no agent to ask
        Overloaded, // too many prompts (or attempts merged into one) were pending; never queued
        Cancelled,  // the daemon is shutting down
    };

    PromptId promptId = 0; // 0 when the attempt was refused as Overloaded
    Action action = Action::Deny;
    // The rule the answer stands for, on every outcome of an answer whose lifetime is not Once (a Once
    // answer decides exactly the held attempts, so there is nothing to keep).
    std::optional<Rule> rule;
    // True on exactly one outcome per answered prompt (the first caller's), so merged callers don't
    // store the same rule several times. Install verdicts from `rule` in every caller; store it once.
    bool persistRule = false;
    // The answer asked to pin `rule` to the binary that connected; the daemon takes its digest.
    bool pinBinary = false;
    Reason reason = Reason::Answered;
    std::string explanation; // one line for logs and the connection event, e.g. "no answer within 30 s: deny"
};

std::string_view toString(PromptOutcome::Reason reason);

// Holds pending prompts. Pure and single-threaded: the daemon's event loop calls it and passes the time
// in, the D-Bus agent adapter and the nfqueue adapter plug into it:
//   nfqueue miss -> ask(connection, now, completion that sets the packet's verdict)
//                   isNew ? deliver the PromptRequest to uid's agent, then assignAgent(id, busName)
//                           (or noAgent(id, now) when there is none or delivery fails)
//   agent's reply -> answer(id, answer, agent's uid, now)
//   agent's NameOwnerChanged to "" -> agentGone(busName, now)
//   timer armed at nextDeadline() -> expire(now)
//   shutdown -> cancelAll()
// Completions run synchronously from these calls. They may call back into the broker (ask again, answer
// another prompt): the broker finishes its bookkeeping before invoking any of them. Completions must not
// throw. Destroying the broker drops pending completions without calling them: call cancelAll() first.
class PromptBroker {
public:
    struct Config {
        Seconds timeout{30};
        Action defaultAction = Action::Deny;
        // Distinct pending prompts of all users together, and of one uid: an agent that never answers
        // fills only its own user's slots (maxPendingPerUid), never the others' (keep it well below
        // maxPending, so one uid can never exhaust the global bound).
        std::size_t maxPending = 256;
        std::size_t maxPendingPerUid = 32;
        std::size_t maxCallersPerPrompt = 256; // attempts merged into one prompt
    };

    using Completion = std::function<void(const PromptOutcome&)>;

    struct AskResult {
        PromptId promptId = 0; // 0: refused (Overloaded); the completion has already run
        bool isNew = false;    // true: the caller must deliver the request to the agent
    };

    explicit PromptBroker(Config config);

    PromptBroker(const PromptBroker&) = delete;
    PromptBroker& operator=(const PromptBroker&) = delete;

    // Asks about `connection`. An attempt with the same PromptKey as a pending prompt joins it (its
    // deadline is not extended: no caller waits longer than the timeout after the first attempt).
    // When maxPending prompts are pending, or maxPendingPerUid prompts of the connection's uid, or the
    // prompt already holds maxCallersPerPrompt callers, the completion runs at once with the default
    // action (Overloaded), so memory stays bounded and one user cannot starve the others.
    [[nodiscard]] AskResult ask(const Connection& connection, TimePoint now, Completion completion);

    // Applies the user's answer and completes every merged caller. Only the uid the prompt belongs to may
    // answer (the daemon passes the answering agent's uid); root gets no exception, because prompts
    // carry command lines and go only to the owner's agent, and root changes policy through rules.
    // Fails, leaving the prompt pending, when the uid differs or the answer cannot become a rule; fails
    // when the prompt is unknown or finished. An answer arriving after the deadline but before expire()
    // ran is still honoured: the user's decision beats the default.
    Result<void> answer(PromptId id, const PromptAnswer& answer, std::uint32_t answeringUid, TimePoint now);

    // Ties a delivered prompt to the agent's bus name, so agentGone() can finish it. False when the
    // prompt is no longer pending (it may have timed out while being delivered).
    bool assignAgent(PromptId id, std::string agentName);
    // Completes every prompt tied to `agentName` with the default action (AgentGone).
    void agentGone(const std::string& agentName, TimePoint now);
    // Completes the prompt with the default action (NoAgent): nobody can be asked.
    void noAgent(PromptId id, TimePoint now);

    // Completes the prompts whose deadline is at or before `now` with the default action (TimedOut).
    void expire(TimePoint now);
    // The earliest deadline of the pending prompts, for the daemon's timer; nullopt when none is pending.
    std::optional<TimePoint> nextDeadline() const;

    // A pending prompt. (An agent that registers late is not sent the prompts already pending: each went to the
    // agents of its user when it was asked, and its deadline runs from then.)
    std::optional<PromptRequest> find(PromptId id) const;
    std::size_t pendingCount() const { return prompts_.size(); }
    std::size_t pendingCountOf(std::uint32_t uid) const;

    // Completes everything with the default action (Cancelled), for shutdown.
    void cancelAll();

    const Config& config() const { return config_; }

private:
    struct Pending {
        PromptRequest request;
        PromptKey key;
        std::vector<Completion> completions;
        std::optional<std::string> agent;
    };

    // A finished prompt's callers and what to tell them, collected before any of them is called.
    struct Finished {
        std::vector<Completion> completions;
        PromptOutcome outcome;
    };

    Pending takePrompt(std::map<PromptId, Pending>::iterator it);
    Finished finishWithDefault(std::map<PromptId, Pending>::iterator it, PromptOutcome::Reason reason,
                               std::string explanation);
    static void deliver(std::vector<Finished> finished);

    Config config_;
    PromptId nextId_ = 1;
    std::map<PromptId, Pending> prompts_;
    std::map<PromptKey, PromptId> idsByKey_;
    std::set<std::pair<TimePoint, PromptId>> deadlines_;
    std::map<std::uint32_t, std::size_t> pendingByUid_; // only uids with at least one pending prompt
};

} // namespace hostgate
