// SPDX-License-Identifier: GPL-3.0-or-later
// hostgated's command line (CLI11) and how it overrides the configuration file.
#include "service/config.h"

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <tuple>

#ifndef HOSTGATE_VERSION
#error "HOSTGATE_VERSION must be defined by the build"
#endif

namespace hostgate {

namespace {

template <class T>
Result<T> parseNamed(std::string_view option, const std::string& value, std::optional<T> (*parse)(std::string_view),
                     std::string_view expectedNames)
{
    if (const std::optional<T> parsed = parse(value)) {
        return *parsed;
    }
    return Error(fmt::format("Invalid {} '{}': expected one of {}", option, value, expectedNames));
}

Result<std::int64_t> parseInRange(std::string_view option, std::int64_t value, std::int64_t min, std::int64_t max)
{
    if (value < min || value > max) {
        return Error(fmt::format("Invalid {} {}: outside {}..{}", option, value, min, max));
    }
    return value;
}

// The raw strings and numbers CLI11 fills in; converted and checked after parsing so every option's
// error reads the same as the configuration file's.
struct RawOptions {
    std::string config, cgroup, adminRulesDir, baseRulesDir, userRules, stateDir, bpfPinDir, defaultAction, mode,
        failureMode, logLevel;
    std::int64_t promptTimeout = 0, markBit = 0, dnsQueue = 0, decisionQueue = 0;
    bool version = false, checkConfig = false, noBus = false, cleanup = false, noHardening = false, seccompLog = false;
    std::string trustedResolvers, resolverFiles; // comma-separated
};

// "a,b,,c" → {"a", "b", "c"}.
std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start)
            items.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return items;
}

} // namespace

std::string_view hostgateVersion()
{
    return HOSTGATE_VERSION;
}

Result<CommandLine> parseCommandLine(const std::vector<std::string>& arguments)
{
    CLI::App app("hostgated: per-application outbound firewall daemon", "hostgated");
    RawOptions raw;
    const auto option = [&](std::string_view name, auto& target, std::string_view description) {
        return app.add_option(std::string(name), target, std::string(description));
    };
    CLI::Option* config =
        option("--config", raw.config, fmt::format("Configuration file (default {})", kDefaultConfigPath));
    CLI::Option* cgroup =
        option("--cgroup", raw.cgroup, "cgroup v2 directory to enforce on (default: the hierarchy's root)");
    CLI::Option* adminRulesDir =
        option("--admin-rules-dir", raw.adminRulesDir, "Directory of administrator rule files");
    CLI::Option* baseRulesDir = option("--base-rules-dir", raw.baseRulesDir,
                                       "Directory of the shipped base policy (default /usr/share/hostgate/rules.d)");
    CLI::Option* userRules = option("--user-rules", raw.userRules, "File of the users' rules");
    CLI::Option* stateDir = option("--state-dir", raw.stateDir, "Directory of the daemon's state (event log)");
    CLI::Option* bpfPinDir = option("--bpf-pin-dir", raw.bpfPinDir,
                                    "Directory on a bpf filesystem where the enforcing BPF objects are pinned");
    CLI::Option* trustedResolvers = option("--trusted-resolvers", raw.trustedResolvers,
                                           "DNS servers whose answers name addresses (comma-separated)");
    CLI::Option* resolverFiles =
        option("--resolver-files", raw.resolverFiles,
               "resolv.conf files whose nameservers are trusted (comma-separated; \"\" for none)");
    CLI::Option* defaultAction = option("--default-action", raw.defaultAction, "deny or allow unanswered connections");
    CLI::Option* mode = option("--mode", raw.mode, "enforce, silent-allow, silent-deny or learning");
    CLI::Option* promptTimeout = option("--prompt-timeout", raw.promptTimeout, "Seconds to wait for a prompt's answer");
    CLI::Option* failureMode = option("--failure-mode", raw.failureMode, "fail-closed or fail-open");
    CLI::Option* markBit = option("--mark-bit", raw.markBit, "Packet mark bit (0..31) for undecided connections");
    CLI::Option* dnsQueue = option("--dns-queue", raw.dnsQueue, "nfqueue number for DNS");
    CLI::Option* decisionQueue =
        option("--decision-queue", raw.decisionQueue, "nfqueue number for undecided connections");
    CLI::Option* logLevel = option("--log-level", raw.logLevel, "debug, info, notice, warning or error");
    CLI::Option* noBus = app.add_flag("--no-bus", raw.noBus,
                                      "Do not serve D-Bus (no API, no prompt agents: prompts get the default action)");
    CLI::Option* noHardening =
        app.add_flag("--no-hardening", raw.noHardening,
                     "Debugging: keep every capability and install no seccomp filter (default: hardening = true)");
    CLI::Option* seccompLog = app.add_flag(
        "--seccomp-log", raw.seccompLog,
        "Debugging the seccomp allow-list: log syscalls outside it (kernel log, audit type=1326) instead of killing");
    CLI::Option* version = app.add_flag("--version", raw.version, "Print the version and exit");
    CLI::Option* checkConfig =
        app.add_flag("--check-config", raw.checkConfig, "Validate the configuration, print it and exit");
    CLI::Option* cleanup =
        app.add_flag("--cleanup", raw.cleanup,
                     "Remove the BPF programs, pins and firewall chains a daemon that is not running "
                     "left behind (as an orderly stop would), and exit");

    CommandLine result;
    // CLI11 consumes its argument vector from the back.
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        result.action = StartupAction::PrintHelp;
        result.helpText = app.help();
        return result;
    } catch (const CLI::ParseError& error) {
        return Error(fmt::format("Invalid command line: {}", error.what()));
    }

    if (version->count() > 0) {
        result.action = StartupAction::PrintVersion;
    } else if (checkConfig->count() > 0) {
        result.action = StartupAction::CheckConfig;
    } else if (cleanup->count() > 0) {
        result.action = StartupAction::Cleanup;
    }
    if (config->count() > 0) {
        result.configPath = raw.config;
    }
    if (noBus->count() > 0) {
        result.overrides.dbus = false;
    }
    if (noHardening->count() > 0) {
        result.overrides.hardening = false;
    }
    if (seccompLog->count() > 0) {
        result.overrides.seccompLogOnly = true;
    }

    ConfigOverrides& overrides = result.overrides;
    const auto absolutePath = [](std::string_view name, const std::string& value) -> Result<std::filesystem::path> {
        std::filesystem::path path(value);
        if (!path.is_absolute()) {
            return Error(fmt::format("Invalid {} '{}': not an absolute path", name, value));
        }
        return path;
    };
    const std::array<std::tuple<CLI::Option*, const std::string*, std::optional<std::filesystem::path>*>, 6> paths{{
        {cgroup, &raw.cgroup, &overrides.cgroupScope},
        {adminRulesDir, &raw.adminRulesDir, &overrides.adminRulesDir},
        {baseRulesDir, &raw.baseRulesDir, &overrides.baseRulesDir},
        {userRules, &raw.userRules, &overrides.userRulesFile},
        {stateDir, &raw.stateDir, &overrides.stateDir},
        {bpfPinDir, &raw.bpfPinDir, &overrides.bpfPinDir},
    }};
    for (const auto& [parsedOption, value, target] : paths) {
        if (parsedOption->count() == 0) {
            continue;
        }
        if (parsedOption == bpfPinDir && value->empty()) {
            *target = std::filesystem::path(); // --bpf-pin-dir "": nothing pinned
            continue;
        }
        auto path = absolutePath(parsedOption->get_name(), *value);
        if (!path) {
            return path.error();
        }
        *target = *path;
    }

    if (trustedResolvers->count() > 0) {
        std::vector<IpAddress> addresses;
        for (const auto& text : splitList(raw.trustedResolvers)) {
            const auto address = IpAddress::parse(text);
            if (!address)
                return Error(fmt::format("Invalid --trusted-resolvers '{}': not an IP address", text));
            addresses.push_back(*address);
        }
        overrides.trustedResolvers = std::move(addresses);
    }
    if (resolverFiles->count() > 0) {
        std::vector<std::filesystem::path> files;
        for (const auto& text : splitList(raw.resolverFiles)) {
            auto file = absolutePath("--resolver-files", text);
            if (!file)
                return file.error();
            files.push_back(*file);
        }
        overrides.resolverFiles = std::move(files);
    }

    if (defaultAction->count() > 0) {
        auto parsed = parseNamed("--default-action", raw.defaultAction, &parseDefaultAction, "deny, allow");
        if (!parsed) {
            return parsed.error();
        }
        overrides.defaultAction = *parsed;
    }
    if (mode->count() > 0) {
        auto parsed = parseNamed("--mode", raw.mode, &parseDaemonMode, "enforce, silent-allow, silent-deny, learning");
        if (!parsed) {
            return parsed.error();
        }
        overrides.mode = *parsed;
    }
    if (failureMode->count() > 0) {
        auto parsed = parseNamed("--failure-mode", raw.failureMode, &parseFailureMode, "fail-closed, fail-open");
        if (!parsed) {
            return parsed.error();
        }
        overrides.failureMode = *parsed;
    }
    if (logLevel->count() > 0) {
        auto parsed = parseNamed("--log-level", raw.logLevel, &parseLogLevel, "debug, info, notice, warning, error");
        if (!parsed) {
            return parsed.error();
        }
        overrides.logLevel = *parsed;
    }
    if (promptTimeout->count() > 0) {
        auto parsed = parseInRange("--prompt-timeout", raw.promptTimeout, 1, 3600);
        if (!parsed) {
            return parsed.error();
        }
        overrides.promptTimeout = Seconds(*parsed);
    }
    if (markBit->count() > 0) {
        auto parsed = parseInRange("--mark-bit", raw.markBit, 0, 31);
        if (!parsed) {
            return parsed.error();
        }
        overrides.markBit = static_cast<std::uint32_t>(*parsed);
    }
    const std::array<std::tuple<CLI::Option*, std::int64_t, std::optional<std::uint16_t>*>, 2> queues{{
        {dnsQueue, raw.dnsQueue, &overrides.dnsQueue},
        {decisionQueue, raw.decisionQueue, &overrides.decisionQueue},
    }};
    for (const auto& [parsedOption, value, target] : queues) {
        if (parsedOption->count() == 0) {
            continue;
        }
        auto parsed = parseInRange(parsedOption->get_name(), value, 0, 65535);
        if (!parsed) {
            return parsed.error();
        }
        *target = static_cast<std::uint16_t>(*parsed);
    }
    return result;
}

Result<CommandLine> parseCommandLine(int argc, char** argv)
{
    std::vector<std::string> arguments;
    for (int i = 1; i < argc; ++i) {
        arguments.emplace_back(argv[i]);
    }
    return parseCommandLine(arguments);
}

Result<DaemonConfig> applyOverrides(DaemonConfig config, const ConfigOverrides& overrides)
{
    if (overrides.cgroupScope) {
        config.cgroupScope = overrides.cgroupScope;
    }
    config.adminRulesDir = overrides.adminRulesDir.value_or(config.adminRulesDir);
    config.baseRulesDir = overrides.baseRulesDir.value_or(config.baseRulesDir);
    config.userRulesFile = overrides.userRulesFile.value_or(config.userRulesFile);
    config.stateDir = overrides.stateDir.value_or(config.stateDir);
    config.bpfPinDir = overrides.bpfPinDir.value_or(config.bpfPinDir);
    config.trustedResolvers = overrides.trustedResolvers.value_or(config.trustedResolvers);
    config.resolverFiles = overrides.resolverFiles.value_or(config.resolverFiles);
    config.defaultAction = overrides.defaultAction.value_or(config.defaultAction);
    config.mode = overrides.mode.value_or(config.mode);
    config.promptTimeout = overrides.promptTimeout.value_or(config.promptTimeout);
    config.failureMode = overrides.failureMode.value_or(config.failureMode);
    config.markBit = overrides.markBit.value_or(config.markBit);
    config.dnsQueue = overrides.dnsQueue.value_or(config.dnsQueue);
    config.decisionQueue = overrides.decisionQueue.value_or(config.decisionQueue);
    config.logLevel = overrides.logLevel.value_or(config.logLevel);
    config.dbus = overrides.dbus.value_or(config.dbus);
    config.hardening = overrides.hardening.value_or(config.hardening);
    config.seccompLogOnly = overrides.seccompLogOnly.value_or(config.seccompLogOnly);
    if (auto valid = validateDaemonConfig(config); !valid) {
        return valid.error();
    }
    return config;
}

Result<DaemonConfig> resolveDaemonConfig(const CommandLine& commandLine, const std::filesystem::path& defaultConfigPath)
{
    const bool explicitPath = commandLine.configPath.has_value();
    auto fileConfig = loadDaemonConfigFile(explicitPath ? *commandLine.configPath : defaultConfigPath, !explicitPath);
    if (!fileConfig) {
        return fileConfig.error();
    }
    return applyOverrides(std::move(fileConfig).value(), commandLine.overrides);
}

} // namespace hostgate
