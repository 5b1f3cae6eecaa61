// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the journal's native protocol encoding and of JournalWriter, which never blocks.
#include "service/journal.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <string>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace hostgate;
using namespace std::string_literals;

namespace {

// journald's end: a datagram socket bound at `path`, read only when the test asks.
struct JournaldSocket {
    explicit JournaldSocket(const std::string& path)
    {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.copy(address.sun_path, sizeof(address.sun_path) - 1);
        bound = fd >= 0 && ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    }
    ~JournaldSocket() { ::close(fd); }
    std::string receive() const
    {
        std::string buffer(256 * 1024, '\0');
        const ssize_t length = ::recv(fd, buffer.data(), buffer.size(), 0);
        buffer.resize(length > 0 ? static_cast<std::size_t>(length) : 0);
        return buffer;
    }
    int fd = -1;
    bool bound = false;
};

} // namespace

class JournalTest : public QObject {
    Q_OBJECT

private slots:
    void plainValuesAreNameEqualsValueLines()
    {
        QCOMPARE(encodeJournalEntry({{"MESSAGE", "hello"}, {"HOSTGATE_VERDICT", "denied"}}),
                 "MESSAGE=hello\nHOSTGATE_VERDICT=denied\n"s);
    }

    void aValueWithANewlineIsSentWithItsLittleEndianLength()
    {
        QCOMPARE(encodeJournalEntry({{"HOSTGATE_EXPLANATION", "a\nb"}}),
                 "HOSTGATE_EXPLANATION\n\x03\0\0\0\0\0\0\0a\nb\n"s);
    }

    void noJournalListeningMeansNoWriter()
    {
        QTemporaryDir dir;
        QVERIFY(!JournalWriter::connect(dir.filePath(QStringLiteral("socket")).toStdString()));
    }

    void anEntryArrivesAsOneDatagram()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("socket")).toStdString();
        JournaldSocket journald(path);
        QVERIFY(journald.bound);
        auto writer = JournalWriter::connect(path);
        QVERIFY(writer);
        QVERIFY(writer->send({{"MESSAGE", "Connection denied"}, {"HOSTGATE_APP", "/usr/bin/curl"}}));
        QCOMPARE(journald.receive(), "MESSAGE=Connection denied\nHOSTGATE_APP=/usr/bin/curl\n"s);
        QCOMPARE(writer->dropped(), std::uint64_t{0});
    }

    // The event loop must never wait for journald: with its queue full, entries are dropped and counted.
    void aBusyJournalDropsEntriesInsteadOfBlocking()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("socket")).toStdString();
        JournaldSocket journald(path);
        QVERIFY(journald.bound);
        auto writer = JournalWriter::connect(path);
        QVERIFY(writer);
        const std::vector<JournalField> entry{{"MESSAGE", std::string(1000, 'x')}};
        int sent = 0;
        while (sent < 1000000 && writer->send(entry))
            ++sent;
        QVERIFY2(sent < 1000000, "the queue never filled");
        QCOMPARE(writer->dropped(), std::uint64_t{1});
        // Once journald reads, entries go through again.
        while (!journald.receive().empty()) {
        }
        QVERIFY(writer->send(entry));
    }

    void anOversizedEntryIsRefused()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("socket")).toStdString();
        JournaldSocket journald(path);
        auto writer = JournalWriter::connect(path);
        QVERIFY(writer);
        QVERIFY(!writer->send({{"MESSAGE", std::string(JournalWriter::maxEntryBytes, 'x')}}));
        QCOMPARE(writer->dropped(), std::uint64_t{1});
        QCOMPARE(journald.receive(), std::string());
    }

    void aRestartedJournalIsReconnected()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("socket")).toStdString();
        auto first = std::make_unique<JournaldSocket>(path);
        auto writer = JournalWriter::connect(path);
        QVERIFY(writer);
        first.reset();
        ::unlink(path.c_str());
        JournaldSocket second(path);
        QVERIFY(second.bound);
        QVERIFY(writer->send({{"MESSAGE", "again"}}));
        QCOMPARE(second.receive(), "MESSAGE=again\n"s);
    }

    void stderrIsTheJournalOnlyWhenJournalStreamNamesIt()
    {
        ::unsetenv("JOURNAL_STREAM");
        QVERIFY(!stderrIsJournal());
        struct stat status {};
        QCOMPARE(::fstat(2, &status), 0);
        const std::string mine = std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
        ::setenv("JOURNAL_STREAM", mine.c_str(), 1);
        QVERIFY(stderrIsJournal());
        ::setenv("JOURNAL_STREAM", "1:2", 1);
        QVERIFY(!stderrIsJournal());
        ::unsetenv("JOURNAL_STREAM");
    }
};

QTEST_GUILESS_MAIN(JournalTest)
#include "journal_test.moc"
