// SPDX-License-Identifier: GPL-3.0-or-later
// Builds the journal fields of a decision.
#include "hostgated/decision_journal.h"

#include <fmt/format.h>

namespace hostgate {

namespace {

std::string bounded(std::string value)
{
    if (value.size() > kMaxJournalValueBytes)
        value.resize(kMaxJournalValueBytes);
    return value;
}

} // namespace

std::vector<JournalField> decisionJournalFields(const Connection& connection, Outcome verdict,
                                                std::optional<RuleId> ruleId, const std::string& explanation)
{
    const std::string host = connection.hostnames.empty() ? std::string() : connection.hostnames.front();
    const std::string address = connection.destination.toString();
    const std::string rule = ruleId ? std::to_string(*ruleId) : std::string("none");
    const std::string protocol(toString(connection.protocol));
    const std::string destination = host.empty() ? address : fmt::format("{} ({})", host, address);
    std::vector<JournalField> fields{
        {"MESSAGE",
         bounded(fmt::format("Connection {}: {} to {} port {}/{}: {}", nameOf(verdict), displayPath(connection.app),
                             destination, connection.port, protocol, explanation))},
        {"PRIORITY", "6"},
        {"SYSLOG_IDENTIFIER", "hostgated"},
        {"MESSAGE_ID", kDecisionMessageId},
        {"HOSTGATE_VERDICT", std::string(nameOf(verdict))},
        {"HOSTGATE_APP", bounded(displayPath(connection.app))},
    };
    if (connection.app.script)
        fields.push_back({"HOSTGATE_SCRIPT", bounded(*connection.app.script)});
    fields.push_back({"HOSTGATE_PID", std::to_string(connection.pid)});
    fields.push_back({"HOSTGATE_UID", std::to_string(connection.uid)});
    if (!host.empty())
        fields.push_back({"HOSTGATE_HOST", bounded(host)});
    fields.push_back({"HOSTGATE_ADDRESS", address});
    fields.push_back({"HOSTGATE_PORT", std::to_string(connection.port)});
    fields.push_back({"HOSTGATE_PROTOCOL", protocol});
    fields.push_back({"HOSTGATE_RULE", rule});
    fields.push_back({"HOSTGATE_EXPLANATION", bounded(explanation)});
    if (connection.foreignNetns)
        fields.push_back({"HOSTGATE_CONTAINER",
                          bounded(connection.cgroup.empty() ? "(another network namespace)" : connection.cgroup)});
    if (connection.claimedName) {
        fields.push_back({"HOSTGATE_CLAIMED_HOST", bounded(connection.claimedName->host)});
        fields.push_back({"HOSTGATE_CLAIMED_BY", std::string(claimSourceToken(connection.claimedName->source)) +
                                                     (connection.claimedName->encryptedHello ? "+ech" : "")});
    }
    return fields;
}

} // namespace hostgate
