// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the rule lifecycle: one id sequence, saved before enforced, a broken user file never
// written over (known from the load report), in-memory rules kept across reloads and ended by their process.
#include "hostgated/rule_lifecycle.h"

#include "../service/loop_helpers.h"
#include "bus/firewall_control.h"
#include "store/rule_file.h"

#include <QtTest>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace hostgate;
namespace fs = std::filesystem;

namespace {

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), 0600);
}

Rule allowRule(const std::string& host, Lifetime lifetime = Lifetime::permanent())
{
    Rule rule;
    rule.host = *HostPattern::parse(host);
    rule.action = Action::Allow;
    rule.lifetime = lifetime;
    return rule;
}

const Rule* findHost(const DecisionEngine& engine, const std::string& host, std::vector<Rule>& storage)
{
    storage = engine.rules();
    for (const Rule& rule : storage)
        if (rule.host.toString() == host)
            return &rule;
    return nullptr;
}

} // namespace

class RuleLifecycleTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::optional<EventLoop> loop_;
    Logger log_{LogLevel::Error, -1};
    DecisionEngine engine_;
    int enforced_ = 0;
    int announced_ = 0;

    fs::path root() const { return dir_.path().toStdString(); }
    RuleStorePaths paths() const { return {root() / "rules.d", root() / "state" / "rules.toml"}; }
    std::unique_ptr<RuleLifecycle> lifecycle()
    {
        return std::make_unique<RuleLifecycle>(paths(), engine_, *loop_, log_,
                                               RuleLifecycle::Hooks{[this] { ++enforced_; }, [this] { ++announced_; }});
    }

private slots:
    void init()
    {
        fs::remove_all(root() / "rules.d");
        fs::remove_all(root() / "state");
        fs::create_directories(root() / "state");
        ::chmod((root() / "state").c_str(), 0700);
        ::chmod(root().c_str(), 0700);
        engine_ = DecisionEngine();
        auto loop = EventLoop::create();
        QVERIFY(loop);
        loop_.reset();
        loop_.emplace(std::move(loop).value());
        enforced_ = 0;
        announced_ = 0;
    }

    void loadPutsTheStoredRulesInForce()
    {
        writeText(paths().userFile, "[[rule]]\nid = 7\nhost = \"a.example\"\naction = \"allow\"\n");
        auto rules = lifecycle();
        const auto report = rules->load();
        QCOMPARE(report.userRules, std::size_t{1});
        QCOMPARE(engine_.ruleCount(), std::size_t{1});
        QVERIFY(!rules->userFileBroken());
        QVERIFY(rules->loadErrors().empty());
        QCOMPARE(enforced_, 1);
        QCOMPARE(announced_, 0); // a first load is nobody's news
    }

    void reloadAnnouncesTheChange()
    {
        auto rules = lifecycle();
        rules->load();
        writeText(paths().userFile, "[[rule]]\nid = 7\nhost = \"a.example\"\naction = \"allow\"\n");
        rules->reload();
        QCOMPARE(engine_.ruleCount(), std::size_t{1});
        QCOMPARE(announced_, 1);
    }

    void addedRulesGetIdsAboveEveryRuleInForce()
    {
        writeText(paths().userFile, "[[rule]]\nid = 41\nhost = \"a.example\"\naction = \"allow\"\n");
        auto rules = lifecycle();
        rules->load();
        const auto first = rules->add(allowRule("b.example"));
        QVERIFY2(first, first ? "" : first.error().describe().c_str());
        QCOMPARE(first->id, RuleId{42});
        QCOMPARE(first->origin, RuleOrigin::User);
        const auto second = rules->add(allowRule("c.example"));
        QCOMPARE(second->id, RuleId{43});
    }

    void promptAnswersAndTheApiShareOneIdSequence()
    {
        auto rules = lifecycle();
        rules->load();
        const Rule once = rules->adopt(allowRule("once.example", Lifetime::once()));
        const auto added = rules->add(allowRule("added.example"));
        const Rule lasting = rules->adopt(allowRule("lasting.example"));
        QCOMPARE(once.id, RuleId{1});
        QCOMPARE(added->id, RuleId{2});
        QCOMPARE(lasting.id, RuleId{3});
        QCOMPARE(announced_, 2); // the adoptions; the API's add is announced by the bus
    }

    void anAddedRuleIsOnDiskWhenAddReturns()
    {
        auto rules = lifecycle();
        rules->load();
        QVERIFY(rules->add(allowRule("saved.example")));
        DecisionEngine fresh;
        RuleLifecycle reader(paths(), fresh, *loop_, log_, {});
        const auto report = reader.load();
        QVERIFY2(report.errors.empty(), report.errors.empty() ? "" : report.errors.front().describe().c_str());
        QCOMPARE(report.journalRecords, std::size_t{1}); // one record appended, not the file rewritten
        std::vector<Rule> storage;
        QVERIFY(findHost(fresh, "saved.example", storage));
    }

    void aSaveThatFailsChangesNothingAndFreesItsId()
    {
        auto rules = lifecycle();
        rules->load();
        // Others could replace files in a directory they can write: the store refuses to save there.
        QCOMPARE(::chmod(paths().userFile.parent_path().c_str(), 0777), 0);
        const auto refused = rules->add(allowRule("unsaved.example"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string(control_error::failed));
        QCOMPARE(engine_.ruleCount(), std::size_t{0});
        QCOMPARE(::chmod(paths().userFile.parent_path().c_str(), 0700), 0);
        const auto added = rules->add(allowRule("saved.example"));
        QCOMPARE(added->id, RuleId{1});
    }

    void aBrokenUserFileIsFlaggedAndNeverWrittenOver()
    {
        const std::string broken = "[[rule]]\nid = 1\nhost = \"a.example\"\naction = \"maybe\"\n";
        writeText(paths().userFile, broken);
        auto rules = lifecycle();
        const auto report = rules->load();
        QVERIFY(report.userFileFailed);
        QVERIFY(rules->userFileBroken());
        QCOMPARE(rules->loadErrors().size(), std::size_t{1});

        const auto refused = rules->add(allowRule("b.example"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string(control_error::rulesFileBroken));
        rules->adopt(allowRule("answered.example")); // in force, but not saved over the user's edit
        QCOMPARE(engine_.ruleCount(), std::size_t{1});
        std::ifstream in(paths().userFile);
        const std::string onDisk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QCOMPARE(onDisk, broken);
    }

    void aBrokenAdminFileDoesNotStopUserSaves()
    {
        // Its error names a file under the same directory tree; only the report's flag says whose it is.
        fs::create_directories(paths().adminDir);
        ::chmod(paths().adminDir.c_str(), 0755);
        writeText(paths().adminDir / "rules.toml", "[[rule]]\nhost = \"a.example\"\naction = \"maybe\"\n");
        auto rules = lifecycle();
        const auto report = rules->load();
        QCOMPARE(report.errors.size(), std::size_t{1});
        QVERIFY(!report.userFileFailed);
        QVERIFY(!rules->userFileBroken());
        QVERIFY(rules->add(allowRule("b.example")));
    }

    void fixingTheBrokenFileAllowsSavingAgain()
    {
        writeText(paths().userFile, "not toml [");
        auto rules = lifecycle();
        rules->load();
        QVERIFY(rules->userFileBroken());
        writeText(paths().userFile, "[[rule]]\nid = 5\nhost = \"a.example\"\naction = \"allow\"\n");
        rules->reload();
        QVERIFY(!rules->userFileBroken());
        const auto added = rules->add(allowRule("b.example"));
        QVERIFY(added);
        QCOMPARE(added->id, RuleId{6});
    }

    void inMemoryRulesSurviveAReload()
    {
        auto rules = lifecycle();
        rules->load();
        rules->adopt(allowRule("once.example", Lifetime::once()));
        rules->reload();
        std::vector<Rule> storage;
        QVERIFY(findHost(engine_, "once.example", storage));
        // ...and are never saved.
        DecisionEngine fresh;
        RuleLifecycle reader(paths(), fresh, *loop_, log_, {});
        reader.load();
        QCOMPARE(fresh.ruleCount(), std::size_t{0});
    }

    void adminRulesAreReadOnly()
    {
        fs::create_directories(paths().adminDir);
        ::chmod(paths().adminDir.c_str(), 0755);
        writeText(paths().adminDir / "10-corp.toml", "[[rule]]\nhost = \"corp.example\"\naction = \"deny\"\n");
        auto rules = lifecycle();
        rules->load();
        const RuleId adminId = engine_.rules().front().id;
        const auto refused = rules->remove(adminId);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string(control_error::readOnlyRule));
        QCOMPARE(rules->remove(12345).error().code, std::string(control_error::noSuchRule));
    }

    void untilExitRulesEndWhenTheirProcessExits()
    {
        const pid_t child = ::fork();
        if (child == 0) {
            ::pause();
            ::_exit(0);
        }
        QVERIFY(child > 0);
        auto rules = lifecycle();
        rules->load();
        rules->adopt(allowRule("app.example", Lifetime::untilExit(child)));
        QCOMPARE(rules->exitWatchCount(), std::size_t{1});
        QCOMPARE(engine_.ruleCount(), std::size_t{1});
        const int announcedBefore = announced_;
        QCOMPARE(::kill(child, SIGKILL), 0);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(test::runUntil(*loop_, [&] { return rules->exitWatchCount() == 0; }));
        QCOMPARE(engine_.ruleCount(), std::size_t{0});
        QCOMPARE(announced_, announcedBefore + 1);
        rules->reload(); // and it does not come back from the in-memory rules
        QCOMPARE(engine_.ruleCount(), std::size_t{0});
    }

    void untilExitRulesComeOnlyFromPrompts()
    {
        auto rules = lifecycle();
        rules->load();
        const auto refused = rules->add(allowRule("a.example", Lifetime::untilExit(1)));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, std::string(control_error::invalidRule));
    }

    void importAppendsOrReplacesTheLastingUserRules()
    {
        auto rules = lifecycle();
        rules->load();
        QVERIFY(rules->add(allowRule("kept.example")));
        const auto imported = rules->import("[[rule]]\nhost = \"b.example\"\naction = \"deny\"\n", false);
        QCOMPARE(*imported, std::size_t{1});
        QCOMPARE(engine_.ruleCount(), std::size_t{2});
        QVERIFY(rules->import("[[rule]]\nhost = \"c.example\"\naction = \"deny\"\n", true));
        QCOMPARE(engine_.ruleCount(), std::size_t{1});
        QVERIFY(rules->exportText().find("c.example") != std::string::npos);
    }

    void hitCountsSurviveAReload()
    {
        writeText(paths().userFile,
                  "[[rule]]\nid = 7\nhost = \"a.example\"\naction = \"allow\"\ncreated = 2026-11-01T00:00:00Z\n");
        writeText(paths().adminDir / "10-corp.toml", "[[rule]]\nhost = \"b.example\"\naction = \"deny\"\n");
        ::chmod(paths().adminDir.c_str(), 0755);
        auto rules = lifecycle();
        rules->load();
        std::vector<Rule> storage;
        const RuleId admin = findHost(engine_, "b.example", storage)->id;
        const TimePoint hitAt = Clock::now();
        QVERIFY(engine_.recordHits(7, 5, hitAt));
        QVERIFY(engine_.recordHits(admin, 2, hitAt));
        rules->reload();
        QCOMPARE(findHost(engine_, "a.example", storage)->hitCount, std::uint64_t{5});
        QCOMPARE(findHost(engine_, "a.example", storage)->lastHit, std::optional<TimePoint>(hitAt));
        QCOMPARE(findHost(engine_, "b.example", storage)->hitCount, std::uint64_t{2});
        QCOMPARE(findHost(engine_, "b.example", storage)->id, admin);
    }

    void savedHitCountsAreThereAfterARestart()
    {
        writeText(paths().userFile,
                  "[[rule]]\nid = 7\nhost = \"a.example\"\naction = \"allow\"\ncreated = 2026-11-01T00:00:00Z\n");
        {
            auto rules = lifecycle();
            rules->load();
            QVERIFY(engine_.recordHits(7, 3, Clock::now()));
            rules->saveHits();
            QVERIFY(fs::exists(rules->hitsPath()));
        }
        engine_ = DecisionEngine();
        auto restarted = lifecycle();
        restarted->load();
        std::vector<Rule> storage;
        QCOMPARE(findHost(engine_, "a.example", storage)->hitCount, std::uint64_t{3});
        // The user file itself was not rewritten for the hits.
        std::ifstream file(paths().userFile);
        const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        QVERIFY(text.find("hit_count") == std::string::npos);
    }

    void nothingIsSavedBeforeTheFirstLoad()
    {
        writeText(root() / "state" / "rule-hits", "hostgate-rule-hits 1\n7 3 - 0\n");
        auto rules = lifecycle();
        rules->saveHits();
        std::ifstream file(root() / "state" / "rule-hits");
        const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        QCOMPARE(QString::fromStdString(text), QStringLiteral("hostgate-rule-hits 1\n7 3 - 0\n"));
    }

    void aNewAdminRuleNeverTakesTheIdOfAnInMemoryRule()
    {
        ::chmod(root().c_str(), 0700);
        fs::create_directories(paths().adminDir);
        ::chmod(paths().adminDir.c_str(), 0755);
        auto rules = lifecycle();
        rules->load();
        const Rule once = rules->adopt(allowRule("once.example", Lifetime::once()));
        writeText(paths().adminDir / "10-corp.toml", "[[rule]]\nhost = \"b.example\"\naction = \"deny\"\n");
        rules->reload();
        std::vector<Rule> storage;
        const Rule* admin = findHost(engine_, "b.example", storage);
        QVERIFY(admin != nullptr);
        QVERIFY(admin->id > once.id);
        QVERIFY(findHost(engine_, "once.example", storage) != nullptr);
    }
};

QTEST_GUILESS_MAIN(RuleLifecycleTest)
#include "rule_lifecycle_test.moc"
