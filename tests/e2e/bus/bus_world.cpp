// SPDX-License-Identifier: GPL-3.0-or-later
// BusWorld: private bus and polkitd (hostgate_test_bus), hostgated on them, and hostgatectl runs as users.
#include "bus/bus_world.h"

#include "harness/private_bus.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>

#include <csignal>

#ifndef HOSTGATECTL_PATH
#error "HOSTGATECTL_PATH must name the hostgatectl binary under test"
#endif
#ifndef HOSTGATE_TEST_AGENT_PATH
#error "HOSTGATE_TEST_AGENT_PATH must name the hostgate_test_agent binary"
#endif
#ifndef HOSTGATE_SOURCE_DIR
#error "HOSTGATE_SOURCE_DIR must name the source tree (for the bus policy and polkit actions)"
#endif

namespace hostgate::e2e {
namespace {

using namespace std::chrono_literals;

// nobody may do everything hostgate offers, "daemon" (uid 1) nothing; root never asks polkit.
const QString polkitRules = QStringLiteral(
    "polkit.addRule(function(action, subject) {\n"
    "    if (action.id.indexOf(\"org.hostgate.\") != 0) return polkit.Result.NOT_HANDLED;\n"
    // What a system prompt is about reaches polkit as details (prompt_agent_test refuses one address).
    "    if (action.id == \"org.hostgate.answer-system-prompts\" && action.lookup(\"address\") == \"203.0.113.29\")\n"
    "        return polkit.Result.NO;\n"
    "    if (subject.user == \"nobody\") return polkit.Result.YES;\n"
    "    return polkit.Result.NO;\n"
    "});\n");

} // namespace

QString hostgatectlExecutable()
{
    return QStringLiteral(HOSTGATECTL_PATH);
}
QString testAgentExecutable()
{
    return QStringLiteral(HOSTGATE_TEST_AGENT_PATH);
}

std::optional<BackgroundProcess> startTestAgent(std::optional<uid_t> uid, const QStringList& arguments)
{
    const Placement placement = uid ? Placement::host().asUser(*uid) : Placement::host();
    auto agent = startBackground(placement, QStringList{testAgentExecutable()} + arguments);
    if (!agent) {
        qWarning("%s", qPrintable(describe(agent.error())));
        return std::nullopt;
    }
    if (auto registered = agent->waitForStdout("\"event\":\"registered\"", std::chrono::seconds(10)); !registered) {
        qWarning("%s\n%s", qPrintable(describe(registered.error())), agent->stderrSoFar().constData());
        return std::nullopt;
    }
    return std::move(*agent);
}

QByteArray stopTestAgent(BackgroundProcess& agent)
{
    ::kill(agent.pid(), SIGTERM);
    return agent.finish(std::chrono::seconds(5)).out;
}

QList<QJsonObject> agentLines(const QByteArray& output, const QString& event)
{
    QList<QJsonObject> lines;
    for (const QByteArray& line : output.split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (object.value(QStringLiteral("event")).toString() == event)
            lines << object;
    }
    return lines;
}

struct BusWorld::Bus {
    std::unique_ptr<testbus::PrivateSystemBus> bus;
    std::unique_ptr<testbus::PrivatePolkit> polkit;
};

BusWorld::BusWorld(const QString& tag) : bus_(std::make_unique<Bus>()), fixture_(std::make_unique<DaemonFixture>(tag))
{}

BusWorld::~BusWorld()
{
    // The daemon goes first (it is a bus client), then polkitd, then the bus restores the environment.
    fixture_.reset();
    bus_->polkit.reset();
    bus_->bus.reset();
}

Result<void> BusWorld::setUp(const DaemonEnvironment& environment)
{
    const QString source = QStringLiteral(HOSTGATE_SOURCE_DIR);
    auto bus = testbus::PrivateSystemBus::start({source + QStringLiteral("/dbus/org.hostgate.Firewall1.conf")});
    if (!bus) {
        return bus.error();
    }
    bus_->bus = std::move(*bus);
    bus_->bus->exportAddress();
    auto polkit = testbus::PrivatePolkit::start(*bus_->bus, {source + QStringLiteral("/polkit/org.hostgate.policy")},
                                                polkitRules);
    if (!polkit) {
        return polkit.error();
    }
    bus_->polkit = std::move(*polkit);
    return fixture_->setUp(environment);
}

Result<void> BusWorld::startDaemon(const DaemonSettings& settings)
{
    if (auto started = fixture_->startDaemon(settings); !started) {
        return started;
    }
    return bus_->bus->waitForName(QStringLiteral("org.hostgate.Firewall1"), 10s);
}

void BusWorld::stopBus()
{
    bus_->polkit.reset();
    bus_->bus->stop();
}

Result<void> BusWorld::startBusAgain()
{
    if (auto started = bus_->bus->startAgain(); !started)
        return started;
    const QString source = QStringLiteral(HOSTGATE_SOURCE_DIR);
    auto polkit = testbus::PrivatePolkit::start(*bus_->bus, {source + QStringLiteral("/polkit/org.hostgate.policy")},
                                                polkitRules);
    if (!polkit)
        return polkit.error();
    bus_->polkit = std::move(*polkit);
    return Ok{};
}

Result<void> BusWorld::waitForName(const QString& name, std::chrono::milliseconds bound) const
{
    return bus_->bus->waitForName(name, bound);
}

QString BusWorld::userRulesFile() const
{
    return QFileInfo(fixture_->rulesDirectory()).dir().filePath(QStringLiteral("state/rules.toml"));
}

RunResult BusWorld::ctl(std::optional<uid_t> uid, const QStringList& arguments, const QByteArray& stdinData) const
{
    const Placement placement = uid ? Placement::host().asUser(*uid) : Placement::host();
    return run(placement, QStringList{hostgatectlExecutable()} + arguments, 20s, stdinData);
}

Result<QJsonDocument> BusWorld::ctlJson(const QStringList& arguments) const
{
    const RunResult result = ctl(std::nullopt, QStringList{QStringLiteral("--json")} + arguments);
    if (!result.succeeded()) {
        return harnessError(QStringLiteral("hostgatectl failed:\n") + result.describe());
    }
    QJsonParseError error{};
    QJsonDocument document = QJsonDocument::fromJson(result.out, &error);
    if (error.error != QJsonParseError::NoError) {
        return harnessError(
            QStringLiteral("hostgatectl printed invalid JSON (%1):\n%2").arg(error.errorString(), result.describe()));
    }
    return document;
}

} // namespace hostgate::e2e
