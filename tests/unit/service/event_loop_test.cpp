// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of EventLoop: fd readiness, timer order and cancellation, changes from inside callbacks.
#include "loop_helpers.h"
#include "service/event_loop.h"

#include <QtTest>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <vector>

using namespace hostgate;
using namespace std::chrono_literals;

namespace {

struct Pipe {
    Pipe()
    {
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) == 0) {
            readEnd.reset(fds[0]);
            writeEnd.reset(fds[1]);
        }
    }
    void makeReadable() const { QCOMPARE(::write(writeEnd.get(), "x", 1), ssize_t{1}); }

    UniqueFd readEnd;
    UniqueFd writeEnd;
};

EventLoop makeLoop()
{
    auto loop = EventLoop::create();
    if (!loop) {
        qFatal("%s", loop.error().describe().c_str());
    }
    return std::move(loop).value();
}

} // namespace

class EventLoopTest : public QObject {
    Q_OBJECT

private slots:
    void readableFdCallsItsHandlerWithTheReadyEvents()
    {
        EventLoop loop = makeLoop();
        Pipe pipe;
        std::optional<std::uint32_t> seen;
        QVERIFY(loop.watchFd(pipe.readEnd.get(), EPOLLIN, [&](std::uint32_t events) { seen = events; }).ok());
        pipe.makeReadable();
        QVERIFY(test::runUntil(loop, [&] { return seen.has_value(); }));
        QVERIFY((*seen & EPOLLIN) != 0);
    }

    void idleFdDoesNotCallItsHandler()
    {
        EventLoop loop = makeLoop();
        Pipe pipe;
        int calls = 0;
        QVERIFY(loop.watchFd(pipe.readEnd.get(), EPOLLIN, [&](std::uint32_t) { ++calls; }).ok());
        test::runFor(loop, 20ms);
        QCOMPARE(calls, 0);
    }

    void timersFireInDeadlineOrder()
    {
        EventLoop loop = makeLoop();
        std::vector<int> order;
        const auto start = std::chrono::steady_clock::now();
        loop.addTimer(start + 30ms, [&] { order.push_back(3); });
        loop.addTimer(start + 10ms, [&] { order.push_back(1); });
        loop.addTimer(start + 20ms, [&] { order.push_back(2); });
        QVERIFY(test::runUntil(loop, [&] { return order.size() == 3; }));
        QCOMPARE(order, (std::vector<int>{1, 2, 3}));
        QVERIFY(std::chrono::steady_clock::now() >= start + 30ms);
    }

    void timersWithEqualDeadlinesFireInInsertionOrder()
    {
        EventLoop loop = makeLoop();
        std::vector<int> order;
        const auto when = std::chrono::steady_clock::now() + 5ms;
        for (int i = 0; i < 4; ++i) {
            loop.addTimer(when, [&order, i] { order.push_back(i); });
        }
        QVERIFY(test::runUntil(loop, [&] { return order.size() == 4; }));
        QCOMPARE(order, (std::vector<int>{0, 1, 2, 3}));
    }

    void pastDeadlineFiresOnTheNextIteration()
    {
        EventLoop loop = makeLoop();
        bool fired = false;
        loop.addTimer(std::chrono::steady_clock::now() - 1s, [&] { fired = true; });
        QVERIFY(loop.runOnce(1s).ok());
        QVERIFY(fired);
    }

    void cancelledTimerNeverFires()
    {
        EventLoop loop = makeLoop();
        bool cancelledFired = false;
        bool laterFired = false;
        const TimerId cancelled = loop.addTimer(5ms, [&] { cancelledFired = true; });
        loop.addTimer(20ms, [&] { laterFired = true; });
        loop.cancelTimer(cancelled);
        QVERIFY(test::runUntil(loop, [&] { return laterFired; }));
        QVERIFY(!cancelledFired);
        QCOMPARE(loop.timerCount(), std::size_t{0});
    }

    void timerCancelledByAnEarlierTimerOfTheSameBatchDoesNotFire()
    {
        EventLoop loop = makeLoop();
        const auto when = std::chrono::steady_clock::now() + 5ms;
        bool secondFired = false;
        TimerId second{};
        bool firstFired = false;
        loop.addTimer(when, [&] {
            firstFired = true;
            loop.cancelTimer(second);
        });
        second = loop.addTimer(when, [&] { secondFired = true; });
        QVERIFY(test::runUntil(loop, [&] { return firstFired; }));
        test::runFor(loop, 10ms);
        QVERIFY(!secondFired);
    }

    void handlerRemovingAnotherWatchInTheSameBatchPreventsItsCall()
    {
        EventLoop loop = makeLoop();
        Pipe first;
        Pipe second;
        first.makeReadable();
        second.makeReadable();
        int calls = 0;
        WatchId firstId{};
        WatchId secondId{};
        // Both are ready in the same epoll batch; whichever runs first removes the other.
        auto firstWatch = loop.watchFd(first.readEnd.get(), EPOLLIN, [&](std::uint32_t) {
            ++calls;
            loop.unwatch(secondId);
            loop.unwatch(firstId);
        });
        auto secondWatch = loop.watchFd(second.readEnd.get(), EPOLLIN, [&](std::uint32_t) {
            ++calls;
            loop.unwatch(firstId);
            loop.unwatch(secondId);
        });
        QVERIFY(firstWatch.ok() && secondWatch.ok());
        firstId = *firstWatch;
        secondId = *secondWatch;
        QVERIFY(loop.runOnce(1s).ok());
        QCOMPARE(calls, 1);
        QCOMPARE(loop.watchCount(), std::size_t{0});
    }

    void handlerMayUnwatchItselfWhileRunning()
    {
        EventLoop loop = makeLoop();
        Pipe pipe;
        pipe.makeReadable();
        int calls = 0;
        WatchId id{};
        // The captured vector makes the handler's own state observable after the std::function is erased.
        std::vector<int> capturedState{1, 2, 3};
        auto watch = loop.watchFd(pipe.readEnd.get(), EPOLLIN, [&, capturedState](std::uint32_t) {
            loop.unwatch(id);
            calls += static_cast<int>(capturedState.size());
        });
        QVERIFY(watch.ok());
        id = *watch;
        test::runFor(loop, 20ms);
        QCOMPARE(calls, 3);
    }

    void callbackMayAddTimersAndWatches()
    {
        EventLoop loop = makeLoop();
        Pipe pipe;
        bool readable = false;
        loop.addTimer(1ms, [&] {
            QVERIFY(loop.watchFd(pipe.readEnd.get(), EPOLLIN, [&](std::uint32_t) { readable = true; }).ok());
            loop.addTimer(1ms, [&] { pipe.makeReadable(); });
        });
        QVERIFY(test::runUntil(loop, [&] { return readable; }));
    }

    void stopFromCallbackEndsRun()
    {
        EventLoop loop = makeLoop();
        bool stoppedByTimer = false;
        bool guardFired = false;
        loop.addTimer(5ms, [&] {
            stoppedByTimer = true;
            loop.stop();
        });
        const TimerId guard = loop.addTimer(5s, [&] {
            guardFired = true;
            loop.stop();
        });
        QVERIFY(loop.run().ok());
        QVERIFY(stoppedByTimer);
        QVERIFY(!guardFired);
        loop.cancelTimer(guard);
    }

    void stopBeforeRunMakesRunReturnAtOnce()
    {
        EventLoop loop = makeLoop();
        bool guardFired = false;
        loop.addTimer(5s, [&] {
            guardFired = true;
            loop.stop();
        });
        loop.stop();
        QVERIFY(loop.run().ok());
        QVERIFY(!guardFired);
    }

    void watchingAnInvalidFdFails()
    {
        EventLoop loop = makeLoop();
        auto watch = loop.watchFd(-1, EPOLLIN, [](std::uint32_t) {});
        QVERIFY(!watch.ok());
        QVERIFY(watch.error().message.find("Failed to watch file descriptor") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(EventLoopTest)
#include "event_loop_test.moc"
