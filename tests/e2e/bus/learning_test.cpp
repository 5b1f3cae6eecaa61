// SPDX-License-Identifier: GPL-3.0-or-later
// Learning mode end to end: real curl and python connections in the test netns are allowed and become
// proposals (deduplicated, generalised to *.domain by libpsl), which survive a restart, are listed, exported,
// audited, accepted and rejected over D-Bus with hostgatectl (polkit-authorized); then in enforce mode the
// accepted destinations connect and the others do not — witnessed by the server's own log.
#include "bus/bus_world.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

#ifndef HOSTGATE_WITNESS_PATH
#error "HOSTGATE_WITNESS_PATH must name tests/e2e/daemon/witness.py"
#endif

using namespace hostgate::e2e;
using namespace std::chrono_literals;

namespace {

// One address per name: the kernel caches a learning-mode "allow" per (app, address, port) for a while, so a
// second name on the same address would never reach the daemon.
const QString aAddress = QStringLiteral("203.0.113.41");     // a.learn.test
const QString bAddress = QStringLiteral("203.0.113.43");     // b.learn.test
const QString cAddress = QStringLiteral("203.0.113.44");     // c.learn.test
const QString otherAddress = QStringLiteral("203.0.113.42"); // other.test
constexpr auto witnessBound = 5s;

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("a.learn.test"), aAddress, {}},
                        {QStringLiteral("b.learn.test"), bAddress, {}},
                        {QStringLiteral("c.learn.test"), cAddress, {}},
                        {QStringLiteral("other.test"), otherAddress, {}}};
    world.zone.ttlSeconds = 30;
    for (const QString& address : {aAddress, bAddress, cAddress, otherAddress})
        world.extraAddresses << address + QStringLiteral("/24");
    return world;
}

// Learning mode, nothing cached for long: a decision reaches the daemon again after a second.
DaemonSettings learningDaemon()
{
    return {QString(),
            QStringLiteral("[dns_cache]\nmin_ttl = 1\n\n[verdicts]\nmin_ttl = 1\nmax_ttl = 1\n"),
            {QStringLiteral("--mode"), QStringLiteral("learning"), QStringLiteral("--prompt-timeout"),
             QStringLiteral("2")}};
}

QString fileText(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// curl http://HOST/MARKER: the marker is what the witness logs.
QStringList curlMarker(const QString& host, const QString& marker)
{
    return curlCommand(IpFamily::V4, QStringLiteral("http://%1/%2").arg(host, marker));
}

// A python client that resolves HOST and sends "GET /MARKER" on port 80; prints "connected <status>" or the
// error. Inline code (-c): its identity is python3 with script "<inline>".
QStringList pythonMarker(const QString& host, const QString& marker)
{
    const QString code = QStringLiteral("import socket,sys\n"
                                        "try:\n"
                                        "    s=socket.create_connection(('%1',80),timeout=3)\n"
                                        "    s.sendall(b'GET /%2 HTTP/1.0\\r\\nHost: %1\\r\\n\\r\\n')\n"
                                        "    print('connected', s.makefile('rb').readline().decode().strip())\n"
                                        "except OSError as e:\n"
                                        "    print('error', e)\n"
                                        "    sys.exit(1)\n")
                             .arg(host, marker);
    return {python3(), QStringLiteral("-c"), code};
}

QJsonArray proposalsOf(const QJsonDocument& document)
{
    return document.array();
}

std::optional<QJsonObject> proposalFor(const QJsonArray& proposals, const QString& host)
{
    for (const QJsonValue& value : proposals)
        if (value[QStringLiteral("host")].toString() == host)
            return value.toObject();
    return std::nullopt;
}

} // namespace

class LearningTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() ||
            !requireTools(defaultRequiredTools() << QStringLiteral("setpriv") << QStringLiteral("dbus-daemon")
                                                 << QStringLiteral("/usr/lib/polkit-1/polkitd"))) {
            return;
        }
        world_ = std::make_unique<BusWorld>(QStringLiteral("hgb-learn"));
        HG_E2E_VERIFY(world_->setUp(environment()));
        const TestNetwork& network = world_->fixture().network();
        witnessLog_ = network.scratchPath(QStringLiteral("learning-witness.log"));
        auto witness = startBackground(Placement::in(network),
                                       {python3(), QStringLiteral(HOSTGATE_WITNESS_PATH), QStringLiteral("serve"),
                                        witnessLog_, QStringLiteral("--tcp"), aAddress + QStringLiteral(":80"),
                                        QStringLiteral("--tcp"), bAddress + QStringLiteral(":80"),
                                        QStringLiteral("--tcp"), cAddress + QStringLiteral(":80"),
                                        QStringLiteral("--tcp"), otherAddress + QStringLiteral(":80")},
                                       witnessLog_ + QStringLiteral(".out"), witnessLog_ + QStringLiteral(".out"));
        HG_E2E_VERIFY(witness);
        witness_.emplace(std::move(*witness));
        QVERIFY2(QTest::qWaitFor([this] { return fileText(witnessLog_).startsWith(QStringLiteral("ready\n")); }, 5000),
                 qPrintable(fileText(witnessLog_ + QStringLiteral(".out"))));
        HG_E2E_VERIFY(world_->startDaemon(learningDaemon()));
    }

    void cleanupTestCase()
    {
        witness_.reset();
        world_.reset();
    }

    void learningAllowsEveryConnectionAndProposesItGeneralised()
    {
        const RunResult a = run(world_->fixture().confined(),
                                curlMarker(QStringLiteral("a.learn.test"), QStringLiteral("learn-a")), 10s);
        QVERIFY2(a.succeeded(), qPrintable(a.describe()));
        const RunResult b = run(world_->fixture().confined(),
                                curlMarker(QStringLiteral("b.learn.test"), QStringLiteral("learn-b")), 10s);
        QVERIFY2(b.succeeded(), qPrintable(b.describe()));
        const RunResult python = run(world_->fixture().confined(),
                                     pythonMarker(QStringLiteral("other.test"), QStringLiteral("learn-py")), 10s);
        QVERIFY2(python.succeeded() && python.out.startsWith("connected HTTP/"), qPrintable(python.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("learn-a")));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("learn-b")));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("learn-py")));

        // Proposals are recorded when the connection is decided, i.e. before the client's SYN left.
        const auto listed = world_->ctlJson({QStringLiteral("proposals"), QStringLiteral("list")});
        HG_E2E_VERIFY(listed);
        const QJsonArray proposals = proposalsOf(*listed);
        QVERIFY2(proposals.size() == 2, listed->toJson().constData());
        const auto learned = proposalFor(proposals, QStringLiteral("*.learn.test"));
        QVERIFY2(learned, listed->toJson().constData());
        QCOMPARE(learned->value(QStringLiteral("app")).toString(), QStringLiteral("/usr/bin/curl"));
        QCOMPARE(learned->value(QStringLiteral("ports")).toString(), QStringLiteral("80"));
        QCOMPARE(learned->value(QStringLiteral("protocol")).toString(), QStringLiteral("tcp"));
        QCOMPARE(learned->value(QStringLiteral("user")).toInt(), 0);
        QCOMPARE(learned->value(QStringLiteral("connections")).toInt(), 2);
        QCOMPARE(learned->value(QStringLiteral("examples")).toArray(),
                 (QJsonArray{QStringLiteral("a.learn.test"), QStringLiteral("b.learn.test")}));
        const auto other = proposalFor(proposals, QStringLiteral("other.test"));
        QVERIFY2(other, listed->toJson().constData());
        QCOMPARE(other->value(QStringLiteral("app")).toString(), python3ExecutablePath());
        QCOMPARE(other->value(QStringLiteral("script")).toString(), QStringLiteral("<inline>"));
        learnedId_ = learned->value(QStringLiteral("id")).toInteger();
        otherId_ = other->value(QStringLiteral("id")).toInteger();

        const auto status = world_->ctlJson({QStringLiteral("status")});
        HG_E2E_VERIFY(status);
        QCOMPARE(status->object().value(QStringLiteral("proposals")).toInt(), 2);
        QCOMPARE(status->object().value(QStringLiteral("proposals_dropped")).toInt(), 0);
    }

    void proposalsSurviveARestart()
    {
        const auto before = world_->ctlJson({QStringLiteral("proposals"), QStringLiteral("list")});
        HG_E2E_VERIFY(before);
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        QVERIFY(QFile::exists(world_->fixture().stateDirectory() + QStringLiteral("/proposals.toml")));
        HG_E2E_VERIFY(world_->startDaemon(learningDaemon()));
        const auto after = world_->ctlJson({QStringLiteral("proposals"), QStringLiteral("list")});
        HG_E2E_VERIFY(after);
        QCOMPARE(after->array(), before->array());
    }

    void listingNeedsTheReadLogAuthorization()
    {
        const RunResult denied = world_->ctl(deniedUid, {QStringLiteral("proposals"), QStringLiteral("list")});
        QCOMPARE(denied.exitCode, 3);
        const RunResult allowed =
            world_->ctl(allowedUid, {QStringLiteral("--json"), QStringLiteral("proposals"), QStringLiteral("list")});
        QVERIFY2(allowed.succeeded() && allowed.out.contains("*.learn.test"), qPrintable(allowed.describe()));
    }

    void exportAndAuditAreRuleFilesTheDaemonLoads()
    {
        const QString exported = world_->fixture().network().scratchPath(QStringLiteral("exported.toml"));
        const RunResult exporting =
            world_->ctl(std::nullopt, {QStringLiteral("proposals"), QStringLiteral("export"), exported});
        QVERIFY2(exporting.succeeded(), qPrintable(exporting.describe()));
        const QString exportText = fileText(exported);
        QVERIFY2(exportText.contains(QStringLiteral("host = \"*.learn.test\"")) &&
                     exportText.contains(QStringLiteral("host = \"other.test\"")) &&
                     exportText.contains(QStringLiteral("script = \"<inline>\"")),
                 qPrintable(exportText));

        const RunResult auditing =
            world_->ctl(std::nullopt, {QStringLiteral("audit"), QStringLiteral("--since"), QStringLiteral("1h")});
        QVERIFY2(auditing.succeeded(), qPrintable(auditing.describe()));
        const QString auditText = QString::fromUtf8(auditing.out);
        QVERIFY2(auditText.contains(QStringLiteral("host = \"*.learn.test\"")) &&
                     auditText.contains(QStringLiteral("host = \"other.test\"")) &&
                     auditText.contains(QStringLiteral("action = \"allow\"")),
                 qPrintable(auditText));
        const RunResult badSince = world_->ctl(
            std::nullopt, {QStringLiteral("audit"), QStringLiteral("--since"), QStringLiteral("yesterday-ish")});
        QCOMPARE(badSince.exitCode, 5);

        // Both load as admin rule files (what an administrator would do with them), then go again.
        HG_E2E_VERIFY(world_->fixture().writeAdminRuleFile(QStringLiteral("30-exported.toml"), exportText));
        HG_E2E_VERIFY(world_->fixture().writeAdminRuleFile(QStringLiteral("31-audited.toml"), auditText));
        const auto loaded = waitForAdminRules(4);
        QVERIFY2(loaded.isEmpty(), qPrintable(loaded));
        HG_E2E_VERIFY(world_->fixture().removeAdminRuleFile(QStringLiteral("30-exported.toml")));
        HG_E2E_VERIFY(world_->fixture().removeAdminRuleFile(QStringLiteral("31-audited.toml")));
        const auto gone = waitForAdminRules(0);
        QVERIFY2(gone.isEmpty(), qPrintable(gone));
    }

    void acceptAndRejectNeedTheManageRulesAuthorization()
    {
        const RunResult denied = world_->ctl(
            deniedUid, {QStringLiteral("proposals"), QStringLiteral("accept"), QString::number(learnedId_)});
        QCOMPARE(denied.exitCode, 3);
        const RunResult deniedReject =
            world_->ctl(deniedUid, {QStringLiteral("proposals"), QStringLiteral("reject"), QString::number(otherId_)});
        QCOMPARE(deniedReject.exitCode, 3);
        const RunResult unknown =
            world_->ctl(std::nullopt, {QStringLiteral("proposals"), QStringLiteral("accept"), QStringLiteral("999")});
        QVERIFY2(unknown.exitCode == 6 && unknown.err.contains("No proposal has id 999"),
                 qPrintable(unknown.describe()));
        const RunResult badEdit = world_->ctl(std::nullopt, {QStringLiteral("proposals"), QStringLiteral("accept"),
                                                             QString::number(learnedId_), QStringLiteral("--ports"),
                                                             QStringLiteral("99999")});
        QCOMPARE(badEdit.exitCode, 5);
        const auto listed = world_->ctlJson({QStringLiteral("proposals"), QStringLiteral("list")});
        HG_E2E_VERIFY(listed);
        QCOMPARE(listed->array().size(), 2); // nothing changed
    }

    void anAcceptedProposalBecomesAnEnforcedUserRuleAndTheRestDoesNotConnect()
    {
        // Accepted with an edit (the note), by a user polkit allows.
        const RunResult accepted =
            world_->ctl(allowedUid, {QStringLiteral("--json"), QStringLiteral("proposals"), QStringLiteral("accept"),
                                     QString::number(learnedId_), QStringLiteral("--note"),
                                     QStringLiteral("learned in the e2e test")});
        QVERIFY2(accepted.succeeded(), qPrintable(accepted.describe()));
        const qint64 ruleId = QJsonDocument::fromJson(accepted.out)
                                  .object()
                                  .value(QStringLiteral("rule_ids"))
                                  .toArray()
                                  .first()
                                  .toInteger();
        const auto rule = world_->ctlJson({QStringLiteral("rules"), QStringLiteral("show"), QString::number(ruleId)});
        HG_E2E_VERIFY(rule);
        const QJsonObject saved = rule->object();
        QCOMPARE(saved.value(QStringLiteral("origin")).toString(), QStringLiteral("user"));
        QCOMPARE(saved.value(QStringLiteral("host")).toString(), QStringLiteral("*.learn.test"));
        QCOMPARE(saved.value(QStringLiteral("app")).toString(), QStringLiteral("/usr/bin/curl"));
        QCOMPARE(saved.value(QStringLiteral("ports")).toString(), QStringLiteral("80"));
        QCOMPARE(saved.value(QStringLiteral("action")).toString(), QStringLiteral("allow"));
        QCOMPARE(saved.value(QStringLiteral("note")).toString(), QStringLiteral("learned in the e2e test"));
        QVERIFY2(
            fileText(world_->userRulesFile() + QStringLiteral(".journal")).contains(QStringLiteral("*.learn.test")),
            "the accepted rule is saved in the user file's journal");

        // The python proposal is rejected: forgotten, and not proposed again while learning.
        const RunResult rejected =
            world_->ctl(allowedUid, {QStringLiteral("proposals"), QStringLiteral("reject"), QString::number(otherId_)});
        QVERIFY2(rejected.succeeded(), qPrintable(rejected.describe()));
        // python is an interpreter: its verdicts are cached per process image, so a new one reaches the daemon.
        const RunResult pythonAgain = run(world_->fixture().confined(),
                                          pythonMarker(QStringLiteral("other.test"), QStringLiteral("learn-py2")), 10s);
        QVERIFY2(pythonAgain.succeeded(), qPrintable(pythonAgain.describe())); // learning still allows it
        const auto listed = world_->ctlJson({QStringLiteral("proposals"), QStringLiteral("list")});
        HG_E2E_VERIFY(listed);
        QVERIFY2(listed->array().isEmpty(), listed->toJson().constData());
        const auto status = world_->ctlJson({QStringLiteral("status")});
        HG_E2E_VERIFY(status);
        QCOMPARE(status->object().value(QStringLiteral("proposals")).toInt(), 0);

        // Enforce mode, no prompt agent: what no rule allows gets the default (deny).
        const RunResult mode = world_->ctl(std::nullopt, {QStringLiteral("mode"), QStringLiteral("enforce")});
        QVERIFY2(mode.succeeded(), qPrintable(mode.describe()));

        // The accepted rule covers every name of the domain, also one never seen while learning.
        const RunResult c = run(world_->fixture().confined(),
                                curlMarker(QStringLiteral("c.learn.test"), QStringLiteral("enforced-c")), 10s);
        QVERIFY2(c.succeeded(), qPrintable(c.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("enforced-c")));

        // Not accepted: the rejected python destination, and curl to it (curl never went there while learning).
        const RunResult python = run(world_->fixture().confined(),
                                     pythonMarker(QStringLiteral("other.test"), QStringLiteral("enforced-py")), 10s);
        QVERIFY2(!python.succeeded(), qPrintable(python.describe()));
        const RunResult curlOther =
            run(world_->fixture().confined(),
                curlMarker(QStringLiteral("other.test"), QStringLiteral("enforced-curl-other")), 10s);
        QVERIFY2(!curlOther.succeeded(), qPrintable(curlOther.describe()));
        // The canary: an unconfined client's marker on the same server. Once it is logged, anything the denied
        // attempts had sent before it would be logged too.
        const RunResult canary = run(world_->fixture().unconfined(),
                                     curlMarker(QStringLiteral("other.test"), QStringLiteral("canary")), 10s);
        QVERIFY2(canary.succeeded(), qPrintable(canary.describe()));
        HG_E2E_VERIFY(waitForWitness(QStringLiteral("canary")));
        const QString log = fileText(witnessLog_);
        QVERIFY2(!log.contains(QStringLiteral("enforced-py")) && !log.contains(QStringLiteral("enforced-curl-other")),
                 qPrintable(QStringLiteral("LEAK: a destination no accepted rule allows reached the server:\n") + log));
    }

    void aBrokenProposalFileIsReportedAndKeptNotLost()
    {
        HG_E2E_VERIFY(world_->fixture().stopDaemon());
        const QString path = world_->fixture().stateDirectory() + QStringLiteral("/proposals.toml");
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("version = 1\n[[proposal]]\nid = \"not a number\"\n");
        }
        HG_E2E_VERIFY(world_->startDaemon(learningDaemon()));
        const auto status = world_->ctlJson({QStringLiteral("status")});
        HG_E2E_VERIFY(status);
        const QString error = status->object().value(QStringLiteral("proposals_error")).toString();
        QVERIFY2(error.contains(QStringLiteral("proposals.toml:3:6: 'id' must be an integer")), qPrintable(error));
        const QRegularExpression keptAs(QStringLiteral("kept as (\\S+)\\)"));
        const auto match = keptAs.match(error);
        QVERIFY2(match.hasMatch(), qPrintable(error));
        QCOMPARE(fileText(match.captured(1)), QStringLiteral("version = 1\n[[proposal]]\nid = \"not a number\"\n"));
        // Learning goes on with a fresh list.
        const RunResult a = run(world_->fixture().confined(),
                                curlMarker(QStringLiteral("a.learn.test"), QStringLiteral("after-broken")), 10s);
        QVERIFY2(a.succeeded(), qPrintable(a.describe()));
        const auto listed = world_->ctlJson({QStringLiteral("proposals"), QStringLiteral("list")});
        HG_E2E_VERIFY(listed);
        // curl to a.learn.test is allowed by the accepted rule now, so nothing new is proposed.
        QVERIFY2(listed->array().isEmpty(), listed->toJson().constData());
    }

private:
    hostgate::Result<void> waitForWitness(const QString& marker) const
    {
        if (QTest::qWaitFor([&] { return fileText(witnessLog_).contains(QStringLiteral("/") + marker); },
                            static_cast<int>(std::chrono::milliseconds(witnessBound).count())))
            return hostgate::Ok{};
        return harnessError(
            QStringLiteral("'%1' never reached the witness; its log:\n%2").arg(marker, fileText(witnessLog_)));
    }

    // Waits until exactly `count` admin rules are in force without rule errors; "" or what is wrong.
    QString waitForAdminRules(int count) const
    {
        QString last;
        const bool reached = QTest::qWaitFor(
            [&] {
                const auto status = world_->ctlJson({QStringLiteral("status")});
                if (!status) {
                    last = describe(status.error());
                    return false;
                }
                last = QString::fromUtf8(status->toJson());
                return status->object().value(QStringLiteral("admin_rules")).toInt() == count &&
                       status->object().value(QStringLiteral("rule_errors")).toArray().isEmpty();
            },
            5000);
        return reached ? QString() : last;
    }

    std::unique_ptr<BusWorld> world_;
    std::optional<BackgroundProcess> witness_;
    QString witnessLog_;
    qint64 learnedId_ = 0;
    qint64 otherId_ = 0;
};

QTEST_GUILESS_MAIN(LearningTest)
#include "learning_test.moc"
