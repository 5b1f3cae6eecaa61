// SPDX-License-Identifier: GPL-3.0-or-later
// Servers: python3 HTTP and UDP echo servers in the test netns, started, probed until ready, killed by PID.
#include "harness/servers.h"

#include "harness/harness_result.h"
#include "harness/test_addresses.h"
#include "harness/test_network.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QThread>

namespace hostgate::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto readinessBound = 5s;
constexpr auto probeBound = 3s;
// Between probes while the interpreter starts; a probe of an unbound port fails at once.
constexpr auto readinessPollInterval = 20ms;

const char udpEchoServerScript[] = R"(import socket, sys
address, port = sys.argv[1], int(sys.argv[2])
server = socket.socket(socket.AF_INET6 if ':' in address else socket.AF_INET, socket.SOCK_DGRAM)
server.bind((address, port))
while True:
    data, peer = server.recvfrom(65535)
    server.sendto(data, peer)
)";

// connect() makes an ICMP "port unreachable" fail recv() at once instead of after the whole timeout.
const char udpEchoClientScript[] = R"(import socket, sys
address, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
client = socket.socket(socket.AF_INET6 if ':' in address else socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(wait)
client.connect((address, port))
client.send(sys.stdin.buffer.read())
sys.stdout.buffer.write(client.recv(65535))
)";

} // namespace

QString python3()
{
    return QFile::exists(QStringLiteral("/usr/bin/python3")) ? QStringLiteral("/usr/bin/python3")
                                                             : QStringLiteral("python3");
}

QStringList udpEchoClientCommand(const QString& address, quint16 port, int replySeconds)
{
    return {python3(), QStringLiteral("-c"),  QString::fromLatin1(udpEchoClientScript),
            address,   QString::number(port), QString::number(replySeconds)};
}

Servers::Servers(const TestNetwork& network) : network_(network) {}

Servers::~Servers()
{
    stopAll();
}

QByteArray Servers::defaultBody(const QString& address, quint16 port)
{
    return QStringLiteral("hostgate-e2e http %1:%2\n").arg(address).arg(port).toLatin1();
}

Result<void> Servers::startHttp(const QString& address, quint16 port, const QByteArray& body)
{
    if (auto safe = checkTestAddress(address); !safe) {
        return safe;
    }
    const QString root = network_.scratchPath(QStringLiteral("http-%1-%2").arg(address).arg(port));
    QFile index(root + QStringLiteral("/index.html"));
    const QByteArray served = body.isEmpty() ? defaultBody(address, port) : body;
    if (!QDir().mkpath(root) || !index.open(QIODevice::WriteOnly) || index.write(served) != served.size()) {
        return harnessError(QStringLiteral("Failed to write %1: %2").arg(index.fileName(), index.errorString()));
    }
    index.close();
    const QStringList probe = {QStringLiteral("curl"),      QStringLiteral("-sS"), QStringLiteral("-g"),
                               QStringLiteral("--noproxy"), QStringLiteral("*"),   QStringLiteral("--max-time"),
                               QStringLiteral("1"),         httpUrl(address, port)};
    return startChecked({python3(), QStringLiteral("-m"), QStringLiteral("http.server"), QStringLiteral("--bind"),
                         address, QString::number(port), QStringLiteral("--directory"), root},
                        QStringLiteral("http-%1-%2.log").arg(address).arg(port), probe, {}, served);
}

Result<void> Servers::startUdpEcho(const QString& address, quint16 port)
{
    if (auto safe = checkTestAddress(address); !safe) {
        return safe;
    }
    const QByteArray ping = "hostgate-e2e readiness";
    return startChecked(
        {python3(), QStringLiteral("-c"), QString::fromLatin1(udpEchoServerScript), address, QString::number(port)},
        QStringLiteral("udp-echo-%1-%2.log").arg(address).arg(port), udpEchoClientCommand(address, port), ping, ping);
}

Result<void> Servers::startChecked(const QStringList& argv, const QString& logName, const QStringList& probe,
                                   const QByteArray& probeInput, const QByteArray& expected)
{
    const QString logPath = network_.scratchPath(logName);
    auto started = startBackground(Placement::in(network_), argv, logPath, logPath);
    if (!started) {
        return started.error();
    }
    processes_.push_back(std::move(*started));
    BackgroundProcess& server = processes_.back();
    const auto serverLog = [&logPath] {
        QFile log(logPath);
        return log.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(log.readAll()) : QString();
    };
    QDeadlineTimer deadline(std::chrono::duration_cast<std::chrono::milliseconds>(readinessBound).count());
    RunResult lastProbe;
    while (true) {
        if (!server.isRunning()) {
            return harnessError(
                QStringLiteral("Failed to start %1: it exited; output:\n%2").arg(server.command(), serverLog()));
        }
        lastProbe = run(Placement::in(network_), probe,
                        std::chrono::duration_cast<std::chrono::milliseconds>(probeBound), probeInput);
        if (lastProbe.succeeded() && lastProbe.out == expected) {
            return Ok{};
        }
        if (deadline.hasExpired()) {
            return harnessError(
                QStringLiteral("Failed to start %1: not ready within %2 s; last probe:\n%3\noutput:\n%4")
                    .arg(server.command())
                    .arg(readinessBound.count())
                    .arg(lastProbe.describe(), serverLog()));
        }
        QThread::msleep(static_cast<unsigned long>(readinessPollInterval.count()));
    }
}

QList<pid_t> Servers::pids() const
{
    QList<pid_t> pids;
    for (const BackgroundProcess& server : processes_) {
        pids.append(server.pid());
    }
    return pids;
}

void Servers::stopAll()
{
    processes_.clear();
}

} // namespace hostgate::e2e
