// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of IDN conversion: Unicode host names and patterns to punycode, and safe display.
#include "store/idn.h"

#include <QtTest>

using namespace hostgate;

class IdnTest : public QObject {
    Q_OBJECT

private slots:
    void unicodeNameBecomesNormalizedPunycode_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("upper-case umlaut") << "BÜCHER.example"
                                           << "xn--bcher-kva.example";
        QTest::newRow("trailing dot") << "bücher.example."
                                      << "xn--bcher-kva.example";
        QTest::newRow("sharp s is kept (non-transitional)") << "straße.de"
                                                            << "xn--strae-oqa.de";
        QTest::newRow("decomposed input is NFC-normalized") << QString::fromUtf8("bu\xCC\x88"
                                                                                 "cher.example")
                                                            << "xn--bcher-kva.example";
        QTest::newRow("ascii is only normalized") << "WWW.Example.COM."
                                                  << "www.example.com";
        QTest::newRow("ascii underscore label is kept") << "_dmarc.example"
                                                        << "_dmarc.example";
    }
    void unicodeNameBecomesNormalizedPunycode()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        Result<std::string> ascii = hostnameToAscii(input.toStdString());
        QVERIFY2(ascii.ok(), ascii.ok() ? "" : ascii.error().describe().c_str());
        QCOMPARE(QString::fromStdString(*ascii), expected);
    }

    void invalidNameIsAnError_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("disallowed symbol") << QByteArray("\xE2\x98\x83.example"); // ☃
        QTest::newRow("invalid UTF-8") << QByteArray("b\xFF"
                                                     "cher.example");
        QTest::newRow("leading combining mark") << QByteArray("\xCC\x88"
                                                              "a.example");
        QTest::newRow("empty label") << QByteArray("b\xC3\xBC"
                                                   "cher..example");
        QTest::newRow("empty") << QByteArray("");
    }
    void invalidNameIsAnError()
    {
        QFETCH(QByteArray, input);
        Result<std::string> ascii = hostnameToAscii(std::string_view(input.constData(), std::size_t(input.size())));
        QVERIFY2(!ascii.ok(), ascii.ok() ? ascii->c_str() : "");
        QVERIFY(!ascii.error().message.empty());
    }

    void unicodeWildcardBecomesPunycodeSuffixPattern()
    {
        Result<HostPattern> pattern = parseHostPatternText("*.bücher.example");
        QVERIFY2(pattern.ok(), pattern.ok() ? "" : pattern.error().describe().c_str());
        QCOMPARE(pattern->kind(), HostPattern::Kind::Suffix);
        QCOMPARE(QString::fromStdString(pattern->name()), QString("xn--bcher-kva.example"));
        QVERIFY(pattern->matchesName("shop.xn--bcher-kva.example"));
    }

    void unicodeExactPatternBecomesPunycodeName()
    {
        Result<HostPattern> pattern = parseHostPatternText("BÜCHER.example");
        QVERIFY(pattern.ok());
        QCOMPARE(pattern->kind(), HostPattern::Kind::Exact);
        QCOMPARE(QString::fromStdString(pattern->toString()), QString("xn--bcher-kva.example"));
    }

    void asciiPatternsPassThroughUnchanged_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("any") << "*"
                             << "*";
        QTest::newRow("suffix") << "*.Example.com"
                                << "*.example.com";
        QTest::newRow("network") << "203.0.113.0/24"
                                 << "203.0.113.0/24";
        QTest::newRow("address") << "2001:db8::1"
                                 << "2001:db8::1";
    }
    void asciiPatternsPassThroughUnchanged()
    {
        QFETCH(QString, input);
        QFETCH(QString, canonical);
        Result<HostPattern> pattern = parseHostPatternText(input.toStdString());
        QVERIFY(pattern.ok());
        QCOMPARE(QString::fromStdString(pattern->toString()), canonical);
    }

    void invalidUnicodePatternIsAnError()
    {
        Result<HostPattern> pattern = parseHostPatternText("*.\xE2\x98\x83.example");
        QVERIFY(!pattern.ok());
    }

    void displayKeepsPunycodeVisibleNextToUnicode()
    {
        QCOMPARE(QString::fromStdString(hostnameForDisplay("shop.xn--bcher-kva.example")),
                 QString("shop.xn--bcher-kva.example (shop.bücher.example)"));
    }

    void displayOfPlainAsciiNameIsTheName()
    {
        QCOMPARE(QString::fromStdString(hostnameForDisplay("www.example.com")), QString("www.example.com"));
    }

    void displayOfUndecodablePunycodeIsTheAsciiName()
    {
        QCOMPARE(QString::fromStdString(hostnameForDisplay("xn--a.example")), QString("xn--a.example"));
    }
};

QTEST_GUILESS_MAIN(IdnTest)
#include "idn_test.moc"
