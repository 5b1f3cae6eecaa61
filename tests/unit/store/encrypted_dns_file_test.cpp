// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of encrypted-dns.toml: the shipped list parses, bad files are refused with their location.
#include "store/encrypted_dns_file.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

#include <sys/stat.h>

#ifndef HOSTGATE_SHIPPED_ENCRYPTED_DNS
#error "HOSTGATE_SHIPPED_ENCRYPTED_DNS must name daemon/hostgated/encrypted-dns.toml"
#endif

using namespace hostgate;

namespace {

void writeFile(const std::filesystem::path& path, const std::string& text)
{
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0644);
}

} // namespace

class EncryptedDnsFileTest : public QObject {
    Q_OBJECT

private slots:
    void theShippedListParsesAndNamesTheBigResolvers()
    {
        auto loaded = loadEncryptedDnsList({HOSTGATE_SHIPPED_ENCRYPTED_DNS});
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().describe().c_str());
        const auto& list = loaded->list;
        QVERIFY(list.resolvers().size() >= 10);
        for (const char* address : {"1.1.1.1", "8.8.8.8", "9.9.9.9", "2606:4700:4700::1111"})
            QVERIFY2(list.classify(*IpAddress::parse(address), 443, {}).has_value(), address);
        QVERIFY(list.classify(*IpAddress::parse("203.0.113.1"), 443, {"mozilla.cloudflare-dns.com"}).has_value());
        QVERIFY(!list.classify(*IpAddress::parse("203.0.113.1"), 443, {"www.example.com"}).has_value());
    }

    void aFileIsParsed()
    {
        auto list = parseEncryptedDnsFile(
            "version = 1\n[[resolver]]\nname = \"Mine\"\nhosts = [\"DoH.Example\", \"*.dns.example\"]\n"
            "addresses = [\"198.51.100.7\", \"2001:db8::7\"]\n",
            "list.toml");
        QVERIFY2(list.ok(), list.ok() ? "" : list.error().describe().c_str());
        QCOMPARE(list->resolvers().size(), std::size_t{1});
        const auto& resolver = list->resolvers().front();
        QCOMPARE(resolver.name, std::string("Mine"));
        QCOMPARE(resolver.hosts, (std::vector<std::string>{"doh.example", "*.dns.example"}));
        QCOMPARE(resolver.addresses.size(), std::size_t{2});
    }

    void badFilesAreRefusedWithTheirLocation_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("no version") << "[[resolver]]\nname = \"a\"\nhosts = [\"a.example\"]\n"
                                    << "list.toml"
                                    << "Missing 'version = 1'";
        QTest::newRow("version 2") << "version = 2\n"
                                   << "list.toml:1:11"
                                   << "'version' must be 1";
        QTest::newRow("unknown top key") << "version = 1\ncolour = 1\n"
                                         << "list.toml:2:1"
                                         << "Unknown key 'colour'";
        QTest::newRow("unknown resolver key") << "version = 1\n[[resolver]]\nname = \"a\"\nport = 5\n"
                                              << "list.toml:4:1"
                                              << "Unknown key 'port'";
        QTest::newRow("bad address") << "version = 1\n[[resolver]]\nname = \"a\"\naddresses = [\"1.2.3\"]\n"
                                     << "list.toml:4:13"
                                     << "Invalid address '1.2.3'";
        QTest::newRow("bad host") << "version = 1\n[[resolver]]\nname = \"a\"\nhosts = [\"a b\"]\n"
                                  << "list.toml:4:9"
                                  << "Invalid host 'a b'";
        QTest::newRow("neither hosts nor addresses") << "version = 1\n[[resolver]]\nname = \"a\"\n"
                                                     << "list.toml:2:1"
                                                     << "lists neither hosts nor addresses";
        QTest::newRow("no name") << "version = 1\n[[resolver]]\nhosts = [\"a.example\"]\n"
                                 << "list.toml:2:1"
                                 << "needs a 'name'";
        QTest::newRow("not TOML") << "version = = 1\n"
                                  << "list.toml:1:11"
                                  << "Failed to parse";
        QTest::newRow("hosts not strings") << "version = 1\n[[resolver]]\nname = \"a\"\nhosts = [1]\n"
                                           << "list.toml:4:10"
                                           << "must contain strings only";
    }

    void badFilesAreRefusedWithTheirLocation()
    {
        QFETCH(QString, text);
        QFETCH(QString, where);
        QFETCH(QString, fragment);
        auto list = parseEncryptedDnsFile(text.toStdString(), "list.toml");
        QVERIFY(!list.ok());
        QVERIFY2(list.error().message.find(fragment.toStdString()) != std::string::npos, list.error().message.c_str());
        QCOMPARE(QString::fromStdString(list.error().where), where);
    }

    void tooManyEntriesAreRefused()
    {
        std::string text = "version = 1\n[[resolver]]\nname = \"a\"\naddresses = [";
        for (std::size_t i = 0; i <= kMaxEncryptedDnsEntries; ++i)
            text += "\"198.51.100.1\",";
        text += "]\n";
        auto list = parseEncryptedDnsFile(text, "list.toml");
        QVERIFY(!list.ok());
        QVERIFY2(list.error().message.find("at most 256") != std::string::npos, list.error().message.c_str());
    }

    void theFirstExistingCandidateWinsAndNoneIsAnEmptyList()
    {
        QTemporaryDir dir;
        const std::filesystem::path admin = dir.filePath(QStringLiteral("etc.toml")).toStdString();
        const std::filesystem::path shipped = dir.filePath(QStringLiteral("share.toml")).toStdString();
        writeFile(shipped, "version = 1\n[[resolver]]\nname = \"Shipped\"\nhosts = [\"shipped.example\"]\n");
        auto loaded = loadEncryptedDnsList({admin, shipped});
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->file, shipped);
        QCOMPARE(loaded->list.resolvers().front().name, std::string("Shipped"));

        writeFile(admin, "version = 1\n[[resolver]]\nname = \"Admin\"\nhosts = [\"admin.example\"]\n");
        loaded = loadEncryptedDnsList({admin, shipped});
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->file, admin);
        QCOMPARE(loaded->list.resolvers().size(), std::size_t{1});
        QCOMPARE(loaded->list.resolvers().front().name, std::string("Admin"));

        auto none = loadEncryptedDnsList({dir.filePath(QStringLiteral("missing.toml")).toStdString()});
        QVERIFY(none.ok());
        QVERIFY(none->list.empty());
        QVERIFY(none->file.empty());
    }

    void aBrokenOrUntrustedCandidateIsAnErrorNotAFallback()
    {
        QTemporaryDir dir;
        const std::filesystem::path admin = dir.filePath(QStringLiteral("etc.toml")).toStdString();
        const std::filesystem::path shipped = dir.filePath(QStringLiteral("share.toml")).toStdString();
        writeFile(shipped, "version = 1\n[[resolver]]\nname = \"Shipped\"\nhosts = [\"shipped.example\"]\n");
        writeFile(admin, "version = 1\n[[resolver]]\nname = \"Admin\"\n");
        auto loaded = loadEncryptedDnsList({admin, shipped});
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().where.starts_with(admin.string() + ":2:"), loaded.error().describe().c_str());

        writeFile(admin, "version = 1\n");
        ::chmod(admin.c_str(), 0666);
        loaded = loadEncryptedDnsList({admin, shipped});
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().message.find("chmod go-w") != std::string::npos, loaded.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(EncryptedDnsFileTest)
#include "encrypted_dns_file_test.moc"
