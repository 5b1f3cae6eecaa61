// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of scopes (hostgatectl run / attach): which scope a cgroup is in, and how scoped rules, the
// scope's default and the global rules decide for its processes.
#include "enforce/verdict_cache_policy.h"
#include "scope/scope_book.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);

Rule makeRule(std::string_view host, Action action)
{
    Rule rule;
    rule.host = *HostPattern::parse(host);
    rule.action = action;
    return rule;
}

Connection connectionTo(std::string_view name, std::string_view address = "203.0.113.10")
{
    Connection connection;
    connection.app.path = "/usr/bin/curl";
    connection.pid = 100;
    connection.uid = 1000;
    connection.hostnames = {std::string(name)};
    connection.destination = *IpAddress::parse(address);
    connection.port = 80;
    connection.protocol = Protocol::Tcp;
    return connection;
}

Scope makeScope(std::string cgroup, std::uint64_t cgroupId, ScopeDefault defaultAction, std::vector<Rule> rules = {})
{
    Scope scope;
    scope.cgroup = std::move(cgroup);
    scope.cgroupId = cgroupId;
    scope.uid = 1000;
    scope.label = "curl";
    scope.defaultAction = defaultAction;
    scope.rules = std::move(rules);
    return scope;
}

} // namespace

class ScopeBookTest : public QObject {
    Q_OBJECT

private slots:
    void cgroupContainsItselfAndDescendantsOnly_data()
    {
        QTest::addColumn<QString>("outer");
        QTest::addColumn<QString>("inner");
        QTest::addColumn<bool>("contains");
        QTest::newRow("itself") << "/hg/run-1"
                                << "/hg/run-1" << true;
        QTest::newRow("child") << "/hg/run-1"
                               << "/hg/run-1/sub" << true;
        QTest::newRow("sibling with the same prefix") << "/hg/run-1"
                                                      << "/hg/run-10" << false;
        QTest::newRow("parent") << "/hg/run-1"
                                << "/hg" << false;
        QTest::newRow("trailing slash") << "/hg/run-1/"
                                        << "/hg/run-1/x" << true;
        QTest::newRow("root contains all") << "/"
                                           << "/a" << true;
    }
    void cgroupContainsItselfAndDescendantsOnly()
    {
        QFETCH(QString, outer);
        QFETCH(QString, inner);
        QFETCH(bool, contains);
        QCOMPARE(cgroupContains(outer.toStdString(), inner.toStdString()), contains);
    }

    void theInnermostScopeOfACgroupIsFound()
    {
        ScopeBook book;
        const auto unit = book.add(makeScope("/hg/app.service", 10, ScopeDefault::Ask), now);
        const auto run = book.add(makeScope("/hg/app.service/run-2", 11, ScopeDefault::Deny), now);
        QVERIFY(unit && run);
        QCOMPARE(book.innermostFor("/hg/app.service/run-2/child")->id, *run);
        QCOMPARE(book.innermostFor("/hg/app.service/other")->id, *unit);
        QVERIFY(book.innermostFor("/hg/other.service") == nullptr);
        QVERIFY(book.remove(*run));
        QCOMPARE(book.innermostFor("/hg/app.service/run-2/child")->id, *unit);
    }

    void aScopedAllowRanksAboveAGlobalDeny()
    {
        DecisionEngine global;
        Rule deny = makeRule("a.example", Action::Deny);
        deny.id = 1;
        global.setRules({deny});
        ScopeBook book;
        const auto id =
            book.add(makeScope("/hg/run-1", 5, ScopeDefault::Deny, {makeRule("a.example", Action::Allow)}), now);
        QVERIFY(id);
        const Decision decision = book.decide(*book.find(*id), global, connectionTo("a.example"), now);
        QVERIFY(decision.verdict == Verdict::Allow);
        QVERIFY(!decision.rule); // no global rule decided
        QVERIFY(decision.explanation.find("scope #1 (curl): rule 1 allow a.example") != std::string::npos);
        QCOMPARE(decision.matchedHost, std::string("a.example"));
    }

    void aScopedDenyRanksAboveAGlobalAllow()
    {
        DecisionEngine global;
        Rule allow = makeRule("*", Action::Allow);
        allow.id = 1;
        global.setRules({allow});
        ScopeBook book;
        const auto id =
            book.add(makeScope("/hg/run-1", 5, ScopeDefault::Allow, {makeRule("b.example", Action::Deny)}), now);
        QVERIFY(book.decide(*book.find(*id), global, connectionTo("b.example"), now).verdict == Verdict::Deny);
        QVERIFY(book.decide(*book.find(*id), global, connectionTo("a.example"), now).verdict == Verdict::Allow);
    }

    void defaultDenyRefusesWhatTheGlobalRulesAllow()
    {
        DecisionEngine global;
        Rule allow = makeRule("b.example", Action::Allow);
        allow.id = 1;
        global.setRules({allow});
        ScopeBook book;
        const auto id =
            book.add(makeScope("/hg/run-1", 5, ScopeDefault::Deny, {makeRule("a.example", Action::Allow)}), now);
        const Decision decision = book.decide(*book.find(*id), global, connectionTo("b.example"), now);
        QVERIFY(decision.verdict == Verdict::Deny);
        QVERIFY(decision.explanation.find("scope default → deny") != std::string::npos);
    }

    void defaultAllowKeepsTheGlobalDenials()
    {
        DecisionEngine global;
        global.setMode(Mode::Enforce);
        Rule deny = makeRule("b.example", Action::Deny);
        deny.id = 1;
        global.setRules({deny});
        ScopeBook book;
        const auto id = book.add(makeScope("/hg/run-1", 5, ScopeDefault::Allow), now);
        const Decision denied = book.decide(*book.find(*id), global, connectionTo("b.example"), now);
        QVERIFY(denied.verdict == Verdict::Deny);
        QCOMPARE(denied.rule->id, RuleId(1));
        // No rule: allowed instead of the mode's prompt.
        QVERIFY(book.decide(*book.find(*id), global, connectionTo("c.example"), now).verdict == Verdict::Allow);
    }

    void defaultAskDecidesLikeOutsideAnyScope()
    {
        DecisionEngine global;
        global.setMode(Mode::Enforce);
        ScopeBook book;
        const auto id = book.add(makeScope("/hg/run-1", 5, ScopeDefault::Ask), now);
        QVERIFY(book.decide(*book.find(*id), global, connectionTo("c.example"), now).verdict == Verdict::Ask);
    }

    void scopedRulesAreNumberedWithinTheirScope()
    {
        ScopeBook book;
        const auto id = book.add(makeScope("/hg/run-1", 5, ScopeDefault::Deny,
                                           {makeRule("a.example", Action::Allow), makeRule("b.example", Action::Deny)}),
                                 now);
        const Scope* scope = book.find(*id);
        QCOMPARE(scope->rules.size(), std::size_t(2));
        QCOMPARE(scope->rules[1].id, RuleId(2));
        QCOMPARE(scope->rules[1].scope, *id);
    }

    void aCgroupIsOneScopeOnly()
    {
        ScopeBook book;
        QVERIFY(book.add(makeScope("/hg/run-1", 5, ScopeDefault::Deny), now));
        const auto again = book.add(makeScope("/hg/run-1", 5, ScopeDefault::Allow), now);
        QVERIFY(!again);
        QCOMPARE(again.error().code, std::string("ScopeExists"));
    }

    void aUidHasABoundedNumberOfScopes()
    {
        ScopeBook book;
        for (std::size_t i = 0; i < maxScopesPerUid; ++i)
            QVERIFY(book.add(makeScope("/hg/run-" + std::to_string(i), 100 + i, ScopeDefault::Deny), now));
        const auto more = book.add(makeScope("/hg/run-x", 99, ScopeDefault::Deny), now);
        QVERIFY(!more);
        QCOMPARE(more.error().code, std::string("LimitExceeded"));
    }

    void scopedRulesMustLiveAsLongAsTheScope()
    {
        ScopeBook book;
        Rule once = makeRule("a.example", Action::Allow);
        once.lifetime = Lifetime::once();
        const auto added = book.add(makeScope("/hg/run-1", 5, ScopeDefault::Deny, {once}), now);
        QVERIFY(!added);
        QCOMPARE(added.error().code, std::string("InvalidArgument"));
    }

    void scopedDecisionsOfAnInterpreterAreNotCachedInTheKernel()
    {
        Connection connection = connectionTo("a.example");
        connection.scope = 1;
        connection.scopeCgroupId = 5;
        Decision allow;
        allow.verdict = Verdict::Allow;
        QVERIFY(kernelVerdictExpiry(connection, allow, std::nullopt, now, {}));
        connection.app.sharedExecutable = true;
        connection.processImage = 42;
        QVERIFY(!kernelVerdictExpiry(connection, allow, std::nullopt, now, {}));
    }

    void aScopedNameDecisionIsCachedNoLongerThanTheName()
    {
        Connection connection = connectionTo("a.example");
        connection.scope = 1;
        connection.scopeCgroupId = 5;
        Decision allow;
        allow.verdict = Verdict::Allow;
        allow.matchedHost = "a.example";
        QVERIFY(!kernelVerdictExpiry(connection, allow, std::nullopt, now, {}));
        const auto expiry = kernelVerdictExpiry(connection, allow, now + std::chrono::seconds(5), now, {});
        QVERIFY(expiry);
        QCOMPARE(*expiry, now + std::chrono::seconds(5));
    }
};

QTEST_APPLESS_MAIN(ScopeBookTest)
#include "scope_book_test.moc"
