// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of hostgated's configuration: defaults, the TOML file, the command line and rendering.
#include "service/config.h"

#include <QtTest>

#include <QTemporaryDir>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

using namespace hostgate;

namespace {

std::vector<std::string> splitArguments(const QString& arguments)
{
    std::vector<std::string> result;
    for (const QString& argument : arguments.split(' ', Qt::SkipEmptyParts)) {
        result.push_back(argument.toStdString());
    }
    return result;
}

template <class T>
std::string errorOf(const Result<T>& result)
{
    return result.ok() ? std::string("(no error)") : result.error().describe();
}

} // namespace

class ConfigTest : public QObject {
    Q_OBJECT

private slots:
    void defaultsDenyUnansweredConnectionsAndFailClosed()
    {
        const DaemonConfig config;
        QVERIFY(!config.cgroupScope.has_value());
        QCOMPARE(config.adminRulesDir.string(), std::string("/etc/hostgate/rules.d"));
        QCOMPARE(config.userRulesFile.string(), std::string("/var/lib/hostgate/rules.toml"));
        QCOMPARE(config.stateDir.string(), std::string("/var/lib/hostgate"));
        QVERIFY(config.defaultAction == DefaultAction::Deny);
        QVERIFY(config.mode == DaemonMode::Enforce);
        QVERIFY(config.failureMode == FailureMode::FailClosed);
        QCOMPARE(config.promptTimeout.count(), Seconds::rep{30});
        QVERIFY(validateDaemonConfig(config).ok());
    }

    void defaultMarkBitsAvoidCommonVpnMarks()
    {
        const DaemonConfig config;
        // wg-quick, Tailscale's mask, kube-proxy, Cilium, Mullvad's ct mark and its fwmark value.
        for (std::uint32_t foreign : {0xca6cu, 0xff0000u, 0xc000u, 0x0f00u, 0xf41u, 0x6d6f6c65u}) {
            QCOMPARE(config.markMask() & foreign, 0u);
            QCOMPARE(config.rejectMarkMask() & foreign, 0u);
            QCOMPARE(config.replyMarkMask() & foreign, 0u);
        }
    }

    void emptyFileYieldsDefaults()
    {
        auto config = parseDaemonConfig("", "hostgated.toml");
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(*config == DaemonConfig{});
    }

    void everySettingIsReadFromTheFile()
    {
        auto config = parseDaemonConfig(R"(
cgroup = "/sys/fs/cgroup/unified/hostgate-test"
admin_rules_dir = "/tmp/admin"
user_rules_file = "/tmp/state/rules.toml"
state_dir = "/tmp/state"
default_action = "allow"
mode = "learning"
prompt_timeout = 12
failure_mode = "fail-open"
log_level = "debug"

[netfilter]
mark_bit = 12
reject_mark_bit = 13
reply_mark_bit = 14
dns_queue = 100
decision_queue = 101

[dns_cache]
min_ttl = 5
max_ttl = 600
max_addresses = 42

[verdicts]
min_ttl = 7
max_ttl = 70

[events]
max_events = 1000
max_age_days = 3
)",
                                        "hostgated.toml");
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QCOMPARE(config->cgroupScope->string(), std::string("/sys/fs/cgroup/unified/hostgate-test"));
        QCOMPARE(config->adminRulesDir.string(), std::string("/tmp/admin"));
        QCOMPARE(config->userRulesFile.string(), std::string("/tmp/state/rules.toml"));
        QCOMPARE(config->stateDir.string(), std::string("/tmp/state"));
        QVERIFY(config->defaultAction == DefaultAction::Allow);
        QVERIFY(config->mode == DaemonMode::Learning);
        QCOMPARE(config->promptTimeout.count(), Seconds::rep{12});
        QVERIFY(config->failureMode == FailureMode::FailOpen);
        QVERIFY(config->logLevel == LogLevel::Debug);
        QCOMPARE(config->markBit, 12u);
        QCOMPARE(config->markMask(), 0x1000u);
        QCOMPARE(config->rejectMarkBit, 13u);
        QCOMPARE(config->replyMarkBit, 14u);
        QCOMPARE(config->dnsQueue, std::uint16_t{100});
        QCOMPARE(config->decisionQueue, std::uint16_t{101});
        QCOMPARE(config->dnsCache.minTtl.count(), Seconds::rep{5});
        QCOMPARE(config->dnsCache.maxTtl.count(), Seconds::rep{600});
        QCOMPARE(config->dnsCache.maxAddresses, 42u);
        QCOMPARE(config->verdictTtlMin.count(), Seconds::rep{7});
        QCOMPARE(config->verdictTtlMax.count(), Seconds::rep{70});
        QCOMPARE(config->events.maxEvents, 1000u);
        QCOMPARE(config->events.maxAgeDays, 3u);
    }

    void invalidFileIsReportedWithItsLocation_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown top-level key") << "mode = \"enforce\"\n  colour = \"blue\"\n"
                                               << "hostgated.toml:2:3"
                                               << "Unknown setting 'colour'";
        QTest::newRow("unknown key in a table") << "[netfilter]\nmark_bit = 3\nmark_bits = 4\n"
                                                << "hostgated.toml:3:1"
                                                << "Unknown setting 'netfilter.mark_bits'";
        QTest::newRow("unknown table") << "[firewall]\n"
                                       << "hostgated.toml:1:2"
                                       << "Unknown setting 'firewall'";
        QTest::newRow("string where an integer belongs") << "prompt_timeout = \"30\"\n"
                                                         << "hostgated.toml:1:18"
                                                         << "expected an integer, got a string";
        QTest::newRow("integer where a string belongs") << "mode = 1\n"
                                                        << "hostgated.toml:1:8"
                                                        << "expected a string, got an integer";
        QTest::newRow("unknown mode") << "mode = \"paranoid\"\n"
                                      << "hostgated.toml:1:8"
                                      << "'paranoid' is not one of enforce, silent-allow, silent-deny, learning";
        QTest::newRow("mark bit above 31") << "[netfilter]\nmark_bit = 32\n"
                                           << "hostgated.toml:2:12"
                                           << "32 is outside 0..31";
        QTest::newRow("negative mark bit") << "[netfilter]\nmark_bit = -1\n"
                                           << "hostgated.toml:2:12"
                                           << "-1 is outside 0..31";
        QTest::newRow("queue above 65535") << "[netfilter]\ndns_queue = 70000\n"
                                           << "hostgated.toml:2:13"
                                           << "70000 is outside 0..65535";
        QTest::newRow("relative path") << "state_dir = \"var/lib\"\n"
                                       << "hostgated.toml:1:13"
                                       << "is not an absolute path";
        QTest::newRow("TOML syntax error") << "mode = \n"
                                           << "hostgated.toml:1:8"
                                           << "Failed to parse configuration";
        QTest::newRow("trusted resolver that is no address") << "trusted_resolvers = [\"dns.example\"]\n"
                                                             << "hostgated.toml:1:21"
                                                             << "'dns.example' is not an IP address";
        QTest::newRow("resolver file that is relative") << "resolver_files = [\"etc/resolv.conf\"]\n"
                                                        << "hostgated.toml:1:18"
                                                        << "is not an absolute path";
        QTest::newRow("unknown other_protocols") << "other_protocols = \"maybe\"\n"
                                                 << "hostgated.toml:1:19"
                                                 << "'maybe' is not one of deny, allow";
    }

    void integritySettingsHaveSafeDefaults()
    {
        const DaemonConfig config;
        QCOMPARE(config.bpfPinDir, std::filesystem::path("/sys/fs/bpf/hostgate"));
        QVERIFY(config.otherProtocols == OtherProtocols::Deny);
        QCOMPARE(config.resolverFiles,
                 (std::vector<std::filesystem::path>{"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"}));
        QVERIFY(config.trustedResolvers.empty());
    }

    void integritySettingsAreReadFromTheCommandLine()
    {
        auto commandLine = parseCommandLine(std::vector<std::string>{
            "--bpf-pin-dir", "", "--trusted-resolvers", "198.51.100.53,127.0.0.53", "--resolver-files", ""});
        QVERIFY2(commandLine.ok(), errorOf(commandLine).c_str());
        auto config = applyOverrides(DaemonConfig{}, commandLine->overrides);
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(config->bpfPinDir.empty());
        QCOMPARE(config->trustedResolvers,
                 (std::vector<IpAddress>{*IpAddress::parse("198.51.100.53"), *IpAddress::parse("127.0.0.53")}));
        QVERIFY(config->resolverFiles.empty());
        QVERIFY(!parseCommandLine(std::vector<std::string>{"--trusted-resolvers", "dns.example"}).ok());
        QVERIFY(!parseCommandLine(std::vector<std::string>{"--resolver-files", "relative/resolv.conf"}).ok());
        auto cleanup = parseCommandLine(std::vector<std::string>{"--cleanup"});
        QVERIFY(cleanup.ok() && cleanup->action == StartupAction::Cleanup);
    }

    void invalidFileIsReportedWithItsLocation()
    {
        QFETCH(QString, text);
        QFETCH(QString, where);
        QFETCH(QString, message);
        auto config = parseDaemonConfig(text.toStdString(), "hostgated.toml");
        QVERIFY(!config.ok());
        QCOMPARE(QString::fromStdString(config.error().where), where);
        QVERIFY2(config.error().message.find(message.toStdString()) != std::string::npos,
                 config.error().message.c_str());
    }

    void conflictingSettingsAreRejected_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("same mark bits") << "[netfilter]\nmark_bit = 7\nreject_mark_bit = 7\n"
                                        << "must differ";
        QTest::newRow("reply mark bit reused") << "[netfilter]\nmark_bit = 7\nreply_mark_bit = 7\n"
                                               << "must differ";
        QTest::newRow("same queues") << "[netfilter]\ndns_queue = 5\ndecision_queue = 5\n"
                                     << "the DNS queue and the decision queue are both 5";
        QTest::newRow("DNS TTL bounds reversed") << "[dns_cache]\nmin_ttl = 600\nmax_ttl = 60\n"
                                                 << "Invalid DNS cache TTLs";
        QTest::newRow("verdict TTL bounds reversed") << "[verdicts]\nmin_ttl = 600\nmax_ttl = 60\n"
                                                     << "Invalid verdict TTLs";
    }

    void conflictingSettingsAreRejected()
    {
        QFETCH(QString, text);
        QFETCH(QString, message);
        auto config = parseDaemonConfig(text.toStdString(), "hostgated.toml");
        QVERIFY(!config.ok());
        QVERIFY2(config.error().message.find(message.toStdString()) != std::string::npos,
                 config.error().message.c_str());
    }

    void busIsServedUnlessNoBusIsGiven()
    {
        QTemporaryDir directory;
        const std::string path = directory.filePath("hostgated.toml").toStdString();
        std::ofstream(path) << "";
        auto served = parseCommandLine({"--config", path});
        QVERIFY(served.ok());
        auto config = resolveDaemonConfig(*served);
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(config->dbus);

        auto withoutBus = parseCommandLine({"--config", path, "--no-bus"});
        QVERIFY(withoutBus.ok());
        config = resolveDaemonConfig(*withoutBus);
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(!config->dbus);
    }

    void hardeningIsOnByDefaultAndTurnedOffByTheFileOrNoHardening()
    {
        QTemporaryDir directory;
        const std::string path = directory.filePath("hostgated.toml").toStdString();
        std::ofstream(path) << "";
        auto config = resolveDaemonConfig(*parseCommandLine({"--config", path}));
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(config->hardening);
        QVERIFY(!config->seccompLogOnly);

        config = resolveDaemonConfig(*parseCommandLine({"--config", path, "--no-hardening", "--seccomp-log"}));
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(!config->hardening);
        QVERIFY(config->seccompLogOnly);

        std::ofstream(path) << "hardening = false\n";
        config = resolveDaemonConfig(*parseCommandLine({"--config", path}));
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(!config->hardening);
        const auto reparsed = parseDaemonConfig(renderConfig(*config), "rendered");
        QVERIFY2(reparsed.ok(), errorOf(reparsed).c_str());
        QVERIFY(!reparsed->hardening);

        std::ofstream(path) << "hardening = \"yes\"\n";
        QVERIFY(!resolveDaemonConfig(*parseCommandLine({"--config", path})).ok());
    }

    void listSettingsParseAndRenderBack()
    {
        const auto config = parseDaemonConfig("[lists]\ndir = \"/srv/lists.d\"\nca_file = \"/srv/ca.pem\"\n"
                                              "max_bytes = 4096\ntimeout = 5\n",
                                              "hostgated.toml");
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QCOMPARE(QString::fromStdString(config->lists.dir.string()), QStringLiteral("/srv/lists.d"));
        QCOMPARE(QString::fromStdString(config->lists.caFile.string()), QStringLiteral("/srv/ca.pem"));
        QCOMPARE(config->lists.maxBytes, std::uint64_t{4096});
        QCOMPARE(config->lists.timeout, Seconds(5));
        const auto reparsed = parseDaemonConfig(renderConfig(*config), "rendered");
        QVERIFY2(reparsed.ok(), errorOf(reparsed).c_str());
        QVERIFY(reparsed->lists == config->lists);
        QVERIFY(!parseDaemonConfig("[lists]\ndir = \"relative\"\n", "hostgated.toml").ok());
        QVERIFY(!parseDaemonConfig("[lists]\ntimeout = 0\n", "hostgated.toml").ok());
    }

    void aConfigurationFileOthersCanWriteIsRefusedWithTheFix()
    {
        QTemporaryDir directory;
        const std::string path = directory.filePath("hostgated.toml").toStdString();
        std::ofstream(path) << "hardening = false\n";
        QCOMPARE(::chmod(path.c_str(), 0666), 0);
        auto config = resolveDaemonConfig(*parseCommandLine({"--config", path}));
        QVERIFY(!config.ok());
        QVERIFY2(errorOf(config).find("chmod go-w " + path) != std::string::npos, errorOf(config).c_str());
        QCOMPARE(::chmod(path.c_str(), 0644), 0);
        QVERIFY2(resolveDaemonConfig(*parseCommandLine({"--config", path})).ok(), errorOf(config).c_str());
    }

    void commandLineOverridesFileValues()
    {
        QTemporaryDir directory;
        const std::string path = directory.filePath("hostgated.toml").toStdString();
        std::ofstream(path) << "mode = \"silent-deny\"\nprompt_timeout = 10\nlog_level = \"warning\"\n"
                               "[netfilter]\nmark_bit = 3\ndns_queue = 10\n";
        auto commandLine = parseCommandLine(
            {"--config", path, "--mode", "learning", "--mark-bit", "4", "--cgroup", "/sys/fs/cgroup/unified/x"});
        QVERIFY(commandLine.ok());
        QVERIFY(commandLine->action == StartupAction::Run);
        auto config = resolveDaemonConfig(*commandLine);
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(config->mode == DaemonMode::Learning);
        QCOMPARE(config->markBit, 4u);
        QCOMPARE(config->cgroupScope->string(), std::string("/sys/fs/cgroup/unified/x"));
        // Not overridden: the file's values stand.
        QCOMPARE(config->promptTimeout.count(), Seconds::rep{10});
        QVERIFY(config->logLevel == LogLevel::Warning);
        QCOMPARE(config->dnsQueue, std::uint16_t{10});
    }

    void overrideConflictingWithTheFileIsRejected()
    {
        QTemporaryDir directory;
        const std::string path = directory.filePath("hostgated.toml").toStdString();
        std::ofstream(path) << "[netfilter]\nreject_mark_bit = 9\n";
        auto commandLine = parseCommandLine({"--config", path, "--mark-bit", "9"});
        QVERIFY(commandLine.ok());
        auto config = resolveDaemonConfig(*commandLine);
        QVERIFY(!config.ok());
        QVERIFY(config.error().message.find("must differ") != std::string::npos);
    }

    void explicitlyNamedMissingConfigIsAnError()
    {
        auto commandLine = parseCommandLine({"--config", "/nonexistent/hostgated.toml"});
        QVERIFY(commandLine.ok());
        auto config = resolveDaemonConfig(*commandLine);
        QVERIFY(!config.ok());
        QVERIFY2(config.error().message.find("Failed to read configuration /nonexistent/hostgated.toml") !=
                     std::string::npos,
                 config.error().message.c_str());
    }

    void missingDefaultConfigYieldsDefaults()
    {
        auto commandLine = parseCommandLine(std::vector<std::string>{});
        QVERIFY(commandLine.ok());
        auto config = resolveDaemonConfig(*commandLine, "/nonexistent/hostgated.toml");
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(*config == DaemonConfig{});
    }

    void invalidDefaultConfigIsStillAnError()
    {
        QTemporaryDir directory;
        const std::string path = directory.filePath("hostgated.toml").toStdString();
        std::ofstream(path) << "bogus = 1\n";
        auto commandLine = parseCommandLine(std::vector<std::string>{});
        QVERIFY(commandLine.ok());
        auto config = resolveDaemonConfig(*commandLine, path);
        QVERIFY(!config.ok());
        QCOMPARE(config.error().where, path + ":1:1");
    }

    void badCommandLineIsRejected_data()
    {
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown mode") << "--mode paranoid"
                                      << "Invalid --mode 'paranoid'";
        QTest::newRow("mark bit out of range") << "--mark-bit 40"
                                               << "Invalid --mark-bit 40: outside 0..31";
        QTest::newRow("queue out of range") << "--dns-queue 65536"
                                            << "Invalid --dns-queue 65536";
        QTest::newRow("prompt timeout zero") << "--prompt-timeout 0"
                                             << "Invalid --prompt-timeout 0";
        QTest::newRow("relative path") << "--user-rules rules.toml"
                                       << "not an absolute path";
        QTest::newRow("non-numeric number") << "--mark-bit high"
                                            << "Invalid command line";
        QTest::newRow("unknown option") << "--colour blue"
                                        << "Invalid command line";
        QTest::newRow("unknown log level") << "--log-level verbose"
                                           << "Invalid --log-level 'verbose'";
    }

    void badCommandLineIsRejected()
    {
        QFETCH(QString, arguments);
        QFETCH(QString, message);
        auto commandLine = parseCommandLine(splitArguments(arguments));
        QVERIFY(!commandLine.ok());
        QVERIFY2(commandLine.error().message.find(message.toStdString()) != std::string::npos,
                 commandLine.error().message.c_str());
    }

    void informationalFlagsSelectTheStartupAction_data()
    {
        QTest::addColumn<QString>("arguments");
        QTest::addColumn<int>("action");
        QTest::newRow("nothing") << "" << int(StartupAction::Run);
        QTest::newRow("version") << "--version" << int(StartupAction::PrintVersion);
        QTest::newRow("check config") << "--check-config --mode learning" << int(StartupAction::CheckConfig);
        QTest::newRow("help") << "--help" << int(StartupAction::PrintHelp);
    }

    void informationalFlagsSelectTheStartupAction()
    {
        QFETCH(QString, arguments);
        QFETCH(int, action);
        auto commandLine = parseCommandLine(splitArguments(arguments));
        QVERIFY(commandLine.ok());
        QCOMPARE(int(commandLine->action), action);
    }

    void helpTextListsTheOptions()
    {
        auto commandLine = parseCommandLine({"--help"});
        QVERIFY(commandLine.ok());
        for (const char* option : {"--config", "--cgroup", "--mark-bit", "--check-config", "--failure-mode"}) {
            QVERIFY2(commandLine->helpText.find(option) != std::string::npos, option);
        }
    }

    void renderedConfigParsesBackToTheSameConfig()
    {
        DaemonConfig config;
        config.cgroupScope = "/sys/fs/cgroup/unified/odd \"name\"\\dir";
        config.adminRulesDir = "/srv/hostgate admin";
        config.defaultAction = DefaultAction::Allow;
        config.mode = DaemonMode::SilentAllow;
        config.promptTimeout = Seconds(45);
        config.failureMode = FailureMode::FailOpen;
        config.markBit = 2;
        config.rejectMarkBit = 30;
        config.replyMarkBit = 3;
        config.dnsQueue = 1;
        config.decisionQueue = 65535;
        config.dnsCache = DnsCacheLimits{Seconds(0), Seconds(60), 7};
        config.verdictTtlMin = Seconds(1);
        config.verdictTtlMax = Seconds(2);
        config.logLevel = LogLevel::Notice;
        config.events = EventRetention{5, 6};
        config.bpfPinDir.clear();
        config.trustedResolvers = {*IpAddress::parse("198.51.100.53"), *IpAddress::parse("2001:db8::53")};
        config.resolverFiles = {"/run/my resolv.conf"};
        config.otherProtocols = OtherProtocols::Allow;
        config.encryptedDns = EncryptedDnsPolicy::Deny;
        config.encryptedDnsFiles = {"/srv/my list.toml"};
        config.refuseDohCanary = false;
        QVERIFY(validateDaemonConfig(config).ok());

        const std::string rendered = renderConfig(config);
        auto parsed = parseDaemonConfig(rendered, "rendered.toml");
        QVERIFY2(parsed.ok(), (errorOf(parsed) + "\n" + rendered).c_str());
        QVERIFY(*parsed == config);
    }

    void encryptedDnsIsAskedAndTheCanaryRefusedByDefault()
    {
        const DaemonConfig defaults;
        QVERIFY(defaults.encryptedDns == EncryptedDnsPolicy::Ask);
        QVERIFY(defaults.refuseDohCanary);
        QCOMPARE(defaults.encryptedDnsFiles.size(), std::size_t{2});
        QCOMPARE(defaults.encryptedDnsFiles.front().string(), std::string("/etc/hostgate/encrypted-dns.toml"));
        QCOMPARE(defaults.encryptedDnsFiles.back().string(), std::string("/usr/share/hostgate/encrypted-dns.toml"));
    }

    void encryptedDnsSettingsAreReadFromTheFile()
    {
        auto config = parseDaemonConfig("encrypted_dns = \"deny\"\nencrypted_dns_files = [\"/srv/list.toml\"]\n"
                                        "refuse_doh_canary = false\n",
                                        "hostgated.toml");
        QVERIFY2(config.ok(), errorOf(config).c_str());
        QVERIFY(config->encryptedDns == EncryptedDnsPolicy::Deny);
        QCOMPARE(config->encryptedDnsFiles.size(), std::size_t{1});
        QCOMPARE(config->encryptedDnsFiles.front().string(), std::string("/srv/list.toml"));
        QVERIFY(!config->refuseDohCanary);
    }

    void badEncryptedDnsSettingsAreReportedWithTheirLocation_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("unknown policy") << "encrypted_dns = \"block\"\n"
                                        << "'block' is not one of deny, ask, allow";
        QTest::newRow("upper case") << "encrypted_dns = \"Ask\"\n"
                                    << "'Ask' is not one of deny, ask, allow";
        QTest::newRow("relative list") << "encrypted_dns_files = [\"list.toml\"]\n"
                                       << "not an absolute path";
        QTest::newRow("canary not a boolean") << "refuse_doh_canary = \"yes\"\n"
                                              << "expected a boolean";
    }

    void badEncryptedDnsSettingsAreReportedWithTheirLocation()
    {
        QFETCH(QString, text);
        QFETCH(QString, fragment);
        auto config = parseDaemonConfig(text.toStdString(), "hostgated.toml");
        QVERIFY(!config.ok());
        QVERIFY2(config.error().message.find(fragment.toStdString()) != std::string::npos,
                 config.error().message.c_str());
        QVERIFY2(config.error().where.starts_with("hostgated.toml:1:"), config.error().where.c_str());
    }

    void renderedDefaultsParseBackToDefaults()
    {
        auto parsed = parseDaemonConfig(renderConfig(DaemonConfig{}), "rendered.toml");
        QVERIFY2(parsed.ok(), errorOf(parsed).c_str());
        QVERIFY(*parsed == DaemonConfig{});
    }
};

QTEST_GUILESS_MAIN(ConfigTest)
#include "config_test.moc"
