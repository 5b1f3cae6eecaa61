// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the a{sv} record decoding: known keys decode, unknown and mistyped keys are ignored.
#include "client/firewall_client.h"
#include "client/records.h"

#include <QTest>

using namespace hostgate::gui;

class RecordsTest : public QObject {
    Q_OBJECT
private slots:
    void microsecondTimesRoundTripAtMillisecondPrecision()
    {
        const qint64 usec = 1'700'000'000'123'000;
        QCOMPARE(toUsec(fromUsec(usec)), usec);
    }

    void invalidTimeEncodesAsZero() { QCOMPARE(toUsec(QDateTime()), qint64{0}); }

    void ruleDecodesEveryApiKey()
    {
        const QVariantMap map{
            {"id", quint64{7}},
            {"origin", "user"},
            {"read_only", false},
            {"app", "/usr/bin/curl"},
            {"script", ""},
            {"user", uint{1000}},
            {"host", "*.example.com"},
            {"ports", "80,443"},
            {"protocol", "tcp"},
            {"action", "allow"},
            {"lifetime", "until-time"},
            {"until_usec", qint64{1'700'000'000'000'000}},
            {"pid", 42},
            {"enabled", false},
            {"note", "n"},
            {"created_usec", qint64{1'600'000'000'000'000}},
            {"last_hit_usec", qint64{1'650'000'000'000'000}},
            {"hit_count", quint64{3}},
            {"source", "/etc/hostgate/rules.d/a.toml"},
        };
        const RuleRecord rule = RuleRecord::fromMap(map);
        QCOMPARE(rule.id, quint64{7});
        QCOMPARE(rule.user, std::optional<uint>{1000});
        QCOMPARE(rule.host, QString("*.example.com"));
        QCOMPARE(rule.ports, QString("80,443"));
        QCOMPARE(rule.action, QString("allow"));
        QCOMPARE(toUsec(*rule.until), qint64{1'700'000'000'000'000});
        QCOMPARE(rule.pid, std::optional<int>{42});
        QCOMPARE(rule.enabled, false);
        QCOMPARE(toUsec(*rule.lastHit), qint64{1'650'000'000'000'000});
        QCOMPARE(rule.hitCount, quint64{3});
        QCOMPARE(rule.source, QString("/etc/hostgate/rules.d/a.toml"));
    }

    void ruleEditableFieldsRoundTrip()
    {
        RuleRecord rule;
        rule.app = "/usr/bin/firefox";
        rule.user = 1000;
        rule.host = "example.org";
        rule.action = "allow";
        rule.lifetime = "until-time";
        rule.until = fromUsec(1'700'000'000'000'000);
        const RuleRecord decoded = RuleRecord::fromMap(rule.editableFields());
        QCOMPARE(decoded.editableFields(), rule.editableFields());
    }

    void ruleWithoutUserLeavesUserOutOfEditableFields()
    {
        RuleRecord rule;
        QVERIFY(!rule.editableFields().contains("user"));
        QVERIFY(!rule.editableFields().contains("until_usec"));
    }

    void mistypedKeysKeepTheirDefaults_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QVariant>("value");
        QTest::newRow("id as string") << "id" << QVariant("7");
        QTest::newRow("user negative") << "user" << QVariant(-1);
        QTest::newRow("host as number") << "host" << QVariant(5);
        QTest::newRow("enabled as string") << "enabled" << QVariant("false");
        QTest::newRow("until as string") << "until_usec" << QVariant("soon");
        QTest::newRow("pid too large") << "pid" << QVariant(quint64{1} << 40);
    }
    void mistypedKeysKeepTheirDefaults()
    {
        QFETCH(QString, key);
        QFETCH(QVariant, value);
        const RuleRecord rule = RuleRecord::fromMap({{key, value}});
        const RuleRecord defaults;
        QCOMPARE(rule.id, defaults.id);
        QCOMPARE(rule.user, defaults.user);
        QCOMPARE(rule.host, defaults.host);
        QCOMPARE(rule.enabled, defaults.enabled);
        QVERIFY(!rule.until.has_value());
        QVERIFY(!rule.pid.has_value());
    }

    void connectionPortOutOfRangeIsIgnored()
    {
        const ConnectionRecord connection = ConnectionRecord::fromMap({{"port", 70000}, {"host", "a.test"}});
        QCOMPARE(connection.port, quint16{0});
        QCOMPARE(connection.host, QString("a.test"));
    }

    void connectionWithoutRuleIdHasNoRule()
    {
        QVERIFY(!ConnectionRecord::fromMap({{"verdict", "denied"}}).ruleId.has_value());
        QCOMPARE(ConnectionRecord::fromMap({{"rule_id", quint64{9}}}).ruleId, std::optional<quint64>{9});
    }

    void statusDecodesStringLists()
    {
        const StatusRecord status = StatusRecord::fromMap({{"missing_features", QStringList{"cgroup-connect"}},
                                                           {"rule_errors", QVariantList{"a:1:2 bad"}},
                                                           {"kernel_features", QVariantList{"x", 3}},
                                                           {"allowed", quint64{12}},
                                                           {"mode", "learning"}});
        QCOMPARE(status.missingFeatures, QStringList{"cgroup-connect"});
        QCOMPARE(status.ruleErrors, QStringList{"a:1:2 bad"});
        QVERIFY(status.kernelFeatures.isEmpty());
        QCOMPARE(status.allowed, quint64{12});
        QCOMPARE(status.mode, QString("learning"));
    }

    void statusDecodesTheProposalCounts()
    {
        const StatusRecord status = StatusRecord::fromMap(
            {{"proposals", 3u}, {"proposals_dropped", qulonglong(7)}, {"proposals_error", "proposals.toml:1:1: bad"}});
        QCOMPARE(status.proposals, 3u);
        QCOMPARE(status.proposalsDropped, quint64{7});
        QCOMPARE(status.proposalsError, QString("proposals.toml:1:1: bad"));
    }

    void proposalDecodesEveryApiKey()
    {
        const ProposalRecord proposal =
            ProposalRecord::fromMap({{"id", qulonglong(4)},
                                     {"app", "/usr/bin/curl"},
                                     {"script", "/home/u/a.py"},
                                     {"user", 1000u},
                                     {"host", "*.example.com"},
                                     {"ports", "80,443"},
                                     {"protocol", "tcp"},
                                     {"examples", QStringList{"a.example.com", "b.example.com"}},
                                     {"connections", qulonglong(9)},
                                     {"first_seen_usec", qlonglong(1764633600000000)},
                                     {"last_seen_usec", qlonglong(1764633660000000)}});
        QCOMPARE(proposal.id, quint64{4});
        QCOMPARE(proposal.app, QString("/usr/bin/curl"));
        QCOMPARE(proposal.script, QString("/home/u/a.py"));
        QCOMPARE(proposal.user, 1000u);
        QCOMPARE(proposal.host, QString("*.example.com"));
        QCOMPARE(proposal.ports, QString("80,443"));
        QCOMPARE(proposal.protocol, QString("tcp"));
        QCOMPARE(proposal.examples, (QStringList{"a.example.com", "b.example.com"}));
        QCOMPARE(proposal.connections, quint64{9});
        QCOMPARE(proposal.firstSeen.toSecsSinceEpoch(), qint64{1764633600});
        QCOMPARE(proposal.lastSeen.toSecsSinceEpoch(), qint64{1764633660});
    }

    void promptRequestDecodesHostnamesAndDeadline()
    {
        const PromptRequestRecord request =
            PromptRequestRecord::fromMap({{"id", quint64{5}},
                                          {"hostnames", QStringList{"xn--e1afmkfd.xn--p1ai"}},
                                          {"port", ushort{443}},
                                          {"deadline_usec", qint64{1'700'000'030'000'000}},
                                          {"default_action", "deny"},
                                          {"domain_pattern", "*.example.com"},
                                          {"unknown_key", 1}});
        QCOMPARE(request.id, quint64{5});
        QCOMPARE(request.hostnames, QStringList{"xn--e1afmkfd.xn--p1ai"});
        QCOMPARE(request.port, quint16{443});
        QCOMPARE(toUsec(request.deadline), qint64{1'700'000'030'000'000});
        QCOMPARE(request.domainPattern, QString("*.example.com"));
    }

    void answerCarriesUntilOnlyForUntilTime()
    {
        PromptAnswerRecord answer;
        answer.until = fromUsec(1'700'000'000'000'000);
        QVERIFY(!answer.toMap().contains("until_usec"));
        answer.lifetime = "until-time";
        QCOMPARE(answer.toMap().value("until_usec").toLongLong(), qint64{1'700'000'000'000'000});
        QCOMPARE(answer.toMap().value("until_usec").typeId(), int(QMetaType::LongLong));
    }

    void callErrorDescribesKnownNamesWithTheDaemonsReason()
    {
        const CallError error{"org.hostgate.Firewall1.Error.NotAuthorized", "changing rules needs an admin"};
        QVERIFY(error.notAuthorized());
        QCOMPARE(error.describe(), QString("Not authorized: changing rules needs an admin"));
        QCOMPARE(CallError{}.describe(), QString());
        QCOMPARE((CallError{"org.example.Odd", ""}).describe(), QString("org.example.Odd"));
    }
};

QTEST_GUILESS_MAIN(RecordsTest)
#include "test_records.moc"
