// SPDX-License-Identifier: GPL-3.0-or-later
// `hostgatectl run / attach / detach / scopes`: a command (or an existing cgroup) under rules of its own.
#include "command_runner.h"

#include "firewall_client.h"
#include "output.h"
#include "util/errno_error.h"
#include "util/unique_fd.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace hostgate::ctl {
namespace {

// Exit status when the command could not be started (as env(1) and timeout(1) use them).
constexpr int commandNotFound = 127;
constexpr int commandNotRunnable = 126;

ExitStatus failWith(ExitStatus status, const std::string& message)
{
    std::cerr << errorLine(status, message) << '\n';
    return status;
}

// The CreateRunScope / AttachScope policy of the command's options; nullopt after printing why not.
std::optional<VariantMap> policyOf(const Command& command, const std::string& label)
{
    VariantMap policy;
    if (!command.scope.allow.empty())
        policy["allow"] = sdbus::Variant(command.scope.allow);
    if (!command.scope.deny.empty())
        policy["deny"] = sdbus::Variant(command.scope.deny);
    policy["default"] = sdbus::Variant(command.scope.defaultAction);
    policy["label"] = sdbus::Variant(label);
    if (!command.scope.rulesFile.empty()) {
        std::FILE* file = std::fopen(command.scope.rulesFile.c_str(), "rbe");
        std::string text;
        char buffer[65536];
        std::size_t count = 0;
        while (file != nullptr && (count = std::fread(buffer, 1, sizeof buffer, file)) > 0)
            text.append(buffer, count);
        const bool failed = file == nullptr || std::ferror(file) != 0;
        const int error = errno;
        if (file != nullptr)
            std::fclose(file);
        if (failed) {
            failWith(ExitStatus::Failure,
                     fmt::format("Failed to read {}: {}", command.scope.rulesFile, errnoText(error)));
            return std::nullopt;
        }
        policy["rules"] = sdbus::Variant(text);
    }
    return policy;
}

std::string joined(const std::vector<std::string>& words)
{
    std::string text;
    for (const std::string& word : words)
        text += (text.empty() ? "" : " ") + word;
    return text;
}

// One decision as a JSON line: time, exe, pid, host, ip, port, proto, verdict, rule, why, scope.
nlohmann::json decisionLine(const nlohmann::json& event)
{
    nlohmann::json line = nlohmann::json::object();
    line["time_usec"] = event.value("time_usec", std::int64_t{0});
    line = withIsoTimes(line);
    line["exe"] = event.value("app", std::string());
    line["pid"] = event.value("pid", 0);
    line["host"] = event.value("host", std::string());
    line["ip"] = event.value("address", std::string());
    line["port"] = event.value("port", 0);
    line["proto"] = event.value("protocol", std::string());
    line["verdict"] = event.value("verdict", std::string());
    line["rule"] = event.contains("rule_id") ? event["rule_id"] : nlohmann::json(nullptr);
    line["why"] = event.value("explanation", std::string());
    line["scope"] = event.value("scope", std::uint64_t{0});
    return line;
}

std::string decisionText(const nlohmann::json& event)
{
    const std::string host = event.value("host", std::string());
    const std::string address = event.value("address", std::string());
    return fmt::format("hostgatectl: {} {}[{}] -> {}{}{} {}/{}: {}\n", event.value("verdict", std::string()),
                       event.value("app", std::string()), event.value("pid", 0), host, host.empty() ? "" : " ",
                       host.empty() ? address : "(" + address + ")", event.value("protocol", std::string()),
                       event.value("port", 0), event.value("explanation", std::string()));
}

// The child: waits for the go byte (it is in the scope's cgroup then), restores the signal mask, execs.
[[noreturn]] void runChild(const std::vector<std::string>& words, int goFd, int errorFd, const sigset_t& oldMask)
{
    char go = 0;
    ssize_t got = 0;
    do
        got = ::read(goFd, &go, 1);
    while (got < 0 && errno == EINTR);
    if (got != 1)
        ::_exit(commandNotRunnable); // the parent gave up: the command never runs outside its scope
    ::sigprocmask(SIG_SETMASK, &oldMask, nullptr);
    std::vector<char*> argv;
    for (const std::string& word : words)
        argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    const int error = errno;
    (void)!::write(errorFd, &error, sizeof error);
    ::_exit(error == ENOENT ? commandNotFound : commandNotRunnable);
}

} // namespace

ExitStatus runInScope(const Command& command, sdbus::IConnection& connection)
{
    const auto policy = policyOf(command, joined(command.scope.command));
    if (!policy)
        return ExitStatus::Failure;
    std::FILE* log = nullptr;
    if (!command.scope.log.empty()) {
        log = std::fopen(command.scope.log.c_str(), "ae");
        if (!log)
            return failWith(ExitStatus::Failure,
                            fmt::format("Failed to open {}: {}", command.scope.log, errnoText(errno)));
    }
    const auto closeLog = [&log] {
        if (log)
            std::fclose(log);
        log = nullptr;
    };

    FirewallClient client(connection);
    std::uint64_t scopeId = 0;
    client.listenForConnectionEvents([&scopeId, &log](const VariantMap& record) {
        const nlohmann::json event = toJson(record);
        if (scopeId == 0 || event.value("scope", std::uint64_t{0}) != scopeId)
            return;
        if (log) {
            const std::string line = decisionLine(event).dump() + '\n';
            std::fwrite(line.data(), 1, line.size(), log);
            std::fflush(log);
        } else {
            std::cerr << decisionText(event) << std::flush;
        }
    });
    std::string cgroup;
    try {
        std::tie(scopeId, cgroup) = client.createRunScope(*policy);
    } catch (...) {
        closeLog();
        throw;
    }

    // SIGCHLD, SIGINT and SIGTERM arrive through a signalfd; the child gets the old mask back before exec.
    sigset_t signals;
    sigset_t oldMask;
    sigemptyset(&signals);
    sigaddset(&signals, SIGCHLD);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &signals, &oldMask);
    UniqueFd signalFd(signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    // Each end owned from the start, so a failed pipe2() or fork() leaks none.
    const auto makePipe = [](UniqueFd& readEnd, UniqueFd& writeEnd) {
        int ends[2] = {-1, -1};
        if (::pipe2(ends, O_CLOEXEC) != 0)
            return false;
        readEnd.reset(ends[0]);
        writeEnd.reset(ends[1]);
        return true;
    };
    UniqueFd goRead, go, execError, errorWrite;
    if (!signalFd || !makePipe(goRead, go) || !makePipe(execError, errorWrite)) {
        closeLog();
        return failWith(ExitStatus::Failure, fmt::format("Failed to prepare the command: {}", errnoText(errno)));
    }
    const pid_t child = ::fork();
    if (child < 0) {
        closeLog();
        return failWith(ExitStatus::Failure, fmt::format("Failed to fork: {}", errnoText(errno)));
    }
    if (child == 0) {
        go.reset();
        execError.reset();
        runChild(command.scope.command, goRead.get(), errorWrite.get(), oldMask);
    }
    goRead.reset();
    errorWrite.reset();

    int status = 0;
    try {
        client.JoinScope(scopeId, static_cast<std::uint32_t>(child));
    } catch (...) {
        go.reset(); // the child exits without running the command
        ::waitpid(child, &status, 0);
        closeLog();
        throw;
    }
    const char byte = 'g';
    (void)!::write(go.get(), &byte, 1);
    go.reset();

    bool exited = false;
    while (!exited) {
        while (connection.processPendingRequest()) {
        }
        const sdbus::IConnection::PollData bus = connection.getEventLoopPollData();
        pollfd fds[2] = {{bus.fd, bus.events, 0}, {signalFd.get(), POLLIN, 0}};
        if (poll(fds, 2, bus.getPollTimeout()) < 0 && errno != EINTR)
            break;
        if ((fds[1].revents & POLLIN) == 0)
            continue;
        signalfd_siginfo info{};
        while (::read(signalFd.get(), &info, sizeof info) == sizeof info) {
            if (info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM)
                ::kill(child, static_cast<int>(info.ssi_signo)); // the command decides; we wait for it
        }
        exited = ::waitpid(child, &status, WNOHANG) == child;
    }
    if (!exited)
        ::waitpid(child, &status, 0);

    int startError = 0;
    const bool notStarted = ::read(execError.get(), &startError, sizeof startError) == sizeof startError;
    if (notStarted)
        std::cerr << errorLine(ExitStatus::Failure, fmt::format("Failed to run {}: {}", command.scope.command.front(),
                                                                errnoText(startError)))
                  << '\n';
    // The reply comes after every decision signal the daemon sent before it: handle those, then end.
    try {
        client.removeScope(scopeId);
    } catch (const sdbus::Error& error) {
        std::cerr << errorLine(ExitStatus::Failure, "Failed to remove scope: " + error.getMessage()) << '\n';
    }
    while (connection.processPendingRequest()) {
    }
    closeLog();
    sigprocmask(SIG_SETMASK, &oldMask, nullptr);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
    return static_cast<ExitStatus>(code);
}

ExitStatus runScopeCommand(const Command& command, sdbus::IConnection& connection)
{
    FirewallClient client(connection);
    switch (command.verb) {
    case Verb::Attach: {
        const auto& scope = command.scope;
        const std::string kind = !scope.cgroup.empty() ? "cgroup" : !scope.unit.empty() ? "unit" : "container";
        const std::string target = !scope.cgroup.empty() ? scope.cgroup
                                   : !scope.unit.empty() ? scope.unit
                                                         : scope.container;
        const auto policy = policyOf(command, target);
        if (!policy)
            return ExitStatus::Failure;
        const auto [id, cgroup] = client.attachScope(kind, target, *policy);
        const std::string text = command.json ? renderJson({{"id", id}, {"cgroup", cgroup}}) : fmt::format("{}\n", id);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return ExitStatus::Ok;
    }
    case Verb::Detach: {
        client.removeScope(command.scope.scopeId);
        if (command.json)
            std::cout << renderJson({{"id", command.scope.scopeId}});
        return ExitStatus::Ok;
    }
    case Verb::Scopes: {
        const nlohmann::json scopes = withIsoTimes(toJson(client.ListScopes()));
        if (command.json) {
            std::cout << renderJson(scopes);
            return ExitStatus::Ok;
        }
        std::ostringstream out;
        out << fmt::format("{:<4} {:<7} {:<8} {:>5} {:<40} {}\n", "ID", "KIND", "DEFAULT", "RULES", "CGROUP", "LABEL");
        for (const auto& scope : scopes)
            out << fmt::format("{:<4} {:<7} {:<8} {:>5} {:<40} {}{}\n", scope.value("id", std::uint64_t{0}),
                               scope.value("kind", std::string()), scope.value("default", std::string()),
                               scope.contains("rules") ? scope["rules"].size() : 0,
                               scope.value("cgroup", std::string()), scope.value("label", std::string()),
                               scope.value("ending", false) ? " (ending)" : "");
        std::cout << out.str();
        return ExitStatus::Ok;
    }
    default:
        return ExitStatus::Failure;
    }
}

} // namespace hostgate::ctl
