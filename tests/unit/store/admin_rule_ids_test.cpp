// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of admin rule ids: short numbers a person can type, stable while the rule stays as it is.
#include "store/admin_rule_ids.h"
#include "store/rule_store.h"

#include <QtTest>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using namespace hostgate;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), 0644);
}

std::string denyRule(const std::string& host)
{
    return "[[rule]]\nhost = \"" + host + "\"\naction = \"deny\"\n";
}

std::map<std::string, RuleId> idsByHost(const RuleStore& store)
{
    std::map<std::string, RuleId> ids;
    for (const Rule& rule : store.rules())
        ids[rule.host.toString()] = rule.id;
    return ids;
}

} // namespace

class AdminRuleIdsTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    fs::path root() const { return dir_.path().toStdString(); }
    RuleStorePaths paths() const { return {root() / "rules.d", root() / "state" / "rules.toml"}; }

private slots:
    void init()
    {
        fs::remove_all(root() / "rules.d");
        fs::remove_all(root() / "state");
        fs::create_directories(root() / "rules.d");
        fs::create_directories(root() / "state");
        ::chmod((root() / "rules.d").c_str(), 0755);
        ::chmod((root() / "state").c_str(), 0700);
        ::chmod(root().c_str(), 0700);
    }

    void adminRulesGetShortIdsInFileOrder()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("a.test") + denyRule("b.test"));
        writeText(paths().adminDir / "20-lab.toml", denyRule("c.test"));
        RuleStore store(paths());
        QVERIFY(store.load().errors.empty());
        QCOMPARE(idsByHost(store), (std::map<std::string, RuleId>{{"a.test", 1}, {"b.test", 2}, {"c.test", 3}}));
        QCOMPARE(store.nextUserRuleId(), RuleId{4});
    }

    void idsStayAcrossReloadsAndRestartsWhenTheFileDoesNotChange()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("a.test") + denyRule("b.test"));
        RuleStore store(paths());
        store.load();
        const auto first = idsByHost(store);
        store.load();
        QCOMPARE(idsByHost(store), first);
        RuleStore restarted(paths());
        restarted.load();
        QCOMPARE(idsByHost(restarted), first);
    }

    void aRuleKeepsItsIdWhenOthersAreAddedOrRemovedAroundIt()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("a.test") + denyRule("b.test"));
        RuleStore store(paths());
        store.load();
        const RuleId b = idsByHost(store).at("b.test");
        writeText(paths().adminDir / "10-corp.toml", denyRule("new.test") + denyRule("b.test"));
        store.load();
        const auto after = idsByHost(store);
        QCOMPARE(after.at("b.test"), b);
        // A new number, never the removed rule's.
        QCOMPARE(after.at("new.test"), RuleId{3});
        RuleStore restarted(paths());
        restarted.load();
        QCOMPARE(idsByHost(restarted), after);
    }

    void identicalRulesInOneFileGetDistinctIds()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("a.test") + denyRule("a.test"));
        RuleStore store(paths());
        store.load();
        const auto rules = store.rules();
        QCOMPARE(rules.size(), std::size_t{2});
        QVERIFY(rules[0].id != rules[1].id);
    }

    void adminIdsNeverTakeAUserRuleId()
    {
        writeText(paths().userFile, "version = 1\n[[rule]]\nid = 1\nhost = \"u.test\"\naction = \"allow\"\n");
        ::chmod(paths().userFile.c_str(), 0600);
        writeText(paths().adminDir / "10-corp.toml", denyRule("a.test"));
        RuleStore store(paths());
        QVERIFY(store.load().errors.empty());
        const auto ids = idsByHost(store);
        QCOMPARE(ids.at("u.test"), RuleId{1});
        QCOMPARE(ids.at("a.test"), RuleId{2});
        QCOMPARE(store.nextUserRuleId(), RuleId{3});
    }

    void adminRulesWereCreatedWhenTheirFileWasWritten()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("a.test"));
        const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
        RuleStore store(paths());
        store.load();
        const Rule rule = store.rules().at(0);
        QVERIFY(rule.created > before);
        QVERIFY(rule.created <= std::chrono::system_clock::now());
    }

    void aDamagedTableIsReportedAndTheRulesStillGetIds()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("a.test"));
        writeText(root() / "state" / "admin-rule-ids", "garbage\n");
        ::chmod((root() / "state" / "admin-rule-ids").c_str(), 0600);
        RuleStore store(paths());
        const auto report = store.load();
        QVERIFY(report.adminIdNotice);
        QVERIFY(report.adminIdNotice->find("admin-rule-ids:1") != std::string::npos);
        QCOMPARE(store.rules().at(0).id, RuleId{1});
    }

    void tableTextReadsBackEqual()
    {
        AdminRuleIds::Table table;
        table.next = 9;
        table.ids = {{"0123456789abcdef 1 10-corp file.toml", 4}, {"fedcba9876543210 2 20-x.toml", 8}};
        const auto decoded = AdminRuleIds::decode(AdminRuleIds::encode(table), "t");
        QVERIFY(decoded);
        QCOMPARE(decoded->next, RuleId{9});
        QCOMPARE(decoded->ids, table.ids);
        // An id at or above "next" would be given out again: refused.
        QVERIFY(!AdminRuleIds::decode("hostgate-admin-rule-ids 1\nnext 3\n3 0123456789abcdef 1 a.toml\n", "t"));
    }
};

QTEST_GUILESS_MAIN(AdminRuleIdsTest)
#include "admin_rule_ids_test.moc"
