// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of hardenProcess: what a hardened process keeps, and that a call outside the allow-list kills it.
#include "hostgated/hardening.h"
#include "hostgated/seccomp_allowlist.h"

#include <QTest>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <functional>
#include <string>

using namespace hostgate;

namespace {

// Runs `body` in a forked child hardened with `options`; returns its wait status. The child's exit code is
// what `body` returns (100 + n for hardening failures).
int inHardenedChild(const HardeningOptions& options, const std::function<int()>& body)
{
    const pid_t child = ::fork();
    if (child == 0) {
        auto hardened = hardenProcess(options);
        ::_exit(hardened ? body() : 100);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

std::string statusLine(const std::string& name)
{
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(name + ":", 0) == 0)
            return line.substr(name.size() + 1);
    return {};
}

} // namespace

class HardeningTest : public QObject {
    Q_OBJECT

private slots:
    void theAllowListHasBpfAndNoDuplicates()
    {
        std::vector<std::string_view> names(seccompAllowedSyscalls.begin(), seccompAllowedSyscalls.end());
        QVERIFY(std::find(names.begin(), names.end(), "bpf") != names.end());
        std::sort(names.begin(), names.end());
        QVERIFY(std::adjacent_find(names.begin(), names.end()) == names.end());
    }

    void aHardenedProcessHasNoNewPrivsAFilterAndAtMostTheKeptCapabilities()
    {
        const int status = inHardenedChild({}, [] {
            if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return 1;
            if (statusLine("Seccomp").find('2') == std::string::npos)
                return 2;
            // CAP_NET_ADMIN (12), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39) at most.
            const unsigned long long kept = (1ULL << 12) | (1ULL << 19) | (1ULL << 38) | (1ULL << 39);
            for (const char* set : {"CapEff", "CapPrm", "CapInh", "CapAmb"}) {
                const unsigned long long value = std::stoull(statusLine(set), nullptr, 16);
                if ((value & ~kept) != 0)
                    return 3;
            }
            if (::getuid() == 0 && std::stoull(statusLine("CapEff"), nullptr, 16) != kept)
                return 4; // root keeps exactly the four
            return 0;
        });
        QVERIFY2(WIFEXITED(status), qPrintable(QString::number(status)));
        QCOMPARE(WEXITSTATUS(status), 0);
    }

    void aSyscallOutsideTheAllowListKillsTheProcess()
    {
        // personality(0xffffffff) only queries; it is harmless, and not on the list.
        const int status =
            inHardenedChild({}, [] { return static_cast<int>(::syscall(SYS_personality, 0xffffffffUL) >= 0 ? 0 : 1); });
        QVERIFY2(WIFSIGNALED(status), qPrintable(QString::number(status)));
        QCOMPARE(WTERMSIG(status), SIGSYS);
    }

    void withSeccompLogOnlyTheCallIsLoggedAndAllowed()
    {
        const int status = inHardenedChild(
            {true}, [] { return static_cast<int>(::syscall(SYS_personality, 0xffffffffUL) >= 0 ? 0 : 1); });
        QVERIFY2(WIFEXITED(status), qPrintable(QString::number(status)));
        QCOMPARE(WEXITSTATUS(status), 0);
    }

    void listedSyscallsStillWorkWhenHardened()
    {
        const int status = inHardenedChild({}, [] {
            char buffer[16];
            const int fds[2] = {::open("/proc/self/status", O_RDONLY | O_CLOEXEC), -1};
            return fds[0] >= 0 && ::read(fds[0], buffer, sizeof buffer) > 0 && ::close(fds[0]) == 0 ? 0 : 1;
        });
        QVERIFY2(WIFEXITED(status), qPrintable(QString::number(status)));
        QCOMPARE(WEXITSTATUS(status), 0);
    }
};

QTEST_APPLESS_MAIN(HardeningTest)
#include "hardening_test.moc"
