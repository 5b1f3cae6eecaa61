// SPDX-License-Identifier: GPL-3.0-or-later
// The records the tray exchanges with hostgated, decoded from the a{sv} dictionaries of the D-Bus API
// (key names and meanings: dbus/org.hostgate.Firewall1.xml and dbus/org.hostgate.PromptAgent1.xml).
#pragma once

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <optional>

namespace hostgate::gui {

struct RuleRecord {
    quint64 id = 0;
    QString origin; // "admin" | "base" | "user"
    bool readOnly = false;
    QString app; // "" = any application
    QString script;
    std::optional<uint> user; // nullopt = any user
    QString host = QStringLiteral("*");
    QString ports; // "" = any
    QString protocol = QStringLiteral("any");
    QString action = QStringLiteral("deny");
    QString lifetime = QStringLiteral("forever");
    std::optional<QDateTime> until;
    std::optional<int> pid;
    bool enabled = true;
    QString note;
    QDateTime created;
    std::optional<QDateTime> lastHit;
    quint64 hitCount = 0;
    QString source;

    static RuleRecord fromMap(const QVariantMap& map);
    // The keys AddRule/UpdateRule accept (app, script, user, host, ports, protocol, action, lifetime,
    // until_usec, enabled, note); unset optionals are left out.
    QVariantMap editableFields() const;
};

struct ConnectionRecord {
    qint64 id = 0;
    QDateTime time;
    QString verdict; // "allowed" | "denied" | "asked"
    QString app;
    int pid = 0;
    uint uid = 0;
    QString host;
    QString address;
    quint16 port = 0;
    QString protocol;
    std::optional<quint64> ruleId;
    QString explanation;
    // The name the first payload claimed when DNS gave the address none, and where ("tls-sni", "http-host",
    // "quic-sni", "+ech" appended for an encrypted ClientHello); "" when none.
    QString claimedHost;
    QString claimedBy;

    static ConnectionRecord fromMap(const QVariantMap& map);
};

// One line of the network monitor (ListTraffic): what one socket of an app exchanged with one remote end.
struct TrafficRecord {
    quint64 socket = 0; // 0: a refused attempt, no socket carried traffic
    QString app;        // "" when the socket's owner is unknown
    QString script;     // an interpreter's script, "" none
    QString appId;      // "flatpak:ID", "snap:NAME", "appimage:FILE", "unit:NAME"; "" none
    QString comm;
    int pid = 0;
    uint uid = 0;
    QString address;
    quint16 port = 0;
    QString protocol;
    QString host;
    QString verdict; // "allowed" | "denied" | "asked" | "" (the daemon made no decision for it)
    std::optional<quint64> ruleId;
    QString explanation;
    QString container;
    QDateTime since;
    QDateTime lastActive;
    QDateTime closed; // invalid while the socket is open
    quint64 bytesSent = 0;
    quint64 bytesReceived = 0;
    quint64 packetsSent = 0;
    quint64 packetsReceived = 0;

    bool isOpen() const { return socket != 0 && !closed.isValid(); }
    // What identifies the line from one snapshot to the next.
    QString key() const;
    static TrafficRecord fromMap(const QVariantMap& map);
};

struct StatusRecord {
    QString version;
    QString mode;
    QString defaultAction;
    uint promptTimeoutMs = 0;
    QStringList kernelFeatures;
    QStringList missingFeatures;
    QStringList ruleErrors;
    uint rules = 0;
    uint pendingPrompts = 0;
    uint agents = 0;
    quint64 allowed = 0;
    quint64 denied = 0;
    quint64 asked = 0;
    uint proposals = 0; // learning proposals waiting for review
    quint64 proposalsDropped = 0;
    QString proposalsError; // "" unless the saved proposals failed to load

    static StatusRecord fromMap(const QVariantMap& map);
};

// A learning proposal: the allow rule learning mode suggests for what it saw.
struct ProposalRecord {
    quint64 id = 0;
    QString app;    // "" = unknown application
    QString script; // "" = none
    uint user = 0;
    QString host;  // name, "*.domain" or address
    QString ports; // "*" = any
    QString protocol;
    QStringList examples; // names seen under a "*.domain"
    quint64 connections = 0;
    QDateTime firstSeen;
    QDateTime lastSeen;

    static ProposalRecord fromMap(const QVariantMap& map);
};

struct PromptRequestRecord {
    quint64 id = 0;
    int pid = 0;
    int parentPid = 0;
    QString parentApp;
    uint uid = 0;
    QString user;
    QString app;
    QString script;
    QString appId;
    QString unit; // "unit:cups.service": the system unit of the process; "" when none
    QString commandLine;
    QStringList hostnames; // ASCII (punycode) forms, most specific first
    QString address;
    quint16 port = 0;
    QString protocol;
    QDateTime asked;
    QDateTime deadline;
    QString defaultAction;
    uint attempts = 1;
    QString domainPattern; // "" when a domain answer stays exact
    QString container;     // cgroup of a process in another network namespace; "" for the host's own
    // Names a DNS server that is not a trusted resolver gave for the address: shown, never matched.
    QStringList unverifiedHostnames;
    QString unverifiedResolver;
    // The Debian package that installed the app (its script for an interpreter); "" when none did.
    QString package;
    QString packageVersion;
    QString packageSummary;
    QString encryptedDns; // "DNS over HTTPS (Cloudflare)": DNS the daemon cannot read; "" when not
    // A system user's process (root, _apt, a service) with no agent of its own: asked of this desktop's user,
    // whose answer counts with an admin's authorization.
    bool systemService = false;
    // DNS gave the address no name; the connection's first payload claims this one (TLS SNI, HTTP Host, QUIC
    // SNI). Unverified: matched by name rules only when the daemon trusts claims (claimTrusted).
    QString claimedHost;
    QString claimedBy; // "tls-sni" | "http-host" | "quic-sni"; "" when nothing was claimed
    bool claimTrusted = false;
    bool encryptedHello = false; // ECH: claimedHost is the public name, the real one is encrypted

    static PromptRequestRecord fromMap(const QVariantMap& map);
};

struct PromptAnswerRecord {
    QString action = QStringLiteral("deny");    // allow | deny
    QString hostScope = QStringLiteral("host"); // host | domain | any
    QString portScope = QStringLiteral("port"); // port | any
    QString lifetime = QStringLiteral("once");  // once | until-exit | until-time | forever
    std::optional<QDateTime> until;             // until-time only
    bool pin = false;                           // pin the rule to the binary that connected

    QVariantMap toMap() const;
};

// Microseconds since the Unix epoch, the API's time unit.
QDateTime fromUsec(qint64 usec);
qint64 toUsec(const QDateTime& time);

} // namespace hostgate::gui
