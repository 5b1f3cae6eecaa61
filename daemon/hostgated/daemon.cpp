// Daemon start-up, the event loop's handlers, rule reloads and an orderly shutdown.
#include "hostgated/daemon.h"

#include "capture/bpf_features.h"
#include "capture/cgroup.h"
#include "store/rule_file.h"

#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hostgate {

namespace {

constexpr std::uint32_t queueLength = 4096;
constexpr auto maintenanceInterval = std::chrono::seconds(5);
constexpr std::size_t userRulesTarget = 1; // index of the user file among the watched targets


template <class T>
Error failedTo(std::string_view what, const Result<T>& result)
{
    return Error{"Failed to " + std::string(what) + ": " + result.error().describe()};
}

} // namespace

FileSignature fileSignature(const std::filesystem::path& path)
{
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0)
        return {};
    return {status.st_dev, status.st_ino, status.st_size, status.st_mtim.tv_sec, status.st_mtim.tv_nsec};
}

Daemon::Daemon(const DaemonConfig& config, Logger& log, EventLoop loop)
    : config_(config), log_(log), loop_(std::move(loop)),
      store_(RuleStorePaths{config.adminRulesDir, config.userRulesFile}),
      dnsCache_(DnsCache::Config{config.dnsCache.minTtl, config.dnsCache.maxTtl, config.dnsCache.maxAddresses}),
      prompts_(PromptBroker::Config{config.promptTimeout, config.defaultAction})
{
}

Result<std::unique_ptr<Daemon>> Daemon::create(const DaemonConfig& config, Logger& log)
{
    auto loop = EventLoop::create();
    if (!loop)
        return failedTo("create event loop", loop);
    std::unique_ptr<Daemon> daemon(new Daemon(config, log, std::move(*loop)));
    if (auto started = daemon->start(); !started) {
        daemon->shutdown();
        return started.error();
    }
    return daemon;
}

Daemon::~Daemon()
{
    shutdown();
}

Result<void> Daemon::start()
{
    started_ = Clock::now();
    features_ = probeKernelFeatures();
    const auto& features = features_;
    for (const auto& missing : features.missing())
        log_.warning("Kernel feature missing", {{"feature", missing}});

    std::filesystem::path cgroup;
    if (config_.cgroupScope) {
        if (auto valid = validateCgroupScope(*config_.cgroupScope); !valid)
            return failedTo("use cgroup scope " + config_.cgroupScope->string(), valid);
        cgroup = *config_.cgroupScope;
    } else if (features.cgroup2Mount) {
        cgroup = *features.cgroup2Mount;
    } else {
        return Error{"Failed to find the cgroup2 hierarchy: no cgroup2 mount in /proc/self/mountinfo"};
    }

    const auto report = store_.load();
    noteLoadErrors(report);
    engine_.setMode(config_.mode);
    applyRules(store_.rules());
    log_.info("Rules loaded", {{"admin", report.adminRules}, {"user", report.userRules}});

    std::error_code ec;
    std::filesystem::create_directories(config_.stateDir, ec);
    auto events = EventLog::open(config_.eventDatabase(),
                                 Retention{config_.events.maxEvents, std::chrono::hours(24) * config_.events.maxAgeDays});
    if (events)
        events_.emplace(std::move(*events));
    else
        log_.error("Failed to open connection log, continuing without it", {{"error", events.error().describe()}});

    // Readers first: with fail-closed queue rules, a queue without a reader would drop traffic.
    const bool failOpen = config_.failureMode == FailureMode::FailOpen;
    auto dnsQueue = NfQueue::open(config_.dnsQueue, queueLength, failOpen);
    if (!dnsQueue)
        return failedTo("open DNS queue " + std::to_string(config_.dnsQueue), dnsQueue);
    dnsQueue_.emplace(std::move(*dnsQueue));
    auto decisionQueue = NfQueue::open(config_.decisionQueue, queueLength, failOpen);
    if (!decisionQueue)
        return failedTo("open decision queue " + std::to_string(config_.decisionQueue), decisionQueue);
    decisionQueue_.emplace(std::move(*decisionQueue));

    auto sockDiag = SockDiag::open();
    if (!sockDiag)
        return failedTo("open sock_diag", sockDiag);
    sockDiag_.emplace(std::move(*sockDiag));
    auto injector = DnsReplyInjector::open(config_.replyMarkMask());
    if (!injector)
        return failedTo("open DNS reply socket", injector);
    injector_.emplace(std::move(*injector));

    BpfFirewall::Options bpfOptions;
    bpfOptions.cgroup = cgroup;
    bpfOptions.markBit = config_.markMask();
    auto bpf = BpfFirewall::open(bpfOptions);
    if (!bpf)
        return failedTo("load BPF programs into " + cgroup.string(), bpf);
    bpf_.emplace(std::move(*bpf));
    log_.info("BPF programs attached", {{"cgroup", cgroup}});

    FirewallConfig firewallConfig;
    firewallConfig.dnsQueue = config_.dnsQueue;
    firewallConfig.decisionQueue = config_.decisionQueue;
    firewallConfig.markMask = config_.markMask();
    firewallConfig.rejectMark = config_.rejectMarkMask();
    firewallConfig.replyMark = config_.replyMarkMask();
    firewallConfig.failOpen = failOpen;
    const auto backend = FirewallRules::probe();
    if (backend == FirewallBackend::None)
        return Error{"Failed to find a firewall backend: neither nft queue nor iptables-nft NFQUEUE works"};
    firewall_.emplace(firewallConfig, backend);
    if (auto stale = firewall_->removeStale(); !stale)
        log_.warning("Failed to remove chains of an earlier run, ignoring", {{"error", stale.error().describe()}});
    if (auto installed = firewall_->install(); !installed)
        return failedTo("install firewall chains", installed);
    firewallInstalled_ = true;
    log_.info("Firewall chains installed",
              {{"backend", backend == FirewallBackend::NftNative ? "nft" : "iptables-nft"},
               {"dns_queue", config_.dnsQueue},
               {"decision_queue", config_.decisionQueue},
               {"failure_mode", failureModeName(config_.failureMode)}});

    const DecisionMarks marks{config_.markMask(), config_.rejectMarkMask()};
    attributor_ = std::make_unique<Attributor>(*sockDiag_, *bpf_);
    kernel_ = std::make_unique<KernelVerdicts>(*bpf_, VerdictCacheLimits{config_.verdictTtlMin, config_.verdictTtlMax},
                                               log_);
    decisions_ = std::make_unique<DecisionLog>(log_, events_ ? &*events_ : nullptr);
    DecisionPath::Hooks hooks;
    hooks.deliverPrompt = [this](const PromptRequest& request) { deliverPrompt(request); };
    hooks.adoptRule = [this](Rule rule) { return adoptRule(std::move(rule)); };
    decisionPath_ = std::make_unique<DecisionPath>(*decisionQueue_, *attributor_, dnsCache_, engine_, prompts_, *kernel_,
                                                   *decisions_, log_, marks, std::move(hooks));
    dnsPath_ = std::make_unique<DnsPath>(*dnsQueue_, *attributor_, dnsQueries_, dnsCache_, engine_, *kernel_, *injector_,
                                         *decisions_, log_, marks);

    const auto watch = [this](int fd, auto handler) -> Result<void> {
        auto id = loop_.watchFd(fd, EPOLLIN, [handler](std::uint32_t) { handler(); });
        if (!id)
            return id.error();
        return Ok{};
    };
    if (auto w = watch(dnsQueue_->fd(), [this] { onDnsReadable(); }); !w)
        return failedTo("watch DNS queue", w);
    if (auto w = watch(decisionQueue_->fd(), [this] { onDecisionReadable(); }); !w)
        return failedTo("watch decision queue", w);
    if (auto w = watch(bpf_->eventFd(), [this] { onBpfEvents(); }); !w)
        return failedTo("watch BPF events", w);

    auto signals = SignalSource::create(loop_, SignalHandlers{
                                                   [this](int signal) {
                                                       log_.info("Stopping", {{"signal", signal}});
                                                       loop_.stop();
                                                   },
                                                   [this] { reloadRules(); },
                                               });
    if (!signals)
        return failedTo("handle signals", signals);
    signals_.emplace(std::move(*signals));

    std::filesystem::create_directories(config_.userRulesFile.parent_path(), ec);
    auto watcher = FileWatcher::create(loop_,
                                       {WatchTarget::entriesWithSuffix(config_.adminRulesDir, ".toml"),
                                        WatchTarget::file(config_.userRulesFile)},
                                       [this](const std::vector<std::size_t>& changed) {
                                           if (changed == std::vector<std::size_t>{userRulesTarget} &&
                                               fileSignature(config_.userRulesFile) == ownUserFileWrite_)
                                               return; // our own save: what is in force is what was written
                                           reloadRules();
                                       });
    if (watcher)
        fileWatcher_.emplace(std::move(*watcher));
    else
        log_.warning("Failed to watch rule files, reload with SIGHUP", {{"error", watcher.error().describe()}});

    if (config_.dbus)
        startBus();
    else
        log_.notice("D-Bus disabled (--no-bus): no API and no prompt agents; prompts get the default action");

    loop_.addTimer(maintenanceInterval, [this] { maintain(); });
    log_.notice("hostgated started", {{"mode", toString(engine_.mode())}, {"rules", engine_.ruleCount()}});
    return Ok{};
}

Result<void> Daemon::run()
{
    return loop_.run();
}

void Daemon::shutdown()
{
    // Held packets get the default verdict while their queue can still carry it.
    prompts_.cancelAll();
    if (decisions_)
        decisions_->setListener({});
    bus_.reset();
    // Chains first, so nothing is queued to a reader that is about to go; then the programs.
    if (firewall_ && firewallInstalled_) {
        if (auto removed = firewall_->remove(); !removed)
            log_.error("Failed to remove firewall chains", {{"error", removed.error().describe()}});
        else
            log_.info("Firewall chains removed");
        firewallInstalled_ = false;
    }
    for (const auto& [pid, exit] : exitWatches_)
        loop_.unwatch(exit.watch);
    exitWatches_.clear();
    dnsPath_.reset();
    decisionPath_.reset();
    bpf_.reset();
    dnsQueue_.reset();
    decisionQueue_.reset();
    // The user file is not rewritten here: if it failed to load, rewriting it would erase the user's edit.
}

void Daemon::onDnsReadable()
{
    const auto received = dnsQueue_->receive([this](QueuedPacket&& packet) { dnsPath_->onPacket(std::move(packet), Clock::now()); });
    if (!received)
        log_.error("Failed to read DNS queue", {{"error", received.error().describe()}});
    else if (received->lostMessages)
        log_.warning("DNS queue overflowed: packets were lost");
}

void Daemon::onDecisionReadable()
{
    const auto received = decisionQueue_->receive(
        [this](QueuedPacket&& packet) { decisionPath_->onPacket(std::move(packet), Clock::now()); });
    if (!received)
        log_.error("Failed to read decision queue", {{"error", received.error().describe()}});
    else if (received->lostMessages)
        log_.warning("Decision queue overflowed: packets were lost");
    armPromptTimer();
}

void Daemon::onBpfEvents()
{
    // Misses are decided from the queued packet; the events are only a trace for debugging.
    const auto polled = bpf_->pollEvents([this](const MissEvent& miss) {
        if (log_.enabled(LogLevel::Debug))
            log_.debug("Kernel verdict miss", {{"pid", miss.owner.pid}, {"comm", miss.owner.command},
                                               {"ip", miss.destination.toString()}, {"port", miss.port}});
    });
    if (!polled)
        log_.warning("Failed to read BPF events", {{"error", polled.error().describe()}});
}

void Daemon::maintain()
{
    const auto now = Clock::now();
    kernel_->sweepExpired();
    dnsCache_.expire(now);
    dnsQueries_.expire(now);
    if (events_)
        if (auto pruned = events_->prune(now); !pruned)
            log_.warning("Failed to prune connection log", {{"error", pruned.error().describe()}});
    loop_.addTimer(maintenanceInterval, [this] { maintain(); });
}

void Daemon::armPromptTimer()
{
    const auto next = prompts_.nextDeadline();
    if (next == promptTimerAt_)
        return;
    if (promptTimer_)
        loop_.cancelTimer(*promptTimer_);
    promptTimer_.reset();
    promptTimerAt_ = next;
    if (!next)
        return;
    const auto delay = std::max(std::chrono::steady_clock::duration::zero(),
                                std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next - Clock::now()));
    promptTimer_ = loop_.addTimer(delay, [this] {
        promptTimer_.reset();
        promptTimerAt_.reset();
        prompts_.expire(Clock::now());
        armPromptTimer();
    });
}

void Daemon::reloadRules()
{
    const auto report = store_.load();
    noteLoadErrors(report);
    applyRules(store_.rules());
    log_.info("Rules reloaded", {{"admin", report.adminRules}, {"user", report.userRules}});
    notifyRulesChanged();
}

void Daemon::noteLoadErrors(const RuleStore::LoadReport& report)
{
    userFileBroken_ = false;
    ruleErrors_.clear();
    for (const auto& error : report.errors) {
        ruleErrors_.push_back(error.describe());
        log_.error("Failed to load rule file, keeping its last good rules", {{"error", error.describe()}});
        if (error.describe().find(config_.userRulesFile.string()) != std::string::npos)
            userFileBroken_ = true;
    }
}

void Daemon::applyRules(const std::vector<Rule>& stored)
{
    std::vector<Rule> rules = stored;
    rules.insert(rules.end(), runtimeRules_.begin(), runtimeRules_.end());
    enforceRules(std::move(rules));
}

void Daemon::enforceRules(std::vector<Rule> rules)
{
    for (const auto& rule : rules)
        if (!isAdminRuleId(rule.id)) // admin ids live above 2^63 and never share the user range
            nextRuntimeId_ = std::max(nextRuntimeId_, rule.id + 1);
    engine_.setRules(std::move(rules));
    // Verdicts the kernel cached may come from rules that just changed.
    if (kernel_)
        kernel_->forgetAll();
}

Rule Daemon::adoptRule(Rule rule)
{
    rule.id = std::max(nextRuntimeId_, store_.nextUserRuleId());
    nextRuntimeId_ = rule.id + 1;
    rule.origin = RuleOrigin::User;
    engine_.addRule(rule);
    if (rule.lifetime.persistent()) {
        persistUserRules();
    } else {
        runtimeRules_.push_back(rule);
        if (rule.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime.pid)
            watchProcessExit(*rule.lifetime.pid);
    }
    notifyRulesChanged();
    return rule;
}

void Daemon::persistUserRules()
{
    if (userFileBroken_) {
        // Saving would replace the user's broken edit with our copy; keep the new rule in memory until fixed.
        log_.error("Not saving user rules: the rule file has errors; fix it and the daemon reloads it",
                   {{"file", config_.userRulesFile}});
        return;
    }
    if (auto saved = writeUserRules(engine_.rules()); !saved)
        log_.error("Failed to save user rules", {{"file", config_.userRulesFile}, {"error", saved.error().describe()}});
}

std::vector<Rule> Daemon::lastingUserRules(const std::vector<Rule>& rules)
{
    std::vector<Rule> lasting;
    for (const auto& rule : rules)
        if (rule.origin == RuleOrigin::User && rule.lifetime.persistent())
            lasting.push_back(rule);
    return lasting;
}

Result<void> Daemon::writeUserRules(const std::vector<Rule>& rules)
{
    if (auto saved = store_.saveUserRules(lastingUserRules(rules)); !saved)
        return saved;
    ownUserFileWrite_ = fileSignature(config_.userRulesFile);
    return Ok{};
}

void Daemon::endRulesOfExitedProcess(std::int32_t pid)
{
    engine_.processExited(pid);
    // Also from the rules kept across reloads, or the next reload would bring them back.
    std::erase_if(runtimeRules_, [pid](const Rule& rule) {
        return rule.lifetime.kind == Lifetime::Kind::UntilExit && rule.lifetime.pid == pid;
    });
    kernel_->forgetAll();
    log_.info("Process exited, its rules ended", {{"pid", pid}});
    notifyRulesChanged();
}

void Daemon::startBus()
{
    BusService::Options options;
    options.version = std::string(hostgateVersion());
    auto bus = BusService::create(loop_, *this, log_, options);
    if (!bus) {
        // The firewall works without the bus; only the API and prompts (which get the default) are missing.
        log_.warning("D-Bus API unavailable, prompts get the default action", {{"error", bus.error().describe()}});
        return;
    }
    bus_ = std::move(*bus);
    decisions_->setListener([this](const ConnectionEvent& event) {
        if (bus_)
            bus_->emitConnectionEvent(event);
    });
    log_.info("D-Bus API ready", {{"name", options.busName}});
}

void Daemon::deliverPrompt(const PromptRequest& request)
{
    if (bus_)
        bus_->deliverPrompt(request);
    else
        prompts_.noAgent(request.id, Clock::now());
}

void Daemon::watchProcessExit(std::int32_t pid)
{
    if (exitWatches_.contains(pid))
        return;
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd.valid()) {
        endRulesOfExitedProcess(pid); // already gone
        return;
    }
    auto watch = loop_.watchFd(pidfd.get(), EPOLLIN, [this, pid](std::uint32_t) {
        const auto it = exitWatches_.find(pid);
        if (it == exitWatches_.end())
            return;
        loop_.unwatch(it->second.watch);
        exitWatches_.erase(it); // closes the pidfd
        endRulesOfExitedProcess(pid);
    });
    if (!watch) {
        log_.warning("Failed to watch process exit", {{"pid", pid}, {"error", watch.error().describe()}});
        return;
    }
    exitWatches_.emplace(pid, ExitWatch{std::move(pidfd), *watch});
}

} // namespace hostgate
