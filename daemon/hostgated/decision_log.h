// Records every decision once: a structured log line with its explanation, and a connection-log event.
#pragma once

#include "decision/connection.h"
#include "decision/decision_engine.h"
#include "service/log.h"
#include "store/event_log.h"

#include <optional>

namespace hostgate {

class DecisionLog {
public:
    DecisionLog(Logger& log, EventLog* events) : log_(log), events_(events) {}

    // `verdict` is what happened to the connection: "allowed", "denied" or "asked".
    void record(const Connection& connection, std::string_view verdict, std::optional<RuleId> ruleId,
                const std::string& explanation, TimePoint now);

private:
    Logger& log_;
    EventLog* events_;
};

} // namespace hostgate
