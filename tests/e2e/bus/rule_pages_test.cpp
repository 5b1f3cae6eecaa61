// SPDX-License-Identifier: GPL-3.0-or-later
// No reply too large, end to end: with 100k admin rules (some with 4000-byte notes) an unprivileged caller
// lists them all through ListRulesPage in pages bounded by bytes, the old ListRules is refused with
// LimitExceeded instead of a reply over the bus's limit, and the daemon stays on the bus throughout.
#include "bus/bus_world.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

constexpr int plainRules = 100000;
constexpr int longNoteRules = 2000;
constexpr int longNoteBytes = 4000;
constexpr qint64 pageBound = 1024 * 1024; // maxPageBytes

const QString allowedAddress = QStringLiteral("203.0.113.51");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("allowed.test"), allowedAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress};
    return world;
}

QString baseRules()
{
    return ruleToml(QStringLiteral("/usr/bin/curl"), QStringLiteral("allowed.test"), QStringLiteral("allow"));
}

// The scale rules in files an administrator could have written: each within the rule-file limits (4 MiB,
// 50,000 rules), together 102,000 rules. Name → text.
constexpr int scaleFiles = 4;
QList<std::pair<QString, QString>> manyRuleFiles()
{
    QList<std::pair<QString, QString>> files;
    const QString longNote(longNoteBytes, QLatin1Char('n'));
    for (int file = 0; file < scaleFiles; ++file) {
        QString text;
        text.reserve(plainRules / scaleFiles * 80 + longNoteRules / scaleFiles * (longNoteBytes + 80));
        for (int i = file; i < plainRules; i += scaleFiles)
            text +=
                QStringLiteral("[[rule]]\nhost = \"h%1.scale.test\"\naction = \"deny\"\nnote = \"rule %1\"\n\n").arg(i);
        for (int i = file; i < longNoteRules; i += scaleFiles)
            text += QStringLiteral("[[rule]]\nhost = \"n%1.scale.test\"\naction = \"deny\"\nnote = \"%2\"\n\n")
                        .arg(i)
                        .arg(longNote);
        files.append({QStringLiteral("20-scale-%1.toml").arg(file), text});
    }
    return files;
}

// What the strings of a page take at least on the wire: a lower bound of the reply's size.
qint64 stringBytes(const QVariantMap& record)
{
    qint64 bytes = 0;
    for (auto it = record.begin(); it != record.end(); ++it)
        bytes += it.key().toUtf8().size() +
                 (it.value().typeId() == QMetaType::QString ? it.value().toString().toUtf8().size() : 1);
    return bytes;
}

qint64 rssKibOf(uint pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

} // namespace

class RulePagesTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools()
                          << QStringLiteral("setpriv") << QStringLiteral("dbus-daemon") << QStringLiteral("busctl")
                          << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        qDBusRegisterMetaType<QList<QVariantMap>>();
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-pages"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        HG_E2E_VERIFY(world_->startDaemon({baseRules(), QString(), {}}));
        // Loaded by the daemon's reload (file watch) rather than at start, so the wait has its own bound.
        const qint64 before = world_->fixture().daemonLogSize();
        QElapsedTimer load;
        load.start();
        for (const auto& [name, text] : manyRuleFiles())
            HG_E2E_VERIFY(world_->fixture().writeAdminRuleFile(name, text));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine(
            {QStringLiteral("Rules reloaded"), QStringLiteral("admin=%1").arg(plainRules + longNoteRules + 1)}, before,
            120s));
        qInfo("reloading %d admin rules took %lld ms", plainRules + longNoteRules + 1,
              static_cast<long long>(load.elapsed()));
        bus_ = std::make_unique<QDBusConnection>(QDBusConnection::connectToBus(
            qEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS"), QStringLiteral("hostgate-rule-pages")));
        QVERIFY(bus_->isConnected());
        daemonPid_ = bus_->interface()->servicePid(QStringLiteral("org.hostgate.Firewall1")).value();
        QVERIFY(daemonPid_ > 0);
        qInfo("hostgated RSS with the rules loaded: %lld KiB", static_cast<long long>(rssKibOf(daemonPid_)));
    }

    void cleanupTestCase()
    {
        bus_.reset();
        QDBusConnection::disconnectFromBus(QStringLiteral("hostgate-rule-pages"));
        world_.reset();
    }

    void everyPageIsBoundedInBytesAndThePagesTogetherHoldEveryRule()
    {
        const qint64 total = plainRules + longNoteRules + 1;
        quint64 offset = 0;
        qint64 seen = 0;
        qint64 largest = 0;
        int pages = 0;
        QElapsedTimer timer;
        timer.start();
        for (;;) {
            QDBusMessage call = QDBusMessage::createMethodCall(
                QStringLiteral("org.hostgate.Firewall1"), QStringLiteral("/org/hostgate/Firewall1"),
                QStringLiteral("org.hostgate.Firewall1"), QStringLiteral("ListRulesPage"));
            call << QVariant::fromValue(offset) << 500u;
            const QDBusMessage reply = bus_->call(call, QDBus::Block, 30000);
            QVERIFY2(reply.type() == QDBusMessage::ReplyMessage, qPrintable(reply.errorMessage()));
            const auto rules = qdbus_cast<QList<QVariantMap>>(reply.arguments().at(0));
            const auto replyTotal = reply.arguments().at(1).toULongLong();
            const auto next = reply.arguments().at(2).toULongLong();
            QCOMPARE(qint64(replyTotal), total);
            QCOMPARE(next, offset + quint64(rules.size()));
            qint64 bytes = 0;
            for (const QVariantMap& rule : rules)
                bytes += stringBytes(rule);
            QVERIFY2(bytes <= pageBound,
                     qPrintable(QStringLiteral("page at %1 holds %2 bytes of strings").arg(offset).arg(bytes)));
            largest = std::max(largest, bytes);
            seen += rules.size();
            ++pages;
            if (next >= replyTotal)
                break;
            QVERIFY(!rules.isEmpty());
            offset = next;
        }
        QCOMPARE(seen, total);
        qInfo("%d pages, largest page %lld bytes of strings, %.1f ms per page, RSS afterwards %lld KiB", pages,
              static_cast<long long>(largest), double(timer.elapsed()) / pages,
              static_cast<long long>(rssKibOf(daemonPid_)));
        // The 4000-byte notes make some pages full by bytes, not by count.
        QVERIFY(pages > total / 500 + 1);
    }

    void unprivilegedHostgatectlListsEveryRuleThroughThePages()
    {
        QElapsedTimer timer;
        timer.start();
        const RunResult result = run(
            Placement::host().asUser(allowedUid),
            {hostgatectlExecutable(), QStringLiteral("--json"), QStringLiteral("rules"), QStringLiteral("list")}, 240s);
        QVERIFY2(result.succeeded(),
                 qPrintable(result.err +
                            QStringLiteral(" exit %1, %2 ms").arg(result.exitCode).arg(result.elapsed.count())));
        const QJsonArray rules = QJsonDocument::fromJson(result.out).array();
        QCOMPARE(rules.size(), plainRules + longNoteRules + 1);
        QCOMPARE(rules.last()[QStringLiteral("note")].toString().size(), longNoteBytes);
        qInfo("hostgatectl rules list of %lld rules: %lld ms, %lld bytes of JSON", static_cast<long long>(rules.size()),
              static_cast<long long>(timer.elapsed()), static_cast<long long>(result.out.size()));
    }

    void wholeListRulesIsRefusedAsLimitExceededAndTheDaemonStaysOnTheBus()
    {
        const qint64 before = world_->fixture().daemonLogSize();
        const RunResult result =
            run(Placement::host().asUser(allowedUid),
                {QStringLiteral("busctl"), QStringLiteral("--system"), QStringLiteral("call"),
                 QStringLiteral("org.hostgate.Firewall1"), QStringLiteral("/org/hostgate/Firewall1"),
                 QStringLiteral("org.hostgate.Firewall1"), QStringLiteral("ListRules")},
                60s);
        QVERIFY2(!result.succeeded() && result.err.contains("ListRulesPage"), qPrintable(result.describe()));
        const RunResult status = world_->ctl(allowedUid, {QStringLiteral("status")});
        QVERIFY2(status.succeeded(), qPrintable(status.describe()));
        QCOMPARE(world_->fixture().countLogLines(QStringLiteral("Lost the D-Bus connection"), before), 0);
        QVERIFY(bus_->interface()->isServiceRegistered(QStringLiteral("org.hostgate.Firewall1")).value());
        QCOMPARE(bus_->interface()->servicePid(QStringLiteral("org.hostgate.Firewall1")).value(), daemonPid_);
    }

    void connectionsAreStillDecidedWithTheRulesLoaded()
    {
        const RunResult result =
            run(world_->fixture().confined(), curlCommand(IpFamily::V4, QStringLiteral("http://allowed.test/")), 15s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
    }

    // Last: it replaces the admin rules. The rule file loader refuses a 33 MB note (string and file limits);
    // no reply may carry it whole either way, and the daemon stays on the bus.
    void ruleWithAHugeNoteNeverMakesAReplyTooLarge()
    {
        qint64 before = world_->fixture().daemonLogSize();
        for (const auto& file : manyRuleFiles())
            HG_E2E_VERIFY(world_->fixture().removeAdminRuleFile(file.first));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Rules reloaded"), QStringLiteral("admin=1 ")},
                                                       before, 120s));
        before = world_->fixture().daemonLogSize();
        const QString hugeNote(33 * 1024 * 1024, QLatin1Char('x'));
        HG_E2E_VERIFY(world_->fixture().replaceAdminRules(
            baseRules() +
            QStringLiteral("[[rule]]\nhost = \"huge.test\"\naction = \"deny\"\nnote = \"%1\"\n").arg(hugeNote)));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Failed to load rule file")}, before, 120s));
        bool listedCut = false;
        for (const QString& method : {QStringLiteral("ListRules"), QStringLiteral("ListRulesPage")}) {
            QDBusMessage call = QDBusMessage::createMethodCall(QStringLiteral("org.hostgate.Firewall1"),
                                                               QStringLiteral("/org/hostgate/Firewall1"),
                                                               QStringLiteral("org.hostgate.Firewall1"), method);
            if (method == QLatin1String("ListRulesPage"))
                call << QVariant::fromValue(quint64(0)) << 500u;
            const QDBusMessage reply = bus_->call(call, QDBus::Block, 60000);
            QVERIFY2(reply.type() == QDBusMessage::ReplyMessage,
                     qPrintable(method + QStringLiteral(": ") + reply.errorMessage()));
            for (const QVariantMap& rule : qdbus_cast<QList<QVariantMap>>(reply.arguments().at(0))) {
                QVERIFY2(stringBytes(rule) <= 64 * 1024, qPrintable(method));
                if (rule.value(QStringLiteral("host")).toString() == QLatin1String("huge.test")) {
                    QVERIFY(rule.value(QStringLiteral("truncated")).toBool());
                    listedCut = true;
                }
            }
        }
        QVERIFY2(!listedCut, "a rule with a 33 MB note got in");
        QCOMPARE(world_->fixture().countLogLines(QStringLiteral("Lost the D-Bus connection"), before), 0);
        QCOMPARE(bus_->interface()->servicePid(QStringLiteral("org.hostgate.Firewall1")).value(), daemonPid_);
    }

private:
    std::unique_ptr<BusWorld> world_;
    std::unique_ptr<QDBusConnection> bus_;
    uint daemonPid_ = 0;
};

QTEST_GUILESS_MAIN(RulePagesTest)
#include "rule_pages_test.moc"
