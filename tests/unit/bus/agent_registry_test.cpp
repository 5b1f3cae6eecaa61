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
        registry.add({":1.1", "/a", 1000});
        registry.add({":1.2", "/b", 1000});
        registry.add({":1.3", "/c", 1001});
        QCOMPARE(registry.newestFor(1000)->busName, std::string(":1.2"));
        QCOMPARE(registry.newestFor(1001)->busName, std::string(":1.3"));
    }

    void uidWithoutAgentHasNone()
    {
        AgentRegistry registry;
        registry.add({":1.1", "/a", 1000});
        QVERIFY(!registry.newestFor(0).has_value());
    }

    void reRegisteringIsIdempotentAndMakesItNewest()
    {
        AgentRegistry registry;
        registry.add({":1.1", "/a", 1000});
        registry.add({":1.2", "/b", 1000});
        registry.add({":1.1", "/a", 1000});
        QCOMPARE(registry.count(), std::size_t{2});
        QCOMPARE(registry.newestFor(1000)->busName, std::string(":1.1"));
    }

    void removingAnotherConnectionsAgentFails()
    {
        AgentRegistry registry;
        registry.add({":1.1", "/a", 1000});
        QVERIFY(!registry.remove(":1.9", "/a"));
        QVERIFY(registry.contains(":1.1", "/a"));
        QVERIFY(registry.remove(":1.1", "/a"));
        QCOMPARE(registry.count(), std::size_t{0});
    }

    void connectionLeavingRemovesAllItsAgentsAndTheOlderOneTakesOver()
    {
        AgentRegistry registry;
        registry.add({":1.1", "/a", 1000});
        registry.add({":1.2", "/b", 1000});
        registry.add({":1.2", "/c", 1000});
        QCOMPARE(registry.removeAllOf(":1.2"), std::size_t{2});
        QCOMPARE(registry.newestFor(1000)->busName, std::string(":1.1"));
    }
};

QTEST_APPLESS_MAIN(AgentRegistryTest)
#include "agent_registry_test.moc"
