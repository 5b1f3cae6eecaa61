// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of runTool: what a tool gets on stdin comes back from its stdout, failures name the tool and
// carry its stderr, a tool that hangs is killed at the deadline, and a tool that never reads stdin cannot
// kill the caller with SIGPIPE.
#include "service/subprocess.h"

#include <QtTest>

#include <chrono>
#include <string>

using namespace hostgate;
using namespace std::chrono_literals;

class SubprocessTest : public QObject {
    Q_OBJECT

private slots:
    void stdinComesBackFromStdout()
    {
        const std::string input(300000, 'x'); // larger than a pipe buffer: feeding and draining must interleave
        const auto output = runTool({{"cat"}, input});
        QVERIFY2(output.ok(), output.ok() ? "" : output.error().describe().c_str());
        QCOMPARE(output->size(), input.size());
        QVERIFY(*output == input);
    }

    void nonZeroExitIsAnErrorWithTheToolsStderr()
    {
        const auto output = runTool({{"sh", "-c", "echo 'no such table' >&2; exit 3"}, {}});
        QVERIFY(!output.ok());
        QCOMPARE(QString::fromStdString(output.error().message), QStringLiteral("sh failed: no such table"));
    }

    void exitStatusIsNamedWhenStderrIsEmpty()
    {
        const auto output = runTool({{"sh", "-c", "exit 4"}, {}});
        QVERIFY(!output.ok());
        QVERIFY2(output.error().message.find("exit status 4") != std::string::npos, output.error().message.c_str());
    }

    void hangingToolIsKilledAtTheDeadline()
    {
        const auto started = std::chrono::steady_clock::now();
        const auto output = runTool({{"sleep", "30"}, {}, 300ms});
        const auto took = std::chrono::steady_clock::now() - started;
        QVERIFY(!output.ok());
        QVERIFY2(output.error().message.find("did not finish within 300 ms") != std::string::npos,
                 output.error().message.c_str());
        QVERIFY(took < 20s); // not the tool's 30 s: it was killed and reaped
    }

    void toolThatIgnoresStdinDoesNotKillTheCaller()
    {
        const std::string input(1 << 20, 'y');
        const auto output = runTool({{"true"}, input});
        QVERIFY2(output.ok(), output.ok() ? "" : output.error().describe().c_str());
        QVERIFY(output->empty());
    }

    void missingToolIsAnError()
    {
        const auto output = runTool({{"hostgate-no-such-tool-anywhere"}, {}});
        QVERIFY(!output.ok());
    }
};

QTEST_GUILESS_MAIN(SubprocessTest)
#include "subprocess_test.moc"
