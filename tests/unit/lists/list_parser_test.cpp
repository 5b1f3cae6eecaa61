// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the list parsers: what each format accepts, counts as skipped or invalid, and refuses.
#include "lists/list_parser.h"

#include <QTest>

#include <string>

using namespace hostgate;

Q_DECLARE_METATYPE(hostgate::ListFormat)

namespace {

QStringList entries(const ParsedList& list)
{
    QStringList names;
    list.domains.forEach(
        [&](std::string_view name) { names << QString::fromUtf8(name.data(), qsizetype(name.size())); });
    return names;
}

} // namespace

class ListParserTest : public QObject {
    Q_OBJECT

private slots:
    void formatsParseTheirEntries_data()
    {
        QTest::addColumn<ListFormat>("format");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<int>("skipped");
        QTest::addColumn<int>("invalid");
        QTest::newRow("hosts 0.0.0.0") << ListFormat::Hosts << "0.0.0.0 ads.example\n0.0.0.0 Track.Example.\n"
                                       << QStringList{"ads.example", "track.example"} << 0 << 0;
        QTest::newRow("hosts 127.0.0.1, several names, comments")
            << ListFormat::Hosts << "# header\n127.0.0.1\ta.example b.example # two\n\n::1 c.example\n"
            << QStringList{"a.example", "b.example", "c.example"} << 0 << 0;
        QTest::newRow("hosts localhost lines are skipped")
            << ListFormat::Hosts
            << "127.0.0.1 localhost\n::1 ip6-localhost ip6-loopback\n0.0.0.0 0.0.0.0\n0.0.0.0 x.example\n"
            << QStringList{"x.example"} << 3 << 0;
        QTest::newRow("hosts line without an address is invalid")
            << ListFormat::Hosts << "0.0.0.0 a.example\n0.0.0.0 b.example\nnonsense c.example\n"
            << QStringList{"a.example", "b.example"} << 0 << 1;
        QTest::newRow("hosts bad name is invalid")
            << ListFormat::Hosts << "0.0.0.0 a.example\n0.0.0.0 b.example\n0.0.0.0 bad..name\n"
            << QStringList{"a.example", "b.example"} << 0 << 1;
        QTest::newRow("domains") << ListFormat::Domains << "a.example\n# comment\n  b.example  # why\n*.c.example\n"
                                 << QStringList{"a.example", "b.example", "c.example"} << 0 << 0;
        QTest::newRow("domains duplicates kept once") << ListFormat::Domains << "a.example\nA.example\na.example.\n"
                                                      << QStringList{"a.example"} << 0 << 0;
        QTest::newRow("domains two words and addresses are invalid")
            << ListFormat::Domains << "a.example\nb.example\nc.example\nx y\n198.51.100.7\n"
            << QStringList{"a.example", "b.example", "c.example"} << 0 << 2;
        QTest::newRow("adblock basic") << ListFormat::Adblock
                                       << "[Adblock Plus 2.0]\n! Title: test\n||ads.example^\n||Track.example^\n"
                                       << QStringList{"ads.example", "track.example"} << 0 << 0;
        QTest::newRow("adblock other syntax is skipped")
            << ListFormat::Adblock
            << "||ads.example^\n@@||good.example^\n##.banner\n||x.example^$third-party\n/ads/*\n||a.example/path^\n"
            << QStringList{"ads.example"} << 5 << 0;
        QTest::newRow("BOM and CRLF") << ListFormat::Domains
                                      << "\xEF\xBB\xBF"
                                         "a.example\r\nb.example\r\n"
                                      << QStringList{"a.example", "b.example"} << 0 << 0;
        QTest::newRow("hosts with BOM and CRLF") << ListFormat::Hosts
                                                 << "\xEF\xBB\xBF"
                                                    "0.0.0.0 a.example\r\n"
                                                 << QStringList{"a.example"} << 0 << 0;
        QTest::newRow("no trailing newline")
            << ListFormat::Adblock << "||a.example^" << QStringList{"a.example"} << 0 << 0;
        QTest::newRow("only comments: an empty list") << ListFormat::Hosts << "# nothing yet\n\n"
                                                      << QStringList{} << 0 << 0;
    }
    void formatsParseTheirEntries()
    {
        QFETCH(ListFormat, format);
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        QFETCH(int, skipped);
        QFETCH(int, invalid);
        const auto utf8 = text.toStdString();
        const auto parsed = parseList(utf8, format, "test");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().describe().c_str());
        QCOMPARE(entries(*parsed), expected);
        QCOMPARE(int(parsed->skipped), skipped);
        QCOMPARE(int(parsed->invalid), invalid);
    }

    void aHugeLineIsInvalidNotCopied()
    {
        std::string text = "a.example\nb.example\n" + std::string(1'000'000, 'x') + "\nc.example\n";
        const auto parsed = parseList(text, ListFormat::Domains, "test");
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->domains.size(), std::size_t{3});
        QCOMPARE(parsed->invalid, std::size_t{1});
        QCOMPARE(parsed->firstInvalidLine, std::size_t{3});
    }

    void anHtmlPageIsRefused()
    {
        const auto parsed =
            parseList("<html>\n<body>Internal error</body>\n</html>\n", ListFormat::Hosts, "https://lists.example/x");
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.find("https://lists.example/x: not a hosts list") == 0,
                 parsed.error().message.c_str());
    }

    void mostlyInvalidLinesAreRefused()
    {
        const auto parsed = parseList("a.example\nx y\nz w\n", ListFormat::Domains, "test");
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().message.find("first invalid: line 2") != std::string::npos,
                 parsed.error().message.c_str());
    }

    void binaryIsRefused()
    {
        const std::string text("a.example\n\0\x01\x02", 13);
        QVERIFY(!parseList(text, ListFormat::Domains, "test").ok());
    }

    void tooManyEntriesAreRefused()
    {
        ListParseLimits limits;
        limits.maxEntries = 2;
        QVERIFY(parseList("a.example\nb.example\n", ListFormat::Domains, "test", limits).ok());
        const auto parsed = parseList("a.example\nb.example\nc.example\n", ListFormat::Domains, "test", limits);
        QVERIFY(!parsed.ok());
        QCOMPARE(QString::fromStdString(parsed.error().message), QStringLiteral("test: more than 2 entries"));
    }

    void formatNamesRoundTrip()
    {
        for (const auto format : {ListFormat::Hosts, ListFormat::Domains, ListFormat::Adblock})
            QCOMPARE(parseListFormat(toString(format)), std::optional<ListFormat>(format));
        QVERIFY(!parseListFormat("json"));
    }
};

QTEST_APPLESS_MAIN(ListParserTest)
#include "list_parser_test.moc"
