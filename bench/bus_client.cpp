// SPDX-License-Identifier: GPL-3.0-or-later
// D-Bus latency client for the DNS benchmark: times GetMode calls to hostgated, one at a time, on the
// system bus (DBUS_SYSTEM_BUS_ADDRESS, the benchmark's private bus).
#include <sdbus-c++/sdbus-c++.h>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using BenchClock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& message)
{
    fmt::print(stderr, "bus_client: {}\n", message);
    std::exit(1);
}

} // namespace

int main(int argc, char** argv)
{
    unsigned long calls = 0;
    std::string samplesPath;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view name = argv[i];
        if (name == "--calls")
            calls = std::strtoul(argv[i + 1], nullptr, 10);
        else if (name == "--samples")
            samplesPath = argv[i + 1];
        else
            fail(fmt::format("unknown option {}", name));
    }
    if (argc % 2 != 1 || calls == 0 || calls > 1'000'000)
        fail("usage: hostgate_bench_bus_client --calls N [--samples FILE]");

    std::vector<long long> latencies;
    latencies.reserve(calls);
    try {
        auto connection = sdbus::createSystemBusConnection();
        auto proxy = sdbus::createProxy(*connection, "org.hostgate.Firewall1", "/org/hostgate/Firewall1");
        for (unsigned long i = 0; i < calls; ++i) {
            std::string mode;
            const auto start = BenchClock::now();
            proxy->callMethod("GetMode")
                .onInterface("org.hostgate.Firewall1")
                .withTimeout(std::chrono::seconds(60))
                .storeResultsTo(mode);
            latencies.push_back(
                std::chrono::duration_cast<std::chrono::nanoseconds>(BenchClock::now() - start).count());
            if (mode.empty())
                fail("GetMode returned an empty mode");
        }
    } catch (const sdbus::Error& error) {
        fail(fmt::format("D-Bus call failed: {}: {}", error.getName(), error.getMessage()));
    }
    if (!samplesPath.empty()) {
        std::FILE* file = std::fopen(samplesPath.c_str(), "w");
        if (file == nullptr)
            fail("cannot write " + samplesPath);
        for (const auto latency : latencies)
            fmt::print(file, "{}\n", latency);
        std::fclose(file);
    }
    fmt::print("calls={}\n", calls);
    return 0;
}
