// SPDX-License-Identifier: GPL-3.0-or-later
// Sample rules and connection events for the window tests, so each test states only what it is about.
#pragma once

#include "client/records.h"

#include <QDateTime>

namespace hostgate::gui::testing {

inline RuleRecord userRule(quint64 id, const QString& app, const QString& host, const QString& note = {})
{
    RuleRecord rule;
    rule.id = id;
    rule.origin = QStringLiteral("user");
    rule.app = app;
    rule.host = host;
    rule.ports = QStringLiteral("443");
    rule.protocol = QStringLiteral("tcp");
    rule.action = QStringLiteral("allow");
    rule.note = note;
    rule.created = QDateTime::fromSecsSinceEpoch(1700000000);
    return rule;
}

inline RuleRecord adminRule(quint64 id, const QString& app, const QString& host)
{
    RuleRecord rule = userRule(id, app, host);
    rule.origin = QStringLiteral("admin");
    rule.readOnly = true;
    rule.action = QStringLiteral("deny");
    rule.source = QStringLiteral("/etc/hostgate/rules.d/10-corp.toml");
    return rule;
}

inline ConnectionRecord connectionEvent(qint64 id, const QString& verdict, const QString& app, const QString& host,
                                        const QString& address = QStringLiteral("203.0.113.10"), quint16 port = 443)
{
    ConnectionRecord event;
    event.id = id;
    event.time = QDateTime::fromSecsSinceEpoch(1700000000 + id);
    event.verdict = verdict;
    event.app = app;
    event.pid = 4242;
    event.uid = 1000;
    event.host = host;
    event.address = address;
    event.port = port;
    event.protocol = QStringLiteral("tcp");
    event.explanation = QStringLiteral("no rule matched; default action");
    return event;
}

} // namespace hostgate::gui::testing
