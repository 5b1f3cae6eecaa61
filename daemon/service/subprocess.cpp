// SPDX-License-Identifier: GPL-3.0-or-later
// posix_spawn with pipes on all three standard streams, a poll loop feeding and draining them, and a deadline.
#include "service/subprocess.h"

#include "util/errno_error.h"
#include "util/unique_fd.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

extern char** environ;

namespace hostgate {

namespace {

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Result<Pipe> makePipe()
{
    int fds[2] = {-1, -1};
    if (pipe2(fds, O_CLOEXEC) < 0)
        return errnoError("create a pipe", errno);
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Daemons often run with a PATH lacking the sbin directories the firewall tools live in.
std::string resolveTool(const std::string& name)
{
    for (const char* directory : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
        std::string path = directory + name;
        if (access(path.c_str(), X_OK) == 0)
            return path;
    }
    return name;
}

Result<pid_t> spawn(const std::vector<std::string>& arguments, const Pipe& in, const Pipe& out, const Pipe& err)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in.read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out.write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err.write.get(), STDERR_FILENO);
    const std::string program = resolveTool(arguments[0]);
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
        argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    // The daemon blocks signals for its signalfd; the tool must start with a clean mask and SIGPIPE default.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t noSignals;
    sigemptyset(&noSignals);
    sigset_t pipeSignal;
    sigemptyset(&pipeSignal);
    sigaddset(&pipeSignal, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes, &noSignals);
    posix_spawnattr_setsigdefault(&attributes, &pipeSignal);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t child = -1;
    const int spawned = posix_spawnp(&child, program.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0)
        return errnoError("run " + arguments[0], spawned);
    return child;
}

} // namespace

Result<std::string> runTool(const ToolRun& run)
{
    if (run.arguments.empty())
        return Error("Failed to run a tool: no command given");
    const std::string& name = run.arguments[0];
    auto in = makePipe();
    auto out = makePipe();
    auto err = makePipe();
    if (!in || !out || !err)
        return Error("Failed to create pipes for " + name);
    const auto child = spawn(run.arguments, *in, *out, *err);
    if (!child)
        return child.error();
    in->read.reset();
    out->write.reset();
    err->write.reset();
    // Our ends do not block: a blocking write of more than the pipe holds would wait for the tool to read while
    // the tool waits for us to drain its output (a deadlock once the input is larger than a pipe buffer).
    for (const int fd : {in->write.get(), out->read.get(), err->read.get()})
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    // A tool that exits without reading all of stdin must not kill us with SIGPIPE: block it on this
    // thread while writing and discard one that became pending (write then fails with EPIPE instead).
    sigset_t pipeSignal;
    sigemptyset(&pipeSignal);
    sigaddset(&pipeSignal, SIGPIPE);
    sigset_t previousMask;
    pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask);
    // Feed stdin and drain both outputs together so neither side can block on a full pipe.
    std::string stdoutText;
    std::string stderrText;
    std::size_t written = 0;
    if (run.input.empty())
        in->write.reset();
    const auto deadline = std::chrono::steady_clock::now() + run.timeout;
    bool timedOut = false;
    while (out->read || err->read) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timedOut = true;
            break;
        }
        std::array<pollfd, 3> polled{
            {{in->write.get(), POLLOUT, 0}, {out->read.get(), POLLIN, 0}, {err->read.get(), POLLIN, 0}}};
        const int ready = poll(polled.data(), polled.size(), static_cast<int>(left.count()));
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (polled[0].revents != 0) {
            const ssize_t n = write(in->write.get(), run.input.data() + written, run.input.size() - written);
            if (n > 0)
                written += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == run.input.size())
                in->write.reset();
        }
        std::array<char, 4096> chunk;
        for (std::size_t index : {1U, 2U}) {
            if (polled[index].revents == 0)
                continue;
            UniqueFd& source = index == 1 ? out->read : err->read;
            const ssize_t n = read(source.get(), chunk.data(), chunk.size());
            if (n > 0)
                (index == 1 ? stdoutText : stderrText).append(chunk.data(), static_cast<std::size_t>(n));
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                source.reset();
        }
    }
    in->write.reset();
    const timespec noWait{};
    while (sigtimedwait(&pipeSignal, nullptr, &noWait) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previousMask, nullptr);
    if (timedOut)
        ::kill(*child, SIGKILL);
    int status = 0;
    while (waitpid(*child, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut)
        return Error(name + " did not finish within " + std::to_string(run.timeout.count()) + " ms and was killed");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        while (!stderrText.empty() && stderrText.back() == '\n')
            stderrText.pop_back();
        const std::string how = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                                    : "exit status " + std::to_string(WEXITSTATUS(status));
        return Error(name + " failed: " + (stderrText.empty() ? how : stderrText));
    }
    return stdoutText;
}

} // namespace hostgate
