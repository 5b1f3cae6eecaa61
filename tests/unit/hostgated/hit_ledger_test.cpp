// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the hit ledger: each hit the kernel counted is credited to its rule exactly once.
#include "hostgated/hit_ledger.h"

#include <QtTest>

using namespace hostgate;
using namespace std::chrono_literals;

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
const SteadyTime t0 = SteadyTime(1000s);

VerdictKey keyTo(std::uint16_t port)
{
    VerdictKey key;
    key.app = {0x0fe00000, 247228};
    key.uid = 1000;
    key.address = *IpAddress::parse("203.0.113.10");
    key.port = port;
    return key;
}

VerdictCounter counter(std::uint16_t port, RuleId rule, std::uint64_t hits, SteadyTime lastHit = t0)
{
    VerdictCounter c;
    c.key = keyTo(port);
    c.ruleId = rule;
    c.hits = hits;
    c.lastHit = lastHit;
    return c;
}

using Credits = std::vector<HitLedger::Credit>;

} // namespace

class HitLedgerTest : public QObject {
    Q_OBJECT

private slots:
    void anEntryNeverSeenIsCreditedWithAllItsHits()
    {
        HitLedger ledger;
        QCOMPARE(ledger.fold({counter(80, 12, 3)}), (Credits{{12, 3, t0}}));
    }

    void aSecondReadCreditsOnlyWhatIsNew()
    {
        HitLedger ledger;
        ledger.fold({counter(80, 12, 3)});
        QCOMPARE(ledger.fold({counter(80, 12, 3)}), Credits{});
        QCOMPARE(ledger.fold({counter(80, 12, 5, t0 + 1s)}), (Credits{{12, 2, t0 + 1s}}));
    }

    void entriesOfOneRuleAreSummedWithTheLatestLastHit()
    {
        HitLedger ledger;
        QCOMPARE(ledger.fold({counter(80, 12, 1, t0 + 2s), counter(443, 12, 4, t0), counter(22, 7, 1)}),
                 (Credits{{7, 1, t0}, {12, 5, t0 + 2s}}));
    }

    void decisionsWithoutARuleAreNotCredited()
    {
        HitLedger ledger;
        QCOMPARE(ledger.fold({counter(80, 0, 9)}), Credits{});
    }

    void anEntryRewrittenForAnotherRuleCountsFromZero()
    {
        HitLedger ledger;
        ledger.fold({counter(80, 12, 3)});
        QCOMPARE(ledger.fold({counter(80, 13, 2)}), (Credits{{13, 2, t0}}));
    }

    void anEntryThatRestartedItsCountIsCreditedWithItsNewCount()
    {
        HitLedger ledger;
        ledger.fold({counter(80, 12, 5)});
        QCOMPARE(ledger.fold({counter(80, 12, 2)}), (Credits{{12, 2, t0}}));
    }

    void adoptedCountsAreNotCreditedAgain()
    {
        HitLedger ledger;
        ledger.adopt({counter(80, 12, 40)});
        QCOMPARE(ledger.fold({counter(80, 12, 41)}), (Credits{{12, 1, t0}}));
    }

    void anEntryAboutToBeRewrittenOwesItsUncreditedHits()
    {
        HitLedger ledger;
        ledger.fold({counter(80, 12, 3)});
        QVERIFY(ledger.knows(keyTo(80)));
        const auto owed = ledger.replace(keyTo(80), counter(80, 12, 7), RuleId{12});
        QCOMPARE(owed, (std::optional<HitLedger::Credit>{{12, 4, t0}}));
        // The rewritten entry starts at 0: its next hit is new.
        QCOMPARE(ledger.fold({counter(80, 12, 1)}), (Credits{{12, 1, t0}}));
    }

    void aRemovedEntryIsForgotten()
    {
        HitLedger ledger;
        ledger.fold({counter(80, 12, 3), counter(443, 12, 1)});
        ledger.replace(keyTo(80), std::nullopt, std::nullopt);
        QVERIFY(!ledger.knows(keyTo(80)));
        // Gone from the next read: forgotten there too, so the ledger is bounded by the map.
        ledger.fold({counter(443, 12, 1)});
        QCOMPARE(ledger.size(), std::size_t{1});
    }
};

QTEST_GUILESS_MAIN(HitLedgerTest)
#include "hit_ledger_test.moc"
