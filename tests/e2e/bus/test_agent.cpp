// SPDX-License-Identifier: GPL-3.0-or-later
// hostgate_test_agent: a scriptable org.hostgate.PromptAgent1 for end-to-end tests. Registers with hostgated,
// prints every Ask and Cancel as one JSON line on stdout, answers per its command line, exits on SIGTERM.
//
//   hostgate_test_agent [--path /org/hostgate/TestAgent] (--answer allow|deny [--lifetime L] [--host-scope S]
//                       [--port-scope S] [--pin] [--when-told] | --never-answer | --dismiss) [--register-many N]
// --dismiss answers every Ask with the error org.hostgate.PromptAgent1.Error.Dismissed (a person closed it).
// The one test agent of the project: the bus service's tests (tests/bus) and the end-to-end tests use it.
// --when-told holds every Ask until a line (or EOF) arrives on stdin, then answers the held ones and every later
// one at once, printing {"event":"answered","count":N}: the test decides when, after it has seen the prompt.
// --register-many N first registers N more paths (<path>/extraK, no objects behind them) on the same
// connection and prints {"event":"mass-registration","accepted":A,"refused":R,"error":NAME}; then the
// agent registers its own path as usual (which may be refused too).
// --flood N first sends N ListConnections calls at once (asynchronously, none awaited before the last is
// sent), waits for every reply and prints {"event":"flood","ok":A,"limited":L,"bus_limited":B,"other":O,
// "other_error":NAME} (B: refused by the bus itself, which bounds one connection's pending calls).
// stdout lines: {"event":"registered","path":...,"uid":U,"unique_name":":1.N"}, {"event":"ask","request":{...}},
//               {"event":"cancel","id":N,"reason":"timeout"}, {"event":"error","message":...}
#include "variant_json.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sdbus-c++/sdbus-c++.h>

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using hostgate::ctl::VariantMap;

constexpr const char* agentInterface = "org.hostgate.PromptAgent1";

struct AgentPolicy {
    std::string objectPath = "/org/hostgate/TestAgent";
    std::string action;
    std::string lifetime;
    std::string hostScope;
    std::string portScope;
    bool neverAnswer = false;
    bool dismiss = false;
    bool pin = false;
    bool whenTold = false;
    unsigned registerMany = 0;
    unsigned flood = 0;
};

void printLine(const nlohmann::json& line)
{
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

VariantMap answerFor(const AgentPolicy& policy)
{
    VariantMap answer{{"action", sdbus::Variant(policy.action)}};
    if (!policy.lifetime.empty()) {
        answer.emplace("lifetime", sdbus::Variant(policy.lifetime));
    }
    if (!policy.hostScope.empty()) {
        answer.emplace("host_scope", sdbus::Variant(policy.hostScope));
    }
    if (policy.pin) {
        answer.emplace("pin", sdbus::Variant(true));
    }
    if (!policy.portScope.empty()) {
        answer.emplace("port_scope", sdbus::Variant(policy.portScope));
    }
    return answer;
}

} // namespace

int main(int argc, char** argv)
{
    AgentPolicy policy;
    CLI::App app("Scriptable hostgate prompt agent for tests", "hostgate_test_agent");
    app.add_option("--path", policy.objectPath, "object path of the agent");
    auto* answer = app.add_option("--answer", policy.action, "allow or deny")->check(CLI::IsMember({"allow", "deny"}));
    app.add_option("--lifetime", policy.lifetime, "once, until-exit, until-time or forever");
    app.add_option("--host-scope", policy.hostScope, "host, domain or any");
    app.add_option("--port-scope", policy.portScope, "port or any");
    auto* never = app.add_flag("--never-answer", policy.neverAnswer, "keep every Ask pending");
    auto* dismiss = app.add_flag("--dismiss", policy.dismiss, "answer every Ask with the Dismissed error");
    app.add_flag("--pin", policy.pin, "ask for the answer's rule to be pinned to the binary");
    auto* whenTold = app.add_flag("--when-told", policy.whenTold, "answer held Asks when a line arrives on stdin");
    app.add_option("--register-many", policy.registerMany, "register N extra paths first");
    app.add_option("--flood", policy.flood, "send N ListConnections calls at once first");
    answer->excludes(never);
    dismiss->excludes(answer);
    dismiss->excludes(never);
    whenTold->needs(answer);
    CLI11_PARSE(app, argc, argv);
    if (policy.action.empty() && !policy.neverAnswer && !policy.dismiss) {
        std::fprintf(stderr, "hostgate_test_agent: give --answer, --never-answer or --dismiss\n");
        return 2;
    }

    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    sigprocmask(SIG_BLOCK, &stopSignals, nullptr);
    const int signalFd = signalfd(-1, &stopSignals, SFD_CLOEXEC);

    try {
        auto connection = sdbus::createSystemBusConnection();
        auto object = sdbus::createObject(*connection, policy.objectPath);
        // Withheld replies stay here, so --never-answer leaves the daemon waiting until its own deadline.
        std::vector<sdbus::Result<VariantMap>> withheld;
        object->registerMethod("Ask")
            .onInterface(agentInterface)
            .implementedAs([&](sdbus::Result<VariantMap>&& result, VariantMap request) {
                printLine({{"event", "ask"}, {"request", hostgate::ctl::toJson(request)}});
                if (policy.dismiss) {
                    result.returnError(
                        sdbus::Error("org.hostgate.PromptAgent1.Error.Dismissed", "dismissed by the test"));
                } else if (policy.neverAnswer || policy.whenTold) {
                    withheld.push_back(std::move(result));
                } else {
                    result.returnResults(answerFor(policy));
                }
            });
        object->registerMethod("Cancel")
            .onInterface(agentInterface)
            .implementedAs([](std::uint64_t id, const std::string& reason) {
                printLine({{"event", "cancel"}, {"id", id}, {"reason", reason}});
            })
            .withNoReply();
        object->finishRegistration();

        auto firewall = sdbus::createProxy(*connection, "org.hostgate.Firewall1", "/org/hostgate/Firewall1");
        if (policy.flood > 0) {
            unsigned ok = 0;
            unsigned limited = 0;
            unsigned busLimited = 0; // the bus's own max_replies_per_connection refusing this connection
            unsigned other = 0;
            unsigned replies = 0;
            std::string otherError;
            std::vector<sdbus::PendingAsyncCall> calls;
            for (unsigned k = 0; k < policy.flood; ++k) {
                calls.push_back(firewall->callMethodAsync("ListConnections")
                                    .onInterface("org.hostgate.Firewall1")
                                    .withArguments(std::uint32_t{1}, VariantMap{})
                                    .uponReplyInvoke([&](const sdbus::Error* error, const std::vector<VariantMap>&) {
                                        ++replies;
                                        if (error == nullptr)
                                            ++ok;
                                        else if (error->getName() == "org.hostgate.Firewall1.Error.LimitExceeded")
                                            ++limited;
                                        else if (error->getName() == "org.freedesktop.DBus.Error.LimitsExceeded")
                                            ++busLimited;
                                        else {
                                            ++other;
                                            otherError = error->getName();
                                        }
                                    }));
            }
            while (replies < policy.flood) {
                while (connection->processPendingRequest()) {
                }
                if (replies >= policy.flood)
                    break;
                const auto bus = connection->getEventLoopPollData();
                pollfd fds[1] = {{bus.fd, bus.events, 0}};
                poll(fds, 1, bus.getPollTimeout());
            }
            printLine({{"event", "flood"},
                       {"ok", ok},
                       {"limited", limited},
                       {"bus_limited", busLimited},
                       {"other", other},
                       {"other_error", otherError}});
        }
        if (policy.registerMany > 0) {
            unsigned accepted = 0;
            unsigned refused = 0;
            std::string firstError;
            for (unsigned k = 0; k < policy.registerMany; ++k) {
                try {
                    firewall->callMethod("RegisterAgent")
                        .onInterface("org.hostgate.Firewall1")
                        .withArguments(sdbus::ObjectPath(policy.objectPath + "/extra" + std::to_string(k)));
                    ++accepted;
                } catch (const sdbus::Error& error) {
                    ++refused;
                    if (firstError.empty())
                        firstError = error.getName();
                }
            }
            printLine(
                {{"event", "mass-registration"}, {"accepted", accepted}, {"refused", refused}, {"error", firstError}});
        }
        firewall->callMethod("RegisterAgent")
            .onInterface("org.hostgate.Firewall1")
            .withArguments(sdbus::ObjectPath(policy.objectPath));
        printLine({{"event", "registered"},
                   {"path", policy.objectPath},
                   {"uid", getuid()},
                   {"unique_name", connection->getUniqueName()}});

        for (;;) {
            while (connection->processPendingRequest()) {
            }
            const auto bus = connection->getEventLoopPollData();
            pollfd fds[3] = {
                {bus.fd, bus.events, 0}, {signalFd, POLLIN, 0}, {policy.whenTold ? STDIN_FILENO : -1, POLLIN, 0}};
            poll(fds, 3, bus.getPollTimeout());
            if ((fds[1].revents & POLLIN) != 0) {
                return 0;
            }
            if ((fds[2].revents & (POLLIN | POLLHUP)) != 0) {
                char line[256];
                [[maybe_unused]] const ssize_t told = ::read(STDIN_FILENO, line, sizeof line);
                policy.whenTold = false;
                for (auto& held : withheld) {
                    held.returnResults(answerFor(policy));
                }
                printLine({{"event", "answered"}, {"count", withheld.size()}});
                withheld.clear();
            }
        }
    } catch (const sdbus::Error& error) {
        printLine({{"event", "error"}, {"name", error.getName()}, {"message", error.getMessage()}});
        return 1;
    }
}
