// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the rule store: admin before user, last good rules on corruption, safe user saves.
#include "rules/rule_validation.h"
#include "store/rule_file.h"
#include "store/rule_store.h"

#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace hostgate;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::trunc) << text;
}

std::string denyRule(const std::string& host, int id = 0)
{
    std::string idLine = id ? "id = " + std::to_string(id) + "\n" : "";
    return "[[rule]]\n" + idLine + "host = \"" + host + "\"\naction = \"deny\"\n";
}

Rule userRule(RuleId id, const std::string& host)
{
    Rule rule;
    rule.id = id;
    rule.host = *HostPattern::parse(host);
    rule.action = Action::Allow;
    return rule;
}

std::vector<std::string> hostsOf(const std::vector<Rule>& rules)
{
    std::vector<std::string> hosts;
    for (const Rule& rule : rules)
        hosts.push_back(rule.host.toString());
    return hosts;
}

using Hosts = std::vector<std::string>;

} // namespace

class RuleStoreTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    fs::path root() const { return dir_.path().toStdString(); }
    RuleStorePaths paths() const { return {root() / "rules.d", root() / "state" / "rules.toml"}; }

private slots:
    void init()
    {
        for (const auto& entry : fs::directory_iterator(root()))
            fs::remove_all(entry.path());
    }

    void missingAdminDirectoryAndUserFileMeanNoRulesAndNoErrors()
    {
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(report.adminRules, std::size_t{0});
        QCOMPARE(report.userRules, std::size_t{0});
        QVERIFY(store.rules().empty());
        QCOMPARE(store.nextUserRuleId(), RuleId{1});
    }

    void adminRulesComeFirstInFileNameOrderThenUserRules()
    {
        writeText(paths().adminDir / "20-lab.toml", denyRule("lab.example"));
        writeText(paths().adminDir / "10-corp.toml", denyRule("corp.example") + denyRule("corp2.example"));
        writeText(paths().adminDir / "README", "not a rule file");
        writeText(paths().adminDir / ".10-corp.toml.tmp-abc123", "half written");
        writeText(paths().userFile, denyRule("user.example", 4));
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(report.adminRules, std::size_t{3});
        QCOMPARE(report.userRules, std::size_t{1});
        QCOMPARE(hostsOf(store.rules()), (Hosts{"corp.example", "corp2.example", "lab.example", "user.example"}));
        QCOMPARE(store.rules()[0].origin, RuleOrigin::Admin);
        QCOMPARE(store.rules()[0].source, (paths().adminDir / "10-corp.toml").string());
        QCOMPARE(store.rules()[3].origin, RuleOrigin::User);
    }

    void corruptAdminFileKeepsItsLastGoodRules()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("corp.example"));
        writeText(paths().adminDir / "20-lab.toml", denyRule("lab.example"));
        RuleStore store(paths());
        QVERIFY(store.load().errors.empty());

        writeText(paths().adminDir / "10-corp.toml", "[[rule]]\naction = \"deny\"\nhost = \"new.example\"\noops\n");
        writeText(paths().adminDir / "20-lab.toml", denyRule("lab2.example"));
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        QVERIFY2(report.errors[0].describe().find((paths().adminDir / "10-corp.toml").string() + ":4:") == 0,
                 report.errors[0].describe().c_str());
        QCOMPARE(hostsOf(store.rules()), (Hosts{"corp.example", "lab2.example"}));
    }

    void corruptFileThatNeverLoadedContributesNothing()
    {
        writeText(paths().adminDir / "10-corp.toml", "[[rule]]\naction = \"maybe\"\n");
        writeText(paths().adminDir / "20-lab.toml", denyRule("lab.example"));
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        QCOMPARE(report.errors[0].where, (paths().adminDir / "10-corp.toml").string() + ":2:10");
        QCOMPARE(hostsOf(store.rules()), Hosts{"lab.example"});
    }

    void deletedAdminFileDropsItsRules()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("corp.example"));
        RuleStore store(paths());
        QVERIFY(store.load().errors.empty());
        fs::remove(paths().adminDir / "10-corp.toml");
        QVERIFY(store.load().errors.empty());
        QVERIFY(store.rules().empty());
    }

    void corruptUserFileKeepsLastGoodUserRules()
    {
        writeText(paths().userFile, denyRule("user.example", 1));
        RuleStore store(paths());
        QVERIFY(store.load().errors.empty());

        writeText(paths().userFile, denyRule("user.example", 1) + denyRule("other.example", 1));
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        QCOMPARE(report.errors[0].where, paths().userFile.string() + ":6:6");
        QVERIFY(report.errors[0].message.find("duplicate rule id 1") != std::string::npos);
        QCOMPARE(report.userRules, std::size_t{1});
        QCOMPARE(hostsOf(store.rules()), Hosts{"user.example"});
    }

    void savedUserRulesAreWrittenPrivatelyAndReloadEqual()
    {
        RuleStore store(paths());
        store.load();
        std::vector<Rule> rules{userRule(3, "a.example"), userRule(9, "*.b.example")};
        Result<void> saved = store.saveUserRules(rules);
        QVERIFY2(saved.ok(), saved.ok() ? "" : saved.error().describe().c_str());
        QCOMPARE(store.rules(), rules);
        QCOMPARE(store.nextUserRuleId(), RuleId{10});

        struct stat info {};
        QCOMPARE(::stat(paths().userFile.c_str(), &info), 0);
        QCOMPARE(info.st_mode & 07777, unsigned(RuleStore::userFileMode));

        RuleStore reloaded(paths());
        QVERIFY(reloaded.load().errors.empty());
        QCOMPARE(reloaded.rules(), rules);
    }

    void savingUserRulesKeepsAdminRulesFirst()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("corp.example"));
        RuleStore store(paths());
        store.load();
        QVERIFY(store.saveUserRules({userRule(1, "a.example")}).ok());
        QCOMPARE(hostsOf(store.rules()), (Hosts{"corp.example", "a.example"}));
        const auto all = store.rules();
        QCOMPARE(
            std::count_if(all.begin(), all.end(), [](const Rule& rule) { return rule.origin == RuleOrigin::User; }), 1);
    }

    void saveRefusesAdminRules()
    {
        writeText(paths().adminDir / "10-corp.toml", denyRule("corp.example"));
        RuleStore store(paths());
        store.load();
        Rule admin = store.rules().front();
        Result<void> saved = store.saveUserRules({userRule(1, "a.example"), admin});
        QVERIFY(!saved.ok());
        QVERIFY2(saved.error().message.find("read-only") != std::string::npos, saved.error().message.c_str());
        QVERIFY(!fs::exists(paths().userFile));
        QCOMPARE(hostsOf(store.rules()), Hosts{"corp.example"});
    }

    void saveRefusesDuplicateAndOutOfRangeIds_data()
    {
        QTest::addColumn<RuleId>("firstId");
        QTest::addColumn<RuleId>("secondId");
        QTest::newRow("duplicate") << RuleId{4} << RuleId{4};
        QTest::newRow("zero") << RuleId{0} << RuleId{4};
        QTest::newRow("admin range") << firstAdminRuleId << RuleId{4};
    }
    void saveRefusesDuplicateAndOutOfRangeIds()
    {
        QFETCH(RuleId, firstId);
        QFETCH(RuleId, secondId);
        RuleStore store(paths());
        store.load();
        QVERIFY(store.saveUserRules({userRule(1, "kept.example")}).ok());
        QVERIFY(!store.saveUserRules({userRule(firstId, "a.example"), userRule(secondId, "b.example")}).ok());
        QCOMPARE(hostsOf(store.rules()), Hosts{"kept.example"});
        RuleStore reloaded(paths());
        reloaded.load();
        QCOMPARE(hostsOf(reloaded.rules()), Hosts{"kept.example"});
    }

    void saveRefusesTextThatCannotBeStoredAsToml()
    {
        RuleStore store(paths());
        store.load();
        Rule rule = userRule(1, "a.example");
        rule.app = std::string("/opt/b\xFF"
                               "d/app"); // a valid Linux path, but not UTF-8
        QVERIFY(!store.saveUserRules({rule}).ok());
        QVERIFY(!fs::exists(paths().userFile));
    }

    void failedSaveKeepsRulesInForce()
    {
        RuleStore store(paths());
        store.load();
        QVERIFY(store.saveUserRules({userRule(1, "kept.example")}).ok());
        fs::remove(paths().userFile);
        fs::create_directory(paths().userFile); // the rename over it must now fail
        QVERIFY(!store.saveUserRules({userRule(1, "a.example")}).ok());
        QCOMPARE(hostsOf(store.rules()), Hosts{"kept.example"});
        QCOMPARE(store.nextUserRuleId(), RuleId{2});
    }

    void adminFileWritableByOthersIsNotLoadedAndTheErrorNamesTheFix()
    {
        const fs::path file = paths().adminDir / "10-x.toml";
        writeText(file, denyRule("x.example"));
        QCOMPARE(::chmod(file.c_str(), 0666), 0);
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        const std::string error = report.errors.front().describe();
        QVERIFY2(error.find("chmod go-w " + file.string()) != std::string::npos, error.c_str());
        QVERIFY(store.rules().empty());
    }

    void adminFileOwnedByAnotherUserIsNotLoaded()
    {
        const fs::path file = paths().adminDir / "10-x.toml";
        writeText(file, denyRule("x.example"));
        QCOMPARE(::chown(file.c_str(), 65534, 65534), 0);
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        const std::string error = report.errors.front().describe();
        QVERIFY2(error.find("chown root " + file.string()) != std::string::npos, error.c_str());
        QVERIFY(store.rules().empty());
    }

    void adminFileThatBecomesUntrustedKeepsItsLastGoodRules()
    {
        const fs::path file = paths().adminDir / "10-x.toml";
        writeText(file, denyRule("x.example"));
        RuleStore store(paths());
        QVERIFY(store.load().errors.empty());
        writeText(file, denyRule("x.example") + denyRule("planted.example"));
        QCOMPARE(::chmod(file.c_str(), 0646), 0);
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        QCOMPARE(hostsOf(store.rules()), (Hosts{"x.example"}));
    }

    void adminDirectoryWritableByGroupLoadsNoneOfItsFiles()
    {
        writeText(paths().adminDir / "10-x.toml", denyRule("x.example"));
        QCOMPARE(::chmod(paths().adminDir.c_str(), 0775), 0);
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        const std::string error = report.errors.front().describe();
        QVERIFY2(error.find("chmod go-w " + paths().adminDir.string()) != std::string::npos, error.c_str());
        QVERIFY(store.rules().empty());
    }

    void symlinkedAdminFileIsJudgedByWhatItPointsToAndNamedByTheLink()
    {
        const fs::path target = root() / "elsewhere" / "shared.toml";
        writeText(target, denyRule("x.example"));
        fs::create_directories(paths().adminDir);
        fs::create_symlink(target, paths().adminDir / "10-link.toml");
        RuleStore store(paths());
        QVERIFY(store.load().errors.empty());
        QCOMPARE(hostsOf(store.rules()), (Hosts{"x.example"}));

        QCOMPARE(::chmod(target.c_str(), 0666), 0);
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        const std::string error = report.errors.front().describe();
        QVERIFY2(error.find((paths().adminDir / "10-link.toml").string()) != std::string::npos, error.c_str());
        QVERIFY2(error.find("shared.toml") == std::string::npos, error.c_str()); // the target is not revealed
    }

    void userFileWritableByOthersIsRefusedAndItsLastGoodRulesStay()
    {
        RuleStore store(paths());
        QVERIFY(store.saveUserRules({userRule(1, "a.example")}).ok());
        QVERIFY(store.load().errors.empty());
        writeText(paths().userFile, denyRule("a.example", 1) + denyRule("planted.example", 2));
        QCOMPARE(::chmod(paths().userFile.c_str(), 0666), 0);
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        const std::string error = report.errors.front().describe();
        QVERIFY2(error.find("chmod go-w " + paths().userFile.string()) != std::string::npos, error.c_str());
        QCOMPARE(hostsOf(store.rules()), (Hosts{"a.example"}));
    }

    void userFileInADirectoryOwnedByAnotherUserIsRefusedAndNotWritten()
    {
        writeText(paths().userFile, denyRule("a.example", 1));
        QCOMPARE(::chown(paths().userFile.parent_path().c_str(), 65534, 65534), 0);
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        const std::string error = report.errors.front().describe();
        QVERIFY2(error.find("chown root " + paths().userFile.parent_path().string()) != std::string::npos,
                 error.c_str());
        QVERIFY(store.rules().empty());
        QVERIFY(!store.saveUserRules({userRule(1, "b.example")}).ok());
    }

    void ruleFileOverTheSizeLimitIsRefusedUnread()
    {
        const fs::path file = paths().adminDir / "10-huge.toml";
        writeText(file, denyRule("x.example"));
        fs::resize_file(file, maxRuleTextBytes + 1);
        RuleStore store(paths());
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        const std::string error = report.errors.front().describe();
        QVERIFY2(error.find("larger than the limit") != std::string::npos, error.c_str());
        QVERIFY(store.rules().empty());
    }

    void savingCreatesAPrivateStateDirectoryAndNeverLoosensAnExistingOne()
    {
        RuleStore store(paths());
        QVERIFY(store.saveUserRules({userRule(1, "a.example")}).ok());
        struct stat status {};
        QCOMPARE(::stat(paths().userFile.parent_path().c_str(), &status), 0);
        QCOMPARE(status.st_mode & 07777, 0700u);
        QCOMPARE(::chmod(paths().userFile.parent_path().c_str(), 0750), 0);
        QVERIFY(store.saveUserRules({userRule(1, "b.example")}).ok());
        QCOMPARE(::stat(paths().userFile.parent_path().c_str(), &status), 0);
        QCOMPARE(status.st_mode & 07777, 0750u);
    }

    void baseRulesLoadBelowAdminRulesAndAnAdminFileOfTheSameNameReplacesThem()
    {
        RuleStorePaths withBase = paths();
        withBase.baseDir = root() / "base.d";
        withBase.hostSourcesRoot = root() / "system";
        writeText(withBase.baseDir / "50-apt.toml", denyRule("base-apt.example"));
        writeText(withBase.baseDir / "50-ntp.toml", denyRule("base-ntp.example"));
        writeText(withBase.baseDir / "50-nm.toml", denyRule("base-nm.example"));
        writeText(withBase.adminDir / "10-corp.toml", denyRule("corp.example"));
        RuleStore store(withBase);
        RuleStore::LoadReport report = store.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(hostsOf(store.rules()),
                 (Hosts{"corp.example", "base-apt.example", "base-nm.example", "base-ntp.example"}));
        QCOMPARE(store.rules()[0].origin, RuleOrigin::Admin);
        QCOMPARE(store.rules()[1].origin, RuleOrigin::Base);
        QCOMPARE(store.rules()[1].source, (withBase.baseDir / "50-apt.toml").string());

        // Same name in the admin directory: its rules instead; empty: none; a symlink to /dev/null: none.
        writeText(withBase.adminDir / "50-apt.toml", denyRule("admin-apt.example"));
        writeText(withBase.adminDir / "50-ntp.toml", "");
        fs::create_symlink("/dev/null", withBase.adminDir / "50-nm.toml");
        report = store.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(hostsOf(store.rules()), (Hosts{"corp.example", "admin-apt.example"}));
        QCOMPARE(store.rules()[1].origin, RuleOrigin::Admin);

        fs::remove(withBase.adminDir / "50-apt.toml");
        fs::remove(withBase.adminDir / "50-ntp.toml");
        fs::remove(withBase.adminDir / "50-nm.toml");
        report = store.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(hostsOf(store.rules()).size(), std::size_t{4});
    }

    void baseDirectoryOthersCanWriteIsNotObeyed()
    {
        RuleStorePaths withBase = paths();
        withBase.baseDir = root() / "base.d";
        writeText(withBase.baseDir / "50-apt.toml", denyRule("base-apt.example"));
        fs::permissions(withBase.baseDir, fs::perms::others_write, fs::perm_options::add);
        RuleStore store(withBase);
        RuleStore::LoadReport report = store.load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        QVERIFY(store.rules().empty());
    }

    void hostsFromMakesOneRulePerConfiguredHostWithIdsThatDoNotMoveTheOthers()
    {
        RuleStorePaths withBase = paths();
        withBase.baseDir = root() / "base.d";
        withBase.hostSourcesRoot = root() / "system";
        writeText(withBase.hostSourcesRoot / "etc/apt/sources.list",
                  "deb http://deb.debian.org/debian bookworm main\n"
                  "deb https://mirror.example/debian bookworm main\n");
        const std::string text = "[[rule]]\napp = \"/usr/lib/apt/methods/http\"\nhosts_from = \"apt-sources\"\n"
                                 "ports = \"80,443\"\naction = \"allow\"\n\n" +
                                 denyRule("after.example");
        writeText(withBase.baseDir / "50-apt.toml", text);
        RuleStore store(withBase);
        RuleStore::LoadReport report = store.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(hostsOf(store.rules()), (Hosts{"deb.debian.org", "mirror.example", "after.example"}));
        QCOMPARE(store.rules()[0].app, std::optional<std::string>("/usr/lib/apt/methods/http"));
        QCOMPARE(store.rules()[1].ports.toString(), std::string("80,443"));
        const RuleId afterId = store.rules()[2].id;

        // The admin adds a mirror: one more rule, and the others keep their ids.
        writeText(withBase.hostSourcesRoot / "etc/apt/sources.list.d/extra.sources",
                  "Types: deb\nURIs: https://extra.example/d\n");
        report = store.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(hostsOf(store.rules()), (Hosts{"deb.debian.org", "extra.example", "mirror.example", "after.example"}));
        QCOMPARE(store.rules()[3].id, afterId);
    }
};

QTEST_GUILESS_MAIN(RuleStoreTest)
#include "rule_store_test.moc"
