// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of AgentRegistry: per-uid agents, newest wins, callers remove only their own.
#include "bus/agent_registry.h"

#include <QTest>

using hostgate::AgentRegistration;
using hostgate::AgentRegistry;

class AgentRegistryTest : public QObject {
    Q_OBJECT

private slots:
    void promptsGoToTheNewestAgentOfTheUid()
    {
        AgentRegistry registry;
        (void)registry.add({":1.1", "/a", 1000});
        (void)registry.add({":1.2", "/b", 1000});
        (void)registry.add({":1.3", "/c", 1001});
        QCOMPARE(registry.newestFor(1000)->busName, std::string(":1.2"));
        QCOMPARE(registry.newestFor(1001)->busName, std::string(":1.3"));
    }

    void uidWithoutAgentHasNone()
    {
        AgentRegistry registry;
        (void)registry.add({":1.1", "/a", 1000});
        QVERIFY(!registry.newestFor(0).has_value());
    }

    void aSystemUserWithoutAnAgentIsAskedOfAPersonsAgentOnItsBehalf()
    {
        constexpr std::uint32_t systemUidMax = 999;
        AgentRegistry registry;
        (void)registry.add({":1.1", "/person", 1000});
        (void)registry.add({":1.2", "/timesync", 105});
        const auto own = registry.recipientFor(105, systemUidMax);
        QVERIFY(own);
        QCOMPARE(own->agent.busName, std::string(":1.2"));
        QVERIFY(!own->onBehalfOf);
        const auto delegated = registry.recipientFor(104, systemUidMax);
        QVERIFY(delegated);
        QCOMPARE(delegated->agent.busName, std::string(":1.1"));
        QCOMPARE(delegated->onBehalfOf, std::optional<std::uint32_t>(104));
        // A person without an agent is not asked of somebody else's.
        QVERIFY(!registry.recipientFor(1001, systemUidMax));
    }

    void reRegisteringIsIdempotentAndMakesItNewest()
    {
        AgentRegistry registry;
        (void)registry.add({":1.1", "/a", 1000});
        (void)registry.add({":1.2", "/b", 1000});
        (void)registry.add({":1.1", "/a", 1000});
        QCOMPARE(registry.count(), std::size_t{2});
        QCOMPARE(registry.newestFor(1000)->busName, std::string(":1.1"));
    }

    void removingAnotherConnectionsAgentFails()
    {
        AgentRegistry registry;
        (void)registry.add({":1.1", "/a", 1000});
        QVERIFY(!registry.remove(":1.9", "/a"));
        QVERIFY(registry.contains(":1.1", "/a"));
        QVERIFY(registry.remove(":1.1", "/a"));
        QCOMPARE(registry.count(), std::size_t{0});
    }

    void registrationsPerConnectionAreBoundedAndRefusedAsLimitExceeded()
    {
        AgentRegistry registry(AgentRegistry::Limits{2, 10, 100});
        QVERIFY(registry.add({":1.1", "/a", 1000}).ok());
        QVERIFY(registry.add({":1.1", "/b", 1000}).ok());
        const auto refused = registry.add({":1.1", "/c", 1000});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, std::string("LimitExceeded"));
        QCOMPARE(registry.count(), std::size_t{2});
        QVERIFY(!registry.contains(":1.1", "/c"));
        // Re-registering an existing one is no new registration, and another connection has its own budget.
        QVERIFY(registry.add({":1.1", "/a", 1000}).ok());
        QVERIFY(registry.add({":1.2", "/a", 1000}).ok());
    }

    void registrationsPerUidAreBoundedAcrossConnections()
    {
        AgentRegistry registry(AgentRegistry::Limits{8, 2, 100});
        QVERIFY(registry.add({":1.1", "/a", 1000}).ok());
        QVERIFY(registry.add({":1.2", "/a", 1000}).ok());
        const auto refused = registry.add({":1.3", "/a", 1000});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, std::string("LimitExceeded"));
        QVERIFY(registry.add({":1.4", "/a", 1001}).ok());
        QCOMPARE(registry.newestFor(1001)->busName, std::string(":1.4"));
    }

    void registrationsInAllAreBounded()
    {
        AgentRegistry registry(AgentRegistry::Limits{8, 8, 2});
        QVERIFY(registry.add({":1.1", "/a", 1000}).ok());
        QVERIFY(registry.add({":1.2", "/a", 1001}).ok());
        QVERIFY(!registry.add({":1.3", "/a", 1002}).ok());
        QCOMPARE(registry.removeAllOf(":1.1"), std::size_t{1});
        QVERIFY(registry.add({":1.3", "/a", 1002}).ok());
    }

    void connectionLeavingRemovesAllItsAgentsAndTheOlderOneTakesOver()
    {
        AgentRegistry registry;
        (void)registry.add({":1.1", "/a", 1000});
        (void)registry.add({":1.2", "/b", 1000});
        (void)registry.add({":1.2", "/c", 1000});
        QCOMPARE(registry.removeAllOf(":1.2"), std::size_t{2});
        QCOMPARE(registry.newestFor(1000)->busName, std::string(":1.1"));
    }
};

QTEST_APPLESS_MAIN(AgentRegistryTest)
#include "agent_registry_test.moc"
