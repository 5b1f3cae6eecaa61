// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end: SIGKILL while rules are being saved whole (imports) leaves temporary files; the next start removes
// exactly those, and the rules file it finds is whole.
#include "bus/bus_world.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>

#include <memory>
#include <optional>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

DaemonSettings daemonSettings()
{
    return {ruleToml(QStringLiteral("/usr/bin/curl"), QStringLiteral("admin.test"), QStringLiteral("allow")),
            QString(),
            {}};
}

QStringList temporaryFilesIn(const QString& directory)
{
    static const QRegularExpression pattern(QStringLiteral("^\\.rules\\.toml\\.tmp-[A-Za-z0-9]{6}$"));
    QStringList found;
    for (const QString& name : QDir(directory).entryList(QDir::Files | QDir::Hidden | QDir::System)) {
        if (pattern.match(name).hasMatch())
            found << name;
    }
    return found;
}

} // namespace

class CrashLeftoversTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("dbus-daemon")
                                                                   << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-crash"));
        HG_E2E_VERIFY(world_->setUp(DaemonEnvironment{}));
    }

    void cleanupTestCase() { world_.reset(); }

    void killsDuringSavesLeaveTemporaryFilesThatTheNextStartRemoves()
    {
        const QString state = world_->fixture().stateDirectory();
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
        // 2,000 rules with 1 KiB notes: every save then writes (and fsyncs) about 2.5 MB, long enough to be
        // caught in the middle.
        QString many;
        for (int i = 0; i < 2000; ++i)
            many += QStringLiteral("[[rule]]\nhost = \"bulk%1.test\"\naction = \"deny\"\nnote = \"%2\"\n")
                        .arg(i)
                        .arg(QString(1024, QLatin1Char('n')));
        const RunResult imported = world_->ctl(
            std::nullopt, {QStringLiteral("rules"), QStringLiteral("import"), QStringLiteral("-")}, many.toUtf8());
        QVERIFY2(imported.succeeded(), qPrintable(imported.describe()));

        // Each round: saves in a loop, and SIGKILL the moment a save's temporary file appears (inotify), so the
        // kill lands inside a save; a save that renames first leaves nothing, so the rounds go on until one
        // kill left a file behind.
        constexpr int maxRounds = 20;
        QStringList leftovers;
        int round = 0;
        for (; round < maxRounds && leftovers.isEmpty(); ++round) {
            if (!world_->fixture().daemonIsRunning())
                HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
            const int watch = ::inotify_init1(IN_CLOEXEC);
            QVERIFY(watch >= 0);
            QVERIFY(::inotify_add_watch(watch, QFile::encodeName(state).constData(), IN_CREATE) >= 0);
            // An import rewrites the whole file (AddRule only appends to the journal).
            const QString loop =
                QStringLiteral("i=0; while :; do i=$((i+1)); printf '[[rule]]\\nhost = \"r%1-'$i'.test\"\\n"
                               "action = \"deny\"\\n' | \"$0\" rules import - >/dev/null 2>&1; done")
                    .arg(round);
            auto adder = startBackground(Placement::host(),
                                         {QStringLiteral("sh"), QStringLiteral("-c"), loop, hostgatectlExecutable()});
            HG_E2E_VERIFY(adder);
            const bool caught = waitForTemporaryFile(watch, 20s);
            ::kill(world_->fixture().daemonPid(), SIGKILL);
            ::close(watch);
            world_->fixture().killDaemon();
            adder->kill();
            QVERIFY2(caught, "no save started within 20 s");
            leftovers = temporaryFilesIn(state);
        }
        QVERIFY2(!leftovers.isEmpty(),
                 qPrintable(QStringLiteral("no kill in %1 rounds landed inside a save").arg(round)));

        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Removed temporary files left by a crash"),
                                                        QStringLiteral("count=%1").arg(leftovers.size())},
                                                       0));
        QCOMPARE(temporaryFilesIn(state), QStringList{});
        // What the kills left in place of the rules file is a whole file: it loads without errors.
        QVERIFY2(!world_->fixture().daemonLog().contains("Failed to load rule file"),
                 world_->fixture().daemonLog().constData());
        const auto rules = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(rules);
        QVERIFY(rules->array().size() > 1);
    }

private:
    // Blocks (poll, at most `bound`) until the inotify fd reports a file named like a save's temporary file.
    static bool waitForTemporaryFile(int watch, std::chrono::milliseconds bound)
    {
        const auto deadline = std::chrono::steady_clock::now() + bound;
        alignas(inotify_event) char buffer[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd ready{watch, POLLIN, 0};
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (::poll(&ready, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0)
                return false;
            const ssize_t length = ::read(watch, buffer, sizeof buffer);
            for (ssize_t offset = 0; length > 0 && offset < length;) {
                const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
                if (event->len > 0 && QString::fromUtf8(event->name).startsWith(QStringLiteral(".rules.toml.tmp-")))
                    return true;
                offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            }
        }
        return false;
    }

    std::unique_ptr<BusWorld> world_;
};

QTEST_GUILESS_MAIN(CrashLeftoversTest)
#include "crash_leftovers_test.moc"
