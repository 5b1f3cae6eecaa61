// SPDX-License-Identifier: GPL-3.0-or-later
// bus_test_agent MODE: a prompt agent for bus tests. Registers /org/hostgate/TestAgent with hostgated,
// prints "registered <unique name>", then one line per Ask ("ask id=N uid=U") and Cancel
// ("cancel id=N reason=R"). MODE: allow (answers allow/forever), dismiss (error reply), silent (never answers).
#include <sdbus-c++/sdbus-c++.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

using VariantMap = std::map<std::string, sdbus::Variant>;
constexpr const char* agentInterface = "org.hostgate.PromptAgent1";
constexpr const char* agentPath = "/org/hostgate/TestAgent";

void say(const std::string& line)
{
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv)
{
    const std::string mode = argc > 1 ? argv[1] : "allow";
    try {
        auto connection = sdbus::createSystemBusConnection();
        auto object = sdbus::createObject(*connection, agentPath);
        std::vector<sdbus::Result<VariantMap>> unanswered; // silent mode keeps the calls open
        object->registerMethod("Ask")
            .onInterface(agentInterface)
            .implementedAs([&](sdbus::Result<VariantMap>&& result, VariantMap request) {
                say("ask id=" + std::to_string(request.at("id").get<std::uint64_t>()) +
                    " uid=" + std::to_string(request.at("uid").get<std::uint32_t>()));
                if (mode == "allow") {
                    result.returnResults(VariantMap{{"action", sdbus::Variant(std::string("allow"))},
                                                    {"lifetime", sdbus::Variant(std::string("forever"))}});
                } else if (mode == "dismiss") {
                    result.returnError(sdbus::Error("org.hostgate.PromptAgent1.Error.Dismissed", "dismissed"));
                } else {
                    unanswered.push_back(std::move(result));
                }
            });
        object->registerMethod("Cancel")
            .onInterface(agentInterface)
            .implementedAs([](std::uint64_t id, std::string reason) {
                say("cancel id=" + std::to_string(id) + " reason=" + reason);
            })
            .withNoReply();
        object->finishRegistration();

        auto firewall = sdbus::createProxy(*connection, "org.hostgate.Firewall1", "/org/hostgate/Firewall1");
        firewall->callMethod("RegisterAgent")
            .onInterface("org.hostgate.Firewall1")
            .withArguments(sdbus::ObjectPath(agentPath));
        say("registered " + connection->getUniqueName());
        connection->enterEventLoop();
    } catch (const sdbus::Error& error) {
        std::fprintf(stderr, "bus_test_agent: %s: %s\n", error.getName().c_str(), error.getMessage().c_str());
        say("failed " + error.getName());
        return 1;
    }
    return 0;
}
