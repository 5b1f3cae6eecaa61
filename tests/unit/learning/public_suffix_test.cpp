// SPDX-License-Identifier: GPL-3.0-or-later
// libpsl with Debian's publicsuffix data: the registrable domains the proposal book generalises to.
#include "learning/public_suffix.h"

#include <QTest>

using namespace hostgate;

class PublicSuffixTest : public QObject {
    Q_OBJECT

private slots:
    void registrableDomainIsTheSuffixPlusOneLabel_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("domain"); // "" = none
        QTest::newRow("com") << "www.example.com"
                             << "example.com";
        QTest::newRow("deep") << "a.b.c.example.com"
                              << "example.com";
        QTest::newRow("two-label suffix") << "www.example.co.uk"
                                          << "example.co.uk";
        QTest::newRow("private suffix") << "user.github.io"
                                        << "user.github.io";
        QTest::newRow("under a private suffix") << "a.user.github.io"
                                                << "user.github.io";
        QTest::newRow("apex") << "example.com"
                              << "example.com";
        QTest::newRow("unlisted tld (implicit *)") << "a.example.test"
                                                   << "example.test";
        QTest::newRow("public suffix itself") << "co.uk"
                                              << "";
        QTest::newRow("single label") << "localhost"
                                      << "";
    }
    void registrableDomainIsTheSuffixPlusOneLabel()
    {
        QFETCH(QString, name);
        QFETCH(QString, domain);
        auto list = PublicSuffixList::load();
        QVERIFY2(list.ok(), list.ok() ? "" : list.error().describe().c_str());
        const auto found = list->registrableDomain(name.toStdString());
        QCOMPARE(QString::fromStdString(found.value_or("")), domain);
    }

    void theListComesFromDebiansPublicsuffixPackage()
    {
        auto list = PublicSuffixList::load();
        QVERIFY(list.ok());
        QVERIFY2(QString::fromStdString(list->source()).startsWith(QStringLiteral("/usr/share/publicsuffix/")),
                 list->source().c_str());
    }
};

QTEST_APPLESS_MAIN(PublicSuffixTest)
#include "public_suffix_test.moc"
