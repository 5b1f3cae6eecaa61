// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of CallBudget: calls waiting for polkit are bounded per uid and in all.
#include "bus/call_budget.h"

#include <QTest>

using hostgate::CallBudget;

class CallBudgetTest : public QObject {
    Q_OBJECT

private slots:
    void uidOverItsShareIsRefusedWhileOthersStillGetSlots()
    {
        CallBudget budget(CallBudget::Limits{2, 10});
        QVERIFY(budget.tryAcquire(1000));
        QVERIFY(budget.tryAcquire(1000));
        QVERIFY(!budget.tryAcquire(1000));
        QCOMPARE(budget.inFlightOf(1000), std::size_t{2});
        QVERIFY(budget.tryAcquire(1001));
        QCOMPARE(budget.inFlight(), std::size_t{3});
    }

    void releasedSlotCanBeTakenAgain()
    {
        CallBudget budget(CallBudget::Limits{1, 10});
        QVERIFY(budget.tryAcquire(1000));
        budget.release(1000);
        QCOMPARE(budget.inFlightOf(1000), std::size_t{0});
        QVERIFY(budget.tryAcquire(1000));
    }

    void totalBoundsManyUidsTogether()
    {
        CallBudget budget(CallBudget::Limits{4, 3});
        QVERIFY(budget.tryAcquire(1));
        QVERIFY(budget.tryAcquire(2));
        QVERIFY(budget.tryAcquire(3));
        QVERIFY(!budget.tryAcquire(4));
        budget.release(2);
        QVERIFY(budget.tryAcquire(4));
    }

    void releasingWhatWasNeverTakenChangesNothing()
    {
        CallBudget budget;
        budget.release(7);
        QCOMPARE(budget.inFlight(), std::size_t{0});
        QVERIFY(budget.tryAcquire(7));
    }

    void defaultsStayBelowTheBusPendingReplyLimit()
    {
        const CallBudget budget;
        QVERIFY(budget.limits().total < 128);
        QVERIFY(budget.limits().perUid * 4 <= budget.limits().total);
    }
};

QTEST_GUILESS_MAIN(CallBudgetTest)
#include "call_budget_test.moc"
