// hostgated: the privileged daemon. Parses its command line and configuration, then runs the Daemon.
#include "hostgated/daemon.h"
#include "hostgated/saved_mode.h"
#include "service/config.h"
#include "service/log.h"
#include "service/signals.h"

#include <fmt/core.h>

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
        fmt::print("{}", renderConfig(*config));
        return 0;
    }

    Logger log(config->logLevel);
    if (commandLine->action == StartupAction::Cleanup) {
        if (auto cleaned = Daemon::cleanup(*config, log); !cleaned) {
            log.error("Failed to clean up", {{"error", cleaned.error().describe()}});
            return 1;
        }
        return 0;
    }
    // The mode last chosen over D-Bus outlives restarts; an explicit --mode still wins.
    if (!commandLine->overrides.mode) {
        if (auto saved = loadSavedMode(config->stateDir); !saved)
            log.warning("Ignoring the saved mode", {{"error", saved.error().describe()}});
        else if (*saved)
            config->mode = **saved;
    }
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
    if (auto ran = (*daemon)->run(); !ran) {
        log.error("Event loop failed", {{"error", ran.error().describe()}});
        return 1;
    }
    return 0;
}
