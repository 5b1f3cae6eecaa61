// SPDX-License-Identifier: GPL-3.0-or-later
// A real browser (issue 14.5): headless Chromium in the enforced cgroup loads a page its rule allows, fails fast on
// a name its rule denies, is held at a prompt until the test's agent answers, and — with its own resolver, DoH and
// QUIC, on a name with IPv4 and IPv6 addresses — opens nothing a deny rule forbids (witness.py's logs decide).
#include "bus/bus_world.h"
#include "daemon/witness_server.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <sys/stat.h>

#include <csignal>
#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString allowedName = QStringLiteral("allowed.browser.test");
const QString deniedName = QStringLiteral("denied.browser.test");
const QString askedName = QStringLiteral("asked.browser.test");
const QString allowedAddress = QStringLiteral("203.0.113.40");
const QString deniedAddress = QStringLiteral("203.0.113.41");
const QString deniedAddress6 = QStringLiteral("2001:db8::41");
const QString askedAddress = QStringLiteral("203.0.113.42");
const QString dohAddress = QStringLiteral("203.0.113.43"); // a listed DoH resolver, by address

// Chromium's own bound for one page; a run that needs it has failed (a held connection the test forgot, a timeout).
constexpr auto pageBound = 30s;
// The daemon must not decide a held prompt by itself while the test looks at it.
constexpr auto promptTimeout = 30s;

// The executable the kernel sees: /usr/bin/chromium is a shell script that execs it.
QString chromiumExecutable()
{
    return QFileInfo(QStringLiteral("/usr/lib/chromium/chromium")).canonicalFilePath();
}

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {
        {allowedName, allowedAddress, {}}, {deniedName, deniedAddress, deniedAddress6}, {askedName, askedAddress, {}}};
    world.zone.ttlSeconds = 300;
    for (const QString& address : {allowedAddress, deniedAddress, askedAddress, dohAddress}) {
        world.extraAddresses << address + QStringLiteral("/24");
    }
    world.extraAddresses << deniedAddress6 + QStringLiteral("/64");
    return world;
}

// Chromium's DoH settings as its own settings page saves them (Local State of a fresh profile). Measured with
// Chromium 156: `--enable-features=DnsOverHttps` with Templates/Fallback feature parameters alone never made it use
// DoH; these preferences do (in "secure" mode it then resolves only through the template).
QString dohLocalState(const QString& mode)
{
    return QStringLiteral("{\"dns_over_https\":{\"mode\":\"%1\",\"templates\":\"https://%2/dns-query{?dns}\"}}")
        .arg(mode, dohAddress);
}

} // namespace

class BrowserTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Chromium is a test dependency (scripts/install-deps.sh): missing, the test fails here, it never skips.
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("chromium") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        QVERIFY2(!chromiumExecutable().isEmpty(), "/usr/lib/chromium/chromium is missing (Debian package chromium)");
        QVERIFY2(QFileInfo(witnessScript()).isReadable(), qPrintable(witnessScript()));
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-browser"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        const TestNetwork& network = world_->fixture().network();

        allowed_ = std::make_unique<Witness>(network, QStringLiteral("allowed"));
        HG_E2E_VERIFY(allowed_->start({QStringLiteral("--tcp"), allowedAddress + QStringLiteral(":80")}));
        asked_ = std::make_unique<Witness>(network, QStringLiteral("asked"));
        HG_E2E_VERIFY(asked_->start({QStringLiteral("--tcp"), askedAddress + QStringLiteral(":80")}));
        // Every way Chromium could reach the denied name: TCP 80 and 443, QUIC (UDP 443), on both families.
        QStringList deniedListeners;
        for (const QString& address : {deniedAddress, deniedAddress6}) {
            deniedListeners << QStringLiteral("--tcp") << address + QStringLiteral(":80") << QStringLiteral("--tcp")
                            << address + QStringLiteral(":443") << QStringLiteral("--udp")
                            << address + QStringLiteral(":443");
        }
        denied_ = std::make_unique<Witness>(network, QStringLiteral("denied"));
        HG_E2E_VERIFY(denied_->start(deniedListeners));
        doh_ = std::make_unique<Witness>(network, QStringLiteral("doh"));
        HG_E2E_VERIFY(doh_->start({QStringLiteral("--tcp"), dohAddress + QStringLiteral(":443"),
                                   QStringLiteral("--udp"), dohAddress + QStringLiteral(":443")}));

        const QString listFile = network.scratchPath(QStringLiteral("encrypted-dns.toml"));
        QFile list(listFile);
        QVERIFY(list.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QVERIFY(list.write(QStringLiteral("version = 1\n[[resolver]]\nname = \"Test DoH\"\naddresses = [\"%1\"]\n")
                               .arg(dohAddress)
                               .toUtf8()) > 0);
        list.close();
        QVERIFY(::chmod(listFile.toLocal8Bit().constData(), 0644) == 0);
        // Enforce mode with prompts; the rules name Chromium's executable, encrypted DNS is denied.
        HG_E2E_VERIFY(world_->startDaemon(
            {ruleToml(chromiumExecutable(), allowedName, QStringLiteral("allow")) +
                 ruleToml(chromiumExecutable(), deniedName, QStringLiteral("deny")),
             QStringLiteral("encrypted_dns_files = [\"%1\"]\nencrypted_dns = \"deny\"\n").arg(listFile),
             {QStringLiteral("--prompt-timeout"), QString::number(promptTimeout.count())}}));
    }

    void cleanup()
    {
        // Chromium's zygote, renderers and network service live in the child cgroup: none outlives its test.
        if (world_) {
            HG_E2E_VERIFY(world_->fixture().cgroup().killAll());
        }
    }

    void cleanupTestCase()
    {
        if (world_ && world_->fixture().daemonIsRunning()) {
            HG_E2E_VERIFY(world_->fixture().stopDaemon());
        }
        allowed_.reset();
        asked_.reset();
        denied_.reset();
        doh_.reset();
        world_.reset();
    }

    void anAllowRuleLetsChromiumLoadThePageByName()
    {
        const RunResult page =
            chromium(QStringLiteral("allowed"), QStringLiteral("http://%1/page-allowed").arg(allowedName));
        QVERIFY2(page.succeeded() && page.out.contains(marker(allowedAddress).toUtf8()), qPrintable(describeRun(page)));
        HG_E2E_VERIFY(allowed_->waitFor(QStringLiteral("/page-allowed")));
        qInfo("Chromium loaded the allowed page in %lld ms", static_cast<long long>(page.elapsed.count()));
        allowedElapsed_ = page.elapsed;
    }

    void aDenyRuleMakesChromiumFailFastAndReachesNoServer()
    {
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult page =
            chromium(QStringLiteral("denied"), QStringLiteral("http://%1/page-denied").arg(deniedName));
        QVERIFY2(!page.timedOut && !page.out.contains("witness "), qPrintable(describeRun(page)));
        QVERIFY2(nothingReached(*denied_), qPrintable(denied_->log()));
        HG_E2E_VERIFY(
            world_->fixture().waitForLogLine({QStringLiteral("exe=") + chromiumExecutable(),
                                              QStringLiteral("DNS query for %1 refused: rule #").arg(deniedName)},
                                             mark));
        // Measured, not a tight bound: the name is refused at once, so the run costs about what a page load costs.
        qInfo("Chromium gave up on the denied name after %lld ms (the allowed page took %lld ms)",
              static_cast<long long>(page.elapsed.count()), static_cast<long long>(allowedElapsed_.count()));
        QVERIFY2(page.elapsed < pageBound / 2, qPrintable(describeRun(page)));
    }

    void withoutARuleChromiumIsHeldUntilTheAgentAnswers()
    {
        auto agent = startTestAgent(std::nullopt,
                                    {QStringLiteral("--answer"), QStringLiteral("allow"), QStringLiteral("--lifetime"),
                                     QStringLiteral("once"), QStringLiteral("--when-told")});
        QVERIFY(agent);
        // The DOM comes through a pipe; the long stderr goes to a file, so no pipe fills while the test waits.
        const QString errors = world_->fixture().network().scratchPath(QStringLiteral("chromium-asked.err"));
        auto browser = startBackground(
            world_->fixture().confined(),
            chromiumCommand(QStringLiteral("asked"), QStringLiteral("http://%1/page-asked").arg(askedName)), {},
            errors);
        HG_E2E_VERIFY(browser);

        // The prompt is the synchronisation point: once the agent has it, the connection is held by the daemon.
        HG_E2E_VERIFY(agent->waitForStdout("\"event\":\"ask\"", pageBound));
        const QList<QJsonObject> asks = agentLines(agent->stdoutSoFar(), QStringLiteral("ask"));
        QVERIFY(!asks.isEmpty());
        const QJsonObject request = asks.first().value(QStringLiteral("request")).toObject();
        const QString requestText = QString::fromUtf8(QJsonDocument(request).toJson());
        QCOMPARE(request.value(QStringLiteral("app")).toString(), chromiumExecutable());
        QVERIFY2(request.value(QStringLiteral("hostnames")).toArray().contains(askedName), qPrintable(requestText));
        QCOMPARE(request.value(QStringLiteral("address")).toString(), askedAddress);
        QVERIFY2(browser->isRunning(), qPrintable(fileText(errors).right(4000)));
        QVERIFY2(asked_->accepted() == 0, qPrintable(asked_->log()));

        agent->writeStdin("allow\n");
        const RunResult finished = browser->finish(pageBound);
        QVERIFY2(finished.succeeded() && finished.out.contains(marker(askedAddress).toUtf8()),
                 qPrintable(finished.describe() + fileText(errors).right(4000)));
        HG_E2E_VERIFY(asked_->waitFor(QStringLiteral("/page-asked")));
        const QByteArray seen = stopTestAgent(*agent);
        QVERIFY2(!agentLines(seen, QStringLiteral("answered")).isEmpty(), seen.constData());
    }

    // Chromium's own resolver and its connection racing (IPv4 and IPv6 addresses), DoH and QUIC: whatever it tries,
    // the deny rule for the name leaves every server of that name untouched.
    void noWayOfChromiumReachesADeniedName_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("localState");
        QTest::addColumn<QStringList>("decidedBy"); // fragments of the daemon's log line for the refusal
        const QString http = QStringLiteral("http://%1/").arg(deniedName);
        const QStringList doh{QStringLiteral("--enable-features=AsyncDns,DnsOverHttps")};
        const QStringList nameRefused{QStringLiteral("exe=") + chromiumExecutable(),
                                      QStringLiteral("DNS query for %1 refused: rule #").arg(deniedName)};
        const QStringList dohDenied{QStringLiteral("Connection denied"), QStringLiteral("ip=") + dohAddress,
                                    QStringLiteral("encrypted DNS, DNS over HTTPS (Test DoH); encrypted_dns = deny")};
        QTest::newRow("async-dns") << http + QStringLiteral("async-dns")
                                   << QStringList{QStringLiteral("--enable-features=AsyncDns")} << QString()
                                   << nameRefused;
        QTest::newRow("system-resolver") << http + QStringLiteral("system-resolver")
                                         << QStringList{QStringLiteral("--disable-features=AsyncDns")} << QString()
                                         << nameRefused;
        // Secure DoH only: the resolver's address is listed, so the encrypted DNS policy refuses the connection.
        QTest::newRow("doh-secure") << http + QStringLiteral("doh-secure") << doh
                                    << dohLocalState(QStringLiteral("secure")) << dohDenied;
        // Automatic: DoH failing, Chromium falls back to the system's resolver, where the rule refuses the name.
        QTest::newRow("doh-automatic") << http + QStringLiteral("doh-automatic") << doh
                                       << dohLocalState(QStringLiteral("automatic")) << nameRefused;
        QTest::newRow("quic") << QStringLiteral("https://%1/quic").arg(deniedName)
                              << QStringList{QStringLiteral("--enable-quic"),
                                             QStringLiteral("--origin-to-force-quic-on=%1:443").arg(deniedName)}
                              << QString() << nameRefused;
    }

    void noWayOfChromiumReachesADeniedName()
    {
        QFETCH(QString, url);
        QFETCH(QStringList, flags);
        QFETCH(QString, localState);
        QFETCH(QStringList, decidedBy);
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult page = chromium(QString::fromLatin1(QTest::currentDataTag()), url, flags, localState);
        QVERIFY2(!page.timedOut && !page.out.contains("witness "), qPrintable(describeRun(page)));
        QVERIFY2(nothingReached(*denied_), qPrintable(QStringLiteral("LEAK: ") + denied_->log()));
        QVERIFY2(nothingReached(*doh_),
                 qPrintable(QStringLiteral("LEAK: the denied DoH resolver got: ") + doh_->log()));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine(decidedBy, mark));
        const QByteArray log = world_->fixture().daemonLog().mid(mark);
        qInfo("%s: Chromium finished after %lld ms; the daemon refused %d DNS queries and %d DoH connections",
              QTest::currentDataTag(), static_cast<long long>(page.elapsed.count()),
              static_cast<int>(log.count(QStringLiteral("DNS query for %1 refused").arg(deniedName).toUtf8())),
              static_cast<int>(log.count("encrypted DNS, DNS over HTTPS")));
    }

    // The absence above means something only if the witnesses were listening: they are, from outside the cgroup.
    void theDeniedNamesServersWereListeningAllAlong()
    {
        const Placement outside = world_->fixture().unconfined();
        for (const QString& address : {deniedAddress, deniedAddress6}) {
            const QString canary =
                QStringLiteral("canary-") + QString(address).replace(QLatin1Char(':'), QLatin1Char('-'));
            HG_E2E_VERIFY(sendCanary(outside,
                                     witness({QStringLiteral("tcp-client"), address, QStringLiteral("443"), canary}),
                                     *denied_, canary));
            HG_E2E_VERIFY(sendCanary(
                outside,
                witness({QStringLiteral("udp-send"), address, QStringLiteral("443"), canary + QStringLiteral("-udp")}),
                *denied_, canary + QStringLiteral("-udp")));
        }
        HG_E2E_VERIFY(sendCanary(
            outside,
            witness({QStringLiteral("tcp-client"), dohAddress, QStringLiteral("443"), QStringLiteral("canary-doh")}),
            *doh_, QStringLiteral("canary-doh")));
    }

private:
    static QString marker(const QString& address) { return QStringLiteral("witness %1:80").arg(address); }

    // Only witness.py's own "ready" line: no connection, no datagram.
    static bool nothingReached(const Witness& server) { return server.log() == QStringLiteral("ready\n"); }

    // Headless Chromium as root (hence --no-sandbox) with a fresh profile per run, printing the page's DOM. It stays
    // off the test's private system bus (nothing there is for it), and its home is the run's directory: left alone it
    // writes crash-report settings to ~/.config/chromium and dconf state to ~/.cache whatever --user-data-dir says.
    // `localState`: the profile's "Local State" (browser-wide preferences), none when empty.
    QStringList chromiumCommand(const QString& run, const QString& url, const QStringList& flags = {},
                                const QString& localState = {}) const
    {
        const QString home = world_->fixture().network().scratchPath(QStringLiteral("chromium-") + run);
        const QString profile = home + QStringLiteral("/profile");
        QDir().mkpath(profile);
        if (!localState.isEmpty()) {
            QFile file(profile + QStringLiteral("/Local State"));
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(localState.toUtf8()) < 0) {
                qWarning("Failed to write %s", qPrintable(file.fileName()));
            }
        }
        return QStringList{QStringLiteral("env"),
                           QStringLiteral("-u"),
                           QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"),
                           QStringLiteral("-u"),
                           QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                           QStringLiteral("HOME=") + home,
                           QStringLiteral("XDG_CONFIG_HOME=") + home + QStringLiteral("/.config"),
                           QStringLiteral("XDG_CACHE_HOME=") + home + QStringLiteral("/.cache"),
                           QStringLiteral("chromium"),
                           QStringLiteral("--headless=new"),
                           QStringLiteral("--no-sandbox"),
                           QStringLiteral("--disable-gpu"),
                           QStringLiteral("--no-first-run"),
                           QStringLiteral("--disable-background-networking"),
                           QStringLiteral("--disable-dev-shm-usage"),
                           QStringLiteral("--user-data-dir=") + profile} +
               flags + QStringList{QStringLiteral("--dump-dom"), url};
    }

    RunResult chromium(const QString& run, const QString& url, const QStringList& flags = {},
                       const QString& localState = {}) const
    {
        return hostgate::e2e::run(world_->fixture().confined(), chromiumCommand(run, url, flags, localState),
                                  pageBound);
    }

    // Chromium's stderr is long (D-Bus and GPU complaints): its end is what explains a failure.
    QString describeRun(const RunResult& result) const
    {
        RunResult shortened = result;
        shortened.err = result.err.right(4000);
        return shortened.describe() + QStringLiteral("\ndaemon log (end):\n") +
               QString::fromUtf8(world_->fixture().daemonLog().right(4000));
    }

    std::unique_ptr<BusWorld> world_;
    std::unique_ptr<Witness> allowed_;
    std::unique_ptr<Witness> asked_;
    std::unique_ptr<Witness> denied_;
    std::unique_ptr<Witness> doh_;
    std::chrono::milliseconds allowedElapsed_{0};
};

QTEST_GUILESS_MAIN(BrowserTest)
#include "browser_test.moc"
