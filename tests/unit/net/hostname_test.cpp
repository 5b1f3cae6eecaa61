// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of host name normalization and of the label-boundary subdomain test.
#include "net/hostname.h"

#include <QTest>

using namespace hostgate;

class HostnameTest : public QObject {
    Q_OBJECT

private slots:
    void namesAreNormalizedForMatching_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("normalized");
        QTest::newRow("already normal") << "www.example.com"
                                        << "www.example.com";
        QTest::newRow("upper case") << "WWW.Example.COM"
                                    << "www.example.com";
        QTest::newRow("trailing dot") << "example.com."
                                      << "example.com";
        QTest::newRow("single label") << "localhost"
                                      << "localhost";
        QTest::newRow("punycode") << "xn--bcher-kva.example"
                                  << "xn--bcher-kva.example";
        QTest::newRow("underscore service label") << "_dmarc.example.com"
                                                  << "_dmarc.example.com";
        QTest::newRow("63-octet label") << QString(63, QLatin1Char('a')) + ".example"
                                        << QString(63, QLatin1Char('a')) + ".example";
    }
    void namesAreNormalizedForMatching()
    {
        QFETCH(QString, input);
        QFETCH(QString, normalized);
        const auto result = normalizeHostname(input.toStdString());
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        QCOMPARE(QString::fromStdString(*result), normalized);
    }

    void invalidNamesAreRejectedWithAReason_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("empty") << QByteArray("") << "empty";
        QTest::newRow("only a dot") << QByteArray(".") << "empty";
        QTest::newRow("empty label") << QByteArray("a..example") << "empty label";
        QTest::newRow("leading dot") << QByteArray(".example") << "empty label";
        QTest::newRow("two trailing dots") << QByteArray("example..") << "empty label";
        QTest::newRow("space") << QByteArray("ex ample.com") << "invalid character";
        QTest::newRow("slash") << QByteArray("example.com/x") << "invalid character";
        QTest::newRow("64-octet label") << QByteArray(64, 'a') << "longer than 63";
        QTest::newRow("254 characters") << (QByteArray(50, 'a') + "." + QByteArray(50, 'b') + "." +
                                            QByteArray(50, 'c') + "." + QByteArray(50, 'd') + "." +
                                            QByteArray(50, 'e') + "." + QByteArray(49, 'f'))
                                        << "longer than 253";
        QTest::newRow("unicode") << QByteArray("b\xc3\xbc"
                                               "cher.example")
                                 << "punycode";
    }
    void invalidNamesAreRejectedWithAReason()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, reasonPart);
        const auto result =
            normalizeHostname(std::string_view(input.constData(), static_cast<std::size_t>(input.size())));
        QVERIFY(!result.ok());
        QVERIFY2(QString::fromStdString(result.error().message).contains(reasonPart), result.error().message.c_str());
    }

    void subdomainTestRespectsLabelBoundaries_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("domain");
        QTest::addColumn<bool>("expected");
        QTest::newRow("same name") << "example.com"
                                   << "example.com" << true;
        QTest::newRow("direct child") << "www.example.com"
                                      << "example.com" << true;
        QTest::newRow("deep child") << "a.b.c.example.com"
                                    << "example.com" << true;
        QTest::newRow("lookalike prefix") << "badexample.com"
                                          << "example.com" << false;
        QTest::newRow("parent is not a child") << "example.com"
                                               << "www.example.com" << false;
        QTest::newRow("different tld") << "example.org"
                                       << "example.com" << false;
        QTest::newRow("suffix inside label") << "www.notexample.com"
                                             << "example.com" << false;
    }
    void subdomainTestRespectsLabelBoundaries()
    {
        QFETCH(QString, name);
        QFETCH(QString, domain);
        QFETCH(bool, expected);
        QCOMPARE(isSameOrSubdomain(name.toStdString(), domain.toStdString()), expected);
    }
};

QTEST_APPLESS_MAIN(HostnameTest)
#include "hostname_test.moc"
