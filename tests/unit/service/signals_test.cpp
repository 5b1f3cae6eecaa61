// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of SignalSource: SIGHUP reloads and SIGTERM/SIGINT terminate, delivered through the loop.
#include "loop_helpers.h"
#include "service/signals.h"

#include <QtTest>

#include <csignal>
#include <optional>

using namespace hostgate;

class SignalsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Blocked before anything raises them, so a failing test cannot be killed by its own signal.
        QVERIFY(blockDaemonSignals().ok());
    }

    void sigHupCallsReload()
    {
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        int reloads = 0;
        std::optional<int> terminated;
        auto source =
            SignalSource::create(*loop, SignalHandlers{[&](int signal) { terminated = signal; }, [&] { ++reloads; }});
        QVERIFY2(source.ok(), source.ok() ? "" : source.error().describe().c_str());
        QCOMPARE(::raise(SIGHUP), 0);
        QVERIFY(test::runUntil(*loop, [&] { return reloads > 0; }));
        QCOMPARE(reloads, 1);
        QVERIFY(!terminated);
    }

    void terminatingSignalsCallTerminateWithTheSignal_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int{SIGTERM};
        QTest::newRow("SIGINT") << int{SIGINT};
    }

    void terminatingSignalsCallTerminateWithTheSignal()
    {
        QFETCH(int, signal);
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        std::optional<int> terminated;
        bool reloaded = false;
        auto source = SignalSource::create(*loop, SignalHandlers{[&](int received) {
                                                                     terminated = received;
                                                                     loop->stop();
                                                                 },
                                                                 [&] { reloaded = true; }});
        QVERIFY(source.ok());
        QCOMPARE(::raise(signal), 0);
        QVERIFY(test::runUntil(*loop, [&] { return terminated.has_value(); }));
        QCOMPARE(*terminated, signal);
        QVERIFY(!reloaded);
    }

    void destroyedSourceStopsWatchingTheLoop()
    {
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        {
            auto source = SignalSource::create(*loop, SignalHandlers{[](int) {}, [] {}});
            QVERIFY(source.ok());
            QCOMPARE(loop->watchCount(), std::size_t{1});
        }
        QCOMPARE(loop->watchCount(), std::size_t{0});
    }
};

QTEST_GUILESS_MAIN(SignalsTest)
#include "signals_test.moc"
