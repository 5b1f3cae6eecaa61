// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated: the privileged daemon. Parses its command line and configuration, then runs the Daemon.
#include "hostgated/daemon.h"
#include "hostgated/hardening.h"
#include "hostgated/saved_mode.h"
#include "service/config.h"
#include "service/log.h"
#include "service/restart_handover.h"
#include "service/service_notifier.h"
#include "service/signals.h"
#include "store/atomic_file.h"

#include <functional>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <sys/stat.h>

namespace {

// Temporary files of atomic writes a crash (SIGKILL, power loss) left next to the files the daemon writes;
// only our own name pattern, only in our directories, before anything writes there again.
void removeCrashLeftovers(const hostgate::DaemonConfig& config, hostgate::Logger& log)
{
    for (const auto& written :
         {config.userRulesFile, hostgate::savedModePath(config.stateDir), hostgate::proposalsPath(config.stateDir)}) {
        auto removed = hostgate::removeStaleTemporaryFiles(written);
        if (!removed)
            log.warning("Failed to remove temporary files left by a crash, ignoring",
                        {{"error", removed.error().describe()}});
        else if (*removed > 0)
            log.notice("Removed temporary files left by a crash", {{"next_to", written}, {"count", *removed}});
    }
}

// The mode last chosen over D-Bus outlives restarts; an explicit --mode still wins.
void applySavedMode(hostgate::DaemonConfig& config, bool modeGiven,
                    const std::function<void(const hostgate::Error&)>& ignoring)
{
    if (modeGiven)
        return;
    if (auto saved = hostgate::loadSavedMode(config.stateDir); !saved)
        ignoring(saved.error());
    else if (*saved)
        config.mode = **saved;
}

} // namespace

int main(int argc, char** argv)
{
    using namespace hostgate;

    auto commandLine = parseCommandLine(argc, argv);
    if (!commandLine) {
        fmt::print(stderr, "hostgated: {}\n", commandLine.error().describe());
        return 2;
    }
    switch (commandLine->action) {
    case StartupAction::PrintHelp:
        fmt::print("{}", commandLine->helpText);
        return 0;
    case StartupAction::PrintVersion:
        fmt::print("hostgated {}\n", hostgateVersion());
        return 0;
    case StartupAction::CheckConfig:
    case StartupAction::Cleanup:
    case StartupAction::Run:
        break;
    }

    auto config = resolveDaemonConfig(*commandLine);
    if (!config) {
        fmt::print(stderr, "hostgated: {}\n", config.error().describe());
        return 1;
    }
    if (commandLine->action == StartupAction::CheckConfig) {
        // What the daemon would run with, saved mode included.
        applySavedMode(*config, commandLine->overrides.mode.has_value(), [](const Error& error) {
            fmt::print(stderr, "hostgated: ignoring the saved mode: {}\n", error.describe());
        });
        fmt::print("{}", renderConfig(*config));
        return 0;
    }

    // Everything the daemon creates (state directory, rule and mode files, the connection log) is private.
    ::umask(0077);
    Logger log(config->logLevel);
    if (commandLine->action == StartupAction::Cleanup) {
        if (auto cleaned = Daemon::cleanup(*config, log); !cleaned) {
            log.error("Failed to clean up", {{"error", cleaned.error().describe()}});
            return 1;
        }
        return 0;
    }
    config->runtimeDir = runtimeDirectoryFromEnvironment();
    removeCrashLeftovers(*config, log);
    applySavedMode(*config, commandLine->overrides.mode.has_value(), [&](const Error& error) {
        log.warning("Ignoring the saved mode", {{"error", error.describe()}});
    });
    // Before any thread or fd exists, so the signals reach only our signalfd.
    if (auto blocked = blockDaemonSignals(); !blocked) {
        log.error("Failed to block signals", {{"error", blocked.error().describe()}});
        return 1;
    }
    auto daemon = Daemon::create(*config, log);
    if (!daemon) {
        log.error("Failed to start", {{"error", daemon.error().describe()}});
        return 1;
    }
    // The kernel side is set up: from here on the daemon parses untrusted input (DNS, D-Bus) with the least it
    // needs. The tools it runs at runtime (iptables-nft) work with what is kept (see hardening.h).
    if (config->hardening) {
        auto hardened = hardenProcess(HardeningOptions{config->seccompLogOnly});
        if (!hardened) {
            log.error("Failed to harden the daemon", {{"error", hardened.error().describe()}});
            return 1;
        }
        if (!hardened->unknownSyscalls.empty())
            log.debug("Syscalls of the allow-list unknown here",
                      {{"names", fmt::format("{}", fmt::join(hardened->unknownSyscalls, " "))}});
        log.notice("Privileges dropped",
                   {{"capabilities", fmt::format("{}", fmt::join(hardened->keptCapabilities, " "))},
                    {"bounding_set", hardened->boundingSetReduced ? "reduced" : "as given"},
                    {"no_new_privs", "yes"},
                    {"seccomp", config->seccompLogOnly ? "log" : "kill"},
                    {"syscalls", hardened->allowedSyscalls}});
    } else {
        log.warning("Hardening disabled (--no-hardening): all capabilities kept, no seccomp filter");
    }
    // Ready only now: the programs are attached, the chains installed and the privileges dropped, so
    // `systemctl start` returns when the firewall enforces (and fails when any of that failed).
    const auto notifier = ServiceNotifier::fromEnvironment();
    if (auto told = notifier.ready("Enforcing"); !told)
        log.warning("Failed to tell the service manager that the daemon is ready, ignoring",
                    {{"error", told.error().describe()}});
    if (auto ran = (*daemon)->run(notifier); !ran) {
        log.error("Event loop failed", {{"error", ran.error().describe()}});
        return 1;
    }
    return 0;
}
