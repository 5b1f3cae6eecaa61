// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's output: JSON with ISO times for scripts, aligned tables and key: value blocks for people.
#include "output.h"

#include "json_compare.h"

#include <QTest>

using namespace hostgate::ctl;
using nlohmann::json;

namespace {

constexpr std::int64_t nov23_10h_usec = std::int64_t{1795428000} * 1000000;

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> result;
    std::size_t start = 0;
    for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
        result.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return result;
}

} // namespace

class OutputTest : public QObject {
    Q_OBJECT

private slots:
    void listsTableShowsNeverAndNoErrorAsDashes()
    {
        const json lists = json::array({{{"name", "ads"},
                                         {"action", "deny"},
                                         {"enabled", true},
                                         {"entries", 2},
                                         {"last_fetch_usec", 0},
                                         {"next_refresh_usec", 0},
                                         {"last_error", ""}},
                                        {{"name", "fixes"},
                                         {"action", "allow"},
                                         {"enabled", false},
                                         {"entries", 0},
                                         {"last_fetch_usec", nov23_10h_usec},
                                         {"next_refresh_usec", 0},
                                         {"last_error", "HTTP 500"}}});
        const QString table = QString::fromStdString(renderListsTable(lists));
        QVERIFY2(table.contains(QStringLiteral("NAME")) && table.contains(QStringLiteral("LAST ERROR")),
                 qPrintable(table));
        const QStringList rows = table.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 3);
        QVERIFY2(rows[1].startsWith(QStringLiteral("ads")) && rows[1].trimmed().endsWith(QStringLiteral("-")),
                 qPrintable(table));
        QVERIFY2(!rows[1].contains(QStringLiteral("1970")), qPrintable(table));
        QVERIFY2(rows[2].contains(QStringLiteral("HTTP 500")), qPrintable(table));
    }

    void usecTimesGainAnIsoTwin()
    {
        const json rule = {{"id", 3}, {"created_usec", nov23_10h_usec}};
        const json expected = {{"id", 3}, {"created_usec", nov23_10h_usec}, {"created", "2026-11-23T10:00:00Z"}};
        HG_COMPARE_JSON(withIsoTimes(rule), expected);
    }

    void isoTwinsAreAddedInsideArrays()
    {
        const json events = json::array({{{"time_usec", nov23_10h_usec}}, {{"verdict", "denied"}}});
        const json converted = withIsoTimes(events);
        HG_COMPARE_JSON(converted[0]["time"], json("2026-11-23T10:00:00Z"));
        QVERIFY(!converted[1].contains("time"));
    }

    void nonIntegerUsecValuesAreLeftAlone()
    {
        const json odd = {{"until_usec", "soon"}};
        HG_COMPARE_JSON(withIsoTimes(odd), odd);
    }

    void jsonIsValidAndRoundTrips()
    {
        const json value = {{"note", "caf\xc3\xa9 \"quoted\""}, {"ports", "80,443"}};
        HG_COMPARE_JSON(json::parse(renderJson(value)), value);
        const std::string oneLine = renderJson(value, true);
        QCOMPARE(std::count(oneLine.begin(), oneLine.end(), '\n'), std::ptrdiff_t{1});
        QCOMPARE(oneLine.back(), '\n');
    }

    void humanValuesAreReadable_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("time") << "created_usec" << QString::number(nov23_10h_usec) << "2026-11-23T10:00:00Z";
        QTest::newRow("string") << "host"
                                << R"("a.test")"
                                << "a.test";
        QTest::newRow("bool") << "enabled"
                              << "false"
                              << "no";
        QTest::newRow("list") << "kernel_features"
                              << R"(["ringbuf","btf"])"
                              << "ringbuf, btf";
        QTest::newRow("number") << "hit_count"
                                << "12"
                                << "12";
    }

    void humanValuesAreReadable()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(humanValue(key.toStdString(), json::parse(value.toStdString()))), text);
    }

    void rulesTableAlignsColumnsAndShowsAnyForAbsentFields()
    {
        const json rules = json::array({{{"id", 1},
                                         {"origin", "admin"},
                                         {"action", "allow"},
                                         {"app", "/usr/bin/curl"},
                                         {"host", "a.test"},
                                         {"ports", ""},
                                         {"protocol", "tcp"},
                                         {"lifetime", "forever"},
                                         {"enabled", true},
                                         {"hit_count", 2},
                                         {"note", ""}},
                                        {{"id", 12},
                                         {"origin", "user"},
                                         {"action", "deny"},
                                         {"app", ""},
                                         {"host", "*"},
                                         {"ports", "443"},
                                         {"protocol", "any"},
                                         {"lifetime", "forever"},
                                         {"enabled", false},
                                         {"hit_count", 0},
                                         {"note", "x"}}});
        const auto table = lines(renderRulesTable(rules));
        QCOMPARE(table.size(), std::size_t{3});
        QVERIFY(table[0].rfind("ID  ORIGIN  ACTION  APP", 0) == 0);
        // Columns start at the same offset on every line.
        const std::size_t hostColumn = table[0].find("HOST");
        QCOMPARE(table[1].substr(hostColumn, 6), std::string("a.test"));
        QCOMPARE(table[2].substr(hostColumn, 1), std::string("*"));
        QVERIFY(table[1].find("any") != std::string::npos); // ports "" and user absent
        QVERIFY2(table[1].back() != ' ', table[1].c_str());
        QVERIFY(table[2].find(" no ") != std::string::npos);
    }

    void emptyListPrintsOnlyTheHeader()
    {
        QCOMPARE(lines(renderConnectionsTable(json::array())).size(), std::size_t{1});
    }

    void ruleShowsKeysInOrderWithAlignedValues()
    {
        const json rule = {{"note", "n"}, {"id", 4}, {"action", "deny"}, {"created_usec", nov23_10h_usec}};
        const auto block = lines(renderRule(rule));
        QCOMPARE(block[0], std::string("id:      4"));
        QCOMPARE(block[1], std::string("action:  deny"));
        // Absent app/user/host/ports read as "any"; times drop the _usec suffix.
        QVERIFY(std::find(block.begin(), block.end(), std::string("user:    any")) != block.end());
        QVERIFY(std::find(block.begin(), block.end(), std::string("created: 2026-11-23T10:00:00Z")) != block.end());
    }

    void statusPutsVersionAndModeFirst()
    {
        const json status = {{"allowed", 3}, {"mode", "enforce"}, {"version", "0.1.0"}, {"zeta", 1}};
        const auto block = lines(renderStatus(status));
        QCOMPARE(block[0], std::string("version: 0.1.0"));
        QCOMPARE(block[1], std::string("mode:    enforce"));
        QCOMPARE(block.back(), std::string("zeta:    1"));
    }

    void followedEventIsOneLineWithItsExplanation()
    {
        const json event = {{"time_usec", nov23_10h_usec},
                            {"verdict", "denied"},
                            {"app", "/usr/bin/curl"},
                            {"pid", 42},
                            {"uid", 0},
                            {"host", "a.test"},
                            {"address", "203.0.113.1"},
                            {"port", 80},
                            {"protocol", "tcp"},
                            {"rule_id", 3},
                            {"explanation", "rule #3 denies"}};
        QCOMPARE(renderConnectionLine(event), std::string("2026-11-23T10:00:00Z denied /usr/bin/curl pid=42 uid=0 "
                                                          "a.test:80 (203.0.113.1) tcp rule=3: rule #3 denies\n"));
    }
};

QTEST_GUILESS_MAIN(OutputTest)
#include "output_test.moc"
