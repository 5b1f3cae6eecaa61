// SPDX-License-Identifier: GPL-3.0-or-later
// One decision, logged for journald and stored for the connection log.
#include "hostgated/decision_log.h"

#include "hostgated/decision_journal.h"

namespace hostgate {

void DecisionLog::record(const Connection& connection, Outcome verdict, std::optional<RuleId> ruleId,
                         const std::string& explanation, TimePoint now)
{
    const std::string host = connection.hostnames.empty() ? std::string() : connection.hostnames.front();
    std::string claimedBy;
    if (connection.claimedName)
        claimedBy = std::string(claimSourceToken(connection.claimedName->source)) +
                    (connection.claimedName->encryptedHello ? "+ech" : "");
    const bool journaled = journal_ && log_.enabled(LogLevel::Info) &&
                           journal_->send(decisionJournalFields(connection, verdict, ruleId, explanation));
    // A dropped entry (journald busy) still gets its line.
    if (!(journaled && stderrIsJournal_))
        log_.info("Connection " + std::string(nameOf(verdict)),
                  {{"exe", displayPath(connection.app)},
                   {"script", connection.app.script.value_or("")},
                   {"app_id", connection.app.appId.value_or(connection.app.unit.value_or(""))},
                   {"pid", connection.pid},
                   {"uid", connection.uid},
                   {"host", host},
                   {"ip", connection.destination.toString()},
                   {"port", connection.port},
                   {"proto", toString(connection.protocol)},
                   {"rule", ruleId ? std::to_string(*ruleId) : std::string("none")},
                   {"container", connection.foreignNetns ? connection.cgroup : std::string()},
                   {"scope", connection.scope},
                   {"claimed",
                    connection.claimedName ? connection.claimedName->host + " (" + claimedBy + ")" : std::string()},
                   {"why", explanation}});

    ConnectionEvent event;
    event.time = now;
    event.verdict = verdict;
    event.appPath = displayPath(connection.app);
    event.pid = connection.pid;
    event.uid = connection.uid;
    event.host = host;
    event.address = connection.destination.toString();
    event.port = connection.port;
    event.protocol = connection.protocol;
    event.ruleId = ruleId;
    event.explanation = explanation;
    event.scope = connection.scope;
    if (connection.claimedName) {
        event.claimedHost = connection.claimedName->host;
        event.claimedBy = claimedBy;
    }
    if (connection.foreignNetns)
        event.container = connection.cgroup.empty() ? std::string("(another network namespace)") : connection.cgroup;
    if (events_) {
        if (auto id = events_->append(event))
            event.id = *id;
        else
            log_.warning("Failed to store connection event, ignoring", {{"error", id.error().message}});
    }
    if (flows_) {
        FlowBookKey key{connection.app.device,
                        connection.app.inode,
                        connection.app.sharedExecutable ? connection.processImage : 0,
                        connection.uid,
                        connection.destination,
                        connection.port,
                        connection.protocol};
        FlowDecision decision{verdict,
                              ruleId,
                              event.appPath,
                              connection.app.script.value_or(""),
                              connection.app.appId.value_or(connection.app.unit.value_or("")),
                              host.empty() && connection.claimedName ? connection.claimedName->host : host,
                              explanation,
                              event.container,
                              connection.pid,
                              now};
        flows_->record(key, std::move(decision));
    }
    switch (verdict) {
    case Outcome::Allowed:
        ++counters_.allowed;
        break;
    case Outcome::Denied:
        ++counters_.denied;
        break;
    case Outcome::Asked:
        ++counters_.asked;
        break;
    }
    if (listener_)
        listener_(event);
}

} // namespace hostgate
