// SPDX-License-Identifier: GPL-3.0-or-later
// NotificationThrottle: which denied or learned connection becomes a desktop notification (pure, no D-Bus).
//
// Connections of one application within `coalesceWindow` of its notification join it (the notification is
// replaced, not repeated); new notifications are limited to `maxPerMinute`; an application that was already
// notified (in this or an earlier session) stays quiet unless `repeatForNotifiedApps` is set.
#pragma once

#include <QSet>
#include <QString>
#include <QStringList>

#include <chrono>
#include <deque>
#include <map>

namespace hostgate::gui {

struct NotificationPolicy {
    bool enabled = true;
    bool repeatForNotifiedApps = false;
    std::chrono::milliseconds coalesceWindow{10000};
    int maxPerMinute = 6;
    // At most this many destinations are named (and acted on) per notification; the rest are counted.
    int maxDestinations = 5;
    // At most this many applications are remembered as notified (the oldest are forgotten first).
    int maxRememberedApps = 500;
};

class NotificationThrottle {
public:
    using Clock = std::chrono::steady_clock;

    enum class Outcome {
        Show,        // a new notification for this app
        Update,      // replace the app's open notification (one more connection joined it)
        Quiet,       // the app was notified before and repeating is off
        RateLimited, // too many notifications in the last minute
        Disabled,
    };

    struct Decision {
        Outcome outcome = Outcome::Disabled;
        QString app;
        QStringList destinations;      // the named ones, oldest first (at most maxDestinations)
        int connections = 0;           // every connection of the group, named or not
        bool destinationAdded = false; // this connection's destination is new among the named ones
    };

    explicit NotificationThrottle(NotificationPolicy policy = {}, QStringList notifiedApps = {});

    // One denied (or learned) connection of `app` to `destination` (e.g. "example.com:443/tcp") at `now`.
    Decision offer(const QString& app, const QString& destination, Clock::time_point now);
    // The app's open notification was closed (by the user or the server): the next connection shows anew.
    void closed(const QString& app);

    void setPolicy(const NotificationPolicy& policy) { settings = policy; }
    const NotificationPolicy& policy() const { return settings; }
    // Apps notified so far, oldest first: what the tray saves so it stays quiet for them after a restart.
    QStringList notifiedApps() const { return QStringList(notifiedOrder.begin(), notifiedOrder.end()); }
    void forgetNotifiedApps();

private:
    struct Group {
        Clock::time_point shown;
        QStringList destinations;
        int connections = 0;
    };

    NotificationPolicy settings;
    std::map<QString, Group> open;
    std::deque<Clock::time_point> recentShows;
    std::deque<QString> notifiedOrder;
    QSet<QString> notified;

    void expire(Clock::time_point now);
    void remember(const QString& app);
};

} // namespace hostgate::gui
