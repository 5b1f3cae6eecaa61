// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end with a real (private) systemd-journald: every decision is a structured journal entry
// with HOSTGATE_* fields, read back with journalctl as a log shipper would. Run by with_private_journald.sh.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <memory>

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

const QString curlPath = QStringLiteral("/usr/bin/curl");
const QString allowedAddress = QStringLiteral("203.0.113.10");
const QString unknownAddress = QStringLiteral("203.0.113.13");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("allowed.test"), allowedAddress, {}},
                        {QStringLiteral("unknown.test"), unknownAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.httpAddresses = {allowedAddress, unknownAddress};
    return world;
}

DaemonSettings enforcingDaemon()
{
    // TCP only: a decision that depends on the protocol is not written to the kernel at DNS time, so the connect is
    // held and decided (and recorded) by the daemon; fast-path allows are never recorded.
    return {ruleToml(curlPath, QStringLiteral("allowed.test"), QStringLiteral("allow"), QStringLiteral("tcp")),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\n"),
            {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}};
}

QString url(const QString& host)
{
    return QStringLiteral("http://%1/").arg(host);
}

} // namespace

class JournalTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("journalctl"))) {
            return;
        }
        // Loudly, not skipped: outside the wrapper the daemon would have no journal to write to.
        QVERIFY2(QFile::exists(QStringLiteral("/run/systemd/journal/socket")),
                 "no journald socket: run this test through tests/e2e/daemon/with_private_journald.sh (CTest does)");
        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-journal"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        HG_E2E_VERIFY(fixture_->startDaemon(enforcingDaemon()));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Decisions go to the journal")}, 0));
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        fixture_.reset();
    }

    void aDeniedConnectionIsAJournalEntryWithItsFields()
    {
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("unknown.test"))), 10s);
        QVERIFY2(result.exitCode == 7, qPrintable(result.describe()));
        const QJsonObject entry = waitForEntry(QStringLiteral("HOSTGATE_HOST=unknown.test"));
        QCOMPARE(entry.value(QStringLiteral("HOSTGATE_VERDICT")).toString(), QStringLiteral("denied"));
        QCOMPARE(entry.value(QStringLiteral("HOSTGATE_APP")).toString(), curlPath);
        QCOMPARE(entry.value(QStringLiteral("HOSTGATE_ADDRESS")).toString(), unknownAddress);
        QCOMPARE(entry.value(QStringLiteral("HOSTGATE_PORT")).toString(), QStringLiteral("80"));
        QCOMPARE(entry.value(QStringLiteral("HOSTGATE_PROTOCOL")).toString(), QStringLiteral("tcp"));
        QCOMPARE(entry.value(QStringLiteral("HOSTGATE_RULE")).toString(), QStringLiteral("none"));
        QVERIFY2(entry.value(QStringLiteral("HOSTGATE_EXPLANATION"))
                     .toString()
                     .contains(QStringLiteral("default action deny")),
                 qPrintable(QString::fromUtf8(QJsonDocument(entry).toJson())));
        QCOMPARE(entry.value(QStringLiteral("MESSAGE_ID")).toString(),
                 QStringLiteral("8504e5e1de8a40659252cd8f67f0fccf"));
        QCOMPARE(entry.value(QStringLiteral("SYSLOG_IDENTIFIER")).toString(), QStringLiteral("hostgated"));
        // Sent by the daemon itself, hardened (seccomp), through the native protocol.
        QCOMPARE(entry.value(QStringLiteral("_TRANSPORT")).toString(), QStringLiteral("journal"));
        QCOMPARE(entry.value(QStringLiteral("_PID")).toString(), QString::number(fixture_->daemonPid()));
        QVERIFY(fixture_->daemonIsRunning());
    }

    void anAllowedConnectionNamesItsRule()
    {
        const RunResult result =
            run(fixture_->confined(), curlCommand(IpFamily::V4, url(QStringLiteral("allowed.test"))), 10s);
        QVERIFY2(result.succeeded(), qPrintable(result.describe()));
        const QJsonObject entry = waitForEntry(QStringLiteral("HOSTGATE_HOST=allowed.test"));
        QCOMPARE(entry.value(QStringLiteral("HOSTGATE_VERDICT")).toString(), QStringLiteral("allowed"));
        bool numeric = false;
        entry.value(QStringLiteral("HOSTGATE_RULE")).toString().toULongLong(&numeric);
        QVERIFY2(numeric, qPrintable(QString::fromUtf8(QJsonDocument(entry).toJson())));
    }

private:
    // The newest entry matching `match` (journalctl's FIELD=value), polled until it appears (bounded).
    QJsonObject waitForEntry(const QString& match)
    {
        QJsonObject found;
        const bool appeared = QTest::qWaitFor(
            [&] {
                const RunResult read =
                    run(Placement::host(),
                        {QStringLiteral("journalctl"), QStringLiteral("--no-pager"), QStringLiteral("-o"),
                         QStringLiteral("json"), QStringLiteral("-n"), QStringLiteral("1"), match},
                        10s);
                const QJsonDocument document = QJsonDocument::fromJson(read.out.trimmed());
                if (!read.succeeded() || !document.isObject())
                    return false;
                found = document.object();
                return true;
            },
            5000);
        if (!appeared)
            qWarning("no journal entry with %s", qPrintable(match));
        return found;
    }

    std::unique_ptr<DaemonFixture> fixture_;
};

QTEST_GUILESS_MAIN(JournalTest)
#include "journal_test.moc"
