// SPDX-License-Identifier: GPL-3.0-or-later
// pidfd-based kill-and-wait: a signal sent through a pidfd can never hit a process that reused the PID.
#include "harness/process_kill.h"

#include <QFile>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace hostgate::e2e {

bool killAndWait(pid_t pid, std::chrono::milliseconds bound)
{
    if (pid <= 0) {
        return true;
    }
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        return errno == ESRCH;
    }
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    pollfd readable{pidfd, POLLIN, 0};
    int ready = 0;
    do {
        ready = poll(&readable, 1, static_cast<int>(bound.count()));
    } while (ready < 0 && errno == EINTR);
    close(pidfd);
    return ready > 0;
}

bool isProcessAlive(pid_t pid)
{
    if (pid <= 0) {
        return false;
    }
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return false;
    }
    // "1234 (comm with spaces) S ...": the state follows the last ')'.
    const QByteArray fields = stat.readAll();
    const qsizetype stateAt = fields.lastIndexOf(')') + 2;
    return stateAt > 1 && stateAt < fields.size() && fields[stateAt] != 'Z' && fields[stateAt] != 'X';
}

} // namespace hostgate::e2e
