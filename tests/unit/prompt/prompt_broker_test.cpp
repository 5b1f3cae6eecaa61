// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the prompt broker: merging, answering, deadlines, agents, bounds and re-entrancy.
#include "prompt/prompt_broker.h"
#include "prompt_test_printers.h"

#include <QTest>

#include <chrono>
#include <memory>

using namespace hostgate;
using Reason = PromptOutcome::Reason;

Q_DECLARE_METATYPE(hostgate::Connection)

namespace {

const TimePoint start{Seconds{1'700'000'000}};
constexpr Seconds timeout{30};

Connection firefoxTo(const std::string& address, std::uint16_t port = 443, std::uint32_t uid = 1000)
{
    Connection connection;
    connection.app = AppIdentity{2049, 777, "/usr/lib/firefox/firefox", std::nullopt, std::nullopt};
    connection.pid = 5000;
    connection.parentPid = 1;
    connection.uid = uid;
    connection.commandLine = "/usr/lib/firefox/firefox";
    connection.destination = IpAddress::parse(address).value();
    connection.port = port;
    connection.protocol = Protocol::Tcp;
    connection.hostnames = {"www.example.com"};
    return connection;
}

PromptBroker::Config config(std::size_t maxPending = 8, std::size_t maxCallersPerPrompt = 16,
                            std::size_t maxPendingPerUid = 0)
{
    PromptBroker::Config result;
    result.timeout = timeout;
    result.defaultAction = Action::Deny;
    result.maxPending = maxPending;
    result.maxPendingPerUid = maxPendingPerUid == 0 ? maxPending : maxPendingPerUid;
    result.maxCallersPerPrompt = maxCallersPerPrompt;
    return result;
}

PromptAnswer allowDomainForever()
{
    return PromptAnswer{Action::Allow, PromptAnswer::HostScope::Domain, PromptAnswer::PortScope::ThisPort,
                        Lifetime::Kind::Forever, std::nullopt};
}

// Collects the outcomes delivered to one caller, to check each caller is completed exactly once.
struct Caller {
    std::vector<PromptOutcome> outcomes;

    PromptBroker::Completion completion()
    {
        return [this](const PromptOutcome& outcome) { outcomes.push_back(outcome); };
    }
    bool completedOnce() const { return outcomes.size() == 1; }
    const PromptOutcome& outcome() const { return outcomes.at(0); }
};

} // namespace

class PromptBrokerTest : public QObject {
    Q_OBJECT

private slots:
    void firstAskIsNewAndPendingWithADeadline()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());

        QVERIFY(asked.isNew);
        QVERIFY(asked.promptId != 0);
        QVERIFY(caller.outcomes.empty());
        const auto request = broker.find(asked.promptId);
        QVERIFY(request.has_value());
        QCOMPARE(request->connection.pid, 5000);
        QCOMPARE(request->deadline, start + timeout);
        QCOMPARE(nameOf(request->defaultAction), nameOf(Action::Deny));
        QCOMPARE(request->attempts, std::size_t{1});
    }

    void duplicateAskMergesAndEveryCallerIsCompletedOnce()
    {
        PromptBroker broker(config());
        Caller first;
        Caller second;
        auto otherProcess = firefoxTo("203.0.113.10");
        otherProcess.pid = 5001;
        const auto a = broker.ask(firefoxTo("203.0.113.10"), start, first.completion());
        const auto b = broker.ask(otherProcess, start + Seconds{1}, second.completion());

        QVERIFY(!b.isNew);
        QCOMPARE(b.promptId, a.promptId);
        QCOMPARE(broker.pendingCount(), std::size_t{1});
        QCOMPARE(broker.find(a.promptId)->attempts, std::size_t{2});
        QVERIFY(broker.answer(a.promptId, allowDomainForever(), 1000, start + Seconds{2}).ok());
        QVERIFY(first.completedOnce());
        QVERIFY(second.completedOnce());
        QCOMPARE(nameOf(second.outcome().action), nameOf(Action::Allow));
        QCOMPARE(broker.pendingCount(), std::size_t{0});
    }

    void attemptDifferingInOneKeyFieldIsASeparatePrompt_data()
    {
        QTest::addColumn<Connection>("other");
        auto otherAddress = firefoxTo("203.0.113.11");
        auto otherPort = firefoxTo("203.0.113.10", 80);
        auto otherUser = firefoxTo("203.0.113.10", 443, 1001);
        auto otherProtocol = firefoxTo("203.0.113.10");
        otherProtocol.protocol = Protocol::Udp;
        auto otherInode = firefoxTo("203.0.113.10");
        otherInode.app.inode = 778;
        auto otherScript = firefoxTo("203.0.113.10");
        otherScript.app.script = "/home/ann/tool.js";
        QTest::newRow("address") << otherAddress;
        QTest::newRow("port") << otherPort;
        QTest::newRow("uid") << otherUser;
        QTest::newRow("protocol") << otherProtocol;
        QTest::newRow("executable inode") << otherInode;
        QTest::newRow("interpreter script") << otherScript;
    }

    void attemptDifferingInOneKeyFieldIsASeparatePrompt()
    {
        QFETCH(Connection, other);
        PromptBroker broker(config());
        Caller first;
        Caller second;
        const auto a = broker.ask(firefoxTo("203.0.113.10"), start, first.completion());
        const auto b = broker.ask(other, start, second.completion());
        QVERIFY(b.isNew);
        QVERIFY(b.promptId != a.promptId);
        QCOMPARE(broker.pendingCount(), std::size_t{2});
    }

    void answerCompletesWithTheRuleBuiltFromTheScope()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto connection = firefoxTo("203.0.113.10");
        const auto asked = broker.ask(connection, start, caller.completion());
        const auto answeredAt = start + Seconds{5};
        QVERIFY(broker.answer(asked.promptId, allowDomainForever(), 1000, answeredAt).ok());

        QVERIFY(caller.completedOnce());
        const auto& outcome = caller.outcome();
        QCOMPARE(nameOf(outcome.reason), nameOf(Reason::Answered));
        QCOMPARE(outcome.promptId, asked.promptId);
        QCOMPARE(nameOf(outcome.action), nameOf(Action::Allow));
        QVERIFY(outcome.rule.has_value());
        QCOMPARE(*outcome.rule, ruleFromAnswer(connection, allowDomainForever(), answeredAt).value());
        QCOMPARE(outcome.rule->host.toString(), std::string("*.example.com"));
        QVERIFY(outcome.persistRule);
        QVERIFY2(outcome.explanation.find("*.example.com") != std::string::npos, outcome.explanation.c_str());
    }

    void onlyTheFirstMergedCallerPersistsTheRule()
    {
        PromptBroker broker(config());
        Caller first;
        Caller second;
        Caller third;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, first.completion());
        (void)broker.ask(firefoxTo("203.0.113.10"), start, second.completion());
        (void)broker.ask(firefoxTo("203.0.113.10"), start, third.completion());
        QVERIFY(broker.answer(asked.promptId, allowDomainForever(), 1000, start).ok());

        QVERIFY(first.outcome().persistRule);
        QVERIFY(!second.outcome().persistRule);
        QVERIFY(!third.outcome().persistRule);
        QVERIFY(third.outcome().rule.has_value());
    }

    void onceAnswerDecidesTheHeldAttemptsWithoutARule()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        PromptAnswer once = allowDomainForever();
        once.lifetime = Lifetime::Kind::Once;
        QVERIFY(broker.answer(asked.promptId, once, 1000, start).ok());

        QCOMPARE(nameOf(caller.outcome().action), nameOf(Action::Allow));
        QVERIFY(!caller.outcome().rule.has_value());
        QVERIFY(!caller.outcome().persistRule);
    }

    void passedDeadlineGivesTheDefaultActionAsTimedOut()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        broker.expire(start + timeout);

        QVERIFY(caller.completedOnce());
        QCOMPARE(nameOf(caller.outcome().reason), nameOf(Reason::TimedOut));
        QCOMPARE(nameOf(caller.outcome().action), nameOf(Action::Deny));
        QCOMPARE(caller.outcome().promptId, asked.promptId);
        QVERIFY(!caller.outcome().rule.has_value());
        QVERIFY2(caller.outcome().explanation.find("30 s") != std::string::npos, caller.outcome().explanation.c_str());
        QVERIFY(!broker.find(asked.promptId).has_value());
    }

    void expiringBeforeTheDeadlineCompletesNothing()
    {
        PromptBroker broker(config());
        Caller caller;
        (void)broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        broker.expire(start + timeout - Seconds{1});
        QVERIFY(caller.outcomes.empty());
        QCOMPARE(broker.pendingCount(), std::size_t{1});
    }

    void defaultActionComesFromTheConfiguration()
    {
        auto allowByDefault = config();
        allowByDefault.defaultAction = Action::Allow;
        PromptBroker broker(allowByDefault);
        Caller caller;
        (void)broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        broker.expire(start + timeout);
        QCOMPARE(nameOf(caller.outcome().action), nameOf(Action::Allow));
    }

    void nextDeadlineIsTheEarliestPendingOne()
    {
        PromptBroker broker(config());
        Caller a;
        Caller b;
        Caller c;
        QCOMPARE(broker.nextDeadline(), std::optional<TimePoint>());
        const auto first = broker.ask(firefoxTo("203.0.113.10"), start + Seconds{3}, a.completion());
        (void)broker.ask(firefoxTo("203.0.113.11"), start + Seconds{1}, b.completion());
        (void)broker.ask(firefoxTo("203.0.113.12"), start + Seconds{2}, c.completion());
        QCOMPARE(broker.nextDeadline(), std::optional<TimePoint>(start + Seconds{1} + timeout));

        broker.expire(start + Seconds{2} + timeout);
        QVERIFY(b.completedOnce());
        QVERIFY(c.completedOnce());
        QVERIFY(a.outcomes.empty());
        QCOMPARE(broker.nextDeadline(), std::optional<TimePoint>(start + Seconds{3} + timeout));

        QVERIFY(broker.answer(first.promptId, allowDomainForever(), 1000, start + Seconds{4}).ok());
        QCOMPARE(broker.nextDeadline(), std::optional<TimePoint>());
    }

    void mergedAttemptDoesNotExtendTheDeadline()
    {
        PromptBroker broker(config());
        Caller first;
        Caller late;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, first.completion());
        (void)broker.ask(firefoxTo("203.0.113.10"), start + Seconds{20}, late.completion());
        QCOMPARE(broker.find(asked.promptId)->deadline, start + timeout);
        broker.expire(start + timeout);
        QCOMPARE(nameOf(late.outcome().reason), nameOf(Reason::TimedOut));
    }

    void goneAgentCompletesOnlyItsOwnPrompts()
    {
        PromptBroker broker(config());
        Caller ofGoneAgent;
        Caller ofOtherAgent;
        Caller undelivered;
        const auto a = broker.ask(firefoxTo("203.0.113.10"), start, ofGoneAgent.completion());
        const auto b = broker.ask(firefoxTo("203.0.113.11", 443, 1001), start, ofOtherAgent.completion());
        (void)broker.ask(firefoxTo("203.0.113.12"), start, undelivered.completion());
        QVERIFY(broker.assignAgent(a.promptId, ":1.42"));
        QVERIFY(broker.assignAgent(b.promptId, ":1.43"));

        broker.agentGone(":1.42", start + Seconds{4});

        QVERIFY(ofGoneAgent.completedOnce());
        QCOMPARE(nameOf(ofGoneAgent.outcome().reason), nameOf(Reason::AgentGone));
        QCOMPARE(nameOf(ofGoneAgent.outcome().action), nameOf(Action::Deny));
        QVERIFY2(ofGoneAgent.outcome().explanation.find(":1.42") != std::string::npos,
                 ofGoneAgent.outcome().explanation.c_str());
        QVERIFY(ofOtherAgent.outcomes.empty());
        QVERIFY(undelivered.outcomes.empty());
        QCOMPARE(broker.pendingCount(), std::size_t{2});
    }

    void missingAgentCompletesWithTheDefault()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        broker.noAgent(asked.promptId, start);
        QVERIFY(caller.completedOnce());
        QCOMPARE(nameOf(caller.outcome().reason), nameOf(Reason::NoAgent));
        QCOMPARE(nameOf(caller.outcome().action), nameOf(Action::Deny));
        QCOMPARE(broker.nextDeadline(), std::optional<TimePoint>());
    }

    void answerFromAnotherUidIsRefusedAndThePromptStaysPending()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        const auto byOtherUser = broker.answer(asked.promptId, allowDomainForever(), 1001, start);
        const auto byRoot = broker.answer(asked.promptId, allowDomainForever(), 0, start);

        QVERIFY(!byOtherUser.ok());
        QVERIFY2(byOtherUser.error().message.find("not authorized") != std::string::npos,
                 byOtherUser.error().message.c_str());
        QVERIFY(!byRoot.ok());
        QVERIFY(caller.outcomes.empty());
        QVERIFY(broker.answer(asked.promptId, allowDomainForever(), 1000, start).ok());
        QVERIFY(caller.completedOnce());
    }

    void answerToAnUnknownPromptIsAnError()
    {
        PromptBroker broker(config());
        const auto result = broker.answer(12345, allowDomainForever(), 1000, start);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.find("#12345") != std::string::npos, result.error().message.c_str());
    }

    void answeringTwiceFailsAndCompletesOnce()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        QVERIFY(broker.answer(asked.promptId, allowDomainForever(), 1000, start).ok());
        QVERIFY(!broker.answer(asked.promptId, allowDomainForever(), 1000, start).ok());
        QVERIFY(caller.completedOnce());
    }

    void answerThatCannotBecomeARuleLeavesThePromptPending()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        PromptAnswer expired = allowDomainForever();
        expired.lifetime = Lifetime::Kind::UntilTime;
        expired.until = start - Seconds{1};
        QVERIFY(!broker.answer(asked.promptId, expired, 1000, start).ok());
        QVERIFY(caller.outcomes.empty());
        QVERIFY(broker.find(asked.promptId).has_value());
    }

    void answerAfterTheDeadlineButBeforeExpiryIsHonoured()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        QVERIFY(broker.answer(asked.promptId, allowDomainForever(), 1000, start + timeout + Seconds{1}).ok());
        QCOMPARE(nameOf(caller.outcome().reason), nameOf(Reason::Answered));
        broker.expire(start + timeout + Seconds{1});
        QVERIFY(caller.completedOnce());
    }

    void fullBrokerRefusesNewPromptsAsOverloaded()
    {
        PromptBroker broker(config(2));
        Caller a;
        Caller b;
        Caller refused;
        Caller merged;
        (void)broker.ask(firefoxTo("203.0.113.10"), start, a.completion());
        (void)broker.ask(firefoxTo("203.0.113.11"), start, b.completion());
        const auto third = broker.ask(firefoxTo("203.0.113.12"), start, refused.completion());

        QCOMPARE(third.promptId, PromptId{0});
        QVERIFY(!third.isNew);
        QVERIFY(refused.completedOnce());
        QCOMPARE(nameOf(refused.outcome().reason), nameOf(Reason::Overloaded));
        QCOMPARE(nameOf(refused.outcome().action), nameOf(Action::Deny));
        QCOMPARE(broker.pendingCount(), std::size_t{2});
        // Joining an existing prompt costs no new prompt, so it is still accepted.
        QVERIFY(broker.ask(firefoxTo("203.0.113.10"), start, merged.completion()).promptId != 0);
        QVERIFY(merged.outcomes.empty());
    }

    void oneUidFillingItsSlotsLeavesOtherUidsTheirPrompts()
    {
        PromptBroker broker(config(8, 16, 2));
        Caller a;
        Caller b;
        Caller refused;
        Caller otherUser;
        Caller root;
        (void)broker.ask(firefoxTo("203.0.113.10", 443, 1000), start, a.completion());
        (void)broker.ask(firefoxTo("203.0.113.11", 443, 1000), start, b.completion());
        const auto third = broker.ask(firefoxTo("203.0.113.12", 443, 1000), start, refused.completion());

        QCOMPARE(third.promptId, PromptId{0});
        QVERIFY(refused.completedOnce());
        QCOMPARE(nameOf(refused.outcome().reason), nameOf(Reason::Overloaded));
        QVERIFY2(refused.outcome().explanation.find("uid 1000") != std::string::npos,
                 refused.outcome().explanation.c_str());
        QCOMPARE(broker.pendingCountOf(1000), std::size_t{2});
        const auto other = broker.ask(firefoxTo("203.0.113.12", 443, 1001), start, otherUser.completion());
        QVERIFY(other.isNew);
        QVERIFY(otherUser.outcomes.empty());
        const auto ofRoot = broker.ask(firefoxTo("203.0.113.12", 443, 0), start, root.completion());
        QVERIFY(ofRoot.isNew);
        QCOMPARE(broker.pendingCount(), std::size_t{4});
    }

    void finishedPromptsGiveTheirUidItsSlotsBack()
    {
        PromptBroker broker(config(8, 16, 1));
        Caller first;
        Caller second;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, first.completion());
        broker.noAgent(asked.promptId, start);
        QCOMPARE(broker.pendingCountOf(1000), std::size_t{0});
        QVERIFY(broker.ask(firefoxTo("203.0.113.11"), start, second.completion()).isNew);
        broker.expire(start + timeout);
        QCOMPARE(broker.pendingCountOf(1000), std::size_t{0});
        QVERIFY(second.completedOnce());
    }

    void globalBoundStillHoldsAcrossUids()
    {
        PromptBroker broker(config(3, 16, 2));
        std::vector<std::unique_ptr<Caller>> callers;
        for (std::uint32_t uid = 1000; uid < 1004; ++uid) {
            callers.push_back(std::make_unique<Caller>());
            (void)broker.ask(firefoxTo("203.0.113.10", 443, uid), start, callers.back()->completion());
        }
        QCOMPARE(broker.pendingCount(), std::size_t{3});
        QVERIFY(callers.back()->completedOnce());
        QCOMPARE(nameOf(callers.back()->outcome().reason), nameOf(Reason::Overloaded));
    }

    void defaultPerUidBoundIsBelowTheGlobalOne()
    {
        const PromptBroker::Config defaults;
        QVERIFY(defaults.maxPendingPerUid * 4 <= defaults.maxPending);
    }

    void mergedAttemptsPerPromptAreBounded()
    {
        PromptBroker broker(config(8, 2));
        Caller a;
        Caller b;
        Caller refused;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, a.completion());
        (void)broker.ask(firefoxTo("203.0.113.10"), start, b.completion());
        const auto third = broker.ask(firefoxTo("203.0.113.10"), start, refused.completion());

        QCOMPARE(third.promptId, PromptId{0});
        QCOMPARE(nameOf(refused.outcome().reason), nameOf(Reason::Overloaded));
        QCOMPARE(broker.find(asked.promptId)->attempts, std::size_t{2});
    }

    void completionThatAsksAgainStartsAFreshPrompt()
    {
        PromptBroker broker(config());
        const auto connection = firefoxTo("203.0.113.10");
        PromptBroker::AskResult again;
        Caller retry;
        int calls = 0;
        const auto asked = broker.ask(connection, start, [&](const PromptOutcome&) {
            ++calls;
            again = broker.ask(connection, start + timeout, retry.completion());
        });
        broker.expire(start + timeout);

        QCOMPARE(calls, 1);
        QVERIFY(again.isNew);
        QVERIFY(again.promptId != asked.promptId);
        QVERIFY(retry.outcomes.empty());
        QCOMPARE(broker.nextDeadline(), std::optional<TimePoint>(start + timeout + timeout));
    }

    void completionCanAnswerAnotherPrompt()
    {
        PromptBroker broker(config());
        Caller other;
        const auto second = broker.ask(firefoxTo("203.0.113.11"), start, other.completion());
        Result<void> nested = Error{"not called"};
        const auto first = broker.ask(firefoxTo("203.0.113.10"), start, [&](const PromptOutcome&) {
            nested = broker.answer(second.promptId, allowDomainForever(), 1000, start);
        });
        QVERIFY(broker.answer(first.promptId, allowDomainForever(), 1000, start).ok());
        QVERIFY2(nested.ok(), nested.error().message.c_str());
        QVERIFY(other.completedOnce());
        QCOMPARE(broker.pendingCount(), std::size_t{0});
    }

    void promptIdsAreNeverReused()
    {
        PromptBroker broker(config());
        Caller a;
        Caller b;
        const auto first = broker.ask(firefoxTo("203.0.113.10"), start, a.completion());
        broker.noAgent(first.promptId, start);
        const auto second = broker.ask(firefoxTo("203.0.113.10"), start, b.completion());
        QVERIFY(second.isNew);
        QVERIFY(second.promptId > first.promptId);
        QVERIFY(!broker.answer(first.promptId, allowDomainForever(), 1000, start).ok());
        QVERIFY(b.outcomes.empty());
    }

    void findReturnsAPendingPromptUntilItIsFinished()
    {
        PromptBroker broker(config());
        Caller a;
        Caller b;
        const auto first = broker.ask(firefoxTo("203.0.113.10"), start, a.completion());
        const auto second = broker.ask(firefoxTo("2001:db8::10"), start, b.completion());
        QCOMPARE(broker.pendingCount(), std::size_t{2});
        QVERIFY(second.promptId > first.promptId);
        QCOMPARE(broker.find(second.promptId)->connection.destination, IpAddress::parse("2001:db8::10").value());
        broker.expire(start + timeout);
        QVERIFY(!broker.find(first.promptId));
        QCOMPARE(broker.pendingCount(), std::size_t{0});
    }

    void assigningAnAgentToAFinishedPromptFails()
    {
        PromptBroker broker(config());
        Caller caller;
        const auto asked = broker.ask(firefoxTo("203.0.113.10"), start, caller.completion());
        broker.expire(start + timeout);
        QVERIFY(!broker.assignAgent(asked.promptId, ":1.42"));
    }

    void cancelAllCompletesEveryCallerAsCancelled()
    {
        PromptBroker broker(config());
        Caller a;
        Caller merged;
        Caller b;
        (void)broker.ask(firefoxTo("203.0.113.10"), start, a.completion());
        (void)broker.ask(firefoxTo("203.0.113.10"), start, merged.completion());
        (void)broker.ask(firefoxTo("203.0.113.11"), start, b.completion());
        broker.cancelAll();

        for (const Caller* caller : {&a, &merged, &b}) {
            QVERIFY(caller->completedOnce());
            QCOMPARE(nameOf(caller->outcome().reason), nameOf(Reason::Cancelled));
            QCOMPARE(nameOf(caller->outcome().action), nameOf(Action::Deny));
        }
        QCOMPARE(broker.pendingCount(), std::size_t{0});
        QCOMPARE(broker.nextDeadline(), std::optional<TimePoint>());
    }
};

QTEST_GUILESS_MAIN(PromptBrokerTest)
#include "prompt_broker_test.moc"
