// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of a decision's journal entry: the HOSTGATE_* fields log shippers index.
#include "hostgated/decision_journal.h"

#include <QtTest>

#include <map>

using namespace hostgate;

namespace {

Connection curlToExample()
{
    Connection connection;
    connection.app.path = "/usr/bin/curl";
    connection.pid = 4242;
    connection.uid = 1000;
    connection.destination = *IpAddress::parse("203.0.113.10");
    connection.port = 443;
    connection.protocol = Protocol::Tcp;
    connection.hostnames = {"www.example.test", "example.test"};
    return connection;
}

std::map<std::string, std::string> byName(const std::vector<JournalField>& fields)
{
    std::map<std::string, std::string> named;
    for (const auto& field : fields)
        named.emplace(field.name, field.value);
    return named;
}

} // namespace

class DecisionJournalTest : public QObject {
    Q_OBJECT

private slots:
    void aDecisionCarriesWhoWhereWhatAndWhy()
    {
        const auto fields = byName(decisionJournalFields(curlToExample(), Outcome::Denied, RuleId{12},
                                                         "rule #12 (admin): deny *.example.test"));
        QCOMPARE(fields.at("HOSTGATE_VERDICT"), std::string("denied"));
        QCOMPARE(fields.at("HOSTGATE_APP"), std::string("/usr/bin/curl"));
        QCOMPARE(fields.at("HOSTGATE_PID"), std::string("4242"));
        QCOMPARE(fields.at("HOSTGATE_UID"), std::string("1000"));
        QCOMPARE(fields.at("HOSTGATE_HOST"), std::string("www.example.test"));
        QCOMPARE(fields.at("HOSTGATE_ADDRESS"), std::string("203.0.113.10"));
        QCOMPARE(fields.at("HOSTGATE_PORT"), std::string("443"));
        QCOMPARE(fields.at("HOSTGATE_PROTOCOL"), std::string("tcp"));
        QCOMPARE(fields.at("HOSTGATE_RULE"), std::string("12"));
        QCOMPARE(fields.at("HOSTGATE_EXPLANATION"), std::string("rule #12 (admin): deny *.example.test"));
        QCOMPARE(fields.at("MESSAGE_ID"), std::string(kDecisionMessageId));
        QCOMPARE(fields.at("PRIORITY"), std::string("6"));
        QCOMPARE(fields.at("SYSLOG_IDENTIFIER"), std::string("hostgated"));
        QCOMPARE(fields.at("MESSAGE"),
                 std::string("Connection denied: /usr/bin/curl to www.example.test (203.0.113.10) port "
                             "443/tcp: rule #12 (admin): deny *.example.test"));
    }

    void absentValuesAreLeftOutNotSentEmpty()
    {
        Connection connection = curlToExample();
        connection.hostnames.clear();
        const auto fields =
            byName(decisionJournalFields(connection, Outcome::Asked, std::nullopt, "mode enforce: ask"));
        QVERIFY(!fields.contains("HOSTGATE_HOST"));
        QVERIFY(!fields.contains("HOSTGATE_SCRIPT"));
        QVERIFY(!fields.contains("HOSTGATE_CONTAINER"));
        QCOMPARE(fields.at("HOSTGATE_RULE"), std::string("none"));
        QCOMPARE(fields.at("MESSAGE"),
                 std::string("Connection asked: /usr/bin/curl to 203.0.113.10 port 443/tcp: mode enforce: ask"));
    }

    void scriptsAndContainersAreNamed()
    {
        Connection connection = curlToExample();
        connection.app.path = "/usr/bin/python3.11";
        connection.app.script = "/home/me/sync.py";
        connection.foreignNetns = true;
        connection.cgroup = "/system.slice/docker-abc.scope";
        const auto fields = byName(decisionJournalFields(connection, Outcome::Allowed, RuleId{3}, "rule #3"));
        QCOMPARE(fields.at("HOSTGATE_SCRIPT"), std::string("/home/me/sync.py"));
        QCOMPARE(fields.at("HOSTGATE_CONTAINER"), std::string("/system.slice/docker-abc.scope"));
    }

    void everyNameIsOneJournaldKeeps()
    {
        for (const auto& field : decisionJournalFields(curlToExample(), Outcome::Denied, RuleId{1}, "x")) {
            QVERIFY(!field.name.empty() && field.name.front() != '_');
            for (const char c : field.name)
                QVERIFY2((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_', field.name.c_str());
        }
    }

    void longValuesAreBounded()
    {
        const auto fields =
            decisionJournalFields(curlToExample(), Outcome::Denied, RuleId{1}, std::string(100000, 'n'));
        std::size_t total = 0;
        for (const auto& field : fields) {
            QVERIFY(field.value.size() <= kMaxJournalValueBytes);
            total += field.name.size() + field.value.size() + 10;
        }
        QVERIFY(total < JournalWriter::maxEntryBytes);
    }
};

QTEST_GUILESS_MAIN(DecisionJournalTest)
#include "decision_journal_test.moc"
