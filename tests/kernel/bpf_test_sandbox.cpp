// SPDX-License-Identifier: GPL-3.0-or-later
// Kernel fixtures for the BPF tests: netns, child cgroup, in-namespace HTTP responder, sandboxed commands.
#include "bpf_test_sandbox.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string_view>

namespace hostgate::test {

QString runChecked(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(15000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        process.kill();
        process.waitForFinished(1000);
        return program + " " + arguments.join(' ') + ": " + QString::fromLocal8Bit(process.readAll()) +
               process.errorString();
    }
    return {};
}

TestNetns::TestNetns(std::string name) : name_(std::move(name))
{
    const QString ns = QString::fromStdString(name_);
    runChecked("ip", {"netns", "del", ns}); // a leftover of a crashed run; failure just means there was none
    const std::vector<QStringList> steps = {
        {"netns", "add", ns},
        {"-n", ns, "link", "set", "lo", "up"},
        {"-n", ns, "link", "add", "hg0", "type", "veth", "peer", "name", "hg1"},
        {"-n", ns, "link", "set", "hg0", "up"},
        {"-n", ns, "link", "set", "hg1", "up"},
        {"-n", ns, "addr", "add", "198.51.100.1/24", "dev", "hg0"},
        {"-n", ns, "addr", "add", "2001:db8::1/64", "dev", "hg0", "nodad"},
    };
    for (const auto& step : steps) {
        failure_ = runChecked("ip", step);
        if (!failure_.isEmpty()) {
            return;
        }
    }
    ready_ = true;
}

TestNetns::~TestNetns()
{
    runChecked("ip", {"netns", "del", QString::fromStdString(name_)});
}

TestCgroup::TestCgroup(const std::filesystem::path& parent, const std::string& name) : path_(parent / name)
{
    std::error_code error;
    std::filesystem::create_directory(path_, error);
    ready_ = !error && std::filesystem::exists(path_ / "cgroup.procs");
}

TestCgroup::~TestCgroup()
{
    if (!std::filesystem::exists(path_)) {
        return;
    }
    // Only the tests' own commands ever join this cgroup; cgroup.kill ends whatever a failed test left behind.
    {
        std::ofstream kill(path_ / "cgroup.kill");
        kill << "1";
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (::rmdir(path_.c_str()) != 0 && errno == EBUSY && std::chrono::steady_clock::now() < deadline) {
        // Killed processes leave the cgroup asynchronously; this is teardown, not test synchronisation.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

namespace {

int listenOn(const HttpResponder::Endpoint& endpoint, QString& failure)
{
    const bool v6 = endpoint.address.find(':') != std::string::npos;
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        failure = QString("socket: %1").arg(std::strerror(errno));
        return -1;
    }
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    int rc = -1;
    if (v6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(endpoint.port);
        ::inet_pton(AF_INET6, endpoint.address.c_str(), &address.sin6_addr);
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    } else {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(endpoint.port);
        ::inet_pton(AF_INET, endpoint.address.c_str(), &address.sin_addr);
        rc = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    }
    if (rc != 0 || ::listen(fd, 16) != 0) {
        failure = QString("bind/listen %1:%2: %3")
                      .arg(QString::fromStdString(endpoint.address))
                      .arg(endpoint.port)
                      .arg(std::strerror(errno));
        ::close(fd);
        return -1;
    }
    return fd;
}

void answerOne(int listener)
{
    const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
        return;
    }
    timeval timeout{2, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t got = ::read(client, buffer, sizeof(buffer));
        if (got <= 0) {
            break;
        }
        request.append(buffer, static_cast<std::size_t>(got));
    }
    constexpr std::string_view response = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
    [[maybe_unused]] const ssize_t sent = ::write(client, response.data(), response.size());
    ::shutdown(client, SHUT_WR);
    ::close(client);
}

} // namespace

HttpResponder::HttpResponder(const std::string& netnsPath, const std::vector<Endpoint>& endpoints)
{
    stopFd_ = ::eventfd(0, EFD_CLOEXEC);
    // setns() changes only the calling thread's namespace; sockets keep the namespace they were made in.
    std::thread opener([&] {
        const int ns = ::open(netnsPath.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
            failure_ = QString("enter %1: %2").arg(QString::fromStdString(netnsPath), std::strerror(errno));
            if (ns >= 0) {
                ::close(ns);
            }
            return;
        }
        ::close(ns);
        for (const auto& endpoint : endpoints) {
            const int fd = listenOn(endpoint, failure_);
            if (fd < 0) {
                return;
            }
            listeners_.push_back(fd);
        }
    });
    opener.join();
    ready_ = failure_.isEmpty() && stopFd_ >= 0;
    if (ready_) {
        thread_ = std::thread([this] { serve(); });
    }
}

HttpResponder::~HttpResponder()
{
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(stopFd_, &one, sizeof(one));
        thread_.join();
    }
    for (const int fd : listeners_) {
        ::close(fd);
    }
    if (stopFd_ >= 0) {
        ::close(stopFd_);
    }
}

void HttpResponder::serve()
{
    std::vector<pollfd> fds;
    fds.push_back({stopFd_, POLLIN, 0});
    for (const int fd : listeners_) {
        fds.push_back({fd, POLLIN, 0});
    }
    while (::poll(fds.data(), fds.size(), -1) >= 0 || errno == EINTR) {
        if (fds[0].revents != 0) {
            return;
        }
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents & POLLIN) {
                answerOne(fds[i].fd);
            }
        }
    }
}

std::optional<int> countOutputPackets(const std::string& netnsName, const QStringList& match,
                                      const std::function<void()>& traffic)
{
    const QStringList iptables = {"netns", "exec", QString::fromStdString(netnsName), "iptables", "-w"};
    const QStringList rule = QStringList{"OUTPUT"} + match + QStringList{"-m", "comment", "--comment", "hg-count"};
    if (!runChecked("ip", iptables + QStringList{"-A"} + rule).isEmpty()) {
        return std::nullopt;
    }
    traffic();
    QProcess list;
    list.start("ip", iptables + QStringList{"-n", "-v", "-x", "-L", "OUTPUT"});
    list.waitForFinished(10000);
    const QString table = QString::fromLocal8Bit(list.readAllStandardOutput());
    runChecked("ip", iptables + QStringList{"-D"} + rule);
    for (const QString& line : table.split('\n')) {
        if (line.contains("hg-count")) {
            // "pkts bytes target prot ...": the first column is the packet counter.
            return line.split(' ', Qt::SkipEmptyParts).first().toInt();
        }
    }
    return std::nullopt;
}

CommandResult runInSandbox(const std::filesystem::path& cgroup, const std::string& netnsPath, const QStringList& argv,
                           int timeoutMs)
{
    // Joining the cgroup from the shell before exec means every socket the command creates is judged.
    const QString script = cgroup.empty() ? QStringLiteral("ns=$1; shift 2; exec nsenter --net=\"$ns\" \"$@\"")
                                          : QStringLiteral("ns=$1; cg=$2; shift 2; echo $$ > \"$cg/cgroup.procs\" && "
                                                           "exec nsenter --net=\"$ns\" \"$@\"");
    QStringList arguments = {"-c", script, "sh", QString::fromStdString(netnsPath),
                             QString::fromStdString(cgroup.string())};
    arguments += argv;

    CommandResult result;
    QProcess process;
    QElapsedTimer timer;
    timer.start();
    process.start("/bin/sh", arguments);
    const bool finished = process.waitForFinished(timeoutMs);
    result.elapsedMs = timer.elapsed();
    if (!finished) {
        process.kill();
        process.waitForFinished(2000);
    } else if (process.exitStatus() == QProcess::NormalExit) {
        result.exitCode = process.exitCode();
    }
    result.standardOutput = process.readAllStandardOutput();
    result.standardError = process.readAllStandardError();
    return result;
}

ProbeResult runSocketProbe(const std::filesystem::path& cgroup, const std::string& netnsPath, const QString& python,
                           const char* kind, const char* address, std::uint16_t port, std::uint32_t presetMark)
{
    const CommandResult run = runInSandbox(
        cgroup, netnsPath,
        {python, HOSTGATE_SOCKET_PROBE, kind, address, QString::number(port), QString::number(presetMark)});
    const QJsonObject json = QJsonDocument::fromJson(run.standardOutput).object();
    if (run.exitCode != 0 || json.isEmpty()) {
        qWarning("socket probe failed: %s", run.standardError.constData());
        return {};
    }
    return {json["pid"].toInt(), static_cast<std::uint64_t>(json["cookie"].toDouble()),
            static_cast<std::uint32_t>(json["mark"].toDouble()), json["errno"].toInt()};
}

} // namespace hostgate::test
