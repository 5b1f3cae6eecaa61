// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the rule journal: records read back, a torn last record is ignored and cut, damage anywhere
// else refuses the journal, replay is idempotent, and the file is trusted only when it is root's own.
#include "store/rule_journal.h"
#include "store/rule_store.h"

#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace hostgate;
namespace fs = std::filesystem;

namespace {

Rule userRule(RuleId id, const std::string& host)
{
    Rule rule;
    rule.id = id;
    rule.host = *HostPattern::parse(host);
    rule.action = Action::Allow;
    return rule;
}

std::string put(RuleId id, const std::string& host)
{
    return encodeJournalRecord({JournalRecord::Op::Put, id, userRule(id, host)});
}

std::string removal(RuleId id)
{
    return encodeJournalRecord({JournalRecord::Op::Remove, id, std::nullopt});
}

std::string journal(std::initializer_list<std::string> records)
{
    std::string text(ruleJournalHeader);
    for (const auto& record : records)
        text += record;
    return text;
}

std::vector<std::string> hostsOf(const std::vector<Rule>& rules)
{
    std::vector<std::string> hosts;
    for (const Rule& rule : rules)
        hosts.push_back(rule.host.toString());
    return hosts;
}

void writeText(const fs::path& path, const std::string& text, mode_t mode = 0600)
{
    std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
}

using Hosts = std::vector<std::string>;

} // namespace

class RuleJournalTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    fs::path state() const { return fs::path(dir_.path().toStdString()) / "state"; }
    RuleStorePaths paths() const { return {state() / "rules.d", state() / "rules.toml"}; }
    fs::path journalPath() const { return state() / "rules.toml.journal"; }

private slots:
    void init()
    {
        fs::remove_all(state());
        fs::create_directories(state());
        ::chmod(dir_.path().toUtf8().constData(), 0700);
        ::chmod(state().c_str(), 0700);
    }

    void crc32MatchesTheIeeeCheckValue() { QCOMPARE(crc32("123456789"), 0xCBF43926u); }

    void recordsReadBackInOrder()
    {
        const auto replay = decodeJournal(journal({put(1, "a.example"), put(2, "b.example"), removal(1)}), "j");
        QVERIFY2(replay, replay ? "" : replay.error().describe().c_str());
        QCOMPARE(replay->records.size(), std::size_t{3});
        QVERIFY(!replay->tornAt);
        std::vector<Rule> rules;
        applyJournal(rules, replay->records);
        QCOMPARE(hostsOf(rules), (Hosts{"b.example"}));
    }

    void putReplacesTheRuleWithItsIdInPlace()
    {
        std::vector<Rule> rules{userRule(1, "a.example"), userRule(2, "b.example")};
        const auto replay = decodeJournal(journal({put(1, "c.example")}), "j");
        applyJournal(rules, replay->records);
        QCOMPARE(hostsOf(rules), (Hosts{"c.example", "b.example"}));
    }

    void replayingTwiceChangesNothing()
    {
        // A crash between compaction's rename and the journal's removal replays records the file already holds.
        const auto replay = decodeJournal(journal({put(3, "a.example"), removal(2)}), "j");
        std::vector<Rule> rules{userRule(2, "b.example")};
        applyJournal(rules, replay->records);
        const auto once = rules;
        applyJournal(rules, replay->records);
        QCOMPARE(rules, once);
    }

    void aTornLastRecordIsIgnoredAndNothingElseIsLost_data()
    {
        QTest::addColumn<int>("cut"); // bytes of the last record that reached the disk
        const int length = static_cast<int>(put(2, "b.example").size());
        for (const int cut : {1, 5, 20, length - 2, length - 1})
            QTest::addRow("%d of %d bytes", cut, length) << cut;
    }
    void aTornLastRecordIsIgnoredAndNothingElseIsLost()
    {
        QFETCH(int, cut);
        const std::string good = journal({put(1, "a.example")});
        const std::string text = good + put(2, "b.example").substr(0, static_cast<std::size_t>(cut));
        const auto replay = decodeJournal(text, "j");
        QVERIFY2(replay, replay ? "" : replay.error().describe().c_str());
        QCOMPARE(replay->records.size(), std::size_t{1});
        QCOMPARE(replay->tornAt, std::optional<std::size_t>(good.size()));
        QCOMPARE(replay->goodBytes, good.size());
    }

    void aLastRecordWithABadChecksumIsTorn()
    {
        // A file system may extend the file before the data lands: the tail reads as zeros.
        std::string last = put(2, "b.example");
        std::fill(last.begin() + 20, last.end() - 1, '\0');
        const auto replay = decodeJournal(journal({put(1, "a.example"), last}), "j");
        QVERIFY(replay);
        QCOMPARE(replay->records.size(), std::size_t{1});
        QVERIFY(replay->tornAt);
    }

    void aDamagedRecordBeforeOthersRefusesTheJournal()
    {
        std::string first = put(1, "a.example");
        first[first.size() - 5] ^= 0x20; // one flipped bit in the payload
        const std::string text = journal({first, put(2, "b.example")});
        const auto replay = decodeJournal(text, "/x/rules.toml.journal");
        QVERIFY(!replay);
        const auto message = replay.error().describe();
        QVERIFY2(message.find("/x/rules.toml.journal") != std::string::npos, message.c_str());
        QVERIFY2(message.find("byte " + std::to_string(ruleJournalHeader.size())) != std::string::npos,
                 message.c_str());
    }

    void aRecordForAnotherIdThanItsRuleIsRefused()
    {
        std::string record = put(1, "a.example");
        // Rewrite the header to claim id 9 with a matching checksum: only the rule inside disagrees.
        const std::string payload = record.substr(record.find('\n') + 1, record.size() - record.find('\n') - 2);
        const std::string head = "put 9 " + std::to_string(payload.size()) + "\n";
        char checksum[9];
        std::snprintf(checksum, sizeof checksum, "%08x", crc32(payload, crc32(head)));
        const std::string forged = "put 9 " + std::to_string(payload.size()) + " " + checksum + "\n" + payload + "\n";
        const auto replay = decodeJournal(journal({forged, put(2, "b.example")}), "j");
        QVERIFY(!replay);
    }

    void aJournalWithoutItsHeaderIsRefused()
    {
        QVERIFY(!decodeJournal("hello\n" + put(1, "a.example"), "j"));
        const auto torn = decodeJournal(std::string(ruleJournalHeader.substr(0, 5)), "j");
        QVERIFY(torn);
        QVERIFY(torn->records.empty());
    }

    void theStoreReplaysTheJournalOnTopOfTheFile()
    {
        RuleStore writer(paths());
        writer.load();
        QVERIFY(writer.saveUserRules({userRule(1, "a.example")}));
        QVERIFY(writer.recordUserRule(userRule(2, "b.example")));
        QVERIFY(writer.recordUserRuleRemoval(1));
        QVERIFY(fs::exists(journalPath()));

        RuleStore reader(paths());
        const auto report = reader.load();
        QVERIFY(report.errors.empty());
        QCOMPARE(report.journalRecords, std::size_t{2});
        QCOMPARE(hostsOf(reader.rules()), (Hosts{"b.example"}));
    }

    void theStoreCutsATornTailSoLaterAppendsStayReadable()
    {
        RuleStore writer(paths());
        writer.load();
        QVERIFY(writer.recordUserRule(userRule(1, "a.example")));
        { // a crash in the middle of the next append
            std::ofstream(journalPath(), std::ios::app | std::ios::binary) << put(2, "b.example").substr(0, 10);
        }
        RuleStore restarted(paths());
        const auto report = restarted.load();
        QVERIFY(report.errors.empty());
        QVERIFY(report.journalNotice);
        QVERIFY2(report.journalNotice->find("incomplete last record") != std::string::npos,
                 report.journalNotice->c_str());
        QCOMPARE(hostsOf(restarted.rules()), (Hosts{"a.example"}));
        QVERIFY(restarted.recordUserRule(userRule(3, "c.example")));

        RuleStore again(paths());
        const auto second = again.load();
        QVERIFY(second.errors.empty());
        QVERIFY(!second.journalNotice);
        QCOMPARE(hostsOf(again.rules()), (Hosts{"a.example", "c.example"}));
    }

    void compactionFoldsTheJournalIntoTheFile()
    {
        RuleStore store(paths());
        store.load();
        QVERIFY(store.recordUserRule(userRule(1, "a.example")));
        QVERIFY(store.saveUserRules({userRule(1, "a.example"), userRule(2, "b.example")}));
        QVERIFY(!fs::exists(journalPath()));
        QVERIFY(store.journalEmpty());
        RuleStore reader(paths());
        QCOMPARE(hostsOf(reader.load().userRules == 2 ? reader.rules() : std::vector<Rule>{}),
                 (Hosts{"a.example", "b.example"}));
    }

    void aDamagedJournalFlagsTheUserFileAndKeepsIt()
    {
        RuleStore store(paths());
        store.load();
        QVERIFY(store.saveUserRules({userRule(1, "a.example")}));
        std::string first = put(2, "b.example");
        first[first.size() - 5] ^= 0x20;
        const std::string damaged = journal({first, put(3, "c.example")});
        writeText(journalPath(), damaged);
        const auto report = store.load();
        QVERIFY(report.userFileFailed);
        QCOMPARE(report.errors.size(), std::size_t{1});
        QCOMPARE(hostsOf(store.rules()), (Hosts{"a.example"})); // the last good rules stay
        std::ifstream in(journalPath(), std::ios::binary);
        QCOMPARE(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), damaged);
    }

    void aJournalOthersCanWriteIsRefused()
    {
        writeText(journalPath(), journal({put(1, "a.example")}), 0622);
        RuleStore store(paths());
        const auto report = store.load();
        QVERIFY(report.userFileFailed);
        const auto message = report.errors.front().describe();
        QVERIFY2(message.find("chmod go-w " + journalPath().string()) != std::string::npos, message.c_str());
        QVERIFY(!store.recordUserRule(userRule(2, "b.example"))); // nor appended to
    }

    void aJournalThatIsASymlinkIsRefused()
    {
        const fs::path target = state() / "elsewhere";
        writeText(target, journal({put(1, "a.example")}));
        fs::create_symlink(target, journalPath());
        RuleStore store(paths());
        const auto report = store.load();
        QVERIFY(report.userFileFailed);
        const auto message = report.errors.front().describe();
        QVERIFY2(message.find("symbolic link") != std::string::npos, message.c_str());
        QVERIFY(!store.recordUserRule(userRule(2, "b.example")));
        QCOMPARE(fs::file_size(target), journal({put(1, "a.example")}).size()); // never written through
    }
};

QTEST_GUILESS_MAIN(RuleJournalTest)
#include "rule_journal_test.moc"
