// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the DNS cache: CNAME chains, TTL bounds, poisoning resistance, many names per address, LRU.
#include "dns/dns_cache.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint start = TimePoint{} + std::chrono::hours(1000);

IpAddress ip(const char* text)
{
    return *IpAddress::parse(text);
}

DnsRecord a(const std::string& name, const char* address, std::uint32_t ttl = 300)
{
    const IpAddress parsed = ip(address);
    return DnsRecord{name, parsed.isV4() ? dns_type::A : dns_type::AAAA, ttl, parsed};
}

DnsRecord cname(const std::string& name, const std::string& target, std::uint32_t ttl = 300)
{
    return DnsRecord{name, dns_type::CNAME, ttl, target};
}

DnsMessage answer(const std::string& question, std::vector<DnsRecord> records, std::uint16_t type = dns_type::A)
{
    DnsMessage message;
    message.id = 1;
    message.isResponse = true;
    message.questions = {DnsQuestion{question, type, 1}};
    message.answers = std::move(records);
    return message;
}

QStringList qt(const std::vector<std::string>& names)
{
    QStringList list;
    for (const std::string& name : names)
        list << QString::fromStdString(name);
    return list;
}

DnsCache::Config config(Seconds minTtl, Seconds maxTtl, std::size_t maxAddresses = 1000)
{
    DnsCache::Config settings;
    settings.minTtl = minTtl;
    settings.maxTtl = maxTtl;
    settings.maxAddresses = maxAddresses;
    return settings;
}

} // namespace

Q_DECLARE_METATYPE(std::vector<hostgate::DnsRecord>)

class DnsCacheTest : public QObject {
    Q_OBJECT

private slots:
    void answeredAddressMapsToTheQuestionName()
    {
        DnsCache cache;
        cache.addResponse(answer("www.example.com", {a("www.example.com", "203.0.113.10")}), start);
        QCOMPARE(qt(cache.namesFor(ip("203.0.113.10"), start)), QStringList{"www.example.com"});
        QVERIFY(cache.namesFor(ip("203.0.113.11"), start).empty());
    }

    void nameDisappearsWhenItsTtlHasPassed()
    {
        DnsCache cache(config(Seconds{1}, Seconds{3600}));
        cache.addResponse(answer("www.example.com", {a("www.example.com", "203.0.113.10", 120)}), start);
        QCOMPARE(cache.namesFor(ip("203.0.113.10"), start + Seconds{119}).size(), 1u);
        QVERIFY(cache.namesFor(ip("203.0.113.10"), start + Seconds{120}).empty());
    }

    void zeroTtlAnswerLivesTheMinimumTtlSoTheAppsConnectFindsIt()
    {
        DnsCache cache(config(Seconds{30}, Seconds{3600}));
        const auto added =
            cache.addResponse(answer("www.example.com", {a("www.example.com", "203.0.113.10", 0)}), start);
        QCOMPARE(added.size(), 1u);
        QVERIFY(added[0].expires == start + Seconds{30});
        QCOMPARE(cache.namesFor(ip("203.0.113.10"), start + Seconds{29}).size(), 1u);
        QVERIFY(cache.namesFor(ip("203.0.113.10"), start + Seconds{30}).empty());
    }

    void longTtlIsClampedToTheMaximumTtl()
    {
        DnsCache cache(config(Seconds{30}, Seconds{600}));
        const auto added =
            cache.addResponse(answer("www.example.com", {a("www.example.com", "203.0.113.10", 604800)}), start);
        QVERIFY(added[0].expires == start + Seconds{600});
    }

    void ttlWithTheTopBitSetCountsAsZero()
    {
        DnsCache cache(config(Seconds{30}, Seconds{600}));
        const auto added =
            cache.addResponse(answer("www.example.com", {a("www.example.com", "203.0.113.10", 0x80000000u)}), start);
        QVERIFY(added[0].expires == start + Seconds{30});
    }

    void cnameChainResolvesInAnyRecordOrder_data()
    {
        QTest::addColumn<std::vector<DnsRecord>>("records");
        QTest::newRow("wire order") << std::vector<DnsRecord>{cname("www.example.com", "shop.example.net"),
                                                              cname("shop.example.net", "edge.cdn.example"),
                                                              a("edge.cdn.example", "203.0.113.10")};
        QTest::newRow("reversed") << std::vector<DnsRecord>{a("edge.cdn.example", "203.0.113.10"),
                                                            cname("shop.example.net", "edge.cdn.example"),
                                                            cname("www.example.com", "shop.example.net")};
        QTest::newRow("shuffled") << std::vector<DnsRecord>{cname("shop.example.net", "edge.cdn.example"),
                                                            a("edge.cdn.example", "203.0.113.10"),
                                                            cname("www.example.com", "shop.example.net")};
    }

    void cnameChainResolvesInAnyRecordOrder()
    {
        QFETCH(std::vector<DnsRecord>, records);
        DnsCache cache;
        const auto added = cache.addResponse(answer("www.example.com", records), start);
        QCOMPARE(added.size(), 1u);
        const QStringList chain{"www.example.com", "shop.example.net", "edge.cdn.example"};
        QCOMPARE(qt(added[0].names), chain);
        QCOMPARE(qt(cache.namesFor(ip("203.0.113.10"), start)), chain);
    }

    void chainExpiresWithTheSmallestTtlAlongIt()
    {
        DnsCache cache(config(Seconds{1}, Seconds{3600}));
        const auto added =
            cache.addResponse(answer("www.example.com", {cname("www.example.com", "edge.example.net", 40),
                                                         a("edge.example.net", "203.0.113.10", 300)}),
                              start);
        QVERIFY(added[0].expires == start + Seconds{40});
    }

    void addressRecordUnrelatedToTheQuestionIsIgnored()
    {
        DnsCache cache;
        const auto added = cache.addResponse(
            answer("www.example.com", {a("www.example.com", "203.0.113.10"), a("bank.example.org", "203.0.113.66")}),
            start);
        QCOMPARE(added.size(), 1u);
        QVERIFY(cache.namesFor(ip("203.0.113.66"), start).empty());
    }

    void addressRecordOfAnAliasedNameIsIgnored()
    {
        DnsCache cache;
        cache.addResponse(
            answer("www.example.com", {cname("www.example.com", "edge.example.net"),
                                       a("www.example.com", "203.0.113.66"), a("edge.example.net", "203.0.113.10")}),
            start);
        QVERIFY(cache.namesFor(ip("203.0.113.66"), start).empty());
        QCOMPARE(cache.namesFor(ip("203.0.113.10"), start).size(), 2u);
    }

    void cnameLoopCachesNothing()
    {
        DnsCache cache;
        const auto added = cache.addResponse(
            answer("www.example.com", {cname("www.example.com", "b.example.com"),
                                       cname("b.example.com", "www.example.com"), a("b.example.com", "203.0.113.10")}),
            start);
        QVERIFY(added.empty());
        QCOMPARE(cache.size(), 0u);
    }

    void chainLongerThanTheLimitCachesNothing()
    {
        DnsCache::Config settings;
        settings.maxChainLength = 3;
        DnsCache cache(settings);
        std::vector<DnsRecord> records;
        for (int hop = 0; hop < 4; ++hop)
            records.push_back(
                cname("n" + std::to_string(hop) + ".example", "n" + std::to_string(hop + 1) + ".example"));
        records.push_back(a("n4.example", "203.0.113.10"));
        QVERIFY(cache.addResponse(answer("n0.example", records), start).empty());

        records.erase(records.begin()); // three hops from n1
        QCOMPARE(cache.addResponse(answer("n1.example", records), start).size(), 1u);
    }

    void addressFamilyMustMatchTheQuestionType()
    {
        DnsCache cache;
        const auto added = cache.addResponse(
            answer("www.example.com", {a("www.example.com", "2001:db8::10"), a("www.example.com", "203.0.113.10")},
                   dns_type::A),
            start);
        QCOMPARE(added.size(), 1u);
        QCOMPARE(QString::fromStdString(added[0].address.toString()), QStringLiteral("203.0.113.10"));
    }

    void aaaaAnswerMapsIpv6Address()
    {
        DnsCache cache;
        cache.addResponse(answer("www.example.com", {a("www.example.com", "2001:db8::10")}, dns_type::AAAA), start);
        QCOMPARE(qt(cache.namesFor(ip("2001:db8::10"), start)), QStringList{"www.example.com"});
    }

    void errorResponseCachesNothing()
    {
        DnsCache cache;
        DnsMessage message = answer("www.example.com", {a("www.example.com", "203.0.113.10")});
        message.rcode = dns_rcode::NxDomain;
        QVERIFY(cache.addResponse(message, start).empty());
    }

    void queryMessageCachesNothing()
    {
        DnsCache cache;
        DnsMessage message = answer("www.example.com", {a("www.example.com", "203.0.113.10")});
        message.isResponse = false;
        QVERIFY(cache.addResponse(message, start).empty());
    }

    void manyNamesShareOneAddressMostRecentlyAnsweredFirst()
    {
        DnsCache cache;
        cache.addResponse(answer("a.example.com", {a("a.example.com", "203.0.113.10")}), start);
        cache.addResponse(answer("b.example.com", {a("b.example.com", "203.0.113.10")}), start + Seconds{1});
        cache.addResponse(answer("c.example.com", {a("c.example.com", "203.0.113.10")}), start + Seconds{2});
        QCOMPARE(qt(cache.namesFor(ip("203.0.113.10"), start + Seconds{3})),
                 (QStringList{"c.example.com", "b.example.com", "a.example.com"}));

        cache.addResponse(answer("a.example.com", {a("a.example.com", "203.0.113.10")}), start + Seconds{4});
        QCOMPARE(qt(cache.namesFor(ip("203.0.113.10"), start + Seconds{5})),
                 (QStringList{"a.example.com", "c.example.com", "b.example.com"}));
    }

    void eachNameOfASharedAddressExpiresOnItsOwn()
    {
        DnsCache cache(config(Seconds{1}, Seconds{3600}));
        cache.addResponse(answer("a.example.com", {a("a.example.com", "203.0.113.10", 60)}), start);
        cache.addResponse(answer("b.example.com", {a("b.example.com", "203.0.113.10", 600)}), start);
        QCOMPARE(qt(cache.namesFor(ip("203.0.113.10"), start + Seconds{61})), QStringList{"b.example.com"});
    }

    void namesPerAddressAreBounded()
    {
        DnsCache::Config settings;
        settings.maxNamesPerAddress = 2;
        DnsCache cache(settings);
        for (const char* name : {"a.example.com", "b.example.com", "c.example.com"})
            cache.addResponse(answer(name, {a(name, "203.0.113.10")}), start);
        QCOMPARE(qt(cache.namesFor(ip("203.0.113.10"), start)), (QStringList{"c.example.com", "b.example.com"}));
    }

    void leastRecentlyAnsweredAddressIsEvictedBeyondTheLimit()
    {
        DnsCache cache(config(Seconds{60}, Seconds{3600}, 2));
        cache.addResponse(answer("a.example.com", {a("a.example.com", "203.0.113.1")}), start);
        cache.addResponse(answer("b.example.com", {a("b.example.com", "203.0.113.2")}), start);
        cache.addResponse(answer("a.example.com", {a("a.example.com", "203.0.113.1")}), start); // refreshes .1
        cache.addResponse(answer("c.example.com", {a("c.example.com", "203.0.113.3")}), start);
        QCOMPARE(cache.size(), 2u);
        QVERIFY(cache.namesFor(ip("203.0.113.2"), start).empty());
        QCOMPARE(cache.namesFor(ip("203.0.113.1"), start).size(), 1u);
        QCOMPARE(cache.namesFor(ip("203.0.113.3"), start).size(), 1u);
    }

    void expireDropsAddressesWhoseNamesAllExpired()
    {
        DnsCache cache(config(Seconds{1}, Seconds{3600}));
        cache.addResponse(answer("a.example.com", {a("a.example.com", "203.0.113.1", 60)}), start);
        cache.addResponse(answer("b.example.com", {a("b.example.com", "203.0.113.2", 600)}), start);
        cache.expire(start + Seconds{60});
        QCOMPARE(cache.size(), 1u);
        QCOMPARE(cache.namesFor(ip("203.0.113.2"), start + Seconds{60}).size(), 1u);
    }

    void expiryOfANameIsKnownUntilItPasses()
    {
        DnsCache cache(config(Seconds{1}, Seconds{3600}));
        cache.addResponse(answer("www.example.com", {cname("www.example.com", "edge.example.net", 40),
                                                     a("edge.example.net", "203.0.113.10", 300)}),
                          start);
        QVERIFY(cache.expiryOf(ip("203.0.113.10"), "edge.example.net", start) == start + Seconds{40});
        QVERIFY(!cache.expiryOf(ip("203.0.113.10"), "other.example.net", start).has_value());
        QVERIFY(!cache.expiryOf(ip("203.0.113.11"), "www.example.com", start).has_value());
        QVERIFY(!cache.expiryOf(ip("203.0.113.10"), "www.example.com", start + Seconds{40}).has_value());
    }

    void responseWithSeveralAddressesReturnsEachForTheKernelMap()
    {
        DnsCache cache;
        const auto added = cache.addResponse(answer("www.example.com", {a("www.example.com", "203.0.113.1", 100),
                                                                        a("www.example.com", "203.0.113.2", 200)}),
                                             start);
        QCOMPARE(added.size(), 2u);
        QVERIFY(added[0] == (CachedAddress{ip("203.0.113.1"), {"www.example.com"}, start + Seconds{100}}));
        QVERIFY(added[1] == (CachedAddress{ip("203.0.113.2"), {"www.example.com"}, start + Seconds{200}}));
    }
};

QTEST_APPLESS_MAIN(DnsCacheTest)
#include "dns_cache_test.moc"
