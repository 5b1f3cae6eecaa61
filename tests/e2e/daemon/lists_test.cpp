// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end, subscribed lists (issue 15.3): a list served over https by a test server with its own CA
// denies a listed name (and the names under it) while an unlisted one is allowed; a refresh picks up a changed
// list; garbage, an HTTP 500 and a vanished server keep the last good list in force and are reported; an explicit
// allow rule beats the list; a restart without the server still has the list from the daemon's cache. The
// servers' own logs (witness.py) are the witnesses of what got through.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"
#include "daemon/witness_server.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>

#include <sys/stat.h>

#include <csignal>
#include <map>
#include <memory>

using namespace hostgate::e2e;
using hostgate::Ok;
using hostgate::Result;
using namespace std::chrono_literals;

namespace {

const QString listServerAddress = QStringLiteral("198.51.100.80");
constexpr quint16 listServerPort = 8443;
const QString listedAddress = QStringLiteral("203.0.113.60"); // www.ads.lists.test: under the entry ads.lists.test
const QString laterAddress = QStringLiteral("203.0.113.61");  // later.lists.test: listed by the update
const QString freeAddress = QStringLiteral("203.0.113.62");   // free.lists.test: never listed
const QString ruledAddress = QStringLiteral("203.0.113.63");  // ruled.lists.test: listed, but an admin rule allows it
constexpr quint16 port = 80;

const QString firstList = QStringLiteral("# test list v1\r\n0.0.0.0 ads.lists.test\r\n0.0.0.0 ruled.lists.test\r\n");
const QString secondList = firstList + QStringLiteral("0.0.0.0 later.lists.test\r\n");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("free.lists.test"), freeAddress, {}},
                        {QStringLiteral("www.ads.lists.test"), listedAddress, {}},
                        {QStringLiteral("later.lists.test"), laterAddress, {}},
                        {QStringLiteral("ruled.lists.test"), ruledAddress, {}}};
    world.zone.ttlSeconds = 300;
    for (const QString& address : {listServerAddress, listedAddress, laterAddress, freeAddress, ruledAddress})
        world.extraAddresses << address + QStringLiteral("/24");
    return world;
}

QString firstLine(const QByteArray& out)
{
    return QString::fromUtf8(out).section(QLatin1Char('\n'), 0, 0).trimmed();
}

bool refusedAtOnce(const RunResult& attempt)
{
    const QString result = firstLine(attempt.out);
    return (result == QStringLiteral("EPERM") || result == QStringLiteral("ECONNREFUSED")) &&
           attempt.elapsed < failsFast;
}

QStringList tcpClient(const QString& address, const QString& marker)
{
    return witness({QStringLiteral("tcp-client"), address, QString::number(port), marker, QStringLiteral("--timeout"),
                    QStringLiteral("3")});
}

QStringList dig(const QString& name)
{
    return {QStringLiteral("dig"),
            QStringLiteral("+time=2"),
            QStringLiteral("+tries=1"),
            QLatin1Char('@') + QLatin1String(dnsServerIpv4),
            name,
            QStringLiteral("A")};
}

Result<void> writeText(const QString& path, const QByteArray& text)
{
    const QString temporary = path + QStringLiteral(".new");
    QFile file(temporary);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text) != text.size())
        return harnessError(QStringLiteral("Failed to write %1").arg(temporary));
    file.close();
    ::chmod(temporary.toLocal8Bit().constData(), 0644);
    if (::rename(temporary.toLocal8Bit().constData(), path.toLocal8Bit().constData()) != 0)
        return harnessError(QStringLiteral("Failed to rename %1").arg(temporary));
    return Ok{};
}

} // namespace

class ListsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("dig") << QStringLiteral("openssl"))) {
            return;
        }
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-lists"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        const TestNetwork& network = fixture_->network();

        // A CA of the test's own, and a certificate for the list server's address signed by it.
        const QString dir = network.scratchPath(QStringLiteral("tls"));
        QVERIFY(QDir().mkpath(dir));
        caFile_ = dir + QStringLiteral("/ca.pem");
        const QString ext = dir + QStringLiteral("/ext.cnf");
        HG_E2E_VERIFY(writeText(ext, QStringLiteral("subjectAltName=IP:%1\n").arg(listServerAddress).toUtf8()));
        const QList<QStringList> steps = {
            {QStringLiteral("openssl"), QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
             QStringLiteral("ec"), QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
             QStringLiteral("-nodes"), QStringLiteral("-keyout"), dir + QStringLiteral("/ca.key"),
             QStringLiteral("-out"), caFile_, QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
             QStringLiteral("/CN=hostgate test CA")},
            {QStringLiteral("openssl"), QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("ec"),
             QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
             QStringLiteral("-keyout"), dir + QStringLiteral("/server.key"), QStringLiteral("-out"),
             dir + QStringLiteral("/server.csr"), QStringLiteral("-subj"), QStringLiteral("/CN=") + listServerAddress},
            {QStringLiteral("openssl"), QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
             dir + QStringLiteral("/server.csr"), QStringLiteral("-CA"), caFile_, QStringLiteral("-CAkey"),
             dir + QStringLiteral("/ca.key"), QStringLiteral("-CAcreateserial"), QStringLiteral("-out"),
             dir + QStringLiteral("/server.pem"), QStringLiteral("-days"), QStringLiteral("2"),
             QStringLiteral("-extfile"), ext},
        };
        for (const auto& step : steps) {
            const RunResult made = run(Placement::host(), step, 20s);
            QVERIFY2(made.succeeded(), qPrintable(made.describe()));
        }
        ::chmod(caFile_.toLocal8Bit().constData(), 0644);

        served_ = network.scratchPath(QStringLiteral("served"));
        QVERIFY(QDir().mkpath(served_));
        HG_E2E_VERIFY(writeText(served_ + QStringLiteral("/list.txt"), firstList.toUtf8()));
        HG_E2E_VERIFY(startListServer());

        // lists.d must be root's and not writable by others, like rules.d.
        listsDir_ = network.scratchPath(QStringLiteral("lists.d"));
        QVERIFY(QDir().mkpath(listsDir_));
        QVERIFY(::chmod(listsDir_.toLocal8Bit().constData(), 0755) == 0);
        HG_E2E_VERIFY(writeText(listsDir_ + QStringLiteral("/ads.toml"),
                                QStringLiteral("description = \"test ads\"\nsource = \"https://%1:%2/list.txt\"\n"
                                               "format = \"hosts\"\naction = \"deny\"\nrefresh = \"1d\"\n")
                                    .arg(listServerAddress)
                                    .arg(listServerPort)
                                    .toUtf8()));

        for (const QString& address : {listedAddress, laterAddress, freeAddress, ruledAddress}) {
            auto server = std::make_unique<Witness>(network, address);
            HG_E2E_VERIFY(server->start({QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(address).arg(port)}));
            witnesses_.emplace(address, std::move(server));
        }
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        listServer_.reset();
        witnesses_.clear();
        fixture_.reset();
    }

    void aListedNameAndTheNamesUnderItAreDeniedAndAnUnlistedOneIsAllowed()
    {
        HG_E2E_VERIFY(fixture_->startDaemon(daemon()));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("List updated"), QStringLiteral("list=ads"), QStringLiteral("entries=2")}, 0, 10s));
        expectDenied(QStringLiteral("www.ads.lists.test"), listedAddress, QStringLiteral("ads-1"),
                     QStringLiteral("deny www.ads.lists.test (entry ads.lists.test)"));
        expectAllowed(QStringLiteral("free.lists.test"), freeAddress, QStringLiteral("free-1"));
    }

    void anExplicitAllowRuleBeatsTheList()
    {
        expectAllowed(QStringLiteral("ruled.lists.test"), ruledAddress, QStringLiteral("ruled-1"),
                      QStringLiteral("why=\"rule #"));
    }

    void aRefreshPicksUpTheChangedList()
    {
        expectAllowed(QStringLiteral("later.lists.test"), laterAddress, QStringLiteral("later-before"));
        HG_E2E_VERIFY(writeText(served_ + QStringLiteral("/list.txt"), secondList.toUtf8()));
        const qint64 mark = fixture_->daemonLogSize();
        HG_E2E_VERIFY(fixture_->signalDaemon(SIGHUP)); // re-reads lists.d and fetches every list now
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("List updated"), QStringLiteral("list=ads"), QStringLiteral("entries=3")}, mark, 10s));
        expectDenied(QStringLiteral("later.lists.test"), laterAddress, QStringLiteral("later-after"),
                     QStringLiteral("deny later.lists.test"));
    }

    void anUnchangedListIsAskedForConditionally()
    {
        const qint64 mark = fixture_->daemonLogSize();
        HG_E2E_VERIFY(fixture_->signalDaemon(SIGHUP));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("List unchanged"), QStringLiteral("list=ads"), QStringLiteral("entries=3")}, mark, 10s));
    }

    void garbageAnHttpErrorAndAVanishedServerKeepTheLastGoodList_data()
    {
        QTest::addColumn<QString>("failure");
        QTest::addColumn<QString>("reported");
        QTest::newRow("garbage") << QStringLiteral("garbage") << QStringLiteral("not a hosts list");
        QTest::newRow("HTTP 500") << QStringLiteral("500") << QStringLiteral("HTTP 500");
        QTest::newRow("server gone") << QStringLiteral("gone") << QStringLiteral("Failed to refresh a list");
    }
    void garbageAnHttpErrorAndAVanishedServerKeepTheLastGoodList()
    {
        QFETCH(QString, failure);
        QFETCH(QString, reported);
        if (failure == QStringLiteral("garbage")) {
            HG_E2E_VERIFY(writeText(served_ + QStringLiteral("/list.txt"),
                                    QByteArray("<html><body>\x01\x02 Service unavailable</body>\n</html>\n")));
        } else if (failure == QStringLiteral("500")) {
            HG_E2E_VERIFY(writeText(served_ + QStringLiteral("/status"), "500\n"));
        } else {
            listServer_.reset(); // SIGKILLed: the connection is refused
        }
        const qint64 mark = fixture_->daemonLogSize();
        HG_E2E_VERIFY(fixture_->signalDaemon(SIGHUP));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Failed to refresh a list, keeping the last good one"),
                                                QStringLiteral("list=ads"), QStringLiteral("entries=3"), reported},
                                               mark, 10s));
        expectDenied(QStringLiteral("later.lists.test"), laterAddress, QStringLiteral("later-") + failure, {});
        expectDenied(QStringLiteral("www.ads.lists.test"), listedAddress, QStringLiteral("ads-") + failure, {});
    }

    void aRestartWithoutTheServerHasTheCachedList()
    {
        QVERIFY(!listServer_);
        HG_E2E_VERIFY(fixture_->stopDaemon());
        HG_E2E_VERIFY(fixture_->startDaemon(daemon()));
        HG_E2E_VERIFY(fixture_->waitForLogLine(
            {QStringLiteral("Cached list loaded"), QStringLiteral("list=ads"), QStringLiteral("entries=3")}, 0, 10s));
        expectDenied(QStringLiteral("later.lists.test"), laterAddress, QStringLiteral("later-restart"),
                     QStringLiteral("deny later.lists.test"));
        expectAllowed(QStringLiteral("free.lists.test"), freeAddress, QStringLiteral("free-restart"));
    }

private:
    Result<void> startListServer()
    {
        const QString dir = fixture_->network().scratchPath(QStringLiteral("tls"));
        const QString log = fixture_->network().scratchPath(QStringLiteral("list-server.log"));
        auto started = startBackground(Placement::in(fixture_->network()),
                                       {python3(), QStringLiteral(HOSTGATE_LIST_SERVER_PATH), served_,
                                        listServerAddress, QString::number(listServerPort),
                                        dir + QStringLiteral("/server.pem"), dir + QStringLiteral("/server.key")},
                                       log, log);
        if (!started)
            return started.error();
        listServer_ = std::make_unique<BackgroundProcess>(std::move(*started));
        const bool ready = QTest::qWaitFor(
            [&] { return !listServer_->isRunning() || fileText(log).startsWith(QStringLiteral("ready")); }, 5000);
        if (!ready || !listServer_->isRunning())
            return harnessError(QStringLiteral("Failed to start the list server: %1").arg(fileText(log)));
        return Ok{};
    }

    hostgate::e2e::DaemonSettings daemon() const
    {
        const QString config =
            QStringLiteral("mode = \"silent-allow\"\n[lists]\ndir = \"%1\"\nca_file = \"%2\"\ntimeout = 5\n")
                .arg(listsDir_, caFile_);
        const QString rules = QStringLiteral("[[rule]]\nhost = \"ruled.lists.test\"\naction = \"allow\"\n");
        return {rules, config, {}};
    }

    void resolve(const QString& name, const QString& address)
    {
        const RunResult lookup = run(fixture_->confined(), dig(name), 10s);
        QVERIFY2(lookup.succeeded() && lookup.out.contains(address.toLatin1()), qPrintable(lookup.describe()));
    }

    void expectDenied(const QString& name, const QString& address, const QString& marker, const QString& why)
    {
        const qint64 mark = fixture_->daemonLogSize();
        resolve(name, address);
        const Witness& server = *witnesses_.at(address);
        const RunResult attempt = run(fixture_->confined(), tcpClient(address, marker), 10s);
        QVERIFY2(refusedAtOnce(attempt), qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        const QString canary = marker + QStringLiteral("-canary");
        HG_E2E_VERIFY(sendCanary(fixture_->unconfined(), tcpClient(address, canary), server, canary));
        const QString leaked = leaks(server, {marker});
        QVERIFY2(leaked.isEmpty(), qPrintable(leaked));
        if (!why.isEmpty()) {
            HG_E2E_VERIFY(
                fixture_->waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + address,
                                          QStringLiteral("/lists.d/ads.toml): ") + why},
                                         mark));
        }
    }

    void expectAllowed(const QString& name, const QString& address, const QString& marker, const QString& why = {})
    {
        const qint64 mark = fixture_->daemonLogSize();
        resolve(name, address);
        const RunResult attempt = run(fixture_->confined(), tcpClient(address, marker), 10s);
        QVERIFY2(firstLine(attempt.out).startsWith(QStringLiteral("connected")),
                 qPrintable(attempt.describe() + fixture_->daemonLog().mid(mark)));
        HG_E2E_VERIFY(witnesses_.at(address)->waitFor(marker));
        if (!why.isEmpty()) {
            HG_E2E_VERIFY(fixture_->waitForLogLine(
                {QStringLiteral("Connection allowed"), QStringLiteral("ip=") + address, why}, mark));
        }
    }

    std::unique_ptr<DaemonFixture> fixture_;
    std::map<QString, std::unique_ptr<Witness>> witnesses_;
    std::unique_ptr<BackgroundProcess> listServer_;
    QString caFile_;
    QString served_;
    QString listsDir_;
};

QTEST_GUILESS_MAIN(ListsTest)
#include "lists_test.moc"
