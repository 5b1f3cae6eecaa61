// SPDX-License-Identifier: GPL-3.0-or-later
// Decoding and encoding of the D-Bus API's a{sv} records; a key with an unexpected type is ignored, never trusted.
#include "client/records.h"

#include <limits>

namespace hostgate::gui {
namespace {

// Integer keys accept any integral D-Bus type whose value fits, so hand-built maps (tests, older daemons)
// decode; strings, bools and out-of-range numbers are ignored.
template <class Int>
std::optional<Int> integerValue(const QVariantMap& map, const QString& key)
{
    const auto found = map.constFind(key);
    if (found == map.constEnd()) {
        return std::nullopt;
    }
    const QVariant& value = *found;
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::Short:
    case QMetaType::Long:
    case QMetaType::LongLong: {
        const qint64 number = value.toLongLong();
        if constexpr (std::numeric_limits<Int>::is_signed) {
            if (number < qint64{std::numeric_limits<Int>::min()} || number > qint64{std::numeric_limits<Int>::max()}) {
                return std::nullopt;
            }
        } else {
            if (number < 0 || quint64(number) > quint64{std::numeric_limits<Int>::max()}) {
                return std::nullopt;
            }
        }
        return Int(number);
    }
    case QMetaType::UInt:
    case QMetaType::UShort:
    case QMetaType::UChar:
    case QMetaType::ULong:
    case QMetaType::ULongLong: {
        const quint64 number = value.toULongLong();
        if (number > quint64(std::numeric_limits<Int>::max())) {
            return std::nullopt;
        }
        return Int(number);
    }
    default:
        return std::nullopt;
    }
}

template <class Int>
void readInteger(const QVariantMap& map, const QString& key, Int& target)
{
    if (const auto value = integerValue<Int>(map, key)) {
        target = *value;
    }
}

void readString(const QVariantMap& map, const QString& key, QString& target)
{
    const auto found = map.constFind(key);
    if (found != map.constEnd() && found->typeId() == QMetaType::QString) {
        target = found->toString();
    }
}

void readBool(const QVariantMap& map, const QString& key, bool& target)
{
    const auto found = map.constFind(key);
    if (found != map.constEnd() && found->typeId() == QMetaType::Bool) {
        target = found->toBool();
    }
}

// "as" arrives as a QStringList; a QVariantList is accepted only when every element is a string.
void readStringList(const QVariantMap& map, const QString& key, QStringList& target)
{
    const auto found = map.constFind(key);
    if (found == map.constEnd()) {
        return;
    }
    if (found->typeId() == QMetaType::QStringList) {
        target = found->toStringList();
        return;
    }
    if (found->typeId() == QMetaType::QVariantList) {
        QStringList strings;
        for (const QVariant& element : found->toList()) {
            if (element.typeId() != QMetaType::QString) {
                return;
            }
            strings.append(element.toString());
        }
        target = strings;
    }
}

std::optional<QDateTime> readTime(const QVariantMap& map, const QString& key)
{
    if (const auto usec = integerValue<qint64>(map, key)) {
        return fromUsec(*usec);
    }
    return std::nullopt;
}

void readTime(const QVariantMap& map, const QString& key, QDateTime& target)
{
    if (const auto time = readTime(map, key)) {
        target = *time;
    }
}

} // namespace

QDateTime fromUsec(qint64 usec)
{
    return QDateTime::fromMSecsSinceEpoch(usec / 1000);
}

qint64 toUsec(const QDateTime& time)
{
    return time.isValid() ? time.toMSecsSinceEpoch() * 1000 : 0;
}

RuleRecord RuleRecord::fromMap(const QVariantMap& map)
{
    RuleRecord rule;
    readInteger(map, QStringLiteral("id"), rule.id);
    readString(map, QStringLiteral("origin"), rule.origin);
    readBool(map, QStringLiteral("read_only"), rule.readOnly);
    readString(map, QStringLiteral("app"), rule.app);
    readString(map, QStringLiteral("script"), rule.script);
    rule.user = integerValue<uint>(map, QStringLiteral("user"));
    readString(map, QStringLiteral("host"), rule.host);
    readString(map, QStringLiteral("ports"), rule.ports);
    readString(map, QStringLiteral("protocol"), rule.protocol);
    readString(map, QStringLiteral("action"), rule.action);
    readString(map, QStringLiteral("lifetime"), rule.lifetime);
    rule.until = readTime(map, QStringLiteral("until_usec"));
    rule.pid = integerValue<int>(map, QStringLiteral("pid"));
    readBool(map, QStringLiteral("enabled"), rule.enabled);
    readString(map, QStringLiteral("note"), rule.note);
    readTime(map, QStringLiteral("created_usec"), rule.created);
    rule.lastHit = readTime(map, QStringLiteral("last_hit_usec"));
    readInteger(map, QStringLiteral("hit_count"), rule.hitCount);
    readString(map, QStringLiteral("source"), rule.source);
    return rule;
}

QVariantMap RuleRecord::editableFields() const
{
    QVariantMap fields{
        {QStringLiteral("app"), app},           {QStringLiteral("script"), script},
        {QStringLiteral("host"), host},         {QStringLiteral("ports"), ports},
        {QStringLiteral("protocol"), protocol}, {QStringLiteral("action"), action},
        {QStringLiteral("lifetime"), lifetime}, {QStringLiteral("enabled"), enabled},
        {QStringLiteral("note"), note},
    };
    if (user) {
        fields.insert(QStringLiteral("user"), QVariant::fromValue(*user));
    }
    if (until) {
        fields.insert(QStringLiteral("until_usec"), QVariant::fromValue(toUsec(*until)));
    }
    return fields;
}

ConnectionRecord ConnectionRecord::fromMap(const QVariantMap& map)
{
    ConnectionRecord connection;
    readInteger(map, QStringLiteral("id"), connection.id);
    readTime(map, QStringLiteral("time_usec"), connection.time);
    readString(map, QStringLiteral("verdict"), connection.verdict);
    readString(map, QStringLiteral("app"), connection.app);
    readInteger(map, QStringLiteral("pid"), connection.pid);
    readInteger(map, QStringLiteral("uid"), connection.uid);
    readString(map, QStringLiteral("host"), connection.host);
    readString(map, QStringLiteral("address"), connection.address);
    readInteger(map, QStringLiteral("port"), connection.port);
    readString(map, QStringLiteral("protocol"), connection.protocol);
    connection.ruleId = integerValue<quint64>(map, QStringLiteral("rule_id"));
    readString(map, QStringLiteral("explanation"), connection.explanation);
    readString(map, QStringLiteral("claimed_host"), connection.claimedHost);
    readString(map, QStringLiteral("claimed_by"), connection.claimedBy);
    return connection;
}

QString TrafficRecord::key() const
{
    return socket != 0
               ? QStringLiteral("%1 %2 %3 %4").arg(socket).arg(address).arg(port).arg(protocol)
               : QStringLiteral("refused %1 %2 %3 %4 %5").arg(app).arg(uid).arg(address).arg(port).arg(protocol);
}

TrafficRecord TrafficRecord::fromMap(const QVariantMap& map)
{
    TrafficRecord flow;
    readInteger(map, QStringLiteral("socket"), flow.socket);
    readString(map, QStringLiteral("app"), flow.app);
    readString(map, QStringLiteral("script"), flow.script);
    readString(map, QStringLiteral("app_id"), flow.appId);
    readString(map, QStringLiteral("comm"), flow.comm);
    readInteger(map, QStringLiteral("pid"), flow.pid);
    readInteger(map, QStringLiteral("uid"), flow.uid);
    readString(map, QStringLiteral("address"), flow.address);
    readInteger(map, QStringLiteral("port"), flow.port);
    readString(map, QStringLiteral("protocol"), flow.protocol);
    readString(map, QStringLiteral("host"), flow.host);
    readString(map, QStringLiteral("verdict"), flow.verdict);
    flow.ruleId = integerValue<quint64>(map, QStringLiteral("rule_id"));
    readString(map, QStringLiteral("explanation"), flow.explanation);
    readString(map, QStringLiteral("container"), flow.container);
    readTime(map, QStringLiteral("since_usec"), flow.since);
    readTime(map, QStringLiteral("last_usec"), flow.lastActive);
    readTime(map, QStringLiteral("closed_usec"), flow.closed);
    readInteger(map, QStringLiteral("bytes_sent"), flow.bytesSent);
    readInteger(map, QStringLiteral("bytes_received"), flow.bytesReceived);
    readInteger(map, QStringLiteral("packets_sent"), flow.packetsSent);
    readInteger(map, QStringLiteral("packets_received"), flow.packetsReceived);
    return flow;
}

StatusRecord StatusRecord::fromMap(const QVariantMap& map)
{
    StatusRecord status;
    readString(map, QStringLiteral("version"), status.version);
    readString(map, QStringLiteral("mode"), status.mode);
    readString(map, QStringLiteral("default_action"), status.defaultAction);
    readInteger(map, QStringLiteral("prompt_timeout_ms"), status.promptTimeoutMs);
    readStringList(map, QStringLiteral("kernel_features"), status.kernelFeatures);
    readStringList(map, QStringLiteral("missing_features"), status.missingFeatures);
    readStringList(map, QStringLiteral("rule_errors"), status.ruleErrors);
    readInteger(map, QStringLiteral("rules"), status.rules);
    readInteger(map, QStringLiteral("pending_prompts"), status.pendingPrompts);
    readInteger(map, QStringLiteral("agents"), status.agents);
    readInteger(map, QStringLiteral("allowed"), status.allowed);
    readInteger(map, QStringLiteral("denied"), status.denied);
    readInteger(map, QStringLiteral("asked"), status.asked);
    readInteger(map, QStringLiteral("proposals"), status.proposals);
    readInteger(map, QStringLiteral("proposals_dropped"), status.proposalsDropped);
    readString(map, QStringLiteral("proposals_error"), status.proposalsError);
    return status;
}

ProposalRecord ProposalRecord::fromMap(const QVariantMap& map)
{
    ProposalRecord proposal;
    readInteger(map, QStringLiteral("id"), proposal.id);
    readString(map, QStringLiteral("app"), proposal.app);
    readString(map, QStringLiteral("script"), proposal.script);
    readInteger(map, QStringLiteral("user"), proposal.user);
    readString(map, QStringLiteral("host"), proposal.host);
    readString(map, QStringLiteral("ports"), proposal.ports);
    readString(map, QStringLiteral("protocol"), proposal.protocol);
    readStringList(map, QStringLiteral("examples"), proposal.examples);
    readInteger(map, QStringLiteral("connections"), proposal.connections);
    readTime(map, QStringLiteral("first_seen_usec"), proposal.firstSeen);
    readTime(map, QStringLiteral("last_seen_usec"), proposal.lastSeen);
    return proposal;
}

PromptRequestRecord PromptRequestRecord::fromMap(const QVariantMap& map)
{
    PromptRequestRecord request;
    readInteger(map, QStringLiteral("id"), request.id);
    readInteger(map, QStringLiteral("pid"), request.pid);
    readInteger(map, QStringLiteral("parent_pid"), request.parentPid);
    readString(map, QStringLiteral("parent_app"), request.parentApp);
    readInteger(map, QStringLiteral("uid"), request.uid);
    readString(map, QStringLiteral("user"), request.user);
    readString(map, QStringLiteral("app"), request.app);
    readString(map, QStringLiteral("script"), request.script);
    readString(map, QStringLiteral("app_id"), request.appId);
    readString(map, QStringLiteral("unit"), request.unit);
    readString(map, QStringLiteral("command_line"), request.commandLine);
    readStringList(map, QStringLiteral("hostnames"), request.hostnames);
    readString(map, QStringLiteral("address"), request.address);
    readInteger(map, QStringLiteral("port"), request.port);
    readString(map, QStringLiteral("protocol"), request.protocol);
    readTime(map, QStringLiteral("asked_usec"), request.asked);
    readTime(map, QStringLiteral("deadline_usec"), request.deadline);
    readString(map, QStringLiteral("default_action"), request.defaultAction);
    readInteger(map, QStringLiteral("attempts"), request.attempts);
    readString(map, QStringLiteral("domain_pattern"), request.domainPattern);
    readString(map, QStringLiteral("container"), request.container);
    readStringList(map, QStringLiteral("unverified_hostnames"), request.unverifiedHostnames);
    readString(map, QStringLiteral("unverified_resolver"), request.unverifiedResolver);
    readString(map, QStringLiteral("package"), request.package);
    readString(map, QStringLiteral("package_version"), request.packageVersion);
    readString(map, QStringLiteral("package_summary"), request.packageSummary);
    readString(map, QStringLiteral("encrypted_dns"), request.encryptedDns);
    if (const auto it = map.constFind(QStringLiteral("system_service")); it != map.constEnd())
        request.systemService = it->toBool();
    readString(map, QStringLiteral("claimed_host"), request.claimedHost);
    readString(map, QStringLiteral("claimed_by"), request.claimedBy);
    if (const auto it = map.constFind(QStringLiteral("claim_trusted")); it != map.constEnd())
        request.claimTrusted = it->toBool();
    if (const auto it = map.constFind(QStringLiteral("encrypted_hello")); it != map.constEnd())
        request.encryptedHello = it->toBool();
    return request;
}

QVariantMap PromptAnswerRecord::toMap() const
{
    QVariantMap answer{
        {QStringLiteral("action"), action},
        {QStringLiteral("host_scope"), hostScope},
        {QStringLiteral("port_scope"), portScope},
        {QStringLiteral("lifetime"), lifetime},
    };
    if (lifetime == QLatin1String("until-time") && until) {
        answer.insert(QStringLiteral("until_usec"), QVariant::fromValue(toUsec(*until)));
    }
    if (pin) {
        answer.insert(QStringLiteral("pin"), true);
    }
    return answer;
}

} // namespace hostgate::gui
