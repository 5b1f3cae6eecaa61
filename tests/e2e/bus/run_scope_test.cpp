// SPDX-License-Identifier: GPL-3.0-or-later
// Scopes end to end (issue 15.2): `hostgatectl run` puts a command (and its children) into a transient cgroup
// under rules of its own, `attach`/`detach` do the same for an existing cgroup; processes outside are still
// decided by the global rules, and a verdict the kernel cached outside never decides inside. The witness of
// every refusal is the server's log, not the client's error.
#include "bus/bus_world.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef HOSTGATE_WITNESS_PATH
#error "HOSTGATE_WITNESS_PATH must name tests/e2e/daemon/witness.py"
#endif

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString aName = QStringLiteral("a.scope.test");
const QString bName = QStringLiteral("b.scope.test");
const QString aAddress = QStringLiteral("203.0.113.61");
const QString bAddress = QStringLiteral("203.0.113.62");
constexpr auto witnessBound = 5s;
constexpr int curlCouldNotConnect = 7;

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{aName, aAddress, {}}, {bName, bAddress, {}}};
    world.zone.ttlSeconds = 30;
    for (const QString& address : {aAddress, bAddress})
        world.extraAddresses << address + QStringLiteral("/24");
    return world;
}

// Globally curl may reach b by an admin rule, and everything else is allowed by the mode: whatever a scope
// refuses, it refuses against the global policy.
DaemonSettings scopeDaemon()
{
    return {ruleToml(QStringLiteral("/usr/bin/curl"), bName, QStringLiteral("allow")),
            QString(),
            {QStringLiteral("--mode"), QStringLiteral("silent-allow")}};
}

QString fileText(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QString url(const QString& host, const QString& marker)
{
    return QStringLiteral("http://%1/%2").arg(host, marker);
}

QStringList curlTo(const QString& host, const QString& marker)
{
    return curlCommand(IpFamily::V4, url(host, marker));
}

QString shellCurl(const QString& host, const QString& marker)
{
    return curlTo(host, marker).join(QLatin1Char(' '));
}

} // namespace

class RunScopeTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("setpriv") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-scope"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        const TestNetwork& network = world_->fixture().network();
        witnessLog_ = network.scratchPath(QStringLiteral("scope-witness.log"));
        auto witness = startBackground(Placement::in(network),
                                       {python3(), QStringLiteral(HOSTGATE_WITNESS_PATH), QStringLiteral("serve"),
                                        witnessLog_, QStringLiteral("--tcp"), aAddress + QStringLiteral(":80"),
                                        QStringLiteral("--tcp"), bAddress + QStringLiteral(":80")},
                                       witnessLog_ + QStringLiteral(".out"), witnessLog_ + QStringLiteral(".out"));
        HG_E2E_VERIFY(witness);
        witness_.emplace(std::move(*witness));
        QVERIFY2(QTest::qWaitFor([this] { return fileText(witnessLog_).startsWith(QStringLiteral("ready\n")); }, 5000),
                 qPrintable(fileText(witnessLog_ + QStringLiteral(".out"))));
        HG_E2E_VERIFY(world_->startDaemon(scopeDaemon()));
    }

    void cleanupTestCase()
    {
        if (!attachDir_.isEmpty())
            QDir().rmdir(attachDir_); // empty: its clients have exited
        witness_.reset();
        world_.reset();
    }

    void aRunAllowsWhatItsRulesAllow()
    {
        const RunResult result = runScoped({QStringLiteral("--allow"), aName}, curlTo(aName, QStringLiteral("run-a")));
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("run-a")));
        // Its decision is printed on stderr, with the scope's explanation.
        QVERIFY2(result.err.contains("allowed /usr/bin/curl") && result.err.contains("rule 1 allow a.scope.test"),
                 qPrintable(result.describe()));
    }

    void aRunRefusesWhatItsRulesDoNotAllowEvenWhenACachedGlobalVerdictAllowsIt()
    {
        // Outside any scope curl reaches b (admin rule): the kernel now caches that allow for curl.
        const RunResult outside = run(world_->fixture().confined(), curlTo(bName, QStringLiteral("outside-b")), 10s);
        QVERIFY2(outside.succeeded(), qPrintable(outside.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("outside-b")));

        const RunResult result = runScoped({QStringLiteral("--allow"), aName}, curlTo(bName, QStringLiteral("run-b")));
        QVERIFY2(result.exitCode == curlCouldNotConnect, qPrintable(result.describe())); // curl's own status
        QVERIFY2(result.err.contains("denied /usr/bin/curl") && result.err.contains("scope default → deny"),
                 qPrintable(result.describe()));
        HG_E2E_VERIFY(expectNeverReached(QStringLiteral("run-b"), bName));
    }

    void aRunCoversTheChildrenOfItsCommand()
    {
        const RunResult result = runScoped({QStringLiteral("--allow"), aName},
                                           {QStringLiteral("sh"), QStringLiteral("-c"),
                                            shellCurl(bName, QStringLiteral("child-b")) + QStringLiteral("; ") +
                                                shellCurl(aName, QStringLiteral("child-a"))});
        QVERIFY2(result.succeeded(), qPrintable(result.describe())); // sh's status: the last curl's
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("child-a")));
        HG_E2E_VERIFY(expectNeverReached(QStringLiteral("child-b"), bName));
    }

    void aProcessOutsideTheScopeIsDecidedByTheGlobalRulesMeanwhile()
    {
        // The run waits on a fifo the test opens once it has checked the outside: both run at the same time.
        const QString fifo = world_->fixture().network().scratchPath(QStringLiteral("scope-hold.fifo"));
        QFile::remove(fifo);
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        auto held = startBackground(
            world_->fixture().unconfined(),
            {hostgatectlExecutable(), QStringLiteral("run"), QStringLiteral("--allow"), aName, QStringLiteral("--"),
             QStringLiteral("sh"), QStringLiteral("-c"),
             QStringLiteral("cat %1 >/dev/null; ").arg(fifo) + shellCurl(bName, QStringLiteral("held-b"))},
            fifo + QStringLiteral(".out"), fifo + QStringLiteral(".err"));
        HG_E2E_VERIFY(held);
        // Running once the scope is listed with its command's process in its cgroup.
        QString cgroup;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         const auto scopes = world_->ctlJson({QStringLiteral("scopes")});
                         if (!scopes || scopes->array().isEmpty())
                             return false;
                         cgroup = scopes->array().first()[QStringLiteral("cgroup")].toString();
                         return !fileText(world_->fixture().cgroup().mountPoint() + cgroup +
                                          QStringLiteral("/cgroup.procs"))
                                     .trimmed()
                                     .isEmpty();
                     },
                     5000),
                 "the run's scope never appeared with a process in it");
        QVERIFY2(cgroup.startsWith(world_->fixture().cgroup().relativePath() + QStringLiteral("/hostgate-run-")),
                 qPrintable(cgroup));

        const RunResult outside = run(world_->fixture().confined(), curlTo(bName, QStringLiteral("meanwhile-b")), 10s);
        QVERIFY2(outside.succeeded(), qPrintable(outside.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("meanwhile-b")));

        QFile writer(fifo);
        QVERIFY(writer.open(QIODevice::WriteOnly));
        writer.close();
        const RunResult finished = held->finish(15s);
        QVERIFY2(finished.exitCode == curlCouldNotConnect,
                 qPrintable(finished.describe() + fileText(fifo + QStringLiteral(".err"))));
        HG_E2E_VERIFY(expectNeverReached(QStringLiteral("held-b"), bName));
        // The scope ended with its command, and its cgroup is gone.
        const auto after = world_->ctlJson({QStringLiteral("scopes")});
        HG_E2E_VERIFY(after);
        QVERIFY2(after->array().isEmpty(), after->toJson().constData());
        QVERIFY(!QDir(world_->fixture().cgroup().mountPoint() + cgroup).exists());
    }

    void aRunLogsItsDecisionsAsJsonLines()
    {
        const QString logFile = world_->fixture().network().scratchPath(QStringLiteral("scope-decisions.jsonl"));
        QFile::remove(logFile);
        const RunResult result = runScoped({QStringLiteral("--allow"), aName, QStringLiteral("--log"), logFile},
                                           {QStringLiteral("sh"), QStringLiteral("-c"),
                                            shellCurl(aName, QStringLiteral("log-a")) + QStringLiteral("; ") +
                                                shellCurl(bName, QStringLiteral("log-b"))});
        QCOMPARE(result.exitCode, curlCouldNotConnect);
        QVERIFY2(!result.err.contains("denied /usr/bin/curl"), qPrintable(result.describe())); // in the file instead
        // Every line is one JSON object python's json.loads reads, with the documented keys.
        const QString check =
            QStringLiteral("import json,sys\n"
                           "lines=[json.loads(l) for l in open(sys.argv[1])]\n"
                           "keys={'time','exe','pid','host','ip','port','proto','verdict','rule','why'}\n"
                           "assert lines and all(keys <= set(l) for l in lines), lines\n"
                           "print(' '.join(l['verdict']+':'+l['host'] for l in lines))\n");
        const RunResult parsed = run(Placement::host(), {python3(), QStringLiteral("-c"), check, logFile}, 10s);
        QVERIFY2(parsed.succeeded(), qPrintable(parsed.describe() + fileText(logFile)));
        QVERIFY2(parsed.out.contains("allowed:a.scope.test") && parsed.out.contains("denied:b.scope.test"),
                 qPrintable(parsed.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("log-a")));
        HG_E2E_VERIFY(expectNeverReached(QStringLiteral("log-b"), bName));
    }

    void aRunNeedsAuthorization()
    {
        const QString marker = world_->fixture().network().scratchPath(QStringLiteral("unauthorized-ran"));
        const RunResult refused = world_->ctl(deniedUid, {QStringLiteral("run"), QStringLiteral("--allow"), aName,
                                                          QStringLiteral("--"), QStringLiteral("touch"), marker});
        QVERIFY2(refused.exitCode == 3 && refused.err.contains("not authorized"), qPrintable(refused.describe()));
        QVERIFY(!QFile::exists(marker)); // the command never ran
        const RunResult invalid =
            world_->ctl(std::nullopt, {QStringLiteral("run"), QStringLiteral("--allow"), QStringLiteral("re:("),
                                       QStringLiteral("--"), QStringLiteral("true")});
        QVERIFY2(invalid.exitCode == 5, qPrintable(invalid.describe()));
    }

    void attachAppliesAPolicyToAnExistingCgroupUntilDetach()
    {
        const QString dir = world_->fixture().cgroup().path() + QStringLiteral("/hg-attach");
        attachDir_ = dir;
        QDir().rmdir(dir);
        QVERIFY(QDir().mkdir(dir));
        const auto inAttached = [&](const QString& host, const QString& marker) {
            return run(world_->fixture().confined(),
                       {QStringLiteral("sh"), QStringLiteral("-c"),
                        QStringLiteral("echo $$ > %1/cgroup.procs && exec ").arg(dir) + shellCurl(host, marker)},
                       10s);
        };
        const auto attached =
            world_->ctlJson({QStringLiteral("attach"), QStringLiteral("--cgroup"), dir, QStringLiteral("--deny"), bName,
                             QStringLiteral("--default"), QStringLiteral("allow")});
        HG_E2E_VERIFY(attached);
        const auto id = attached->object().value(QStringLiteral("id")).toInteger();
        QVERIFY(id > 0);

        const RunResult denied = inAttached(bName, QStringLiteral("attached-b"));
        QCOMPARE(denied.exitCode, curlCouldNotConnect);
        const RunResult allowed = inAttached(aName, QStringLiteral("attached-a")); // default allow
        QVERIFY2(allowed.succeeded(), qPrintable(allowed.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("attached-a")));
        HG_E2E_VERIFY(expectNeverReached(QStringLiteral("attached-b"), bName));

        const auto listed = world_->ctlJson({QStringLiteral("scopes")});
        HG_E2E_VERIFY(listed);
        QCOMPARE(listed->array().size(), 1);
        QCOMPARE(listed->array().first()[QStringLiteral("kind")].toString(), QStringLiteral("attach"));
        QCOMPARE(listed->array().first()[QStringLiteral("rules")].toArray().size(), 1);

        const RunResult detached = world_->ctl(std::nullopt, {QStringLiteral("detach"), QString::number(id)});
        QVERIFY2(detached.succeeded(), qPrintable(detached.describe()));
        const RunResult again = inAttached(bName, QStringLiteral("detached-b")); // the global rules again
        QVERIFY2(again.succeeded(), qPrintable(again.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("detached-b")));
        QVERIFY(QDir().rmdir(dir));
    }

private:
    // hostgatectl run OPTIONS -- COMMAND as root in the test netns (outside the enforced cgroup: the daemon
    // moves the command into the scope's cgroup below it).
    RunResult runScoped(const QStringList& options, const QStringList& command) const
    {
        return run(world_->fixture().unconfined(),
                   QStringList{hostgatectlExecutable(), QStringLiteral("run")} + options +
                       QStringList{QStringLiteral("--")} + command,
                   20s);
    }

    hostgate::Result<void> waitForWitness(const QString& marker) const
    {
        if (QTest::qWaitFor([&] { return fileText(witnessLog_).contains(QStringLiteral("/") + marker); },
                            static_cast<int>(std::chrono::milliseconds(witnessBound).count())))
            return hostgate::Ok{};
        return harnessError(
            QStringLiteral("'%1' never reached the witness; its log:\n%2").arg(marker, fileText(witnessLog_)));
    }

    // A canary from outside the scope to the same server: once it is logged, a request the refused attempt had
    // made would be logged before it.
    hostgate::Result<void> expectNeverReached(const QString& marker, const QString& host)
    {
        const QString canary = QStringLiteral("canary-%1").arg(++canaries_);
        const RunResult sent = run(world_->fixture().unconfined(), curlTo(host, canary), 10s);
        if (!sent.succeeded())
            return harnessError(QStringLiteral("the canary failed:\n") + sent.describe());
        if (auto seen = waitForWitness(canary); !seen)
            return seen;
        if (fileText(witnessLog_).contains(QStringLiteral("/") + marker))
            return harnessError(
                QStringLiteral("'%1' reached the server; its log:\n%2").arg(marker, fileText(witnessLog_)));
        return hostgate::Ok{};
    }

    std::unique_ptr<BusWorld> world_;
    QString witnessLog_;
    std::optional<BackgroundProcess> witness_;
    int canaries_ = 0;
    QString attachDir_;
};

QTEST_GUILESS_MAIN(RunScopeTest)
#include "run_scope_test.moc"
