// SPDX-License-Identifier: GPL-3.0-or-later
// HTTP and UDP echo servers inside the test netns, each readiness-checked and killed by PID at the end.
#pragma once

#include "harness/process_runner.h"
#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <vector>

namespace hostgate::e2e {

class TestNetwork;

// Python interpreter for servers and helper clients: Debian's /usr/bin/python3 when present (a user's
// pyenv shim under /root is not executable after setpriv drops privileges), else "python3" from PATH.
QString python3();

// argv of a one-shot UDP client: sends its stdin as one datagram to address:port and prints the reply,
// exiting non-zero when none arrives within `replySeconds`. Use with run(placement, argv, bound, payload).
QStringList udpEchoClientCommand(const QString& address, quint16 port, int replySeconds = 1);

class Servers {
public:
    explicit Servers(const TestNetwork& network);
    ~Servers();
    Servers(const Servers&) = delete;
    Servers& operator=(const Servers&) = delete;

    // `python3 -m http.server --bind ADDR PORT --directory DIR` serving `body` as "/" (index.html); an
    // empty body means defaultBody(address, port). Returns once a GET from inside the netns returns the
    // body (bounded to 5 s); fails at once if the server exits.
    Result<void> startHttp(const QString& address, quint16 port = 80, const QByteArray& body = {});
    // A python3 UDP echo server on address:port; returns once a datagram comes back (bounded to 5 s).
    Result<void> startUdpEcho(const QString& address, quint16 port = 7);

    // "hostgate-e2e http 203.0.113.10:80\n": tells a client which server answered.
    static QByteArray defaultBody(const QString& address, quint16 port);

    QList<pid_t> pids() const;
    // Kills every server by PID.
    void stopAll();

private:
    Result<void> startChecked(const QStringList& argv, const QString& logName, const QStringList& probe,
                              const QByteArray& probeInput, const QByteArray& expected);

    const TestNetwork& network_;
    std::vector<BackgroundProcess> processes_;
};

} // namespace hostgate::e2e
