// SPDX-License-Identifier: GPL-3.0-or-later
// The network monitor's data, end to end: real TCP and UDP traffic of a confined python client shows up in
// ListTraffic (hostgatectl traffic) with the byte counts the *server* logged receiving and sending, named by its
// app and the rule that allowed it, also when the kernel's cached verdict decided the connection; a refused
// attempt is listed with no traffic; a closed socket is marked closed.
#include "bus/bus_world.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>
#include <QThread>

#include <functional>
#include <memory>

using namespace hostgate::e2e;
using hostgate::Result;
using namespace std::chrono_literals;

namespace {

const QString allowedAddress = QStringLiteral("203.0.113.71");
const QString deniedAddress = QStringLiteral("203.0.113.72");
constexpr int peerPort = 9100;
constexpr int replyBytes = 300000;
constexpr int sendBytes = 200000;

QString peerScript()
{
    return QStringLiteral(HOSTGATE_TRAFFIC_PEER_PATH);
}

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.extraAddresses = {allowedAddress + QStringLiteral("/32"), deniedAddress + QStringLiteral("/32")};
    return world;
}

DaemonSettings daemonSettings(bool accounting = true)
{
    return {ruleToml(python3ExecutablePath(), allowedAddress, QStringLiteral("allow")) +
                ruleToml(python3ExecutablePath(), deniedAddress, QStringLiteral("deny")),
            QStringLiteral("traffic_accounting = %1\n[verdicts]\nmin_ttl = 60\nmax_ttl = 600\n")
                .arg(accounting ? QStringLiteral("true") : QStringLiteral("false")),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

// "key=N" from a line of the peer's output or log.
qint64 number(const QString& line, const QString& key)
{
    const auto match = QRegularExpression(QStringLiteral("\\b%1=(\\d+)").arg(key)).match(line);
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

bool agrees(qint64 counted, qint64 witnessed)
{
    return counted >= 0 && witnessed >= 0 &&
           countedBytesAgree(static_cast<quint64>(counted), static_cast<quint64>(witnessed));
}

} // namespace

class TrafficTest : public QObject {
    Q_OBJECT

    std::unique_ptr<BusWorld> world_;
    std::optional<BackgroundProcess> server_;
    QString serverLog_;

    Result<QJsonArray> traffic()
    {
        auto listed = world_->ctlJson({QStringLiteral("traffic")});
        if (!listed)
            return listed.error();
        return listed->array();
    }

    // The flows to `address`:`port`/`protocol`, polled until `done` holds for them (the kernel's counters are
    // read when asked: a poll interval, not a synchronization), at most `bound`.
    Result<QList<QJsonObject>> waitForFlows(const QString& address, const QString& protocol,
                                            const std::function<bool(const QList<QJsonObject>&)>& done,
                                            std::chrono::milliseconds bound = 5s)
    {
        QElapsedTimer clock;
        clock.start();
        QJsonArray last;
        while (true) {
            auto listed = traffic();
            if (!listed)
                return listed.error();
            last = *listed;
            QList<QJsonObject> flows;
            for (const auto& value : last) {
                const QJsonObject flow = value.toObject();
                if (flow.value(QStringLiteral("address")).toString() == address &&
                    flow.value(QStringLiteral("protocol")).toString() == protocol)
                    flows.append(flow);
            }
            if (done(flows))
                return flows;
            if (clock.elapsed() > bound.count())
                break;
            QThread::msleep(200);
        }
        return harnessError(QStringLiteral("no expected %1 flow to %2 within %3 ms: %4")
                                .arg(protocol, address)
                                .arg(bound.count())
                                .arg(QString::fromUtf8(QJsonDocument(last).toJson(QJsonDocument::Compact))));
    }

    // The server's log lines of this protocol, once there are `count` of them.
    Result<QStringList> serverLines(const QString& protocol, int count)
    {
        QStringList lines;
        const bool seen = QTest::qWaitFor(
            [&] {
                QFile file(serverLog_);
                lines.clear();
                if (file.open(QIODevice::ReadOnly))
                    for (const QString& line : QString::fromUtf8(file.readAll()).split(QLatin1Char('\n')))
                        if (line.startsWith(protocol + QLatin1Char(' ')))
                            lines.append(line);
                return lines.size() >= count;
            },
            5000);
        if (!seen)
            return harnessError(QStringLiteral("the server logged %1 %2 lines, expected %3")
                                    .arg(lines.size())
                                    .arg(protocol)
                                    .arg(count));
        return lines;
    }

    RunResult client(const QStringList& arguments)
    {
        return run(world_->fixture().confined(), QStringList{python3(), peerScript()} + arguments, 20s);
    }

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("setpriv") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-traffic"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        serverLog_ = world_->fixture().network().scratchPath(QStringLiteral("traffic-peer.log"));
        auto started = startBackground(Placement::in(world_->fixture().network()),
                                       {python3(), peerScript(), QStringLiteral("serve"), serverLog_, allowedAddress,
                                        QString::number(peerPort), QString::number(replyBytes)},
                                       serverLog_ + QStringLiteral(".out"), serverLog_ + QStringLiteral(".out"));
        HG_E2E_VERIFY(started);
        server_.emplace(std::move(*started));
        QVERIFY2(QTest::qWaitFor(
                     [this] {
                         QFile file(serverLog_);
                         return file.open(QIODevice::ReadOnly) && file.readAll().startsWith("ready\n");
                     },
                     5000),
                 "the traffic peer server did not start");
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
    }

    void cleanupTestCase()
    {
        if (world_ && world_->fixture().daemonIsRunning())
            HG_E2E_VERIFY(world_->fixture().stopDaemon());
        server_.reset();
        world_.reset();
    }

    void tcpBytesMatchWhatTheServerReceivedAndSent()
    {
        const RunResult sent =
            client({QStringLiteral("tcp"), allowedAddress, QString::number(peerPort), QString::number(sendBytes)});
        QVERIFY2(sent.succeeded() && sent.out.contains(QStringLiteral("received=%1").arg(replyBytes).toUtf8()),
                 qPrintable(sent.describe()));
        auto logged = serverLines(QStringLiteral("tcp"), 1);
        HG_E2E_VERIFY(logged);
        const qint64 received = number(logged->at(0), QStringLiteral("received"));
        const qint64 answered = number(logged->at(0), QStringLiteral("sent"));
        QCOMPARE(received, sendBytes);
        QCOMPARE(answered, replyBytes);

        auto flows = waitForFlows(allowedAddress, QStringLiteral("tcp"), [](const QList<QJsonObject>& found) {
            return found.size() == 1 && found[0].contains(QStringLiteral("closed_usec"));
        });
        HG_E2E_VERIFY(flows);
        const QJsonObject flow = flows->at(0);
        QVERIFY2(agrees(flow.value(QStringLiteral("bytes_sent")).toInteger(), received),
                 qPrintable(QString::number(flow.value(QStringLiteral("bytes_sent")).toInteger())));
        QVERIFY2(agrees(flow.value(QStringLiteral("bytes_received")).toInteger(), answered),
                 qPrintable(QString::number(flow.value(QStringLiteral("bytes_received")).toInteger())));
        QVERIFY(flow.value(QStringLiteral("packets_sent")).toInteger() > 0);
        QVERIFY(flow.value(QStringLiteral("socket")).toInteger() != 0);
        QCOMPARE(flow.value(QStringLiteral("port")).toInt(), peerPort);
        QCOMPARE(flow.value(QStringLiteral("app")).toString(), python3ExecutablePath());
        // python3 runs many programs: the flow names the script too.
        QCOMPARE(flow.value(QStringLiteral("script")).toString(), peerScript());
        QCOMPARE(flow.value(QStringLiteral("verdict")).toString(), QStringLiteral("allowed"));
        QVERIFY2(flow.value(QStringLiteral("rule_id")).toInteger() > 0, qPrintable(QJsonDocument(flow).toJson()));
        QVERIFY(flow.value(QStringLiteral("since_usec")).toInteger() <=
                flow.value(QStringLiteral("last_usec")).toInteger());
    }

    void aConnectionTheKernelDecidedIsCountedAndNamedToo()
    {
        // python3 is an interpreter: its verdicts are cached per process, so one process connects twice; the
        // daemon decides the first connection, the kernel's cached verdict the second.
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult sent = client({QStringLiteral("tcp"), allowedAddress, QString::number(peerPort),
                                       QStringLiteral("1000"), QStringLiteral("2")});
        QVERIFY2(sent.succeeded() && sent.out.count("sent=1000") == 2, qPrintable(sent.describe()));
        auto logged = serverLines(QStringLiteral("tcp"), 3);
        HG_E2E_VERIFY(logged);
        QCOMPARE(number(logged->at(2), QStringLiteral("received")), 1000);
        auto flows = waitForFlows(allowedAddress, QStringLiteral("tcp"),
                                  [](const QList<QJsonObject>& found) { return found.size() == 3; });
        HG_E2E_VERIFY(flows);
        // The daemon decided one of the two (the other verdict came from the kernel's cache) ...
        QCOMPARE(world_->fixture().countLogLines(QStringLiteral("ip=") + allowedAddress, mark), 1);
        // ... yet the monitor counts it and names the rule behind the cached verdict.
        int found = 0;
        for (const QJsonObject& flow : *flows) {
            if (flow.value(QStringLiteral("bytes_sent")).toInteger() != 1000)
                continue;
            ++found;
            QVERIFY(agrees(flow.value(QStringLiteral("bytes_received")).toInteger(), replyBytes));
            QCOMPARE(flow.value(QStringLiteral("app")).toString(), python3ExecutablePath());
            QCOMPARE(flow.value(QStringLiteral("verdict")).toString(), QStringLiteral("allowed"));
            QVERIFY(flow.value(QStringLiteral("rule_id")).toInteger() > 0);
        }
        QJsonArray shown;
        for (const QJsonObject& flow : *flows)
            shown.append(flow);
        QVERIFY2(found == 2, qPrintable(QJsonDocument(shown).toJson(QJsonDocument::Compact)));
    }

    void udpDatagramsAreCountedPerPeer()
    {
        const RunResult sent = client({QStringLiteral("udp"), allowedAddress, QString::number(peerPort),
                                       QStringLiteral("8"), QStringLiteral("1200")});
        QVERIFY2(sent.succeeded() && sent.out.contains("sent=9600"), qPrintable(sent.describe()));
        auto logged = serverLines(QStringLiteral("udp"), 8);
        HG_E2E_VERIFY(logged);
        qint64 received = 0;
        for (const QString& line : *logged)
            received += number(line, QStringLiteral("received"));
        QCOMPARE(received, 9600);
        auto flows = waitForFlows(allowedAddress, QStringLiteral("udp"),
                                  [](const QList<QJsonObject>& found) { return found.size() == 1; });
        HG_E2E_VERIFY(flows);
        const QJsonObject flow = flows->at(0);
        // UDP is not retransmitted: the counts are exact.
        QCOMPARE(flow.value(QStringLiteral("bytes_sent")).toInteger(), received);
        QCOMPARE(flow.value(QStringLiteral("bytes_received")).toInteger(), received);
        QCOMPARE(flow.value(QStringLiteral("packets_sent")).toInteger(), 8);
        QCOMPARE(flow.value(QStringLiteral("app")).toString(), python3ExecutablePath());
    }

    void aRefusedAttemptIsListedWithoutTraffic()
    {
        const RunResult refused =
            client({QStringLiteral("tcp"), deniedAddress, QString::number(peerPort), QStringLiteral("10")});
        QVERIFY2(refused.out.contains("EPERM") || refused.out.contains("ECONNREFUSED") ||
                     refused.out.contains("TIMEOUT"),
                 qPrintable(refused.describe()));
        auto flows = waitForFlows(deniedAddress, QStringLiteral("tcp"),
                                  [](const QList<QJsonObject>& found) { return found.size() == 1; });
        HG_E2E_VERIFY(flows);
        const QJsonObject flow = flows->at(0);
        QCOMPARE(flow.value(QStringLiteral("verdict")).toString(), QStringLiteral("denied"));
        // One line per attempt: the socket's own (a reset refused it) or, when its connect() was refused
        // outright, the decision's (socket 0). No payload left either way.
        QCOMPARE(flow.value(QStringLiteral("bytes_sent")).toInteger(), 0);
        QCOMPARE(flow.value(QStringLiteral("app")).toString(), python3ExecutablePath());
        QVERIFY(flow.value(QStringLiteral("rule_id")).toInteger() > 0);
        // The table form names the same flows.
        const RunResult table = world_->ctl(std::nullopt, {QStringLiteral("traffic")});
        QVERIFY2(table.succeeded() && table.out.contains(deniedAddress.toUtf8()) &&
                     table.out.contains(allowedAddress.toUtf8()),
                 qPrintable(table.describe()));
    }

    void withoutAccountingNothingIsCounted()
    {
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings(false)));
        const RunResult sent =
            client({QStringLiteral("tcp"), allowedAddress, QString::number(peerPort), QStringLiteral("500")});
        QVERIFY2(sent.succeeded() && sent.out.contains("sent=500"), qPrintable(sent.describe()));
        HG_E2E_VERIFY(serverLines(QStringLiteral("tcp"), 4));
        auto listed = traffic();
        HG_E2E_VERIFY(listed);
        for (const auto& value : *listed)
            QVERIFY2(value.toObject().value(QStringLiteral("socket")).toInteger() == 0,
                     qPrintable(QJsonDocument(value.toObject()).toJson()));
    }
};

QTEST_GUILESS_MAIN(TrafficTest)
#include "traffic_test.moc"
