// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of DomainSet: exact membership and the longest covering parent domain.
#include "lists/domain_set.h"

#include <QTest>

#include <string>
#include <unordered_set>

using namespace hostgate;

class DomainSetTest : public QObject {
    Q_OBJECT

private slots:
    void matchSuffix_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("expected");
        QTest::newRow("the entry itself") << "example.com"
                                          << "example.com";
        QTest::newRow("a subdomain") << "ads.example.com"
                                     << "example.com";
        QTest::newRow("a deeper subdomain") << "a.b.example.com"
                                            << "example.com";
        QTest::newRow("the longest entry wins") << "x.track.example.org"
                                                << "track.example.org";
        QTest::newRow("not at a label boundary") << "badexample.com"
                                                 << "";
        QTest::newRow("a parent of an entry is not covered") << "example.org"
                                                             << "";
        QTest::newRow("unrelated") << "other.test"
                                   << "";
        QTest::newRow("empty") << ""
                               << "";
        QTest::newRow("a single label entry") << "host.lan"
                                              << "lan";
    }
    void matchSuffix()
    {
        QFETCH(QString, query);
        QFETCH(QString, expected);
        DomainSet set;
        QVERIFY(set.add("example.com"));
        QVERIFY(set.add("track.example.org"));
        QVERIFY(set.add("lan"));
        const auto name = query.toStdString();
        QCOMPARE(QString::fromStdString(std::string(set.matchSuffix(name))), expected);
    }

    void duplicatesEmptyAndOverlongNamesAreNotAdded()
    {
        DomainSet set;
        QVERIFY(set.add("a.example"));
        QVERIFY(!set.add("a.example"));
        QVERIFY(!set.add(""));
        QVERIFY(!set.add(std::string(254, 'a')));
        QCOMPARE(set.size(), std::size_t{1});
    }

    void agreesWithAnUnorderedSetAcrossGrowth()
    {
        DomainSet set;
        std::unordered_set<std::string> reference;
        for (int i = 0; i < 50000; ++i) {
            const auto name = "host" + std::to_string(i * 7919 % 100003) + ".d" + std::to_string(i % 97) + ".example";
            QCOMPARE(set.add(name), reference.insert(name).second);
        }
        QCOMPARE(set.size(), reference.size());
        for (const auto& name : reference)
            QVERIFY(set.contains(name));
        for (int i = 0; i < 1000; ++i)
            QVERIFY(!set.contains("absent" + std::to_string(i) + ".example"));
        std::size_t visited = 0;
        set.forEach([&](std::string_view name) { visited += reference.count(std::string(name)); });
        QCOMPARE(visited, reference.size());
    }
};

QTEST_APPLESS_MAIN(DomainSetTest)
#include "domain_set_test.moc"
