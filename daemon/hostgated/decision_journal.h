// SPDX-License-Identifier: GPL-3.0-or-later
// The journal entry of one decision: fields a log shipper (promtail, vector, filebeat) takes as they are.
#pragma once

#include "decision/connection.h"
#include "decision/outcome.h"
#include "rules/rule.h"
#include "service/journal.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// MESSAGE_ID of every decision entry (journalctl MESSAGE_ID=...), fixed for the life of the project.
inline constexpr const char* kDecisionMessageId = "8504e5e1de8a40659252cd8f67f0fccf";

// Every value is cut to this many bytes (an app path or a note is at most 4 KiB anyway), so an entry stays far
// below JournalWriter::maxEntryBytes.
inline constexpr std::size_t kMaxJournalValueBytes = 8192;

// MESSAGE (the line people read), PRIORITY (info), SYSLOG_IDENTIFIER, MESSAGE_ID, and HOSTGATE_VERDICT
// (allowed | denied | asked), HOSTGATE_APP, HOSTGATE_SCRIPT, HOSTGATE_PID, HOSTGATE_UID, HOSTGATE_HOST (the name
// the app asked for; absent for an unnamed address), HOSTGATE_ADDRESS, HOSTGATE_PORT, HOSTGATE_PROTOCOL,
// HOSTGATE_RULE (the deciding rule's id, or "none" for a mode default), HOSTGATE_EXPLANATION, HOSTGATE_CONTAINER
// (the cgroup of a process in another network namespace). Absent values are left out, not sent empty.
std::vector<JournalField> decisionJournalFields(const Connection& connection, Outcome verdict,
                                                std::optional<RuleId> ruleId, const std::string& explanation);

} // namespace hostgate
