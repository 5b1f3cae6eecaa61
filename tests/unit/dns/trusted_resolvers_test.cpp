// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of resolv.conf parsing and the trusted-resolver set.
#include "dns/trusted_resolvers.h"

#include <QTest>

using namespace hostgate;

namespace {

IpAddress ip(const char* text)
{
    return *IpAddress::parse(text);
}

} // namespace

class TrustedResolversTest : public QObject {
    Q_OBJECT

private slots:
    void nameserverLinesAreReadInOrder()
    {
        const auto servers = parseResolvConf("# generated\nsearch example.test\nnameserver 198.51.100.53\n"
                                             "options edns0\nnameserver\t2001:db8::53\n");
        QCOMPARE(servers, (std::vector<IpAddress>{ip("198.51.100.53"), ip("2001:db8::53")}));
    }

    void commentsMalformedAddressesAndDuplicatesAreIgnored()
    {
        const auto servers =
            parseResolvConf("; nameserver 203.0.113.1\n#nameserver 203.0.113.2\n"
                            "nameserver not-an-address\nnameserver 203.0.113.3 # trailing\n"
                            "nameserver 203.0.113.3\nnameservers 203.0.113.4\n  nameserver 127.0.0.53");
        QCOMPARE(servers, (std::vector<IpAddress>{ip("203.0.113.3"), ip("127.0.0.53")}));
    }

    void zoneIndexIsDropped()
    {
        QCOMPARE(parseResolvConf("nameserver fe80::1%eth0\n"), (std::vector<IpAddress>{ip("fe80::1")}));
    }

    void setContainsOnlyItsAddresses()
    {
        const TrustedResolvers trusted({ip("198.51.100.53"), ip("127.0.0.53"), ip("198.51.100.53")});
        QCOMPARE(trusted.addresses().size(), std::size_t{2});
        QVERIFY(trusted.contains(ip("127.0.0.53")));
        QVERIFY(!trusted.contains(ip("198.51.100.55")));
        QVERIFY(TrustedResolvers().empty());
    }
};

QTEST_APPLESS_MAIN(TrustedResolversTest)
#include "trusted_resolvers_test.moc"
