// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated end to end, the base policy (issue 14.6 b): the shipped 50-apt.toml, loaded from the base rules
// directory with its hosts taken from a sources.list the daemon reads, lets the real `apt-get update` (its http
// method, sandboxed as _apt, a system user with no prompt agent) reach the mirror, and nothing else; an admin
// file of the same name replaces it. The witness of what got through is witness.py's server log.
#include "daemon/clients.h"
#include "daemon/daemon_fixture.h"
#include "daemon/witness_server.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <pwd.h>

#ifndef HOSTGATE_SHIPPED_BASE_RULES
#error "HOSTGATE_SHIPPED_BASE_RULES must name daemon/hostgated/rules.d"
#endif

using namespace hostgate::e2e;
using hostgate::Ok;
using hostgate::Result;
using namespace std::chrono_literals;

namespace {

const QString mirrorAddress = QStringLiteral("203.0.113.60");
const QString unlistedMirrorAddress = QStringLiteral("203.0.113.61");
constexpr quint16 httpPort = 80;
const QString releasePath = QStringLiteral("/debian/dists/bookworm/InRelease");

DaemonEnvironment environment()
{
    DaemonEnvironment world;
    world.zone.hosts = {{QStringLiteral("mirror.test"), mirrorAddress, {}},
                        {QStringLiteral("unlisted-mirror.test"), unlistedMirrorAddress, {}}};
    world.zone.ttlSeconds = 30;
    world.extraAddresses = {mirrorAddress + QStringLiteral("/24"), unlistedMirrorAddress + QStringLiteral("/24")};
    return world;
}

QByteArray fileBytes(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class BasePolicyTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!requireRoot() || !requireTools(defaultRequiredTools() << QStringLiteral("apt-get")))
            return;
        struct passwd* apt = ::getpwnam("_apt");
        QVERIFY2(apt != nullptr, "the _apt user is missing: apt's sandbox cannot run");
        aptUid_ = apt->pw_uid;

        fixture_ = std::make_unique<DaemonFixture>(QStringLiteral("hgd-base"));
        HG_E2E_VERIFY(fixture_->setUp(environment()));
        const TestNetwork& network = fixture_->network();

        // The daemon's view of the system: one mirror in sources.list.
        systemRoot_ = network.scratchPath(QStringLiteral("system"));
        QVERIFY(QDir().mkpath(systemRoot_ + QStringLiteral("/etc/apt/sources.list.d")));
        QFile sources(systemRoot_ + QStringLiteral("/etc/apt/sources.list"));
        QVERIFY(sources.open(QIODevice::WriteOnly));
        QVERIFY(sources.write("deb http://mirror.test/debian bookworm main\n") > 0);
        sources.close();

        // The shipped base policy file, unchanged.
        HG_E2E_VERIFY(fixture_->writeBaseRuleFile(
            QStringLiteral("50-apt.toml"),
            QString::fromUtf8(fileBytes(QStringLiteral(HOSTGATE_SHIPPED_BASE_RULES "/50-apt.toml")))));

        for (const QString& address : {mirrorAddress, unlistedMirrorAddress}) {
            auto server = std::make_unique<Witness>(network, address);
            HG_E2E_VERIFY(server->start({QStringLiteral("--tcp"), QStringLiteral("%1:%2").arg(address).arg(httpPort)}));
            witnesses_.emplace(address, std::move(server));
        }

        // apt's own state, somewhere _apt can write its downloads (the sandbox drops to it for the methods).
        QVERIFY(aptState_.isValid());
        QVERIFY(QFile::setPermissions(aptState_.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                            QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                                            QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                                            QFileDevice::ExeOther));
        for (const char* directory : {"lists/partial", "cache/archives/partial", "etc/sources.list.d"})
            QVERIFY(QDir().mkpath(aptState_.filePath(QString::fromLatin1(directory))));
        QVERIFY(::chown(QFile::encodeName(aptState_.filePath(QStringLiteral("lists/partial"))).constData(), aptUid_,
                        0) == 0);

        HG_E2E_VERIFY(fixture_->startDaemon({QString(),
                                             QStringLiteral("host_sources_root = \"%1\"\n").arg(systemRoot_),
                                             {QStringLiteral("--prompt-timeout"), QStringLiteral("2")}}));
    }

    void cleanupTestCase()
    {
        if (fixture_ && fixture_->daemonIsRunning()) {
            HG_E2E_VERIFY(fixture_->stopDaemon());
        }
        witnesses_.clear();
        fixture_.reset();
    }

    void aptUpdateReachesTheMirrorOfItsSourcesAsASandboxedSystemUser()
    {
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult update = aptUpdate(QStringLiteral("deb http://mirror.test/debian bookworm main\n"));
        HG_E2E_VERIFY(witnesses_.at(mirrorAddress)->waitFor(releasePath));
        // Allowed by the base rule, for apt's http method running as _apt.
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection allowed"),
                                                QStringLiteral("exe=/usr/lib/apt/methods/http"),
                                                QStringLiteral("uid=%1").arg(aptUid_), QStringLiteral("base, ")},
                                               mark, 10s));
        Q_UNUSED(update); // its exit status is apt's verdict on the witness's unsigned InRelease, not ours
    }

    void theBaseRuleOpensTheMirrorToAptOnly()
    {
        const RunResult curl =
            run(fixture_->confined(), curlCommand(IpFamily::V4, QStringLiteral("http://mirror.test/not-apt")), 15s);
        QVERIFY2(!curl.succeeded(), qPrintable(curl.describe()));
        QVERIFY2(!witnesses_.at(mirrorAddress)->saw(QStringLiteral("/not-apt")),
                 qPrintable(witnesses_.at(mirrorAddress)->log()));
    }

    void aMirrorTheDaemonsSourcesDoNotListStaysClosedToApt()
    {
        const qint64 mark = fixture_->daemonLogSize();
        const RunResult update = aptUpdate(QStringLiteral("deb http://unlisted-mirror.test/debian bookworm main\n"));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"),
                                                QStringLiteral("exe=/usr/lib/apt/methods/http"),
                                                QStringLiteral("ip=%1").arg(unlistedMirrorAddress)},
                                               mark, 10s));
        QVERIFY2(!witnesses_.at(unlistedMirrorAddress)->saw(releasePath),
                 qPrintable(update.describe() + witnesses_.at(unlistedMirrorAddress)->log()));
    }

    void anAdminFileOfTheSameNameReplacesTheBaseFile()
    {
        const qint64 mark = fixture_->daemonLogSize();
        HG_E2E_VERIFY(fixture_->writeAdminRuleFile(QStringLiteral("50-apt.toml"),
                                                   QStringLiteral("# apt decided by prompts here\n")));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded")}, mark, 10s));
        const int before = witnesses_.at(mirrorAddress)->log().count(releasePath);
        const qint64 updateMark = fixture_->daemonLogSize();
        const RunResult update = aptUpdate(QStringLiteral("deb http://mirror.test/debian bookworm main\n"));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Connection denied"),
                                                QStringLiteral("exe=/usr/lib/apt/methods/http"),
                                                QStringLiteral("ip=%1").arg(mirrorAddress)},
                                               updateMark, 10s));
        QCOMPARE(witnesses_.at(mirrorAddress)->log().count(releasePath), before);
        Q_UNUSED(update);

        // Removing the admin file brings the base rule back.
        const qint64 restored = fixture_->daemonLogSize();
        HG_E2E_VERIFY(fixture_->removeAdminRuleFile(QStringLiteral("50-apt.toml")));
        HG_E2E_VERIFY(fixture_->waitForLogLine({QStringLiteral("Rules reloaded")}, restored, 10s));
        aptUpdate(QStringLiteral("deb http://mirror.test/debian bookworm main\n"));
        QVERIFY2(
            QTest::qWaitFor([&] { return witnesses_.at(mirrorAddress)->log().count(releasePath) > before; }, 10000),
            qPrintable(witnesses_.at(mirrorAddress)->log()));
    }

private:
    // `apt-get update` of `sourcesLine` alone, in the enforced cgroup; apt's own files in aptState_.
    RunResult aptUpdate(const QString& sourcesLine)
    {
        const QString list = aptState_.filePath(QStringLiteral("etc/sources.list"));
        QFile file(list);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(sourcesLine.toUtf8()) <= 0)
            qWarning("Failed to write %s", qPrintable(list));
        file.close();
        const auto option = [](const QString& setting) { return QStringList{QStringLiteral("-o"), setting}; };
        QStringList argv{QStringLiteral("apt-get"), QStringLiteral("update")};
        argv << option(QStringLiteral("Dir::Etc::sourcelist=") + list)
             << option(QStringLiteral("Dir::Etc::sourceparts=") +
                       aptState_.filePath(QStringLiteral("etc/sources.list.d")))
             << option(QStringLiteral("Dir::State::Lists=") + aptState_.filePath(QStringLiteral("lists")))
             << option(QStringLiteral("Dir::Cache=") + aptState_.filePath(QStringLiteral("cache")))
             << option(QStringLiteral("Debug::NoLocking=1")) << option(QStringLiteral("Acquire::Retries=0"))
             << option(QStringLiteral("Acquire::http::Timeout=5"))
             << option(QStringLiteral("Acquire::http::Pipeline-Depth=0"))
             << option(QStringLiteral("APT::Sandbox::User=_apt"));
        return run(fixture_->confined(), argv, 60s);
    }

    std::unique_ptr<DaemonFixture> fixture_;
    std::map<QString, std::unique_ptr<Witness>> witnesses_;
    QString systemRoot_;
    QTemporaryDir aptState_{QStringLiteral("/tmp/hostgate-e2e-apt-XXXXXX")};
    uid_t aptUid_ = 0;
};

QTEST_GUILESS_MAIN(BasePolicyTest)
#include "base_policy_test.moc"
