// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the rule-hits file: counts saved apart from the rules, read back exactly, never misapplied.
#include "store/rule_hits.h"

#include <QtTest>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using namespace hostgate;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const TimePoint created = TimePoint(1'764'547'200'000'000us);
const TimePoint lastHit = TimePoint(1'764'633'600'000'000us);

Rule countedRule(RuleId id, std::uint64_t hits, RuleOrigin origin = RuleOrigin::User)
{
    Rule rule;
    rule.id = id;
    rule.origin = origin;
    rule.action = Action::Allow;
    rule.created = created;
    rule.hitCount = hits;
    if (hits)
        rule.lastHit = lastHit;
    return rule;
}

} // namespace

class RuleHitsTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

private slots:
    void encodedHitsReadBackEqual()
    {
        const std::string text = encodeRuleHits({countedRule(12, 57), countedRule(3, 0), countedRule(40, 1)});
        QCOMPARE(QString::fromStdString(text),
                 QStringLiteral("hostgate-rule-hits 1\n12 57 1764633600000000 1764547200000000\n"
                                "40 1 1764633600000000 1764547200000000\n"));
        const auto decoded = decodeRuleHits(text, "rule-hits");
        QVERIFY(decoded);
        QCOMPARE(decoded->size(), std::size_t{2});
        QCOMPARE(decoded->at(12), (SavedRuleHits{57, lastHit, created}));
    }

    void aCountWithoutLastHitIsWrittenAsADash()
    {
        Rule rule = countedRule(5, 2);
        rule.lastHit.reset();
        const std::string text = encodeRuleHits({rule});
        QVERIFY(text.ends_with("5 2 - 1764547200000000\n"));
        const auto decoded = decodeRuleHits(text, "rule-hits");
        QVERIFY(decoded);
        QVERIFY(!decoded->at(5).lastHit);
    }

    void damagedFilesAreRefusedNamingTheLine_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("where");
        QTest::newRow("no header") << "12 1 - 0\n"
                                   << ":1:";
        QTest::newRow("words missing") << "hostgate-rule-hits 1\n12 1\n"
                                       << ":2:";
        QTest::newRow("not a number") << "hostgate-rule-hits 1\n12 1 - 0\nx 1 - 0\n"
                                      << ":3:";
        QTest::newRow("id 0") << "hostgate-rule-hits 1\n0 1 - 0\n"
                              << ":2:";
        QTest::newRow("trailing word") << "hostgate-rule-hits 1\n12 1 - 0 9\n"
                                       << ":2:";
        QTest::newRow("negative count") << "hostgate-rule-hits 1\n12 -1 - 0\n"
                                        << ":2:";
        QTest::newRow("time out of range") << "hostgate-rule-hits 1\n12 1 9223372036854775807 0\n"
                                           << ":2:";
        QTest::newRow("twice") << "hostgate-rule-hits 1\n12 1 - 0\n12 2 - 0\n"
                               << ":3:";
        QTest::newRow("torn line") << "hostgate-rule-hits 1\n12 1 - 0"
                                   << ":2:";
    }
    void damagedFilesAreRefusedNamingTheLine()
    {
        QFETCH(QString, text);
        QFETCH(QString, where);
        const auto decoded = decodeRuleHits(text.toStdString(), "rule-hits");
        QVERIFY(!decoded);
        QVERIFY2(QString::fromStdString(decoded.error().describe()).contains(QStringLiteral("rule-hits") + where),
                 decoded.error().describe().c_str());
    }

    void savedHitsLoadBackAndAMissingFileIsEmpty()
    {
        const fs::path path = fs::path(dir_.path().toStdString()) / "state" / "rule-hits";
        const auto nothing = loadRuleHits(path);
        QVERIFY(nothing && nothing->empty());
        QVERIFY(saveRuleHits(path, {countedRule(7, 3)}));
        struct stat status {};
        QCOMPARE(::stat(path.c_str(), &status), 0);
        QCOMPARE(status.st_mode & 0777, 0600u);
        const auto loaded = loadRuleHits(path);
        QVERIFY2(loaded, loaded ? "" : loaded.error().describe().c_str());
        QCOMPARE(loaded->at(7).hits, std::uint64_t{3});
    }

    void savedHitsGoToTheRuleTheyWereCountedFor()
    {
        SavedHitsById saved{{1, {10, lastHit, created}}, {2, {20, lastHit, created}}, {3, {30, lastHit, created}}};
        std::vector<Rule> rules{countedRule(1, 0), countedRule(2, 0), countedRule(3, 0, RuleOrigin::Admin)};
        // Rule 2's id was freed and reused by a newer rule: its creation time differs.
        rules[1].created = created + 1h;
        // Admin rules' creation time is their file's, which an edit changes; the id table ties ids to rules.
        rules[2].created = created + 2h;
        applySavedHits(rules, saved);
        QCOMPARE(rules[0].hitCount, std::uint64_t{10});
        QCOMPARE(rules[0].lastHit, std::optional<TimePoint>(lastHit));
        QCOMPARE(rules[1].hitCount, std::uint64_t{0});
        QCOMPARE(rules[2].hitCount, std::uint64_t{30});
    }

    void aLargerCountInTheRuleFileIsKept()
    {
        std::vector<Rule> rules{countedRule(1, 50)};
        applySavedHits(rules, {{1, {10, lastHit - 1h, created}}});
        QCOMPARE(rules[0].hitCount, std::uint64_t{50});
        QCOMPARE(rules[0].lastHit, std::optional<TimePoint>(lastHit));
    }
};

QTEST_GUILESS_MAIN(RuleHitsTest)
#include "rule_hits_test.moc"
