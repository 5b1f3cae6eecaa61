// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of when a decision may be repeated by the kernel, and for how long.
#include "enforce/verdict_cache_policy.h"

#include <QTest>

using namespace hostgate;
using namespace std::chrono_literals;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(1000);
const VerdictCacheLimits limits{Seconds(60), Seconds(3600)};

Connection curlConnection()
{
    Connection connection;
    connection.app.path = "/usr/bin/curl";
    connection.app.device = 1;
    connection.app.inode = 2;
    connection.destination = *IpAddress::parse("203.0.113.10");
    connection.port = 443;
    connection.processImage = (std::uint64_t{4242} << 32) | 7;
    return connection;
}

Connection inlinePython()
{
    Connection connection = curlConnection();
    connection.app.path = "/usr/bin/python3.11";
    connection.app.script = std::string(kInlineScript);
    connection.app.sharedExecutable = true;
    return connection;
}

Decision allowedBy(Rule rule)
{
    Decision decision;
    decision.verdict = Verdict::Allow;
    decision.rule = std::move(rule);
    return decision;
}

Rule ipRule()
{
    Rule rule;
    rule.host = *HostPattern::parse("203.0.113.10");
    rule.action = Action::Allow;
    return rule;
}

} // namespace

class VerdictCachePolicyTest : public QObject {
    Q_OBJECT

private slots:
    void ruleDecisionLivesUpToTheMaximum()
    {
        QCOMPARE(kernelVerdictExpiry(curlConnection(), allowedBy(ipRule()), std::nullopt, now, limits),
                 std::optional<TimePoint>(now + 3600s));
    }

    void interpreterDecisionIsCachedForItsProcessImageOnly()
    {
        // KernelVerdicts keys it by the process image; the policy only says it may be cached.
        QCOMPARE(kernelVerdictExpiry(inlinePython(), allowedBy(ipRule()), std::nullopt, now, limits),
                 std::optional<TimePoint>(now + 3600s));
    }

    void interpreterDecisionWithoutAProcessImageIsNeverCached()
    {
        Connection connection = inlinePython();
        connection.processImage = 0;
        QVERIFY(!kernelVerdictExpiry(connection, allowedBy(ipRule()), std::nullopt, now, limits));
    }

    void askAndOnceAreNeverCached()
    {
        Decision ask;
        ask.verdict = Verdict::Ask;
        QVERIFY(!kernelVerdictExpiry(curlConnection(), ask, std::nullopt, now, limits));
        Rule once = ipRule();
        once.lifetime = Lifetime::once();
        QVERIFY(!kernelVerdictExpiry(curlConnection(), allowedBy(once), std::nullopt, now, limits));
    }

    void nameRuleDecisionEndsWithItsDnsAnswer()
    {
        Rule byName = ipRule();
        byName.host = *HostPattern::parse("www.example.com");
        QCOMPARE(kernelVerdictExpiry(curlConnection(), allowedBy(byName), now + 90s, now, limits),
                 std::optional<TimePoint>(now + 90s));
        QVERIFY(!kernelVerdictExpiry(curlConnection(), allowedBy(byName), std::nullopt, now, limits));
    }
};

QTEST_APPLESS_MAIN(VerdictCachePolicyTest)
#include "verdict_cache_policy_test.moc"
