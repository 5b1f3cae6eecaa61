// SPDX-License-Identifier: GPL-3.0-or-later
// NotificationThrottle: coalescing per app, the rate limit and the quiet list, on a hand-driven clock.
#include "notify/notification_throttle.h"

#include <QTest>

using namespace hostgate::gui;
using namespace std::chrono_literals;
using Outcome = NotificationThrottle::Outcome;

namespace {
const QString firefox = QStringLiteral("/usr/bin/firefox");
const QString curl = QStringLiteral("/usr/bin/curl");
const NotificationThrottle::Clock::time_point start{};

QString app(int n)
{
    return QStringLiteral("/usr/bin/app%1").arg(n);
}
} // namespace

class NotificationThrottleTest : public QObject {
    Q_OBJECT
private slots:
    void firstDenialOfAnAppIsShown()
    {
        NotificationThrottle throttle;
        const auto decision = throttle.offer(firefox, QStringLiteral("a.test:443/tcp"), start);
        QCOMPARE(decision.outcome, Outcome::Show);
        QCOMPARE(decision.destinations, QStringList{QStringLiteral("a.test:443/tcp")});
        QCOMPARE(decision.connections, 1);
    }

    void denialsOfTheSameAppWithinTheWindowUpdateOneNotification()
    {
        NotificationThrottle throttle;
        throttle.offer(firefox, QStringLiteral("a.test:443/tcp"), start);
        const auto second = throttle.offer(firefox, QStringLiteral("b.test:443/tcp"), start + 2s);
        const auto third = throttle.offer(firefox, QStringLiteral("a.test:443/tcp"), start + 4s);
        QCOMPARE(second.outcome, Outcome::Update);
        QVERIFY(second.destinationAdded);
        QCOMPARE(third.outcome, Outcome::Update);
        QVERIFY(!third.destinationAdded);
        QCOMPARE(third.destinations, (QStringList{QStringLiteral("a.test:443/tcp"), QStringLiteral("b.test:443/tcp")}));
        QCOMPARE(third.connections, 3);
    }

    void aGroupNamesAtMostTheConfiguredDestinationsButCountsEveryConnection()
    {
        NotificationThrottle throttle({.maxDestinations = 2});
        throttle.offer(firefox, QStringLiteral("a:1/tcp"), start);
        throttle.offer(firefox, QStringLiteral("b:1/tcp"), start + 1s);
        const auto third = throttle.offer(firefox, QStringLiteral("c:1/tcp"), start + 2s);
        QCOMPARE(third.destinations.size(), 2);
        QVERIFY(!third.destinationAdded);
        QCOMPARE(third.connections, 3);
    }

    void anAppAlreadyNotifiedStaysQuietAfterTheWindowByDefault()
    {
        NotificationThrottle throttle;
        throttle.offer(firefox, QStringLiteral("a:1/tcp"), start);
        QCOMPARE(throttle.offer(firefox, QStringLiteral("a:1/tcp"), start + 11s).outcome, Outcome::Quiet);
    }

    void anAppAlreadyNotifiedIsShownAgainWhenRepeatingIsOn()
    {
        NotificationThrottle throttle({.repeatForNotifiedApps = true});
        throttle.offer(firefox, QStringLiteral("a:1/tcp"), start);
        QCOMPARE(throttle.offer(firefox, QStringLiteral("a:1/tcp"), start + 11s).outcome, Outcome::Show);
    }

    void appsNotifiedInAnEarlierSessionStayQuiet()
    {
        NotificationThrottle throttle({}, {firefox});
        QCOMPARE(throttle.offer(firefox, QStringLiteral("a:1/tcp"), start).outcome, Outcome::Quiet);
        QCOMPARE(throttle.offer(curl, QStringLiteral("a:1/tcp"), start).outcome, Outcome::Show);
        QCOMPARE(throttle.notifiedApps(), (QStringList{firefox, curl}));
    }

    void forgettingNotifiedAppsLetsThemNotifyAgain()
    {
        NotificationThrottle throttle({}, {firefox});
        throttle.forgetNotifiedApps();
        QCOMPARE(throttle.offer(firefox, QStringLiteral("a:1/tcp"), start).outcome, Outcome::Show);
    }

    void newNotificationsAreLimitedPerMinute()
    {
        NotificationThrottle throttle({.maxPerMinute = 3});
        for (int n = 0; n < 3; ++n) {
            QCOMPARE(throttle.offer(app(n), QStringLiteral("a:1/tcp"), start + std::chrono::seconds(n)).outcome,
                     Outcome::Show);
        }
        QCOMPARE(throttle.offer(app(3), QStringLiteral("a:1/tcp"), start + 3s).outcome, Outcome::RateLimited);
        // Updates of open notifications are not new ones: they still go through.
        QCOMPARE(throttle.offer(app(2), QStringLiteral("b:1/tcp"), start + 4s).outcome, Outcome::Update);
    }

    void aRateLimitedAppIsShownOnceTheMinuteHasPassed()
    {
        NotificationThrottle throttle({.maxPerMinute = 1});
        throttle.offer(app(0), QStringLiteral("a:1/tcp"), start);
        QCOMPARE(throttle.offer(app(1), QStringLiteral("a:1/tcp"), start + 30s).outcome, Outcome::RateLimited);
        QCOMPARE(throttle.offer(app(1), QStringLiteral("a:1/tcp"), start + 60s).outcome, Outcome::Show);
    }

    void aClosedNotificationIsNotUpdatedButQuiet()
    {
        NotificationThrottle throttle;
        throttle.offer(firefox, QStringLiteral("a:1/tcp"), start);
        throttle.closed(firefox);
        QCOMPARE(throttle.offer(firefox, QStringLiteral("b:1/tcp"), start + 1s).outcome, Outcome::Quiet);
    }

    void disabledNotifiesNothing()
    {
        NotificationThrottle throttle({.enabled = false});
        QCOMPARE(throttle.offer(firefox, QStringLiteral("a:1/tcp"), start).outcome, Outcome::Disabled);
        QVERIFY(throttle.notifiedApps().isEmpty());
    }

    void theQuietListIsBounded()
    {
        NotificationThrottle throttle({.maxPerMinute = 100, .maxRememberedApps = 2});
        for (int n = 0; n < 3; ++n) {
            throttle.offer(app(n), QStringLiteral("a:1/tcp"), start);
        }
        QCOMPARE(throttle.notifiedApps(), (QStringList{app(1), app(2)}));
    }
};

QTEST_GUILESS_MAIN(NotificationThrottleTest)
#include "test_notification_throttle.moc"
