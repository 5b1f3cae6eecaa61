// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of IpAddress and Cidr: parsing, printing, v4-mapped normalization and prefix containment.
#include "net/ip_address.h"

#include <QTest>

#include <cstring>

using namespace hostgate;

namespace {

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

} // namespace

class IpAddressTest : public QObject {
    Q_OBJECT

private slots:
    void validAddressesPrintInCanonicalForm_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<bool>("isV4");
        QTest::newRow("ipv4") << "203.0.113.7"
                              << "203.0.113.7" << true;
        QTest::newRow("ipv6 compressed") << "2001:db8::1"
                                         << "2001:db8::1" << false;
        QTest::newRow("ipv6 expanded") << "2001:0db8:0000:0000:0000:0000:0000:0001"
                                       << "2001:db8::1" << false;
        QTest::newRow("ipv6 upper case") << "2001:DB8::A"
                                         << "2001:db8::a" << false;
        QTest::newRow("v4-mapped becomes v4") << "::ffff:198.51.100.9"
                                              << "198.51.100.9" << true;
        QTest::newRow("ipv6 loopback") << "::1"
                                       << "::1" << false;
    }
    void validAddressesPrintInCanonicalForm()
    {
        QFETCH(QString, input);
        QFETCH(QString, canonical);
        QFETCH(bool, isV4);
        const auto address = IpAddress::parse(input.toStdString());
        QVERIFY(address.has_value());
        QCOMPARE(text(address->toString()), canonical);
        QCOMPARE(address->isV4(), isV4);
        QCOMPARE(address->bitLength(), isV4 ? 32u : 128u);
    }

    void malformedAddressesAreRejected_data()
    {
        QTest::addColumn<QString>("input");
        QTest::newRow("empty") << "";
        QTest::newRow("three octets") << "203.0.113";
        QTest::newRow("octet too big") << "203.0.113.256";
        QTest::newRow("trailing garbage") << "203.0.113.7x";
        QTest::newRow("two double colons") << "2001::db8::1";
        QTest::newRow("hostname") << "example.com";
        QTest::newRow("with prefix") << "203.0.113.0/24";
        QTest::newRow("too long") << QString(100, QLatin1Char('1'));
    }
    void malformedAddressesAreRejected()
    {
        QFETCH(QString, input);
        QVERIFY(!IpAddress::parse(input.toStdString()).has_value());
    }

    void v4MappedBytesFromTheKernelEqualThePlainV4Address()
    {
        const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 9};
        const std::uint8_t plain[4] = {198, 51, 100, 9};
        QCOMPARE(IpAddress::fromV6Bytes(mapped), IpAddress::fromV4Bytes(plain));
        QCOMPARE(IpAddressHash{}(IpAddress::fromV6Bytes(mapped)), IpAddressHash{}(IpAddress::fromV4Bytes(plain)));
    }

    void fromV4TakesNetworkByteOrder()
    {
        const std::uint8_t bytes[4] = {203, 0, 113, 7};
        std::uint32_t networkOrder = 0;
        std::memcpy(&networkOrder, bytes, 4);
        QCOMPARE(text(IpAddress::fromV4(networkOrder).toString()), QStringLiteral("203.0.113.7"));
    }

    void bitsAreNumberedFromTheMostSignificant()
    {
        const auto address = IpAddress::parse("128.0.0.1");
        QVERIFY(address.has_value());
        QVERIFY(address->bit(0));
        QVERIFY(!address->bit(1));
        QVERIFY(address->bit(31));
    }

    void cidrParsingClearsHostBits_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<uint>("prefix");
        QTest::newRow("v4 /24") << "203.0.113.77/24"
                                << "203.0.113.0/24" << 24u;
        QTest::newRow("v4 /0") << "203.0.113.77/0"
                               << "0.0.0.0/0" << 0u;
        QTest::newRow("v4 /31") << "198.51.100.3/31"
                                << "198.51.100.2/31" << 31u;
        QTest::newRow("bare v4 is /32") << "198.51.100.3"
                                        << "198.51.100.3/32" << 32u;
        QTest::newRow("v6 /32") << "2001:db8:ffff::1/32"
                                << "2001:db8::/32" << 32u;
        QTest::newRow("v6 /61 splits a byte") << "2001:db8:0:ff::/61"
                                              << "2001:db8:0:f8::/61" << 61u;
        QTest::newRow("bare v6 is /128") << "2001:db8::5"
                                         << "2001:db8::5/128" << 128u;
    }
    void cidrParsingClearsHostBits()
    {
        QFETCH(QString, input);
        QFETCH(QString, canonical);
        QFETCH(uint, prefix);
        const auto cidr = Cidr::parse(input.toStdString());
        QVERIFY(cidr.has_value());
        QCOMPARE(text(cidr->toString()), canonical);
        QCOMPARE(cidr->prefixLength(), prefix);
        QCOMPARE(cidr->isSingleHost(), prefix == cidr->base().bitLength());
    }

    void malformedCidrsAreRejected_data()
    {
        QTest::addColumn<QString>("input");
        QTest::newRow("v4 prefix too long") << "203.0.113.0/33";
        QTest::newRow("v6 prefix too long") << "2001:db8::/129";
        QTest::newRow("empty prefix") << "203.0.113.0/";
        QTest::newRow("negative prefix") << "203.0.113.0/-1";
        QTest::newRow("prefix garbage") << "203.0.113.0/24x";
        QTest::newRow("bad address") << "203.0.113/24";
        QTest::newRow("name") << "example.com/24";
    }
    void malformedCidrsAreRejected()
    {
        QFETCH(QString, input);
        QVERIFY(!Cidr::parse(input.toStdString()).has_value());
    }

    void cidrContainsExactlyTheAddressesUnderItsPrefix_data()
    {
        QTest::addColumn<QString>("network");
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("contained");
        QTest::newRow("v4 inside") << "203.0.113.0/24"
                                   << "203.0.113.255" << true;
        QTest::newRow("v4 just outside") << "203.0.113.0/24"
                                         << "203.0.114.0" << false;
        QTest::newRow("v4 odd prefix inside") << "198.51.100.0/25"
                                              << "198.51.100.127" << true;
        QTest::newRow("v4 odd prefix outside") << "198.51.100.0/25"
                                               << "198.51.100.128" << false;
        QTest::newRow("v4 /0 holds all v4") << "0.0.0.0/0"
                                            << "198.51.100.1" << true;
        QTest::newRow("v4 /0 holds no v6") << "0.0.0.0/0"
                                           << "2001:db8::1" << false;
        QTest::newRow("v4 net holds v4-mapped") << "198.51.100.0/24"
                                                << "::ffff:198.51.100.4" << true;
        QTest::newRow("v6 inside") << "2001:db8::/32"
                                   << "2001:db8:1234::1" << true;
        QTest::newRow("v6 outside") << "2001:db8::/32"
                                    << "2001:db9::1" << false;
        QTest::newRow("v6 /127 pair") << "2001:db8::/127"
                                      << "2001:db8::1" << true;
        QTest::newRow("v6 /127 beyond") << "2001:db8::/127"
                                        << "2001:db8::2" << false;
        QTest::newRow("host route") << "198.51.100.7/32"
                                    << "198.51.100.7" << true;
        QTest::newRow("host route other") << "198.51.100.7/32"
                                          << "198.51.100.8" << false;
    }
    void cidrContainsExactlyTheAddressesUnderItsPrefix()
    {
        QFETCH(QString, network);
        QFETCH(QString, address);
        QFETCH(bool, contained);
        const auto cidr = Cidr::parse(network.toStdString());
        const auto ip = IpAddress::parse(address.toStdString());
        QVERIFY(cidr && ip);
        QCOMPARE(cidr->contains(*ip), contained);
    }
};

QTEST_APPLESS_MAIN(IpAddressTest)
#include "ip_address_test.moc"
