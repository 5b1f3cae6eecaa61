// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's argument parsing: which call each command line becomes, and which are usage errors.
#include "command_line.h"

#include <QTest>

using namespace hostgate::ctl;

namespace {

std::vector<std::string> words(const QString& line)
{
    std::vector<std::string> result;
    for (const QString& word : line.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        result.push_back(word.toStdString());
    }
    return result;
}

Command parsed(const QString& line)
{
    const ParseOutcome outcome = parseArguments(words(line));
    if (!outcome.command) {
        qFatal("unexpected parse failure for '%s': %s", qPrintable(line), outcome.text.c_str());
    }
    return *outcome.command;
}

} // namespace

Q_DECLARE_METATYPE(hostgate::ctl::Verb)

class CommandLineTest : public QObject {
    Q_OBJECT

private slots:
    void eachCommandSelectsItsCall_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<Verb>("verb");
        QTest::newRow("status") << "status" << Verb::Status;
        QTest::newRow("mode") << "mode" << Verb::GetMode;
        QTest::newRow("mode set") << "mode learning" << Verb::SetMode;
        QTest::newRow("rules list") << "rules list" << Verb::ListRules;
        QTest::newRow("rules show") << "rules show 4" << Verb::ShowRule;
        QTest::newRow("rules add") << "rules add --action deny" << Verb::AddRule;
        QTest::newRow("rules update") << "rules update 4 --note x" << Verb::UpdateRule;
        QTest::newRow("rules remove") << "rules remove 4" << Verb::RemoveRule;
        QTest::newRow("rules enable") << "rules enable 4" << Verb::EnableRule;
        QTest::newRow("rules disable") << "rules disable 4" << Verb::DisableRule;
        QTest::newRow("rules export") << "rules export" << Verb::ExportRules;
        QTest::newRow("rules import") << "rules import -" << Verb::ImportRules;
        QTest::newRow("connections") << "connections" << Verb::Connections;
        QTest::newRow("apps") << "apps" << Verb::Apps;
        QTest::newRow("metrics") << "metrics" << Verb::Metrics;
        QTest::newRow("proposals list") << "proposals list" << Verb::ListProposals;
        QTest::newRow("proposals accept") << "proposals accept 3" << Verb::AcceptProposal;
        QTest::newRow("proposals accept all") << "proposals accept --all" << Verb::AcceptProposals;
        QTest::newRow("proposals reject") << "proposals reject 3" << Verb::RejectProposal;
        QTest::newRow("proposals reject all") << "proposals reject --all --app /usr/bin/curl" << Verb::RejectProposals;
        QTest::newRow("proposals export") << "proposals export" << Verb::ExportProposals;
        QTest::newRow("audit") << "audit --since 2h" << Verb::Audit;
        QTest::newRow("lists") << "lists" << Verb::ListLists;
        QTest::newRow("lists refresh") << "lists refresh" << Verb::RefreshLists;
        QTest::newRow("lists refresh one") << "lists refresh ads" << Verb::RefreshLists;
        QTest::newRow("lists enable") << "lists enable ads" << Verb::EnableList;
        QTest::newRow("lists disable") << "lists disable ads" << Verb::DisableList;
        QTest::newRow("run") << "run -- curl http://a.test/" << Verb::Run;
        QTest::newRow("attach") << "attach --unit cups.service --deny *" << Verb::Attach;
        QTest::newRow("detach") << "detach 3" << Verb::Detach;
        QTest::newRow("scopes") << "scopes" << Verb::Scopes;
    }

    void listCommandsCarryTheListName()
    {
        QCOMPARE(parsed(QStringLiteral("lists refresh")).listName, std::string());
        QCOMPARE(parsed(QStringLiteral("lists refresh ads")).listName, std::string("ads"));
        QCOMPARE(parsed(QStringLiteral("lists disable ads")).listName, std::string("ads"));
    }

    void runCarriesItsPolicyAndTheWholeCommand()
    {
        const Command command = parsed(QStringLiteral("run --allow a.test --allow *.b.test --deny 203.0.113.0/24 "
                                                      "--default ask --log d.jsonl -- curl -sS --max-time 3 x"));
        QCOMPARE(command.scope.allow, (std::vector<std::string>{"a.test", "*.b.test"}));
        QCOMPARE(command.scope.deny, std::vector<std::string>{"203.0.113.0/24"});
        QCOMPARE(command.scope.defaultAction, std::string("ask"));
        QCOMPARE(command.scope.log, std::string("d.jsonl"));
        QCOMPARE(command.scope.command, (std::vector<std::string>{"curl", "-sS", "--max-time", "3", "x"}));
    }

    void runDeniesByDefault()
    {
        QCOMPARE(parsed(QStringLiteral("run -- true")).scope.defaultAction, std::string("deny"));
    }

    void eachCommandSelectsItsCall()
    {
        QFETCH(QString, line);
        QFETCH(Verb, verb);
        QCOMPARE(parsed(line).verb, verb);
    }

    void jsonFlagWorksBeforeAndAfterTheCommand()
    {
        QVERIFY(parsed(QStringLiteral("--json status")).json);
        QVERIFY(parsed(QStringLiteral("rules list --json")).json);
        QVERIFY(!parsed(QStringLiteral("rules list")).json);
    }

    void setModeCarriesTheModeName()
    {
        QCOMPARE(parsed(QStringLiteral("mode silent-deny")).mode, std::string("silent-deny"));
    }

    void ruleIdIsParsedAsNumber()
    {
        QCOMPARE(parsed(QStringLiteral("rules remove 18446744073709551615")).ruleId, UINT64_MAX);
    }

    void addRuleKeepsExactlyTheGivenOptions()
    {
        const Command command =
            parsed(QStringLiteral("rules add --action allow --app /usr/bin/curl --host *.example.org --ports 80,443 "
                                  "--protocol tcp --note hi --disabled"));
        RuleOptions expected;
        expected.action = "allow";
        expected.app = "/usr/bin/curl";
        expected.host = "*.example.org";
        expected.ports = "80,443";
        expected.protocol = "tcp";
        expected.note = "hi";
        expected.disabled = true;
        QVERIFY(command.rule == expected);
    }

    void anAppIdIsPassedOnAsTheApp()
    {
        const Command command =
            parsed(QStringLiteral("rules add --action allow --app flatpak:org.mozilla.firefox --host *"));
        QCOMPARE(command.rule.app.value_or(""), std::string("flatpak:org.mozilla.firefox"));
    }

    void emptyAppMeansAnyApplicationAndIsKept()
    {
        const Command command = *parseArguments({"rules", "add", "--action", "deny", "--app", ""}).command;
        QVERIFY(command.rule.app.has_value());
        QCOMPARE(*command.rule.app, std::string());
    }

    void updateRuleCarriesIdAndOnlyChangedFields()
    {
        const Command command = parsed(QStringLiteral("rules update 7 --host a.test --until +2h"));
        QCOMPARE(command.ruleId, std::uint64_t{7});
        QCOMPARE(*command.rule.host, std::string("a.test"));
        QCOMPARE(*command.rule.until, std::string("+2h"));
        QVERIFY(!command.rule.action && !command.rule.app && !command.rule.lifetime);
    }

    void connectionsOptionsAreParsed()
    {
        const Command command = parsed(
            QStringLiteral("connections --limit 5 --app curl --host Example --verdict denied --since 15m --follow"));
        const ConnectionQuery expected{5, "curl", "Example", "denied", "15m", true};
        QVERIFY(command.connections == expected);
    }

    void importReadsFileAndReplaceFlag()
    {
        const Command command = parsed(QStringLiteral("rules import rules.toml --replace"));
        QCOMPARE(command.file, std::string("rules.toml"));
        QVERIFY(command.replace);
    }

    void metricsTextfileAndIntervalAreParsed()
    {
        const Command command =
            parsed(QStringLiteral("metrics --textfile /var/lib/prometheus/node-exporter/hostgate.prom --interval 15"));
        QCOMPARE(command.metricsTextfile, std::string("/var/lib/prometheus/node-exporter/hostgate.prom"));
        QCOMPARE(command.metricsInterval, std::uint32_t{15});
        QCOMPARE(parsed(QStringLiteral("metrics")).metricsInterval, std::uint32_t{0});
    }

    void listRulesFiltersByApp()
    {
        QCOMPARE(parsed(QStringLiteral("rules list --app /usr/bin/wget")).appFilter, std::string("/usr/bin/wget"));
    }

    void malformedCommandLinesAreUsageErrors_data()
    {
        QTest::addColumn<QString>("line");
        QTest::newRow("nothing") << "";
        QTest::newRow("unknown command") << "frobnicate";
        QTest::newRow("rules without subcommand") << "rules";
        QTest::newRow("add without action") << "rules add --host a.test";
        QTest::newRow("unknown action") << "rules add --action maybe";
        QTest::newRow("unknown protocol") << "rules add --action allow --protocol icmp";
        QTest::newRow("unsupported lifetime") << "rules add --action allow --lifetime once";
        QTest::newRow("id not a number") << "rules show twelve";
        QTest::newRow("missing id") << "rules remove";
        QTest::newRow("update without changes") << "rules update 3";
        QTest::newRow("import without file") << "rules import";
        QTest::newRow("unknown verdict") << "connections --verdict maybe";
        QTest::newRow("unknown option") << "status --verbose";
        QTest::newRow("metrics interval without textfile") << "metrics --interval 15";
        QTest::newRow("metrics interval zero") << "metrics --textfile m.prom --interval 0";
        QTest::newRow("proposals without subcommand") << "proposals";
        QTest::newRow("accept without id or all") << "proposals accept";
        QTest::newRow("accept with id and all") << "proposals accept 3 --all";
        QTest::newRow("accept all with edits") << "proposals accept --all --ports 443";
        QTest::newRow("accept id with app") << "proposals accept 3 --app /usr/bin/curl";
        QTest::newRow("reject without id or all") << "proposals reject";
        QTest::newRow("audit without since") << "audit";
        QTest::newRow("accept unknown action") << "proposals accept 3 --action maybe";
        QTest::newRow("run without command") << "run --allow a.test";
        QTest::newRow("run with unknown default") << "run --default maybe -- true";
        QTest::newRow("attach without target") << "attach --allow a.test";
        QTest::newRow("attach with two targets") << "attach --unit a.service --cgroup /a";
        QTest::newRow("detach without id") << "detach";
    }

    void acceptCarriesTheProposalAndOnlyTheGivenEdits()
    {
        const Command command = parsed(QStringLiteral("proposals accept 7 --ports 443 --note reviewed"));
        QCOMPARE(command.proposalId, std::uint64_t{7});
        RuleOptions expected;
        expected.ports = "443";
        expected.note = "reviewed";
        QVERIFY(command.proposalEdits == expected);
        QVERIFY(!command.proposalApp);
    }

    void proposalAppSelectsOneApplicationAndEmptyMeansUnknown()
    {
        QCOMPARE(parsed(QStringLiteral("proposals reject --all --app /usr/bin/wget")).proposalApp,
                 std::optional<std::string>("/usr/bin/wget"));
        QCOMPARE(parsed(QStringLiteral("proposals list")).proposalApp, std::optional<std::string>());
        const ParseOutcome empty = parseArguments({"proposals", "export", "--app", ""});
        QVERIFY(empty.command);
        QCOMPARE(empty.command->proposalApp, std::optional<std::string>(""));
    }

    void auditCarriesSinceAndFile()
    {
        const Command command = parsed(QStringLiteral("audit --since 90m out.toml"));
        QCOMPARE(command.since, std::string("90m"));
        QCOMPARE(command.file, std::string("out.toml"));
    }

    void malformedCommandLinesAreUsageErrors()
    {
        QFETCH(QString, line);
        const ParseOutcome outcome = parseArguments(words(line));
        QVERIFY(!outcome.command);
        QCOMPARE(outcome.status, ExitStatus::Usage);
        QVERIFY2(outcome.text.rfind("hostgatectl: usage error: ", 0) == 0, outcome.text.c_str());
        QVERIFY2(outcome.text.find('\n') == std::string::npos, outcome.text.c_str());
    }

    void helpIsPrintedWithTheExitStatusesAndSucceeds()
    {
        const ParseOutcome outcome = parseArguments({"--help"});
        QVERIFY(!outcome.command);
        QCOMPARE(outcome.status, ExitStatus::Ok);
        QVERIFY(outcome.text.find("3 not authorized") != std::string::npos);
        QVERIFY(outcome.text.find("connections") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(CommandLineTest)
#include "command_line_test.moc"
