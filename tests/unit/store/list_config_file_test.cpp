// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the lists.d files, the list cache metadata and the list switches.
#include "store/list_config_file.h"

#include <QTest>

using namespace hostgate;

class ListConfigFileTest : public QObject {
    Q_OBJECT

private slots:
    void aFullFileParses()
    {
        const auto config = parseListConfigFile("name = \"ads\"\ndescription = \"Ad servers\"\n"
                                                "source = \"https://lists.example/ads.txt\"\nformat = \"hosts\"\n"
                                                "action = \"deny\"\nrefresh = \"6h\"\nenabled = false\n",
                                                "ads.toml", "file-stem");
        QVERIFY2(config.ok(), config.ok() ? "" : config.error().describe().c_str());
        QCOMPARE(QString::fromStdString(config->name), QStringLiteral("ads"));
        QCOMPARE(config->refresh, std::chrono::seconds(6 * 3600));
        QVERIFY(config->isUrl());
        QVERIFY(!config->enabled);
        QCOMPARE(int(config->action), int(Action::Deny));
    }

    void theNameDefaultsToTheFileStemAndRefreshToADay()
    {
        const auto config = parseListConfigFile(
            "source = \"/srv/allow.txt\"\nformat = \"domains\"\naction = \"allow\"\n", "fixes.toml", "fixes");
        QVERIFY(config.ok());
        QCOMPARE(QString::fromStdString(config->name), QStringLiteral("fixes"));
        QCOMPARE(config->refresh, kDefaultListRefresh);
        QVERIFY(!config->isUrl());
        QVERIFY(config->enabled);
    }

    void mistakesAreLocated_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown key") << "source = \"/a\"\nformat = \"hosts\"\naction = \"deny\"\ncolour = 1\n"
                                     << "l.toml:4:1: Unknown key 'colour'";
        QTest::newRow("http is not https") << "source = \"http://x.example/a\"\n"
                                           << "l.toml:1:10: 'source' must be";
        QTest::newRow("bad format") << "source = \"/a\"\nformat = \"json\"\n"
                                    << "l.toml:2:10: 'format' must be";
        QTest::newRow("refresh too short") << "source = \"/a\"\nrefresh = 5\n"
                                           << "l.toml:2:11: 'refresh' must be";
        QTest::newRow("refresh unit") << "source = \"/a\"\nrefresh = \"6w\"\n"
                                      << "l.toml:2:11: 'refresh' must be";
        QTest::newRow("missing action") << "source = \"/a\"\nformat = \"hosts\"\n"
                                        << "l.toml: Missing 'action'";
        QTest::newRow("bad name") << "name = \"../x\"\n"
                                  << "l.toml:1:8: Invalid list name";
        QTest::newRow("not toml") << "source = \n"
                                  << "l.toml:1:";
    }
    void mistakesAreLocated()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const auto config = parseListConfigFile(text.toStdString(), "l.toml", "l");
        QVERIFY(!config.ok());
        const auto described = QString::fromStdString(config.error().describe());
        QVERIFY2(described.startsWith(expected), qPrintable(described));
    }

    void cacheMetaRoundTrips()
    {
        ListCacheMeta meta;
        meta.etag = "\"abc\"";
        meta.lastModified = "Wed, 02 Dec 2026 04:00:00 GMT";
        meta.fetched = TimePoint{} + std::chrono::seconds(1'800'000'000);
        const auto parsed = parseListCacheMeta(renderListCacheMeta(meta), "ads.meta");
        QVERIFY(parsed.ok());
        QVERIFY(*parsed == meta);
    }

    void switchesRoundTrip()
    {
        const std::map<std::string, bool> switches{{"ads", false}, {"fixes.v2", true}};
        const auto parsed = parseListSwitches(renderListSwitches(switches), "lists-enabled.toml");
        QVERIFY(parsed.ok());
        QVERIFY(*parsed == switches);
        QVERIFY(!parseListSwitches("[enabled]\nads = 1\n", "x").ok());
    }
};

QTEST_APPLESS_MAIN(ListConfigFileTest)
#include "list_config_file_test.moc"
