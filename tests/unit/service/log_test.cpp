// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the Logger: journald priority prefix, key=value fields and their quoting.
#include "service/log.h"

#include <QtTest>

#include <fcntl.h>
#include <unistd.h>

#include <array>

using namespace hostgate;

namespace {

std::string readAvailable(int fd)
{
    std::string text;
    std::array<char, 4096> buffer{};
    ssize_t length = 0;
    while ((length = ::read(fd, buffer.data(), buffer.size())) > 0) {
        text.append(buffer.data(), static_cast<std::size_t>(length));
    }
    return text;
}

struct Pipe {
    Pipe()
    {
        std::array<int, 2> fds{};
        if (::pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) == 0) {
            readEnd = fds[0];
            writeEnd = fds[1];
        }
    }
    ~Pipe()
    {
        ::close(readEnd);
        ::close(writeEnd);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

    int readEnd = -1;
    int writeEnd = -1;
};

} // namespace

class LogTest : public QObject {
    Q_OBJECT

private slots:
    void priorityPrefixIsTheSyslogSeverity_data()
    {
        QTest::addColumn<int>("level");
        QTest::addColumn<QString>("prefix");
        QTest::newRow("error") << int(LogLevel::Error) << "<3>";
        QTest::newRow("warning") << int(LogLevel::Warning) << "<4>";
        QTest::newRow("notice") << int(LogLevel::Notice) << "<5>";
        QTest::newRow("info") << int(LogLevel::Info) << "<6>";
        QTest::newRow("debug") << int(LogLevel::Debug) << "<7>";
    }

    void priorityPrefixIsTheSyslogSeverity()
    {
        QFETCH(int, level);
        QFETCH(QString, prefix);
        const std::string line = formatLogLine(static_cast<LogLevel>(level), "hello", {}, true);
        QCOMPARE(QString::fromStdString(line), prefix + "hello");
    }

    void fieldsFollowTheMessageAsKeyValuePairs()
    {
        const std::string line = formatLogLine(LogLevel::Info, "Connection allowed",
                                               {{"pid", 4242}, {"app", "/usr/bin/curl"}, {"held", true}}, false);
        QCOMPARE(line, std::string("Connection allowed pid=4242 app=/usr/bin/curl held=true"));
    }

    void valuesAreQuotedOnlyWhenNeeded_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("rendered");
        QTest::newRow("plain token") << "example.org"
                                     << "example.org";
        QTest::newRow("empty") << ""
                               << "\"\"";
        QTest::newRow("space") << "Failed to bind"
                               << "\"Failed to bind\"";
        QTest::newRow("equals sign") << "a=b"
                                     << "\"a=b\"";
        QTest::newRow("quote") << "say \"hi\""
                               << "\"say \\\"hi\\\"\"";
        QTest::newRow("backslash") << "C:\\x"
                                   << "\"C:\\\\x\"";
        QTest::newRow("newline") << "two\nlines"
                                 << "\"two\\nlines\"";
        QTest::newRow("control character") << QString("bell\x07") << "\"bell\\x07\"";
    }

    void valuesAreQuotedOnlyWhenNeeded()
    {
        QFETCH(QString, value);
        QFETCH(QString, rendered);
        QCOMPARE(QString::fromStdString(quoteLogValue(value.toStdString())), rendered);
    }

    void newlineInMessageDoesNotStartANewRecord()
    {
        const std::string line = formatLogLine(LogLevel::Error, "first\nsecond", {}, true);
        QCOMPARE(line, std::string("<3>first second"));
    }

    void loggerWritesOneLinePerRecordToItsFd()
    {
        Pipe pipe;
        QVERIFY(pipe.readEnd >= 0);
        Logger logger(LogLevel::Info, pipe.writeEnd, PriorityPrefix::Always);
        logger.warning("Failed to open rules file, ignoring",
                       {{"path", std::string("/etc/hostgate/rules.d/a b.toml")}});
        logger.info("Started");
        QCOMPARE(readAvailable(pipe.readEnd),
                 std::string("<4>Failed to open rules file, ignoring path=\"/etc/hostgate/rules.d/a b.toml\"\n"
                             "<6>Started\n"));
    }

    void recordsBelowTheThresholdAreDropped()
    {
        Pipe pipe;
        Logger logger(LogLevel::Notice, pipe.writeEnd, PriorityPrefix::Never);
        logger.debug("noise");
        logger.info("chatter");
        logger.notice("kept");
        QCOMPARE(readAvailable(pipe.readEnd), std::string("kept\n"));
    }

    void raisingTheThresholdAtRuntimeTakesEffect()
    {
        Pipe pipe;
        Logger logger(LogLevel::Info, pipe.writeEnd, PriorityPrefix::Never);
        logger.setThreshold(LogLevel::Debug);
        logger.debug("now visible");
        QCOMPARE(readAvailable(pipe.readEnd), std::string("now visible\n"));
    }

    void outputToANonTerminalCarriesThePrefix()
    {
        Pipe pipe;
        Logger logger(LogLevel::Info, pipe.writeEnd);
        logger.error("Failed to load BPF programs");
        QCOMPARE(readAvailable(pipe.readEnd), std::string("<3>Failed to load BPF programs\n"));
    }

    void logLevelNamesRoundTrip_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* name : {"debug", "info", "notice", "warning", "error"}) {
            QTest::newRow(name) << name;
        }
    }

    void logLevelNamesRoundTrip()
    {
        QFETCH(QString, name);
        const auto level = parseLogLevel(name.toStdString());
        QVERIFY(level.has_value());
        QCOMPARE(QString::fromUtf8(logLevelName(*level).data(), static_cast<qsizetype>(logLevelName(*level).size())),
                 name);
    }
};

QTEST_GUILESS_MAIN(LogTest)
#include "log_test.moc"
