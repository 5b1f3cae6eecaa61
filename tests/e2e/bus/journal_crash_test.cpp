// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end: rules added and removed over D-Bus are journaled; after SIGKILL (and a torn record
// from a crash in the middle of an append) the next start has every acknowledged change and nothing else.
#include "bus/bus_world.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <csignal>
#include <map>
#include <memory>

using namespace hostgate::e2e;

namespace {

DaemonSettings daemonSettings()
{
    return {ruleToml(QStringLiteral("/usr/bin/curl"), QStringLiteral("admin.test"), QStringLiteral("allow")),
            QString(),
            {}};
}

} // namespace

class JournalCrashTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("dbus-daemon")
                                                                   << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-journal"));
        HG_E2E_VERIFY(world_->setUp(DaemonEnvironment{}));
    }

    void cleanupTestCase() { world_.reset(); }

    void everyAcknowledgedChangeSurvivesSigkillAndATornRecord()
    {
        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
        std::map<qint64, QString> acknowledged; // id -> host
        for (int i = 0; i < 40; ++i) {
            const QString host = QStringLiteral("journal%1.test").arg(i);
            const auto added =
                world_->ctlJson({QStringLiteral("rules"), QStringLiteral("add"), QStringLiteral("--action"),
                                 QStringLiteral("deny"), QStringLiteral("--host"), host});
            HG_E2E_VERIFY(added);
            acknowledged[added->object().value(QStringLiteral("id")).toInteger()] = host;
        }
        // A removal and an update are journaled too.
        const qint64 removed = acknowledged.begin()->first;
        acknowledged.erase(acknowledged.begin());
        const RunResult removal =
            world_->ctl(std::nullopt, {QStringLiteral("rules"), QStringLiteral("remove"), QString::number(removed)});
        QVERIFY2(removal.succeeded(), qPrintable(removal.describe()));
        const qint64 disabled = acknowledged.begin()->first;
        const RunResult disabling =
            world_->ctl(std::nullopt, {QStringLiteral("rules"), QStringLiteral("disable"), QString::number(disabled)});
        QVERIFY2(disabling.succeeded(), qPrintable(disabling.describe()));

        // No orderly stop: what is on disk is what the acknowledged calls appended.
        world_->fixture().killDaemon();
        const QString journal = world_->userRulesFile() + QStringLiteral(".journal");
        QVERIFY2(QFile::exists(journal), qPrintable(journal));
        QVERIFY2(!QFile::exists(world_->userRulesFile()), "an AddRule rewrote the whole rule file");
        { // ...plus the first bytes of one more record, as a crash in the middle of an append leaves it.
            QFile file(journal);
            QVERIFY(file.open(QIODevice::Append));
            QVERIFY(file.write("put 99999 120 0badc0de\n[[rule]]\nid = 99999\nhost = \"torn.te") > 0);
        }

        HG_E2E_VERIFY(world_->startDaemon(daemonSettings()));
        HG_E2E_VERIFY(world_->fixture().waitForLogLine({QStringLiteral("Ignored the incomplete last record")}, 0));
        const auto listed = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("list")});
        HG_E2E_VERIFY(listed);
        std::map<qint64, QString> found;
        bool disabledStaysDisabled = false;
        for (const auto& value : listed->array()) {
            const auto rule = value.toObject();
            if (rule.value(QStringLiteral("origin")).toString() == QStringLiteral("admin"))
                continue;
            const qint64 id = rule.value(QStringLiteral("id")).toInteger();
            found[id] = rule.value(QStringLiteral("host")).toString();
            if (id == disabled)
                disabledStaysDisabled = !rule.value(QStringLiteral("enabled")).toBool(true);
        }
        QCOMPARE(found, acknowledged); // every acknowledged rule, the removed one gone, the torn one absent
        QVERIFY(disabledStaysDisabled);

        // An orderly stop compacts the journal into the readable rule file.
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        QVERIFY(!QFile::exists(journal));
        QFile rules(world_->userRulesFile());
        QVERIFY(rules.open(QIODevice::ReadOnly));
        const QByteArray text = rules.readAll();
        for (const auto& [id, host] : acknowledged)
            QVERIFY2(text.contains(host.toUtf8()), qPrintable(host));
        QVERIFY(!text.contains("torn.te"));
    }

private:
    std::unique_ptr<BusWorld> world_;
};

QTEST_GUILESS_MAIN(JournalCrashTest)
#include "journal_crash_test.moc"
