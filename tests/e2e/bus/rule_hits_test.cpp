// SPDX-License-Identifier: GPL-3.0-or-later
// Truthful rules, end to end: a connection the kernel's verdict cache decides (the daemon never sees it) counts
// as a hit of the rule that made the verdict, visible through hostgatectl over the bus, and saved across a
// restart; admin rules have short ids that stay across reloads and restarts, usable by `rules show`.
#include "bus/bus_world.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QThread>

#include <signal.h>

#include <functional>
#include <memory>

using namespace hostgate::e2e;
using hostgate::Result;
using namespace std::chrono_literals;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString cachedAddress = QStringLiteral("203.0.113.61"); // allowed by an address rule: no DNS involved
const QString otherAddress = QStringLiteral("203.0.113.62");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("other.test"), otherAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {cachedAddress, otherAddress};
    return world;
}

DaemonSettings daemonSettings()
{
    // Long kernel verdicts, so the second connection is certainly decided by the cache.
    return {ruleToml(curlPath, otherAddress, QStringLiteral("deny")) +
                ruleToml(curlPath, cachedAddress, QStringLiteral("allow")),
            QStringLiteral("[verdicts]\nmin_ttl = 60\nmax_ttl = 600\n"),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

QString url(const QString& host)
{
    return QStringLiteral("http://%1/").arg(host);
}

} // namespace

class RuleHitsTest : public QObject {
    Q_OBJECT

    std::unique_ptr<BusWorld> world_;
    quint64 cachedRuleId_ = 0;

    // The rule record `hostgatectl --json rules show ID` prints.
    Result<QJsonObject> showRule(quint64 id)
    {
        auto shown = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("show"), QString::number(id)});
        if (!shown)
            return shown.error();
        return shown->object();
    }

    // Polls `rules show` until `done` holds for the record (the daemon credits the kernel's counts every 5 s),
    // at most `bound`; the error shows the last record.
    Result<QJsonObject> waitForRule(quint64 id, const std::function<bool(const QJsonObject&)>& done,
                                    std::chrono::milliseconds bound)
    {
        QElapsedTimer clock;
        clock.start();
        QJsonObject last;
        while (clock.elapsed() < bound.count()) {
            auto record = showRule(id);
            if (!record)
                return record.error();
            last = *record;
            if (done(last))
                return last;
            QThread::msleep(200); // a poll interval, not the synchronization: the condition is re-checked
        }
        return harnessError(QStringLiteral("rule %1 did not reach the expected state within %2 ms: %3")
                                .arg(id)
                                .arg(bound.count())
                                .arg(QString::fromUtf8(QJsonDocument(last).toJson(QJsonDocument::Compact))));
    }

    Result<quint64> idOfRuleFor(const QString& host)
    {
        auto listed = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        if (!listed)
            return listed.error();
        for (const auto& value : listed->array())
            if (value.toObject().value(QStringLiteral("host")).toString() == host)
                return static_cast<quint64>(value.toObject().value(QStringLiteral("id")).toInteger());
        return harnessError(QStringLiteral("no rule for ") + host);
    }

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("setpriv") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-hits"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
    }

    void cleanupTestCase()
    {
        if (world_ && world_->fixture().daemonIsRunning())
            HG_E2E_VERIFY(world_->fixture().stopDaemon());
        world_.reset();
    }

    void adminRulesHaveShortIdsAndTheirFilesTime()
    {
        auto listed = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(listed);
        QCOMPARE(listed->array().size(), 2);
        for (const auto& value : listed->array()) {
            const QJsonObject rule = value.toObject();
            QCOMPARE(rule.value(QStringLiteral("origin")).toString(), QStringLiteral("admin"));
            const qint64 id = rule.value(QStringLiteral("id")).toInteger();
            QVERIFY2(id >= 1 && id <= 2, qPrintable(QString::number(id)));
            // Not 1970: the admin file's modification time (this test wrote it moments ago).
            const QDateTime created =
                QDateTime::fromString(rule.value(QStringLiteral("created")).toString(), Qt::ISODate);
            QVERIFY2(created.isValid() && created.secsTo(QDateTime::currentDateTimeUtc()) < 600,
                     qPrintable(rule.value(QStringLiteral("created")).toString()));
        }
        auto id = idOfRuleFor(cachedAddress);
        HG_E2E_VERIFY(id);
        cachedRuleId_ = *id;
    }

    void aKernelDecidedConnectionCountsAsAHitOfItsRule()
    {
        QVERIFY(cachedRuleId_ != 0);
        auto before = showRule(cachedRuleId_);
        HG_E2E_VERIFY(before);
        QCOMPARE(before->value(QStringLiteral("hit_count")).toInteger(), 0);

        // The first connection misses the verdict map: the daemon decides it and writes the verdict.
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult first = run(world_->fixture().confined(), curlCommand(IpFamily::V4, url(cachedAddress)), 10s);
        QVERIFY2(first.succeeded(), qPrintable(first.describe()));
        const QStringList decided{QStringLiteral("Connection allowed"), QStringLiteral("ip=") + cachedAddress};
        HG_E2E_VERIFY(world_->fixture().waitForLogLine(decided, mark));
        HG_E2E_VERIFY(waitForRule(
            cachedRuleId_, [](const QJsonObject& r) { return r.value(QStringLiteral("hit_count")).toInteger() >= 1; },
            3s));

        // The second one is decided in the kernel: the daemon logs no decision for it, the rule still counts it.
        const qint64 secondMark = world_->fixture().daemonLogSize();
        const RunResult second = run(world_->fixture().confined(), curlCommand(IpFamily::V4, url(cachedAddress)), 10s);
        QVERIFY2(second.succeeded(), qPrintable(second.describe()));
        QCOMPARE(second.out, Servers::defaultBody(cachedAddress, 80));
        auto counted = waitForRule(
            cachedRuleId_, [](const QJsonObject& r) { return r.value(QStringLiteral("hit_count")).toInteger() >= 2; },
            15s);
        HG_E2E_VERIFY(counted);
        QCOMPARE(counted->value(QStringLiteral("hit_count")).toInteger(), 2);
        QVERIFY(counted->contains(QStringLiteral("last_hit_usec")));
        QCOMPARE(world_->fixture().countLogLines(QStringLiteral("ip=") + cachedAddress, secondMark), 0);

        // The CLI's table shows the same count.
        const RunResult table = world_->ctl(
            std::nullopt, {QStringLiteral("rules"), QStringLiteral("show"), QString::number(cachedRuleId_)});
        QVERIFY2(table.succeeded() && table.out.contains("hit_count") && table.out.contains("2"),
                 qPrintable(table.describe()));
    }

    void hitCountsSurviveADaemonRestart()
    {
        QVERIFY(cachedRuleId_ != 0);
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
        auto id = idOfRuleFor(cachedAddress);
        HG_E2E_VERIFY(id);
        QCOMPARE(*id, cachedRuleId_); // the same short id after a restart
        auto after = showRule(cachedRuleId_);
        HG_E2E_VERIFY(after);
        QCOMPARE(after->value(QStringLiteral("hit_count")).toInteger(), 2);
        QVERIFY(after->contains(QStringLiteral("last_hit_usec")));
    }

    void shortIdsStayAcrossAReload()
    {
        auto listed = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(listed);
        const qint64 mark = world_->fixture().daemonLogSize();
        HG_E2E_VERIFY(world_->fixture().signalDaemon(SIGHUP));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Rules reloaded")}, mark));
        auto again = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(again);
        QCOMPARE(again->array().size(), listed->array().size());
        for (qsizetype i = 0; i < listed->array().size(); ++i)
            QCOMPARE(again->array().at(i).toObject().value(QStringLiteral("id")).toInteger(),
                     listed->array().at(i).toObject().value(QStringLiteral("id")).toInteger());
    }

    void theLogNamesRulesByTheirShortId()
    {
        auto denyId = idOfRuleFor(otherAddress);
        HG_E2E_VERIFY(denyId);
        const qint64 mark = world_->fixture().daemonLogSize();
        const RunResult denied = run(world_->fixture().confined(), curlCommand(IpFamily::V4, url(otherAddress)), 10s);
        QVERIFY2(denied.exitCode == 7, qPrintable(denied.describe()));
        HG_E2E_VERIFY(
            world_->fixture().waitForLogLine({QStringLiteral("Connection denied"), QStringLiteral("ip=") + otherAddress,
                                              QStringLiteral("rule #%1 ").arg(*denyId)},
                                             mark));
    }
};

QTEST_GUILESS_MAIN(RuleHitsTest)
#include "rule_hits_test.moc"
