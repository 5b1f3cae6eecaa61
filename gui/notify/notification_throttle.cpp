// SPDX-License-Identifier: GPL-3.0-or-later
// NotificationThrottle: coalescing per application, a global rate limit and the quiet list of notified apps.
#include "notify/notification_throttle.h"

#include <algorithm>

namespace hostgate::gui {

namespace {
constexpr auto rateWindow = std::chrono::minutes(1);
}

NotificationThrottle::NotificationThrottle(NotificationPolicy policy, QStringList notifiedApps) : settings(policy)
{
    for (const QString& app : notifiedApps) {
        remember(app);
    }
}

void NotificationThrottle::expire(Clock::time_point now)
{
    while (!recentShows.empty() && now - recentShows.front() >= rateWindow) {
        recentShows.pop_front();
    }
    for (auto it = open.begin(); it != open.end();) {
        it = now - it->second.shown >= settings.coalesceWindow ? open.erase(it) : std::next(it);
    }
}

void NotificationThrottle::remember(const QString& app)
{
    if (notified.contains(app)) {
        return;
    }
    notified.insert(app);
    notifiedOrder.push_back(app);
    while (static_cast<int>(notifiedOrder.size()) > std::max(settings.maxRememberedApps, 0)) {
        notified.remove(notifiedOrder.front());
        notifiedOrder.pop_front();
    }
}

NotificationThrottle::Decision NotificationThrottle::offer(const QString& app, const QString& destination,
                                                           Clock::time_point now)
{
    Decision decision;
    decision.app = app;
    if (!settings.enabled) {
        return decision;
    }
    expire(now);

    if (auto it = open.find(app); it != open.end()) {
        Group& group = it->second;
        ++group.connections;
        if (!group.destinations.contains(destination) && group.destinations.size() < settings.maxDestinations) {
            group.destinations.append(destination);
            decision.destinationAdded = true;
        }
        decision.outcome = Outcome::Update;
        decision.destinations = group.destinations;
        decision.connections = group.connections;
        return decision;
    }

    if (notified.contains(app) && !settings.repeatForNotifiedApps) {
        decision.outcome = Outcome::Quiet;
        return decision;
    }
    if (static_cast<int>(recentShows.size()) >= settings.maxPerMinute) {
        // Not remembered as notified: the app is told about once the minute has passed.
        decision.outcome = Outcome::RateLimited;
        return decision;
    }

    recentShows.push_back(now);
    remember(app);
    Group& group = open[app];
    group.shown = now;
    group.connections = 1;
    group.destinations = {destination};
    decision.outcome = Outcome::Show;
    decision.destinations = group.destinations;
    decision.connections = 1;
    decision.destinationAdded = true;
    return decision;
}

void NotificationThrottle::closed(const QString& app)
{
    open.erase(app);
}

void NotificationThrottle::forgetNotifiedApps()
{
    notified.clear();
    notifiedOrder.clear();
}

} // namespace hostgate::gui
