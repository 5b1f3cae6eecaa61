// SPDX-License-Identifier: GPL-3.0-or-later
// Throwaway kernel fixtures for the BPF tests: a network namespace, a child cgroup, an HTTP responder, runners.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hostgate::test {

// A network namespace /run/netns/<name> with lo up and a veth pair carrying 198.51.100.1/24 and
// 2001:db8::1/64. Deleted on destruction; a leftover of a crashed run with the same name is replaced.
class TestNetns {
public:
    explicit TestNetns(std::string name);
    ~TestNetns();
    TestNetns(const TestNetns&) = delete;
    TestNetns& operator=(const TestNetns&) = delete;

    bool ready() const { return ready_; }
    const QString& failure() const { return failure_; }
    std::string path() const { return "/run/netns/" + name_; }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    bool ready_ = false;
    QString failure_;
};

// A child cgroup created under the cgroup v2 mount; its processes are killed and it is removed on destruction.
class TestCgroup {
public:
    TestCgroup(const std::filesystem::path& parent, const std::string& name);
    ~TestCgroup();
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;

    bool ready() const { return ready_; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    bool ready_ = false;
};

// Answers every HTTP request on the given addresses inside a namespace with "200 ok". The listening sockets
// exist before the constructor returns, so clients never race the server's start.
class HttpResponder {
public:
    struct Endpoint {
        std::string address;
        unsigned short port;
    };
    HttpResponder(const std::string& netnsPath, const std::vector<Endpoint>& endpoints);
    ~HttpResponder();
    HttpResponder(const HttpResponder&) = delete;
    HttpResponder& operator=(const HttpResponder&) = delete;

    bool ready() const { return ready_; }
    const QString& failure() const { return failure_; }

private:
    void serve();

    std::vector<int> listeners_;
    int stopFd_ = -1;
    bool ready_ = false;
    QString failure_;
    std::thread thread_;
};

struct CommandResult {
    int exitCode = -1; // -1 when the command did not finish within the limit (it is killed then)
    qint64 elapsedMs = 0;
    QByteArray standardOutput;
    QByteArray standardError;
};

// Runs `argv` in the namespace; when `cgroup` is non-empty, the process joins it before entering the
// namespace (nsenter keeps /sys, ip netns exec would hide the cgroup tree).
CommandResult runInSandbox(const std::filesystem::path& cgroup, const std::string& netnsPath, const QStringList& argv,
                           int timeoutMs = 15000);

// What tests/kernel/bpf_socket_probe.py reports about the one socket it made.
struct ProbeResult {
    std::int32_t pid = 0;
    std::uint64_t cookie = 0;
    std::uint32_t mark = 0; // SO_MARK after the call
    int error = -1;         // 0 or the errno of the call; -1 when the probe itself failed
};

// Runs the socket probe (`kind` as the script's usage says) with `python` inside the cgroup and namespace.
ProbeResult runSocketProbe(const std::filesystem::path& cgroup, const std::string& netnsPath, const QString& python,
                           const char* kind, const char* address, std::uint16_t port, std::uint32_t presetMark = 0);

// Counts the packets `traffic` sends through the OUTPUT chain of namespace `netnsName` that match the iptables
// `match` options, with a rule that exists only while it runs (and only inside that namespace).
// nullopt when the rule could not be installed or read.
std::optional<int> countOutputPackets(const std::string& netnsName, const QStringList& match,
                                      const std::function<void()>& traffic);

// Runs a setup command on the host; returns its combined output on failure, empty on success.
QString runChecked(const QString& program, const QStringList& arguments);

} // namespace hostgate::test
