// SPDX-License-Identifier: GPL-3.0-or-later
// Connect-latency client for the connection benchmark: times blocking connect() calls, one at a time.
#include "util/unique_fd.h"

#include <fmt/core.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {
namespace {

using BenchClock = std::chrono::steady_clock;

struct ClientOptions {
    in_addr address{};
    std::uint16_t port = 0;
    // Measured connection i goes to port + i % distinctPorts: with distinctPorts == connections every
    // connection is the first one to its (address, port), which is what misses a per-port verdict cache.
    std::uint32_t distinctPorts = 1;
    std::uint32_t connections = 0;
    std::uint32_t warmup = 0;
    std::uint16_t warmupPort = 0; // 0: the first measured port
    // Every latency in nanoseconds, one per line, so a driver can pool the samples of several runs.
    std::string samplesPath;
};

[[noreturn]] void fail(const std::string& message)
{
    fmt::print(stderr, "tcp_client: {}\n", message);
    std::exit(1);
}

std::uint32_t parseNumber(std::string_view name, const char* text, std::uint32_t min, std::uint32_t max)
{
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (*text == '\0' || *end != '\0' || errno != 0 || value < min || value > max)
        fail(fmt::format("Invalid {} '{}': expected {}..{}", name, text, min, max));
    return static_cast<std::uint32_t>(value);
}

ClientOptions parseOptions(int argc, char** argv)
{
    ClientOptions options;
    bool haveAddress = false;
    if (argc % 2 != 1)
        fail("options come in pairs");
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view name = argv[i];
        const char* value = argv[i + 1];
        if (name == "--address") {
            haveAddress = inet_pton(AF_INET, value, &options.address) == 1;
            if (!haveAddress)
                fail(fmt::format("Invalid address '{}'", value));
        } else if (name == "--port") {
            options.port = static_cast<std::uint16_t>(parseNumber(name, value, 1, 65535));
        } else if (name == "--distinct-ports") {
            options.distinctPorts = parseNumber(name, value, 1, 65535);
        } else if (name == "--connections") {
            options.connections = parseNumber(name, value, 1, 10'000'000);
        } else if (name == "--warmup") {
            options.warmup = parseNumber(name, value, 0, 10'000'000);
        } else if (name == "--samples") {
            options.samplesPath = value;
        } else if (name == "--warmup-port") {
            options.warmupPort = static_cast<std::uint16_t>(parseNumber(name, value, 1, 65535));
        } else {
            fail(fmt::format("Unknown option '{}'", name));
        }
    }
    if (!haveAddress || options.port == 0 || options.connections == 0)
        fail("usage: tcp_client --address IPV4 --port P --connections N [--distinct-ports K] [--warmup W] "
             "[--warmup-port P] [--samples FILE]");
    if (std::uint32_t{options.port} + options.distinctPorts - 1 > 65535)
        fail("port + distinct-ports exceeds 65535");
    if (options.warmupPort == 0)
        options.warmupPort = options.port;
    return options;
}

// One connection: returns the time spent inside connect(), the part a firewall can slow down.
BenchClock::duration connectOnce(in_addr address, std::uint16_t port)
{
    const UniqueFd socketFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socketFd.valid())
        fail(fmt::format("Failed to create socket: {}", std::strerror(errno)));
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_addr = address;
    remote.sin_port = htons(port);

    const auto start = BenchClock::now();
    const int connected = ::connect(socketFd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote);
    const auto elapsed = BenchClock::now() - start;
    if (connected != 0)
        fail(fmt::format("Failed to connect to port {}: {}", port, std::strerror(errno)));

    // A reset instead of a FIN: no TIME_WAIT, so tens of thousands of connections never exhaust ports.
    const linger abortive{1, 0};
    setsockopt(socketFd.get(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    return elapsed;
}

double microseconds(BenchClock::duration duration)
{
    return std::chrono::duration<double, std::micro>(duration).count();
}

void writeSamples(const std::string& path, const std::vector<BenchClock::duration>& latencies)
{
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr)
        fail(fmt::format("Failed to open {}: {}", path, std::strerror(errno)));
    for (const auto latency : latencies)
        fmt::print(file, "{}\n", std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count());
    const bool written = std::ferror(file) == 0;
    if (std::fclose(file) != 0 || !written)
        fail(fmt::format("Failed to write {}", path));
}

int run(const ClientOptions& options)
{
    for (std::uint32_t i = 0; i < options.warmup; ++i)
        connectOnce(options.address, options.warmupPort);

    std::vector<BenchClock::duration> latencies(options.connections);
    const auto start = BenchClock::now();
    for (std::uint32_t i = 0; i < options.connections; ++i) {
        const auto port = static_cast<std::uint16_t>(options.port + i % options.distinctPorts);
        latencies[i] = connectOnce(options.address, port);
    }
    const auto total = BenchClock::now() - start;
    if (!options.samplesPath.empty())
        writeSamples(options.samplesPath, latencies);

    std::sort(latencies.begin(), latencies.end());
    const std::size_t count = latencies.size();
    // Nearest-rank percentiles.
    const auto percentile = [&](std::size_t perMille) { return latencies[(count * perMille + 999) / 1000 - 1]; };
    const double seconds = std::chrono::duration<double>(total).count();
    fmt::print("connections={} median_us={:.1f} p99_us={:.1f} conns_per_s={:.0f} elapsed_s={:.6f}\n", count,
               microseconds(percentile(500)), microseconds(percentile(990)), static_cast<double>(count) / seconds,
               seconds);
    return 0;
}

} // namespace
} // namespace hostgate

int main(int argc, char** argv)
{
    return hostgate::run(hostgate::parseOptions(argc, argv));
}
