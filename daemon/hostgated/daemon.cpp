// SPDX-License-Identifier: GPL-3.0-or-later
// Daemon start-up, the event loop's handlers, rule reloads and an orderly shutdown.
#include "hostgated/daemon.h"

#include "capture/quic_initial.h"

#include "capture/bpf_features.h"
#include "capture/cgroup.h"
#include "rules/app_id.h"
#include "service/restart_handover.h"
#include "store/encrypted_dns_file.h"
#include "store/file_trust.h"
#include "store/rule_file.h"
#include "util/errno_error.h"

#include <fmt/format.h>

#include <linux/magic.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hostgate {

namespace {

constexpr std::uint32_t queueLength = 4096;
constexpr auto maintenanceInterval = std::chrono::seconds(5);
// How often changed hit counts are saved (also at every stop): a crash loses at most this much counting.
constexpr auto hitsSaveInterval = std::chrono::seconds(30);
// The kernel programs consider the daemon gone when its heartbeat is older than heartbeatStale: then they
// refuse (fail-closed) or pass (fail-open) what is undecided instead of marking it for a queue nobody reads.
constexpr auto heartbeatInterval = std::chrono::milliseconds(250);

constexpr auto heartbeatStale = std::chrono::milliseconds(3000);
constexpr std::string_view defaultBpfFs = "/sys/fs/bpf";

// FNV-1a: a fingerprint, not a defence (the verdict map is root's).
std::uint64_t fnv1a(std::uint64_t hash, std::string_view text)
{
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

// The default pin directory lives on the bpffs systemd mounts at boot; a system without it gets one, as
// systemd would have mounted it. Any other directory must already be on a bpf filesystem.
Result<void> ensureBpfFilesystem(const std::filesystem::path& pinDirectory)
{
    if (pinDirectory.parent_path() != defaultBpfFs)
        return Ok{};
    struct statfs fs {};
    if (::statfs(std::string(defaultBpfFs).c_str(), &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
        return Ok{};
    if (::mount("bpf", std::string(defaultBpfFs).c_str(), "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") != 0)
        return Error{"Failed to mount a bpf filesystem on /sys/fs/bpf: " + errnoText(errno)};
    return Ok{};
}

// "198.51.100.53,127.0.0.53", for logs.
std::string joinedAddresses(const std::vector<IpAddress>& addresses)
{
    std::string text;
    for (const auto& address : addresses)
        text += (text.empty() ? "" : ",") + address.toString();
    return text;
}

template <class T>
Error failedTo(std::string_view what, const Result<T>& result)
{
    return Error{"Failed to " + std::string(what) + ": " + result.error().describe()};
}

} // namespace

Daemon::Daemon(const DaemonConfig& config, Logger& log, EventLoop loop)
    : config_(config), log_(log), loop_(std::move(loop)), learning_(proposalsPath(config.stateDir), log),
      rules_(RuleStorePaths{config.adminRulesDir, config.userRulesFile, config.baseRulesDir, config.hostSourcesRoot},
             engine_, loop_, log_, RuleLifecycle::Hooks{[this] { rulesEnforced(); }, [this] { notifyRulesChanged(); }}),
      dnsCache_(DnsCache::Config{config.dnsCache.minTtl, config.dnsCache.maxTtl, config.dnsCache.maxAddresses}),
      unverifiedNames_(DnsCache::Config{config.dnsCache.minTtl, config.dnsCache.maxTtl,
                                        std::min<std::uint32_t>(config.dnsCache.maxAddresses, 16384)}),
      prompts_(PromptBroker::Config{config.promptTimeout, config.defaultAction})
{
    engine_.setProposalBook(&learning_.book());
}

Result<std::unique_ptr<Daemon>> Daemon::create(const DaemonConfig& config, Logger& log)
{
    auto loop = EventLoop::create();
    if (!loop)
        return failedTo("create event loop", loop);
    std::unique_ptr<Daemon> daemon(new Daemon(config, log, std::move(*loop)));
    if (auto started = daemon->start(); !started) {
        daemon->shutdown(!(daemon->bpf_ && daemon->bpf_->adopted()));
        return started.error();
    }
    return daemon;
}

Daemon::~Daemon()
{
    shutdown(!handOverKernelState_);
}

Result<void> Daemon::cleanup(const DaemonConfig& config, Logger& log)
{
    const auto backend = FirewallRules::probe();
    if (backend != FirewallBackend::None) {
        FirewallConfig firewallConfig;
        FirewallRules firewall(firewallConfig, backend);
        if (auto removed = firewall.remove(); !removed)
            return removed.error();
        log.info("Firewall chains removed");
    }
    if (!config.bpfPinDir.empty()) {
        if (auto removed = BpfFirewall::removePinned(config.bpfPinDir); !removed)
            return removed.error();
        log.info("BPF programs detached and pins removed", {{"directory", config.bpfPinDir}});
    }
    return Ok{};
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

    if (features.cgroup2Mount) {
        std::error_code ec;
        const auto mount = std::filesystem::canonical(*features.cgroup2Mount, ec);
        const auto enforced = std::filesystem::canonical(cgroup, ec);
        if (!ec)
            scopeCgroups_.emplace(mount, enforced);
    }

    engine_.setMode(config_.mode);
    engine_.setEncryptedDnsPolicy(config_.encryptedDns);
    loadEncryptedDnsList();
    const auto loadStart = std::chrono::steady_clock::now();
    const auto report = rules_.load();
    const auto loadTime = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - loadStart);
    log_.info("Rules loaded", {{"admin", report.adminRules},
                               {"user", report.userRules},
                               {"journal_records", report.journalRecords},
                               {"ms", fmt::format("{:.1f}", loadTime.count())}});

    std::error_code ec;
    std::filesystem::create_directories(config_.stateDir, ec);
    learning_.load(Clock::now());
    lists_ = std::make_unique<ListSubscriptions>(config_.lists, config_.stateDir, log_, loop_, [this] {
        engine_.setLists(lists_->active());
        invalidateKernelVerdicts(); // a cached verdict may come from a list entry that changed
    });
    if (auto listsStarted = lists_->start(); !listsStarted)
        return failedTo("start the subscribed lists", listsStarted);
    auto events =
        EventLog::open(config_.eventDatabase(),
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
    auto dnsSockDiag = SockDiag::open();
    if (!dnsSockDiag)
        return failedTo("open sock_diag for the DNS lane", dnsSockDiag);
    dnsSockDiag_.emplace(std::move(*dnsSockDiag));
    laneDenialsEvent_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!laneDenialsEvent_)
        return failedTo("create the DNS lane's eventfd", Result<void>(Error(errnoText(errno))));

    if (auto opened = openKernel(cgroup); !opened)
        return opened;
    // After the programs: they may already be a killed predecessor's, which let only the daemon's own process
    // create raw sockets, and the state map now names this one.
    auto injector = DnsReplyInjector::open(config_.replyMarkMask());
    if (!injector)
        return failedTo("open DNS reply socket", injector);
    injector_.emplace(std::move(*injector));

    const DecisionMarks marks{config_.markMask(), config_.rejectMarkMask(), config_.replyMarkMask()};
    if (config_.claimedNameWait.count() > 0) {
        auto conntrack = ConntrackMarks::open();
        if (!conntrack)
            return failedTo("open ctnetlink", conntrack);
        conntrack_.emplace(std::move(*conntrack));
        // OpenSSL loads what the QUIC Initial keys need now, before the seccomp filter.
        if (auto warm = warmUpQuicInitialCrypto(); !warm)
            return failedTo("set up QUIC Initial decryption", warm);
    }
    attributor_ = std::make_unique<Attributor>(*sockDiag_, *bpf_);
    dnsAttributor_ = std::make_unique<Attributor>(*dnsSockDiag_, *bpf_);
    rememberRuleExecutables();
    kernel_ = std::make_unique<KernelVerdicts>(
        *bpf_, VerdictCacheLimits{config_.verdictTtlMin, config_.verdictTtlMax}, log_,
        [this](RuleId rule, std::uint64_t hits, TimePoint lastHit) { engine_.recordHits(rule, hits, lastHit); });
    // What a predecessor's entries counted was credited and saved by it (at its stop; a crash loses at most the
    // hits since its last save).
    if (bpf_->adopted())
        kernel_->adoptHits();
    journal_ = JournalWriter::connect();
    if (journal_)
        log_.info("Decisions go to the journal as structured entries", {{"socket", kJournalSocket}});
    decisions_ = std::make_unique<DecisionLog>(log_, events_ ? &*events_ : nullptr, journal_ ? &*journal_ : nullptr,
                                               stderrIsJournal());
    decisions_->setFlowBook(&flows_);
    pins_ = std::make_unique<BinaryPins>(
        packages_, config_.onBinaryChange, log_, [this](RuleId id, const std::string& sha256) {
            // On the loop's next turn: the rule set is not changed under the decision that found the upgrade.
            loop_.addTimer(std::chrono::steady_clock::duration::zero(), [this, id, sha256] {
                const Rule* current = engine_.findRule(id);
                if (!current || current->origin != RuleOrigin::User || current->sha256 == sha256)
                    return; // admin rules are read-only: their pin is checked against dpkg each time instead
                Rule repinned = *current;
                repinned.sha256 = sha256;
                if (auto updated = rules_.update(std::move(repinned)); !updated)
                    log_.warning("Failed to move a rule's pin to its upgraded binary",
                                 {{"rule", id}, {"error", updated.error().message}});
            });
        });
    DecisionPath::Hooks hooks;
    hooks.deliverPrompt = [this](const PromptRequest& request) { deliverPrompt(request); };
    hooks.canAsk = [this](std::uint32_t uid) { return bus_ && bus_->hasAgentFor(uid); };
    hooks.adoptRule = [this](Rule rule) {
        const bool firstAppIdRule = rule.app && isAppId(*rule.app) && !engine_.hasAppIdRules();
        Rule adopted = rules_.adopt(std::move(rule));
        // Verdicts cached per executable would now outrank the app id's rule for processes sharing the file.
        if (firstAppIdRule)
            invalidateKernelVerdicts();
        return adopted;
    };
    hooks.checkPin = [this](const Connection& connection, Decision decision) {
        return pins_->check(connection, std::move(decision));
    };
    hooks.runningDigest = [this](const Connection& connection) { return pins_->runningDigest(connection); };
    hooks.decideInScope = [this](Connection& connection, TimePoint now) { return decideInScope(connection, now); };
    decisionPath_ = std::make_unique<DecisionPath>(*decisionQueue_, *attributor_, dnsCache_, engine_, prompts_,
                                                   *kernel_, *decisions_, log_, marks, std::move(hooks));
    decisionPath_->setUnverifiedNames(&unverifiedNames_);
    decisionPath_->setEncryptedDnsList(&encryptedDns_);
    if (conntrack_)
        decisionPath_->setClaims(ClaimSettings{config_.claimedNameWait, config_.trustClaimedNames}, &*conntrack_,
                                 &*sockDiag_);
    dnsPath_ = std::make_unique<DnsPath>(
        *dnsQueue_, *dnsAttributor_, *injector_,
        DnsPath::SharedPolicy{policyMutex_, dnsCache_, engine_, *kernel_, trustedResolvers_, unverifiedNames_},
        [this](Connection connection, RuleId rule, std::string explanation, TimePoint at) {
            onLaneDenial(std::move(connection), rule, std::move(explanation), at);
        },
        log_, marks, DnsPath::Options{config_.refuseDohCanary});
    // Verdicts a killed predecessor cached stay only if they came from exactly these rules.
    if (bpf_->adopted() && bpf_->adoptedPolicyHash() == policyFingerprint())
        log_.notice("Adopted the kernel state of the previous run, keeping its verdicts");
    else
        invalidateKernelVerdicts();

    const auto watch = [this](int fd, auto handler) -> Result<void> {
        auto id = loop_.watchFd(fd, EPOLLIN, [handler](std::uint32_t) { handler(); });
        if (!id)
            return id.error();
        return Ok{};
    };
    if (auto w = watch(laneDenialsEvent_.get(), [this] { onLaneDenials(); }); !w)
        return failedTo("watch the DNS lane's denials", w);
    if (auto w = watch(decisionQueue_->fd(), [this] { onDecisionReadable(); }); !w)
        return failedTo("watch decision queue", w);
    if (auto w = watch(bpf_->eventFd(), [this] { onBpfEvents(); }); !w)
        return failedTo("watch BPF events", w);

    auto signals = SignalSource::create(loop_, SignalHandlers{
                                                   [this](int signal) {
                                                       // Without pins the programs die with the process:
                                                       // nothing would enforce until the next start.
                                                       handOverKernelState_ =
                                                           !config_.bpfPinDir.empty() && config_.runtimeDir &&
                                                           takeKeepKernelStateRequest(*config_.runtimeDir);
                                                       if (handOverKernelState_)
                                                           log_.notice("Stopping for a restart, handing the kernel "
                                                                       "state over to the next daemon",
                                                                       {{"signal", signal}});
                                                       else
                                                           log_.info("Stopping", {{"signal", signal}});
                                                       loop_.stop();
                                                   },
                                                   [this] { reloadRules(); },
                                               });
    if (!signals)
        return failedTo("handle signals", signals);
    signals_.emplace(std::move(*signals));

    std::filesystem::create_directories(config_.userRulesFile.parent_path(), ec);
    std::vector<WatchTarget> ruleTargets{WatchTarget::entriesWithSuffix(config_.adminRulesDir, ".toml")};
    // A package upgrade changes the base policy in place; a directory that is not there yet is read at SIGHUP.
    if (!config_.baseRulesDir.empty() && std::filesystem::is_directory(config_.baseRulesDir, ec))
        ruleTargets.push_back(WatchTarget::entriesWithSuffix(config_.baseRulesDir, ".toml"));
    const std::size_t userFileTarget = ruleTargets.size();
    ruleTargets.push_back(WatchTarget::file(config_.userRulesFile));
    auto watcher =
        FileWatcher::create(loop_, ruleTargets, [this, userFileTarget](const std::vector<std::size_t>& changed) {
            if (changed == std::vector<std::size_t>{userFileTarget} && rules_.isOwnUserFileWrite())
                return; // our own save: what is in force is what was written
            reloadRules();
        });
    if (watcher)
        fileWatcher_.emplace(std::move(*watcher));
    else
        log_.warning("Failed to watch rule files, reload with SIGHUP", {{"error", watcher.error().describe()}});

    std::vector<WatchTarget> resolverTargets;
    for (const auto& file : config_.resolverFiles)
        resolverTargets.push_back(WatchTarget::file(file));
    if (!resolverTargets.empty()) {
        auto resolverWatcher = FileWatcher::create(
            loop_, resolverTargets, [this](const std::vector<std::size_t>&) { refreshTrustedResolvers(); });
        if (resolverWatcher)
            resolverWatcher_.emplace(std::move(*resolverWatcher));
        else
            log_.warning("Failed to watch the resolver files, trusted resolvers follow them only at SIGHUP",
                         {{"error", resolverWatcher.error().describe()}});
    }
    loop_.addTimer(heartbeatInterval, [this] { heartbeat(); });

    if (config_.dbus)
        startBus();
    else
        log_.notice("D-Bus disabled (--no-bus): no API and no prompt agents; prompts get the default action");

    loop_.addTimer(maintenanceInterval, [this] { maintain(); });
    loop_.addTimer(LearningProposals::saveInterval, [this] { learningTick(); });
    log_.notice("hostgated started", {{"mode", toString(engine_.mode())}, {"rules", engine_.ruleCount()}});
    return Ok{};
}

Result<void> Daemon::run(const ServiceNotifier& notifier)
{
    // Here, not in start(): the process has dropped its privileges by now, and capabilities are per thread.
    auto lane = DnsLane::start(*dnsPath_, dnsQueue_->fd(), log_);
    if (!lane)
        return lane.error();
    dnsLane_ = std::move(*lane);
    // From now on the loop's handlers share the policy with the lane.
    loop_.setDispatchLock(&policyMutex_);
    startKeepAlives(loop_, notifier, [this](const Error& error) {
        log_.warning("Failed to send a watchdog keep-alive, ignoring", {{"error", error.describe()}});
    });
    auto ran = loop_.run();
    loop_.setDispatchLock(nullptr);
    dnsLane_.reset();
    if (auto told = notifier.stopping(handOverKernelState_ ? "Restarting: the kernel keeps enforcing"
                                                           : "Stopping: removing the BPF programs and chains");
        !told)
        log_.warning("Failed to tell the service manager that the daemon stops, ignoring",
                     {{"error", told.error().describe()}});
    return ran;
}

void Daemon::onLaneDenial(Connection connection, RuleId rule, std::string explanation, TimePoint at)
{
    // Runs on the lane's thread. A flood of refused queries must not grow this without bound: past the limit
    // the denials are still enforced (the query was refused), only not recorded one by one.
    {
        const std::lock_guard lock(laneDenialsMutex_);
        if (laneDenials_.size() >= maxQueuedLaneDenials) {
            ++droppedLaneDenials_;
            return;
        }
        laneDenials_.push_back({std::move(connection), rule, std::move(explanation), at});
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(laneDenialsEvent_.get(), &one, sizeof one);
}

void Daemon::onLaneDenials()
{
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(laneDenialsEvent_.get(), &count, sizeof count);
    std::vector<LaneDenial> denials;
    std::uint64_t dropped = 0;
    {
        const std::lock_guard lock(laneDenialsMutex_);
        denials.swap(laneDenials_);
        std::swap(dropped, droppedLaneDenials_);
    }
    for (const auto& denial : denials)
        decisions_->record(denial.connection, Outcome::Denied, denial.rule, denial.explanation, denial.at);
    if (dropped > 0)
        log_.warning("Refused DNS queries not recorded individually (too many at once)", {{"count", dropped}});
}

void Daemon::shutdown(bool removeKernelState)
{
    if (shutDown_)
        return;
    shutDown_ = true;
    // Held packets get the default verdict while their queue can still carry it.
    prompts_.cancelAll();
    if (decisions_)
        decisions_->setListener({});
    bus_.reset();
    lists_.reset(); // stops its worker (a transfer under way is aborted)
    // Scopes live in memory: the transient cgroups of runs that are empty go with the daemon.
    if (scopeCgroups_)
        for (const Scope* scope : scopes_.all())
            if (scope->kind == ScopeKind::Run)
                scopeCgroups_->removeIfEmpty(scope->cgroup);
    if (!removeKernelState)
        // The programs and chains a predecessor left keep enforcing (fail-closed) until a daemon starts.
        log_.warning(
            "Leaving the kernel state in place: the pinned programs keep enforcing (what is undecided is "
            "refused, or let through when fail-open) until hostgated runs again and takes it over (hostgated --cleanup "
            "removes it)");
    // Chains first, so nothing is queued to a reader that is about to go; then the programs.
    if (removeKernelState && firewall_ && firewallInstalled_) {
        if (auto removed = firewall_->remove(); !removed)
            log_.error("Failed to remove firewall chains", {{"error", removed.error().describe()}});
        else
            log_.info("Firewall chains removed");
        firewallInstalled_ = false;
    }
    dnsLane_.reset(); // before anything it uses goes
    learning_.saveIfChanged();
    rules_.stopWatchingExits();
    // The kernel's last hits credited and every count saved (a handover's successor takes the map's counts as
    // credited).
    if (kernel_)
        kernel_->foldHits();
    rules_.saveHits();
    // The journal folded into the user file, so it reads as what is in force (never over a broken file).
    if (removeKernelState)
        rules_.compact();
    dnsPath_.reset();
    decisionPath_.reset();
    if (removeKernelState && bpf_) {
        bpf_->detachAndUnpin();
        log_.info("BPF programs detached");
    }
    bpf_.reset();
    dnsQueue_.reset();
    decisionQueue_.reset();
}

void Daemon::onDecisionReadable()
{
    const auto received = decisionQueue_->receive(
        [this](QueuedPacket&& packet) { decisionPath_->onPacket(std::move(packet), Clock::now()); });
    if (!received)
        log_.error("Failed to read decision queue", {{"error", received.error().describe()}});
    else if (received->lostMessages) {
        ++decisionQueueOverflows_;
        log_.warning("Decision queue overflowed: packets were lost");
    }
    armPromptTimer();
    armWaitTimer();
}

void Daemon::armWaitTimer()
{
    armDeadline(waitTimer_, decisionPath_ ? decisionPath_->nextWaitDeadline() : std::nullopt, &Daemon::expireWaits);
}

void Daemon::expireWaits(TimePoint now)
{
    if (decisionPath_)
        decisionPath_->expireWaits(now);
}

void Daemon::onBpfEvents()
{
    // A held miss is decided from its queued packet (the event is only a trace); a refused one has no packet
    // and is decided from the event, so the next attempt finds a verdict.
    const auto polled = bpf_->pollEvents([this](const MissEvent& miss) {
        if (log_.enabled(LogLevel::Debug))
            log_.debug("Kernel verdict miss", {{"pid", miss.owner.pid},
                                               {"comm", miss.owner.command},
                                               {"ip", miss.destination.toString()},
                                               {"port", miss.port},
                                               {"refused", miss.refused}});
        if (miss.refused)
            decisionPath_->onRefusedMiss(miss, Clock::now());
    });
    if (!polled)
        log_.warning("Failed to read BPF events", {{"error", polled.error().describe()}});
    armPromptTimer();
}

void Daemon::maintain()
{
    const auto now = Clock::now();
    kernel_->sweepExpired(); // also credits the kernel's hits to their rules
    if (const auto steadyNow = std::chrono::steady_clock::now(); steadyNow - hitsSavedAt_ >= hitsSaveInterval) {
        hitsSavedAt_ = steadyNow;
        rules_.saveHits();
    }
    dnsCache_.expire(now);
    unverifiedNames_.expire(now);
    maintainScopes();
    if (events_)
        if (auto pruned = events_->prune(now); !pruned)
            log_.warning("Failed to prune connection log", {{"error", pruned.error().describe()}});
    loop_.addTimer(maintenanceInterval, [this] { maintain(); });
}

void Daemon::armPromptTimer()
{
    armDeadline(promptTimer_, prompts_.nextDeadline(), &Daemon::expirePrompts);
}

void Daemon::expirePrompts(TimePoint now)
{
    prompts_.expire(now);
}

void Daemon::armDeadline(DeadlineTimer& deadline, std::optional<TimePoint> next, void (Daemon::*expire)(TimePoint))
{
    if (next == deadline.at)
        return;
    if (deadline.timer)
        loop_.cancelTimer(*deadline.timer);
    deadline.timer.reset();
    deadline.at = next;
    if (!next)
        return;
    const auto delay = std::max(std::chrono::steady_clock::duration::zero(),
                                std::chrono::duration_cast<std::chrono::steady_clock::duration>(*next - Clock::now()));
    deadline.timer = loop_.addTimer(delay, [this, &deadline, expire] {
        deadline.timer.reset();
        deadline.at.reset();
        (this->*expire)(Clock::now());
        armPromptTimer();
        armWaitTimer();
    });
}

void Daemon::reloadRules()
{
    refreshTrustedResolvers();
    const auto before = encryptedDns_;
    loadEncryptedDnsList();
    if (!(before == encryptedDns_))
        invalidateKernelVerdicts(); // a cached allow may lead to an address the list now names
    if (lists_)
        lists_->reload();
    rules_.reload();
}

void Daemon::loadEncryptedDnsList()
{
    auto loaded = hostgate::loadEncryptedDnsList(config_.encryptedDnsFiles);
    if (!loaded) {
        log_.error("Failed to load the encrypted DNS resolver list, keeping the previous one",
                   {{"error", loaded.error().describe()}});
        return;
    }
    encryptedDns_ = std::move(loaded->list);
    log_.info("Encrypted DNS resolvers loaded",
              {{"file", loaded->file.empty() ? std::string("none") : loaded->file.string()},
               {"resolvers", encryptedDns_.resolvers().size()},
               {"policy", toString(config_.encryptedDns)}});
}

void Daemon::rulesEnforced()
{
    rememberRuleExecutables();
    // Verdicts the kernel cached may come from rules that just changed.
    invalidateKernelVerdicts();
}

void Daemon::rememberRuleExecutables()
{
    if (!attributor_)
        return;
    std::map<AppKey, std::string> executables;
    for (const auto& path : engine_.appPaths()) {
        struct stat status {};
        if (path.starts_with('/') && ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode))
            executables.emplace(BpfFirewall::appKeyFromStat(status), path);
    }
    dnsAttributor_->setKnownExecutables(executables);
    attributor_->setKnownExecutables(std::move(executables));
}

void Daemon::invalidateKernelVerdicts()
{
    if (!kernel_ || !bpf_)
        return;
    kernel_->forgetAll();
    if (auto written = bpf_->setPolicyHash(policyFingerprint()); !written)
        log_.warning("Failed to record the policy fingerprint, ignoring", {{"error", written.error().describe()}});
}

std::uint64_t Daemon::policyFingerprint() const
{
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    hash = fnv1a(hash, toString(engine_.mode()));
    hash = fnv1a(hash, toString(config_.defaultAction));
    hash = fnv1a(hash, toString(config_.encryptedDns));
    for (const auto& resolver : encryptedDns_.resolvers()) {
        for (const auto& host : resolver.hosts)
            hash = fnv1a(hash, host);
        for (const auto& address : resolver.addresses)
            hash = fnv1a(hash, address.toString());
    }
    hash = fnv1a(hash, std::to_string(engine_.rulesFingerprint())); // kept up to date by the engine: O(1)
    if (lists_)
        hash = fnv1a(hash, "lists " + std::to_string(lists_->generation()));
    return hash == 0 ? 1 : hash;
}

Result<void> Daemon::openKernel(const std::filesystem::path& cgroup)
{
    if (!config_.bpfPinDir.empty())
        if (auto mounted = ensureBpfFilesystem(config_.bpfPinDir); !mounted)
            return mounted;
    BpfFirewall::Options bpfOptions;
    bpfOptions.cgroup = cgroup;
    bpfOptions.markBit = config_.markMask();
    bpfOptions.pinDirectory = config_.bpfPinDir;
    bpfOptions.failOpen = config_.failureMode == FailureMode::FailOpen;
    bpfOptions.staleAfter = heartbeatStale;
    bpfOptions.denyOtherProtocols = config_.otherProtocols == OtherProtocols::Deny;
    bpfOptions.trafficAccounting = config_.trafficAccounting;
    auto bpf = BpfFirewall::open(bpfOptions);
    if (!bpf)
        return failedTo("load BPF programs into " + cgroup.string(), bpf);
    bpf_.emplace(std::move(*bpf));
    log_.info(
        bpf_->adopted() ? "BPF programs of the previous run taken over" : "BPF programs attached",
        {{"cgroup", cgroup}, {"pinned", config_.bpfPinDir.empty() ? std::string("no") : config_.bpfPinDir.string()}});

    trustedResolvers_ = TrustedResolvers(currentTrustedResolvers());
    if (auto stored = bpf_->setTrustedResolvers(trustedResolvers_.addresses()); !stored)
        return failedTo("store the trusted resolvers", stored);

    FirewallConfig firewallConfig;
    firewallConfig.dnsQueue = config_.dnsQueue;
    firewallConfig.decisionQueue = config_.decisionQueue;
    firewallConfig.markMask = config_.markMask();
    firewallConfig.rejectMark = config_.rejectMarkMask();
    firewallConfig.replyMark = config_.replyMarkMask();
    firewallConfig.failOpen = bpfOptions.failOpen;
    firewallConfig.trustedResolvers = trustedResolvers_.addresses();
    const auto backend = FirewallRules::probe();
    if (backend == FirewallBackend::None)
        return Error{"Failed to find a firewall backend: neither nft queue nor iptables-nft NFQUEUE works"};
    firewall_.emplace(firewallConfig, backend);
    // In place: the chains of a killed predecessor are refilled in one transaction, never removed first.
    if (auto installed = firewall_->install(); !installed)
        return failedTo("install firewall chains", installed);
    firewallInstalled_ = true;
    log_.info("Firewall chains installed", {{"backend", backend == FirewallBackend::NftNative ? "nft" : "iptables-nft"},
                                            {"dns_queue", config_.dnsQueue},
                                            {"decision_queue", config_.decisionQueue},
                                            {"failure_mode", failureModeName(config_.failureMode)},
                                            {"trusted_resolvers", joinedAddresses(trustedResolvers_.addresses())}});
    return Ok{};
}

std::vector<IpAddress> Daemon::currentTrustedResolvers() const
{
    constexpr std::size_t maxResolverFileBytes = 64 * 1024;
    std::vector<IpAddress> resolvers = config_.trustedResolvers;
    for (const auto& file : config_.resolverFiles) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec))
            continue; // e.g. no systemd-resolved: its upstream list is simply absent
        // Whoever can write this file decides whose answers name addresses: it must be root's alone.
        auto text = readTrustedFile(file, maxResolverFileBytes);
        if (!text) {
            log_.error("Failed to read a resolver file, trusting none of its nameservers",
                       {{"file", file}, {"error", text.error().describe()}});
            continue;
        }
        for (const auto& server : parseResolvConf(*text))
            resolvers.push_back(server);
    }
    return resolvers;
}

void Daemon::refreshTrustedResolvers()
{
    TrustedResolvers now(currentTrustedResolvers());
    if (now == trustedResolvers_)
        return;
    // The firewall first (so answers of a new resolver are observed before the kernel lets queries to it
    // through unmarked), then the kernel; the DNS path reads trustedResolvers_.
    if (auto updated = firewall_->setTrustedResolvers(now.addresses()); !updated) {
        log_.error("Failed to update the trusted resolvers, keeping the old ones",
                   {{"error", updated.error().describe()}});
        return;
    }
    if (auto stored = bpf_->setTrustedResolvers(now.addresses()); !stored)
        log_.error("Failed to store the trusted resolvers in the kernel", {{"error", stored.error().describe()}});
    trustedResolvers_ = std::move(now);
    log_.notice("Trusted resolvers changed", {{"trusted_resolvers", joinedAddresses(trustedResolvers_.addresses())}});
}

void Daemon::heartbeat()
{
    if (bpf_)
        if (auto beat = bpf_->heartbeat(); !beat)
            log_.error("Failed to refresh the kernel heartbeat", {{"error", beat.error().describe()}});
    loop_.addTimer(heartbeatInterval, [this] { heartbeat(); });
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
    if (!bus_) {
        prompts_.noAgent(request.id, Clock::now());
        return;
    }
    // Looked up only for a person to read: the index is built at the first prompt, never on the packet path.
    PromptRequest described = request;
    described.connection.package = packages_.lookup(request.connection.app);
    bus_->deliverPrompt(described);
}

} // namespace hostgate
