// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the validation every rule passes: string limits, lifetime fields, required keys, times.
#include "rules/rule_validation.h"

#include <QTest>

#include <chrono>
#include <set>
#include <string>

using namespace hostgate;

class RuleValidationTest : public QObject {
    Q_OBJECT

private slots:
    void aDefaultRuleIsValid() { QVERIFY(!validateRule(Rule{}).has_value()); }

    void aNoteOfExactlyTheLimitIsAcceptedAndOneByteMoreIsRefused()
    {
        Rule rule;
        rule.note = std::string(maxRuleStringBytes, 'n');
        QVERIFY(!validateRule(rule).has_value());
        rule.note += 'n';
        const auto problem = validateRule(rule);
        QVERIFY(problem.has_value());
        QCOMPARE(QString::fromStdString(problem->key), QStringLiteral("note"));
        QVERIFY(QString::fromStdString(problem->reason).contains(QStringLiteral("4096")));
    }

    void anOversizedAppOrScriptPathIsRefusedNamingTheKey()
    {
        Rule rule;
        rule.app = "/" + std::string(maxRuleStringBytes, 'a');
        QCOMPARE(QString::fromStdString(validateRule(rule).value().key), QStringLiteral("app"));
        rule.app.reset();
        rule.script = "/" + std::string(maxRuleStringBytes, 's');
        QCOMPARE(QString::fromStdString(validateRule(rule).value().key), QStringLiteral("script"));
    }

    void untilTimeWithoutAnInstantIsRefused()
    {
        Rule rule;
        rule.lifetime.kind = Lifetime::Kind::UntilTime;
        QCOMPARE(QString::fromStdString(validateRule(rule).value().key), QStringLiteral("until"));
        rule.lifetime.until = TimePoint{} + std::chrono::hours(1);
        QVERIFY(!validateRule(rule).has_value());
    }

    void untilExitWithoutAPositivePidIsRefused()
    {
        Rule rule;
        rule.lifetime.kind = Lifetime::Kind::UntilExit;
        QCOMPARE(QString::fromStdString(validateRule(rule).value().key), QStringLiteral("pid"));
        rule.lifetime.pid = 0;
        QVERIFY(validateRule(rule).has_value());
        rule.lifetime.pid = 42;
        QVERIFY(!validateRule(rule).has_value());
    }

    void anInstantOnAForeverRuleIsRefused()
    {
        Rule rule;
        rule.lifetime.until = TimePoint{} + std::chrono::hours(1);
        QCOMPARE(QString::fromStdString(validateRule(rule).value().key), QStringLiteral("until"));
    }

    void actionAndHostAreRequiredKeys()
    {
        std::set<std::string> keys;
        const auto has = [&keys](std::string_view key) { return keys.count(std::string(key)) > 0; };
        QCOMPARE(QString::fromStdString(missingRequiredKey(has).value().key), QStringLiteral("action"));
        keys = {"action"};
        QCOMPARE(QString::fromStdString(missingRequiredKey(has).value().key), QStringLiteral("host"));
        keys = {"host"};
        QCOMPARE(QString::fromStdString(missingRequiredKey(has).value().key), QStringLiteral("action"));
        keys = {"host", "action"};
        QVERIFY(!missingRequiredKey(has).has_value());
    }

    void microsecondsConvertExactlyWithinTheRepresentableRange()
    {
        // 2200-01-01T00:00:00Z
        const std::int64_t usec = 7258118400LL * 1000000LL;
        const auto time = timeFromUsec(usec);
        QVERIFY(time.has_value());
        QCOMPARE(std::chrono::duration_cast<std::chrono::microseconds>(time->time_since_epoch()).count(), usec);
        QVERIFY(timeFromUsec(0).has_value());
        QVERIFY(timeFromUsec(-1000000).has_value());
    }

    void microsecondsBeyondTheYear2262AreRefusedNotWrapped()
    {
        const std::int64_t year2300 = 10413792000LL * 1000000LL; // 2300-01-01T00:00:00Z
        const std::int64_t year2611 = 20227968000LL * 1000000LL; // 2611-01-01T00:00:00Z
        QVERIFY(!timeFromUsec(year2300).has_value());
        QVERIFY(!timeFromUsec(year2611).has_value());
        QVERIFY(!timeFromUsec(std::numeric_limits<std::int64_t>::max()).has_value());
        QVERIFY(!timeFromUsec(std::numeric_limits<std::int64_t>::min()).has_value());
    }

    void theLatestRuleTimeConvertsBackFromItsMicroseconds()
    {
        const auto usec =
            std::chrono::duration_cast<std::chrono::microseconds>(latestRuleTime().time_since_epoch()).count();
        QVERIFY(timeFromUsec(usec) == latestRuleTime());
        QVERIFY(!timeFromUsec(usec + 1000000).has_value());
    }
};

QTEST_APPLESS_MAIN(RuleValidationTest)
#include "rule_validation_test.moc"
