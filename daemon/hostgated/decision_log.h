// SPDX-License-Identifier: GPL-3.0-or-later
// Records every decision once: a structured log line with its explanation, and a connection-log event.
#pragma once

#include "decision/connection.h"
#include "decision/decision_engine.h"
#include "decision/outcome.h"
#include "service/journal.h"
#include "service/log.h"
#include "store/event_log.h"
#include "traffic/flow_book.h"

#include <cstdint>
#include <functional>
#include <optional>

namespace hostgate {

struct DecisionCounters {
    std::uint64_t allowed = 0;
    std::uint64_t denied = 0;
    std::uint64_t asked = 0;
};

class DecisionLog {
public:
    // Called with every recorded event (its id set when the event log stored it), e.g. to broadcast it.
    using Listener = std::function<void(const ConnectionEvent&)>;

    // `journal`, when given, receives every decision as a structured entry (decision_journal.h); when
    // `stderrIsJournal` the log line is then left out, since stderr is the journal too and would say it twice.
    DecisionLog(Logger& log, EventLog* events, JournalWriter* journal = nullptr, bool stderrIsJournal = false)
        : log_(log), events_(events), journal_(journal), stderrIsJournal_(stderrIsJournal)
    {}

    // `verdict` is what happened to the connection.
    void record(const Connection& connection, Outcome verdict, std::optional<RuleId> ruleId,
                const std::string& explanation, TimePoint now);

    void setListener(Listener listener) { listener_ = std::move(listener); }
    // Every decision is also noted here, for the network monitor (nullptr: nowhere).
    void setFlowBook(FlowBook* flows) { flows_ = flows; }
    const DecisionCounters& counters() const { return counters_; }

private:
    Logger& log_;
    EventLog* events_;
    JournalWriter* journal_;
    bool stderrIsJournal_;
    Listener listener_;
    FlowBook* flows_ = nullptr;
    DecisionCounters counters_;
};

} // namespace hostgate
