// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl against the real daemon on a private bus with polkit: who may read and change what, exit
// statuses of invalid input, unknown rules and a stopped daemon, and an API that matches its XML.
#include "bus/bus_world.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <sys/stat.h>

#include <csignal>
#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString importText =
    QStringLiteral("[[rule]]\napp = \"/usr/bin/wget\"\nhost = \"import.test\"\naction = \"deny\"\n");

DaemonSettings daemonSettings()
{
    return {ruleToml(QStringLiteral("/usr/bin/curl"), QStringLiteral("admin.test"), QStringLiteral("allow")),
            QString(),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

QString describeUid(std::optional<uid_t> uid)
{
    return uid ? QString::number(*uid) : QStringLiteral("root");
}

} // namespace

Q_DECLARE_METATYPE(std::optional<uid_t>)

// Counts a D-Bus signal it is connected to.
class SignalCounter : public QObject {
    Q_OBJECT
public:
    int count = 0;
public slots:
    void seen() { ++count; }
};

class CliAuthorizationTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools()
                          << QStringLiteral("setpriv") << QStringLiteral("busctl") << QStringLiteral("dbus-daemon")
                          << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-cli"));
        HG_E2E_VERIFY(world_->setUp(DaemonEnvironment{}));
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
    }

    void cleanupTestCase() { world_.reset(); }

    void readsWorkForEveryUser_data()
    {
        QTest::addColumn<std::optional<uid_t>>("uid");
        QTest::addColumn<QStringList>("arguments");
        for (const std::optional<uid_t>& uid :
             {std::optional<uid_t>(), std::optional<uid_t>(allowedUid), std::optional<uid_t>(deniedUid)}) {
            for (const QStringList& arguments :
                 {QStringList{QStringLiteral("status")}, QStringList{QStringLiteral("mode")},
                  QStringList{QStringLiteral("rules"), QStringLiteral("list")}}) {
                QTest::addRow("%s as %s", qPrintable(arguments.join(QLatin1Char(' '))), qPrintable(describeUid(uid)))
                    << uid << arguments;
            }
        }
    }

    void readsWorkForEveryUser()
    {
        QFETCH(std::optional<uid_t>, uid);
        QFETCH(QStringList, arguments);
        const RunResult result = world_->ctl(uid, arguments);
        QVERIFY2(result.succeeded() && !result.out.isEmpty(), qPrintable(result.describe()));
    }

    void mutatingCommandsAreRefusedForDeniedUserAndChangeNothing_data() { mutatingCommands(); }

    void mutatingCommandsAreRefusedForDeniedUserAndChangeNothing()
    {
        QFETCH(QStringList, arguments);
        QFETCH(bool, targetDisabled);
        const QStringList command = withFreshRule(arguments, targetDisabled);
        const QByteArray rulesBefore = snapshot({QStringLiteral("rules"), QStringLiteral("list")});
        const QByteArray modeBefore = snapshot({QStringLiteral("mode")});

        const RunResult result = world_->ctl(deniedUid, command, importText.toUtf8());
        QVERIFY2(result.exitCode == 3, qPrintable(result.describe()));
        QVERIFY2(result.err.startsWith("hostgatectl: not authorized: ") && result.err.count('\n') == 1,
                 qPrintable(result.describe()));
        QCOMPARE(snapshot({QStringLiteral("rules"), QStringLiteral("list")}), rulesBefore);
        QCOMPARE(snapshot({QStringLiteral("mode")}), modeBefore);
    }

    void mutatingCommandsSucceedForAllowedUserAndRoot_data()
    {
        QTest::addColumn<std::optional<uid_t>>("uid");
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("targetDisabled");
        for (const std::optional<uid_t>& uid : {std::optional<uid_t>(allowedUid), std::optional<uid_t>()}) {
            for (const auto& [name, arguments, disabled] : mutatingCommandTable()) {
                QTest::addRow("%s as %s", qPrintable(name), qPrintable(describeUid(uid)))
                    << uid << arguments << disabled;
            }
        }
    }

    void mutatingCommandsSucceedForAllowedUserAndRoot()
    {
        QFETCH(std::optional<uid_t>, uid);
        QFETCH(QStringList, arguments);
        QFETCH(bool, targetDisabled);
        const QStringList command = withFreshRule(arguments, targetDisabled);
        const QByteArray rulesBefore = snapshot({QStringLiteral("rules"), QStringLiteral("list")});
        const QByteArray modeBefore = snapshot({QStringLiteral("mode")});

        const RunResult result = world_->ctl(uid, command, importText.toUtf8());
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        // Every command of the table changes something, so success must be visible to a reader.
        QVERIFY2(snapshot({QStringLiteral("rules"), QStringLiteral("list")}) != rulesBefore ||
                     snapshot({QStringLiteral("mode")}) != modeBefore,
                 qPrintable(result.describe()));
        if (command.first() == QStringLiteral("mode")) {
            QVERIFY(world_->ctl(std::nullopt, {QStringLiteral("mode"), QStringLiteral("enforce")}).succeeded());
        }
    }

    void connectionLogIsRefusedForDeniedUserOnly()
    {
        const RunResult denied = world_->ctl(deniedUid, {QStringLiteral("connections")});
        QVERIFY2(denied.exitCode == 3 && denied.err.startsWith("hostgatectl: not authorized"),
                 qPrintable(denied.describe()));
        const RunResult deniedFollow =
            world_->ctl(deniedUid, {QStringLiteral("connections"), QStringLiteral("--follow")});
        QVERIFY2(deniedFollow.exitCode == 3, qPrintable(deniedFollow.describe()));
        for (const std::optional<uid_t>& uid : {std::optional<uid_t>(allowedUid), std::optional<uid_t>()}) {
            const RunResult allowed = world_->ctl(uid, {QStringLiteral("--json"), QStringLiteral("connections")});
            QVERIFY2(allowed.succeeded() && QJsonDocument::fromJson(allowed.out).isArray(),
                     qPrintable(allowed.describe()));
        }
    }

    void invalidRuleIsRejectedAndNothingIsAdded_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("port out of range") << QStringList{QStringLiteral("--ports"), QStringLiteral("70000")};
        QTest::newRow("malformed host") << QStringList{QStringLiteral("--host"), QStringLiteral("bad host!")};
        QTest::newRow("relative app path") << QStringList{QStringLiteral("--app"), QStringLiteral("curl")};
    }

    void invalidRuleIsRejectedAndNothingIsAdded()
    {
        QFETCH(QStringList, arguments);
        const QByteArray rulesBefore = snapshot({QStringLiteral("rules"), QStringLiteral("list")});
        const RunResult result =
            world_->ctl(std::nullopt, QStringList{QStringLiteral("rules"), QStringLiteral("add"),
                                                  QStringLiteral("--action"), QStringLiteral("allow")} +
                                          arguments);
        QVERIFY2(result.exitCode == 5 && result.err.startsWith("hostgatectl: invalid: "),
                 qPrintable(result.describe()));
        QCOMPARE(snapshot({QStringLiteral("rules"), QStringLiteral("list")}), rulesBefore);
    }

    void unknownRuleIdIsReportedAsNoSuchRule_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("show") << QStringList{QStringLiteral("rules"), QStringLiteral("show"), QStringLiteral("987654")};
        QTest::newRow("remove") << QStringList{QStringLiteral("rules"), QStringLiteral("remove"),
                                               QStringLiteral("987654")};
        QTest::newRow("disable") << QStringList{QStringLiteral("rules"), QStringLiteral("disable"),
                                                QStringLiteral("987654")};
    }

    void unknownRuleIdIsReportedAsNoSuchRule()
    {
        QFETCH(QStringList, arguments);
        const RunResult result = world_->ctl(std::nullopt, arguments);
        QVERIFY2(result.exitCode == 6 && result.err.startsWith("hostgatectl: no such rule"),
                 qPrintable(result.describe()));
    }

    void addedRuleReadsBackAsJsonWithIsoTimes()
    {
        const RunResult added =
            world_->ctl(std::nullopt, {QStringLiteral("--json"), QStringLiteral("rules"), QStringLiteral("add"),
                                       QStringLiteral("--action"), QStringLiteral("deny"), QStringLiteral("--app"),
                                       QStringLiteral("/usr/bin/wget"), QStringLiteral("--host"),
                                       QStringLiteral("*.json.test"), QStringLiteral("--ports"), QStringLiteral("443"),
                                       QStringLiteral("--until"), QStringLiteral("+1h")});
        QVERIFY2(added.succeeded(), qPrintable(added.describe()));
        const qint64 id = QJsonDocument::fromJson(added.out).object().value(QStringLiteral("id")).toInteger();
        QVERIFY(id > 0);
        const auto shown = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("show"), QString::number(id)});
        HG_E2E_VERIFY(shown);
        const QJsonObject rule = shown->object();
        QCOMPARE(rule.value(QStringLiteral("host")).toString(), QStringLiteral("*.json.test"));
        QCOMPARE(rule.value(QStringLiteral("action")).toString(), QStringLiteral("deny"));
        QCOMPARE(rule.value(QStringLiteral("lifetime")).toString(), QStringLiteral("until-time"));
        QVERIFY(rule.value(QStringLiteral("until")).toString().endsWith(QLatin1Char('Z')));
        QVERIFY(rule.value(QStringLiteral("created")).toString().contains(QLatin1Char('T')));
    }

    void ruleRecordsTheValidationRefusesAreNamedInvalidRuleErrorsAndAddNothing_data()
    {
        QTest::addColumn<QStringList>("record");
        const QString untilTime = QStringLiteral("until-time");
        QTest::newRow("no keys") << QStringList{QStringLiteral("0")};
        QTest::newRow("only a host") << QStringList{QStringLiteral("1"), QStringLiteral("host"), QStringLiteral("s"),
                                                    QStringLiteral("a.test")};
        QTest::newRow("only an action") << QStringList{QStringLiteral("1"), QStringLiteral("action"),
                                                       QStringLiteral("s"), QStringLiteral("allow")};
        QTest::newRow("upper-case action") << QStringList{
            QStringLiteral("2"),      QStringLiteral("host"), QStringLiteral("s"),    QStringLiteral("a.test"),
            QStringLiteral("action"), QStringLiteral("s"),    QStringLiteral("ALLOW")};
        QTest::newRow("until in 2300") << QStringList{QStringLiteral("4"),
                                                      QStringLiteral("host"),
                                                      QStringLiteral("s"),
                                                      QStringLiteral("a.test"),
                                                      QStringLiteral("action"),
                                                      QStringLiteral("s"),
                                                      QStringLiteral("allow"),
                                                      QStringLiteral("lifetime"),
                                                      QStringLiteral("s"),
                                                      untilTime,
                                                      QStringLiteral("until_usec"),
                                                      QStringLiteral("x"),
                                                      QStringLiteral("10413792000000000")};
        QTest::newRow("note over 4 KiB") << QStringList{QStringLiteral("3"),      QStringLiteral("host"),
                                                        QStringLiteral("s"),      QStringLiteral("a.test"),
                                                        QStringLiteral("action"), QStringLiteral("s"),
                                                        QStringLiteral("allow"),  QStringLiteral("note"),
                                                        QStringLiteral("s"),      QString(4097, QLatin1Char('n'))};
    }

    void ruleRecordsTheValidationRefusesAreNamedInvalidRuleErrorsAndAddNothing()
    {
        QFETCH(QStringList, record);
        const QByteArray rulesBefore = snapshot({QStringLiteral("rules"), QStringLiteral("list")});
        const RunResult result = run(
            Placement::host(),
            QStringList{QStringLiteral("busctl"), QStringLiteral("--system"), QStringLiteral("call"),
                        QStringLiteral("org.hostgate.Firewall1"), QStringLiteral("/org/hostgate/Firewall1"),
                        QStringLiteral("org.hostgate.Firewall1"), QStringLiteral("AddRule"), QStringLiteral("a{sv}")} +
                record,
            20s);
        QVERIFY2(!result.succeeded() && result.err.contains("Invalid rule key"), qPrintable(result.describe()));
        QCOMPARE(snapshot({QStringLiteral("rules"), QStringLiteral("list")}), rulesBefore);
    }

    void aUnicodeHostIsStoredAsPunycode()
    {
        const RunResult added = world_->ctl(std::nullopt, {QStringLiteral("rules"), QStringLiteral("add"),
                                                           QStringLiteral("--action"), QStringLiteral("allow"),
                                                           QStringLiteral("--host"), QStringLiteral("bücher.example")});
        QVERIFY2(added.succeeded(), qPrintable(added.describe()));
        const auto shown =
            world_->ctlJson({QStringLiteral("rules"), QStringLiteral("show"), QString::fromUtf8(added.out.trimmed())});
        HG_E2E_VERIFY(shown);
        QCOMPARE(shown->object().value(QStringLiteral("host")).toString(), QStringLiteral("xn--bcher-kva.example"));
    }

    void anAdminFileOthersCanWriteIsReportedByStatusWithTheFix()
    {
        const QString file = world_->fixture().rulesDirectory() + QStringLiteral("/10-test.toml");
        const qint64 mark = world_->fixture().daemonLogSize();
        QCOMPARE(::chmod(QFile::encodeName(file).constData(), 0666), 0);
        HG_E2E_VERIFY(world_->fixture().signalDaemon(SIGHUP));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Rules reloaded")}, mark));
        const RunResult status = world_->ctl(allowedUid, {QStringLiteral("status")});
        QCOMPARE(::chmod(QFile::encodeName(file).constData(), 0644), 0);
        HG_E2E_VERIFY(world_->fixture().signalDaemon(SIGHUP));
        QVERIFY2(status.succeeded() && status.out.contains(QStringLiteral("chmod go-w %1").arg(file).toUtf8()),
                 qPrintable(status.describe()));
        const auto json = world_->ctlJson({QStringLiteral("status")});
        HG_E2E_VERIFY(json);
    }

    void exportThenReplacingImportRestoresTheSameUserRules()
    {
        const RunResult exported = world_->ctl(std::nullopt, {QStringLiteral("rules"), QStringLiteral("export")});
        QVERIFY2(exported.succeeded(), qPrintable(exported.describe()));
        const auto before = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(before);
        const RunResult imported =
            world_->ctl(std::nullopt,
                        {QStringLiteral("--json"), QStringLiteral("rules"), QStringLiteral("import"),
                         QStringLiteral("-"), QStringLiteral("--replace")},
                        exported.out);
        QVERIFY2(imported.succeeded(), qPrintable(imported.describe()));
        const auto after = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(after);
        QCOMPARE(after->array().size(), before->array().size());
    }

    void introspectionListsEveryMethodAndSignalOfTheXml()
    {
        QFile xml(QStringLiteral(HOSTGATE_FIREWALL_XML));
        QVERIFY(xml.open(QIODevice::ReadOnly));
        QStringList members;
        QXmlStreamReader reader(&xml);
        while (!reader.atEnd()) {
            if (reader.readNext() == QXmlStreamReader::StartElement &&
                (reader.name() == QLatin1String("method") || reader.name() == QLatin1String("signal"))) {
                members << reader.name().toString() + QLatin1Char(' ') +
                               reader.attributes().value(QStringLiteral("name")).toString();
            }
        }
        QVERIFY2(!reader.hasError(), qPrintable(reader.errorString()));
        QVERIFY(members.contains(QStringLiteral("method GetStatus")) &&
                members.contains(QStringLiteral("signal ConnectionEvent")));

        const RunResult introspected =
            run(Placement::host(),
                {QStringLiteral("busctl"), QStringLiteral("--system"), QStringLiteral("introspect"),
                 QStringLiteral("org.hostgate.Firewall1"), QStringLiteral("/org/hostgate/Firewall1"),
                 QStringLiteral("org.hostgate.Firewall1")},
                20s);
        QVERIFY2(introspected.succeeded(), qPrintable(introspected.describe()));
        QStringList listed;
        for (const QByteArray& line : introspected.out.split('\n')) {
            const QStringList fields = QString::fromUtf8(line).split(QLatin1Char(' '), Qt::SkipEmptyParts);
            if (fields.size() >= 2 && (fields[1] == QLatin1String("method") || fields[1] == QLatin1String("signal"))) {
                listed << fields[1] + QLatin1Char(' ') + fields[0].mid(1); // ".GetStatus" -> "GetStatus"
            }
        }
        for (const QString& member : members) {
            QVERIFY2(listed.contains(member),
                     qPrintable(member + QStringLiteral(" missing from:\n") + QString::fromUtf8(introspected.out)));
        }
    }

    void ruleChangeMadeThroughTheApiIsAnnouncedExactlyOnce()
    {
        QDBusConnection bus = QDBusConnection::systemBus(); // the private bus: its address is exported
        QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
        SignalCounter rulesChanged;
        const QString service = QStringLiteral("org.hostgate.Firewall1");
        const QString path = QStringLiteral("/org/hostgate/Firewall1");
        QVERIFY(bus.connect(service, path, service, QStringLiteral("RulesChanged"), &rulesChanged, SLOT(seen())));

        const RunResult added =
            world_->ctl(std::nullopt, {QStringLiteral("rules"), QStringLiteral("add"), QStringLiteral("--action"),
                                       QStringLiteral("allow"), QStringLiteral("--host"), QStringLiteral("once.test")});
        QVERIFY2(added.succeeded(), qPrintable(added.describe()));
        QTRY_VERIFY(rulesChanged.count >= 1);
        // The daemon handles this call after everything it sent before, so every signal of the change is in.
        const QDBusMessage mode =
            bus.call(QDBusMessage::createMethodCall(service, path, service, QStringLiteral("GetMode")));
        QCOMPARE(mode.type(), QDBusMessage::ReplyMessage);
        QCoreApplication::processEvents();
        QCOMPARE(rulesChanged.count, 1);
    }

    void modeChosenOverTheBusSurvivesARestartUnlessTheCommandLineSaysOtherwise()
    {
        QVERIFY(world_->ctl(std::nullopt, {QStringLiteral("mode"), QStringLiteral("learning")}).succeeded());
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
        RunResult mode = world_->ctl(std::nullopt, {QStringLiteral("mode")});
        QVERIFY2(mode.succeeded() && mode.out.trimmed() == "learning", qPrintable(mode.describe()));

        DaemonSettings explicitMode = daemonSettings();
        explicitMode.extraArguments << QStringLiteral("--mode") << QStringLiteral("enforce");
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        HG_E2E_VERIFY(world_->startDaemon(explicitMode));
        mode = world_->ctl(std::nullopt, {QStringLiteral("mode")});
        QVERIFY2(mode.succeeded() && mode.out.trimmed() == "enforce", qPrintable(mode.describe()));
    }

    // Anyone may read the counters (GetStatus needs no polkit): Prometheus scrapes need no privileges.
    void metricsAreTheStatusAsOpenMetricsForAnyUser()
    {
        const auto status = world_->ctlJson({QStringLiteral("status")});
        HG_E2E_VERIFY(status);
        const RunResult metrics = world_->ctl(deniedUid, {QStringLiteral("metrics")});
        QVERIFY2(metrics.succeeded() && metrics.out.endsWith("\n# EOF\n"), qPrintable(metrics.describe()));
        const QJsonObject record = status->object();
        QVERIFY2(record.value(QStringLiteral("verdict_capacity")).toInteger() > 0,
                 qPrintable(QString::fromUtf8(status->toJson())));
        for (const QString& line : {QStringLiteral("hostgate_up 1"),
                                    QStringLiteral("hostgate_rules{origin=\"admin\"} %1")
                                        .arg(record.value(QStringLiteral("admin_rules")).toInteger()),
                                    QStringLiteral("hostgate_decisions_total{verdict=\"denied\"} %1")
                                        .arg(record.value(QStringLiteral("denied")).toInteger()),
                                    QStringLiteral("hostgate_verdict_map_capacity %1")
                                        .arg(record.value(QStringLiteral("verdict_capacity")).toInteger()),
                                    QStringLiteral("hostgate_dns_packets_total "),
                                    QStringLiteral("hostgate_queue_overflows_total{queue=\"dns\"} "),
                                    QStringLiteral("hostgate_verdict_map_entries "),
                                    QStringLiteral("hostgate_build_info{version=\"%1\",mode=\"%2\",")
                                        .arg(record.value(QStringLiteral("version")).toString(),
                                             record.value(QStringLiteral("mode")).toString())}) {
            QVERIFY2(metrics.out.contains(line.toUtf8()), qPrintable(line + QStringLiteral("\n") + metrics.describe()));
        }
    }

    void metricsTextfileIsReplacedAtomicallyAndReadableByNodeExporter()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("hostgate.prom"));
        const RunResult written =
            world_->ctl(std::nullopt, {QStringLiteral("metrics"), QStringLiteral("--textfile"), file});
        QVERIFY2(written.succeeded() && written.out.isEmpty(), qPrintable(written.describe()));
        QFile prom(file);
        QVERIFY(prom.open(QIODevice::ReadOnly));
        const QByteArray text = prom.readAll();
        QVERIFY2(text.contains("\n# TYPE hostgate_decisions_total counter\n") && text.contains("hostgate_up 1\n") &&
                     !text.contains("# EOF"),
                 text.constData());
        struct stat status {};
        QCOMPARE(::stat(QFile::encodeName(file).constData(), &status), 0);
        QCOMPARE(status.st_mode & 07777, mode_t{0644});
        // Nothing but the file itself: no temporary file left next to it.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), qsizetype{1});
    }

    // Last: it stops the daemon.
    void stoppedDaemonIsReportedAsUnreachable()
    {
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        const RunResult result = world_->ctl(std::nullopt, {QStringLiteral("status")});
        QVERIFY2(result.exitCode == 4 && result.err.startsWith("hostgatectl: daemon not reachable: "),
                 qPrintable(result.describe()));
    }

private:
    struct MutatingCommand {
        QString name;
        QStringList arguments; // "{id}" is replaced by a rule created for the row
        bool targetDisabled;
    };

    static std::vector<MutatingCommand> mutatingCommandTable()
    {
        return {
            {QStringLiteral("mode set"), {QStringLiteral("mode"), QStringLiteral("learning")}, false},
            {QStringLiteral("rules add"),
             {QStringLiteral("rules"), QStringLiteral("add"), QStringLiteral("--action"), QStringLiteral("allow"),
              QStringLiteral("--host"), QStringLiteral("added.test")},
             false},
            {QStringLiteral("rules update"),
             {QStringLiteral("rules"), QStringLiteral("update"), QStringLiteral("{id}"), QStringLiteral("--note"),
              QStringLiteral("changed")},
             false},
            {QStringLiteral("rules remove"),
             {QStringLiteral("rules"), QStringLiteral("remove"), QStringLiteral("{id}")},
             false},
            {QStringLiteral("rules enable"),
             {QStringLiteral("rules"), QStringLiteral("enable"), QStringLiteral("{id}")},
             true},
            {QStringLiteral("rules disable"),
             {QStringLiteral("rules"), QStringLiteral("disable"), QStringLiteral("{id}")},
             false},
            {QStringLiteral("rules import"),
             {QStringLiteral("rules"), QStringLiteral("import"), QStringLiteral("-")},
             false},
        };
    }

    static void mutatingCommands()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("targetDisabled");
        for (const auto& [name, arguments, disabled] : mutatingCommandTable()) {
            QTest::newRow(qPrintable(name)) << arguments << disabled;
        }
    }

    // Creates a user rule as root for commands that need one and puts its id in place of "{id}".
    QStringList withFreshRule(QStringList arguments, bool disabled)
    {
        if (!arguments.contains(QStringLiteral("{id}"))) {
            return arguments;
        }
        QStringList add{QStringLiteral("rules"),    QStringLiteral("add"),
                        QStringLiteral("--action"), QStringLiteral("deny"),
                        QStringLiteral("--host"),   QStringLiteral("target%1.test").arg(++ruleCounter_)};
        if (disabled) {
            add << QStringLiteral("--disabled");
        }
        const RunResult added = world_->ctl(std::nullopt, add);
        if (!added.succeeded()) {
            qWarning("%s", qPrintable(added.describe()));
            return arguments;
        }
        arguments.replaceInStrings(QStringLiteral("{id}"), QString::fromUtf8(added.out.trimmed()));
        return arguments;
    }

    QByteArray snapshot(const QStringList& arguments) const
    {
        const RunResult result = world_->ctl(std::nullopt, QStringList{QStringLiteral("--json")} + arguments);
        return result.succeeded() ? result.out : QByteArray("failed: ") + result.err;
    }

    std::unique_ptr<BusWorld> world_;
    int ruleCounter_ = 0;
};

QTEST_GUILESS_MAIN(CliAuthorizationTest)
#include "cli_authorization_test.moc"
