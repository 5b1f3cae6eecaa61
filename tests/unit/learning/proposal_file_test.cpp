// SPDX-License-Identifier: GPL-3.0-or-later
// The saved proposal book: round trip, strict reading with file:line:column, atomic save, and a broken file
// kept aside instead of lost.
#include "learning/last_two_labels.h"
#include "store/proposal_file.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

using namespace hostgate;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(480000);

ProposalBook::Contents sampleContents()
{
    test::LastTwoLabels domains;
    ProposalBook book(domains);
    Sighting a;
    a.app = "/usr/bin/curl";
    a.uid = 1000;
    a.host = "a.example.com";
    a.port = 443;
    a.at = t0;
    book.observe(a);
    Sighting b = a;
    b.host = "b.example.com";
    b.port = 80;
    b.at = t0 + std::chrono::seconds(3);
    book.observe(b);
    Sighting address;
    address.script = "/home/u/q \"x\".py";
    address.address = *IpAddress::parse("2001:db8::7");
    address.port = 53;
    address.protocol = Protocol::Udp;
    address.at = t0;
    book.observe(address);
    Sighting rejected = a;
    rejected.host = "ads.example.net";
    book.observe(rejected);
    book.reject(3);
    auto contents = book.contents();
    contents.dropped = 4;
    return contents;
}

std::string read(const std::filesystem::path& path)
{
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

class ProposalFileTest : public QObject {
    Q_OBJECT

private slots:
    void whatIsWrittenReadsBackEqual()
    {
        const auto contents = sampleContents();
        QCOMPARE(contents.proposals.size(), std::size_t{2});
        QCOMPARE(contents.rejections.size(), std::size_t{1});
        const auto text = serializeProposals(contents);
        auto parsed = parseProposals(text, "proposals.toml");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().describe().c_str());
        QVERIFY(*parsed == contents);
    }

    void anyPortRoundTrips()
    {
        ProposalBook::Contents contents;
        Proposal proposal;
        proposal.id = 5;
        proposal.host = HostPattern::exact("x.example.com");
        proposal.anyPort = true;
        contents.proposals.push_back(proposal);
        contents.nextId = 6;
        auto parsed = parseProposals(serializeProposals(contents), "p.toml");
        QVERIFY(parsed.ok());
        QVERIFY(parsed->proposals.front().anyPort);
    }

    void problemsAreRefusedWithTheirPlace_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("message");
        const QString head = QStringLiteral("version = 1\n");
        const QString good = QStringLiteral("[[proposal]]\nid = 1\nuser = 0\nhost = \"a.example\"\nprotocol = \"tcp\"\n"
                                            "ports = \"443\"\nfirst_seen = 2026-12-01T00:00:00Z\n"
                                            "last_seen = 2026-12-01T00:00:00Z\n");
        QTest::newRow("syntax") << "version = = 1\n"
                                << "p.toml:1:"
                                << "";
        QTest::newRow("version") << "version = 2\n"
                                 << "p.toml:1:1"
                                 << "version 2 is not supported";
        QTest::newRow("unknown top key") << head + "color = 1\n"
                                         << "p.toml:2:1"
                                         << "unknown key 'color'";
        QTest::newRow("unknown proposal key") << head + good + "colour = \"red\"\n"
                                              << "p.toml:10:1"
                                              << "unknown key 'colour' in [[proposal]]";
        QTest::newRow("bad host") << head + QString(good).replace("a.example", "203.0.113.0/24") << "p.toml:5:8"
                                  << "invalid host";
        QTest::newRow("bad ports") << head + QString(good).replace("\"443\"", "\"99999\"") << "p.toml:7:9"
                                   << "invalid ports";
        QTest::newRow("bad protocol") << head + QString(good).replace("\"tcp\"", "\"any\"") << "p.toml:6:12"
                                      << "'protocol' must be tcp or udp";
        QTest::newRow("duplicate id") << head + good + good << "p.toml:11:6"
                                      << "duplicate proposal id 1";
        QTest::newRow("too many ports") << head + QString(good).replace("\"443\"", "\"1-2000\"") << "p.toml:7:9"
                                        << "at most 1024 ports";
        QTest::newRow("missing host") << head + QString(good).replace("host = \"a.example\"\n", "") << "p.toml:2:1"
                                      << "[[proposal]] needs 'host'";
    }
    void problemsAreRefusedWithTheirPlace()
    {
        QFETCH(QString, text);
        QFETCH(QString, where);
        QFETCH(QString, message);
        auto parsed = parseProposals(text.toStdString(), "p.toml");
        QVERIFY(!parsed.ok());
        const QString described = QString::fromStdString(parsed.error().describe());
        QVERIFY2(described.startsWith(where), qPrintable(described));
        QVERIFY2(described.contains(message), qPrintable(described));
    }

    void aMissingFileIsAnEmptyBook()
    {
        QTemporaryDir dir;
        const auto loaded = loadProposals(std::filesystem::path(dir.path().toStdString()) / "proposals.toml", t0);
        QVERIFY(!loaded.error);
        QVERIFY(loaded.contents == ProposalBook::Contents{});
    }

    void saveReplacesTheFileAndLoadReadsIt()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "proposals.toml";
        const auto contents = sampleContents();
        QVERIFY(saveProposals(path, ProposalBook::Contents{}).ok());
        QVERIFY(saveProposals(path, contents).ok());
        QCOMPARE(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        const auto loaded = loadProposals(path, t0);
        QVERIFY(!loaded.error);
        QVERIFY(loaded.contents == contents);
        // Nothing but the file itself is left in the directory (no temporary files).
        QCOMPARE(std::distance(std::filesystem::directory_iterator(path.parent_path()), {}), 1);
    }

    void aBrokenFileIsReportedAndKeptAsideNotLost()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "proposals.toml";
        const std::string broken = "version = 1\n[[proposal]]\nid = \"one\"\n";
        std::ofstream(path) << broken;
        const auto loaded = loadProposals(path, t0);
        QVERIFY(loaded.error.has_value());
        QVERIFY2(QString::fromStdString(loaded.error->describe()).contains(":3:6: 'id' must be an integer"),
                 loaded.error->describe().c_str());
        QVERIFY(loaded.contents == ProposalBook::Contents{});
        QVERIFY(!std::filesystem::exists(path));
        QCOMPARE(QString::fromStdString(loaded.keptAs.filename().string()),
                 QStringLiteral("proposals.toml.broken-%1").arg(480000LL * 3600));
        QCOMPARE(read(loaded.keptAs), broken);
    }
};

QTEST_APPLESS_MAIN(ProposalFileTest)
#include "proposal_file_test.moc"
