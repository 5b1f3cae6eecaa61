// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of app ids in rules: which values a rule's app may hold, and which processes they match.
#include "decision/decision_engine.h"
#include "prompt/prompt_answer.h"
#include "rules/app_id.h"
#include "rules/rule_index.h"
#include "rules/rule_validation.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint now = TimePoint{} + std::chrono::hours(480000);

Rule ruleFor(RuleId id, std::string app, Action action = Action::Allow)
{
    Rule rule;
    rule.id = id;
    rule.app = std::move(app);
    rule.host = HostPattern::any();
    rule.action = action;
    return rule;
}

Connection sandboxed(std::string path, std::optional<std::string> appId, bool ownRoot)
{
    Connection connection;
    connection.app.path = std::move(path);
    connection.app.appId = std::move(appId);
    connection.app.ownRoot = ownRoot;
    connection.pid = 10;
    connection.uid = 1000;
    connection.destination = *IpAddress::parse("203.0.113.5");
    connection.port = 443;
    connection.protocol = Protocol::Tcp;
    return connection;
}

RuleId matchedId(const RuleIndex& index, const Connection& connection)
{
    const Rule* rule = index.match(connection, now);
    return rule ? rule->id : 0;
}

} // namespace

class AppIdTest : public QObject {
    Q_OBJECT

private slots:
    void ruleAppValuesAreValidated_data()
    {
        QTest::addColumn<QString>("app");
        QTest::addColumn<QString>("problem"); // "" = valid
        QTest::newRow("path") << "/usr/bin/curl"
                              << "";
        QTest::newRow("flatpak") << "flatpak:org.mozilla.firefox"
                                 << "";
        QTest::newRow("snap") << "snap:firefox"
                              << "";
        QTest::newRow("appimage") << "appimage:Obsidian-1.4.16.AppImage"
                                  << "";
        QTest::newRow("service") << "unit:cups.service"
                                 << "";
        QTest::newRow("template instance") << "unit:getty@tty1.service"
                                           << "";
        QTest::newRow("container scope") << "unit:docker-0123abcd.scope"
                                         << "";
        QTest::newRow("relative path") << "curl"
                                       << "must be an absolute executable path";
        QTest::newRow("unknown kind") << "deb:curl"
                                      << "must be an absolute executable path";
        QTest::newRow("empty flatpak") << "flatpak:"
                                       << "names no flatpak app";
        QTest::newRow("two-part flatpak") << "flatpak:org.firefox"
                                          << "at least three parts";
        QTest::newRow("flatpak part with a digit first") << "flatpak:org.1password.App"
                                                         << "does not start with a digit";
        QTest::newRow("flatpak with a slash") << "flatpak:org.a/b.c"
                                              << "letters, digits";
        QTest::newRow("upper-case snap") << "snap:Firefox"
                                         << "lower-case letters";
        QTest::newRow("appimage with a directory") << "appimage:/home/u/Tool.AppImage"
                                                   << "without a directory";
        QTest::newRow("unit without a type") << "unit:cups"
                                             << ".service or .scope";
        QTest::newRow("timer is no unit that connects") << "unit:apt-daily.timer"
                                                        << ".service or .scope";
        QTest::newRow("space in an id") << "snap:fire fox"
                                        << "no spaces";
    }

    void ruleAppValuesAreValidated()
    {
        QFETCH(QString, app);
        QFETCH(QString, problem);
        Rule rule = ruleFor(1, app.toStdString());
        const auto found = validateRule(rule);
        if (problem.isEmpty()) {
            QVERIFY2(!found, found ? found->reason.c_str() : "");
        } else {
            QVERIFY(found);
            QCOMPARE(QString::fromStdString(found->key), QStringLiteral("app"));
            QVERIFY2(found->reason.find(problem.toStdString()) != std::string::npos, found->reason.c_str());
        }
    }

    void anAppIdRuleMatchesTheAppWhateverItsPath()
    {
        const RuleIndex index({ruleFor(1, "flatpak:org.mozilla.firefox")});
        QCOMPARE(matchedId(index, sandboxed("/app/lib/firefox/firefox", "flatpak:org.mozilla.firefox", true)),
                 RuleId{1});
        QCOMPARE(matchedId(index, sandboxed("/app/lib/firefox/firefox", "flatpak:org.other.App", true)), RuleId{0});
        QCOMPARE(matchedId(index, sandboxed("/usr/lib/firefox/firefox", std::nullopt, false)), RuleId{0});
    }

    void aPathRuleNeverMatchesAProcessWithARootOfItsOwn()
    {
        // Two Flatpaks both run /app/bin/tool; a rule for that path must not open either.
        const RuleIndex index({ruleFor(1, "/app/bin/tool"), ruleFor(2, "flatpak:org.example.One")});
        QCOMPARE(matchedId(index, sandboxed("/app/bin/tool", "flatpak:org.example.Two", true)), RuleId{0});
        QCOMPARE(matchedId(index, sandboxed("/app/bin/tool", "flatpak:org.example.One", true)), RuleId{2});
        // The same path on the host's own root is that executable.
        QCOMPARE(matchedId(index, sandboxed("/app/bin/tool", std::nullopt, false)), RuleId{1});
    }

    void aUnitRuleMatchesTheServicesProcessesAndPathRulesStillApply()
    {
        const RuleIndex index(
            {ruleFor(1, "unit:backup.service", Action::Allow), ruleFor(2, "/usr/bin/curl", Action::Deny)});
        Connection connection = sandboxed("/usr/bin/curl", std::nullopt, false);
        connection.app.unit = "unit:backup.service";
        // Both name the app: at equal precedence deny wins.
        QCOMPARE(matchedId(index, connection), RuleId{2});
        connection.app.path = "/usr/bin/rsync";
        QCOMPARE(matchedId(index, connection), RuleId{1});
        connection.app.unit = "unit:other.service";
        QCOMPARE(matchedId(index, connection), RuleId{0});
    }

    void appIdRulesMakeTheEngineJudgePerProcess()
    {
        DecisionEngine engine;
        Connection plain = sandboxed("/usr/bin/curl", std::nullopt, false);
        QVERIFY(!engine.hasAppIdRules());
        QVERIFY(!engine.judgedPerProcess(plain));
        QVERIFY(engine.judgedPerProcess(sandboxed("/app/bin/tool", std::nullopt, true)));
        engine.setRules({ruleFor(1, "/usr/bin/curl"), ruleFor(2, "snap:firefox")});
        QVERIFY(engine.hasAppIdRules());
        QVERIFY(engine.judgedPerProcess(plain));
        QVERIFY(engine.removeRule(2));
        QVERIFY(!engine.hasAppIdRules());
        engine.addRule(ruleFor(3, "unit:cups.service"));
        QVERIFY(engine.hasAppIdRules());
    }

    void aPromptAnswerNamesTheAppIdOfASandboxedApp()
    {
        PromptAnswer answer;
        answer.action = Action::Allow;
        auto rule = ruleFromAnswer(sandboxed("/app/bin/tool", "flatpak:org.example.One", true), answer, now);
        QVERIFY(rule.ok());
        QCOMPARE(rule->app.value_or(""), std::string("flatpak:org.example.One"));

        rule = ruleFromAnswer(sandboxed("/usr/bin/curl", std::nullopt, false), answer, now);
        QVERIFY(rule.ok());
        QCOMPARE(rule->app.value_or(""), std::string("/usr/bin/curl"));

        Connection container = sandboxed("/usr/bin/curl", std::nullopt, true);
        QVERIFY(!ruleFromAnswer(container, answer, now).ok());
        container.app.unit = "unit:docker-1.scope";
        rule = ruleFromAnswer(container, answer, now);
        QVERIFY(rule.ok());
        QCOMPARE(rule->app.value_or(""), std::string("unit:docker-1.scope"));
    }
};

QTEST_APPLESS_MAIN(AppIdTest)
#include "app_id_test.moc"
