// SPDX-License-Identifier: GPL-3.0-or-later
// Daemon: the one object that owns and wires every stage — kernel capture, DNS, decisions, prompts,
// storage — around the event loop. No globals: everything it uses is created here and passed down.
#pragma once

#include "bus/bus_service.h"
#include "bus/firewall_control.h"
#include "capture/bpf_features.h"
#include "capture/bpf_firewall.h"
#include "capture/dns_reply_injector.h"
#include "capture/firewall_rules.h"
#include "capture/nfqueue.h"
#include "capture/sock_diag.h"
#include "decision/decision_engine.h"
#include "decision/encrypted_dns.h"
#include "dns/dns_cache.h"
#include "dns/dns_query_tracker.h"
#include "dns/trusted_resolvers.h"
#include "hostgated/attribution.h"
#include "hostgated/binary_pins.h"
#include "hostgated/decision_log.h"
#include "hostgated/decision_path.h"
#include "hostgated/dns_lane.h"
#include "hostgated/dns_path.h"
#include "hostgated/kernel_verdicts.h"
#include "hostgated/learning_proposals.h"
#include "hostgated/list_subscriptions.h"
#include "hostgated/rule_lifecycle.h"
#include "hostgated/scope_cgroups.h"
#include "hostgated/unverified_names.h"
#include "identity/package_db.h"
#include "prompt/prompt_broker.h"
#include "scope/scope_book.h"
#include "service/config.h"
#include "service/event_loop.h"
#include "service/file_watch.h"
#include "service/log.h"
#include "service/service_notifier.h"
#include "service/signals.h"
#include "store/event_log.h"
#include "util/unique_fd.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

class Daemon final : public FirewallControl {
public:
    // Loads rules, opens the queues, loads and attaches BPF, installs the firewall chains — in the order
    // that never leaves a queue rule without a reader. Fails with a clear error, leaving nothing behind.
    static Result<std::unique_ptr<Daemon>> create(const DaemonConfig& config, Logger& log);
    // hostgated --cleanup: removes the chains (in this network namespace) and the pinned BPF objects a daemon
    // that is not running left, exactly as its orderly stop would have.
    static Result<void> cleanup(const DaemonConfig& config, Logger& log);
    ~Daemon() override;

    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Runs until SIGTERM/SIGINT; SIGHUP or a change of a rule file reloads the rules. Sends the service manager
    // watchdog keep-alives from the loop (when it asked for them) and STOPPING=1 when the loop ends.
    Result<void> run(const ServiceNotifier& notifier);

    // FirewallControl (the D-Bus API's view of the daemon; daemon_control.cpp).
    FirewallStatus status() const override;
    std::vector<ListInfo> lists() const override;
    Result<void> refreshLists(const std::string& name) override;
    Result<void> setListEnabled(const std::string& name, bool enabled) override;
    Mode mode() const override;
    Result<void> setMode(Mode mode) override;
    std::vector<Rule> rules() const override;
    std::optional<Rule> rule(RuleId id) const override;
    Result<Rule> addRule(Rule rule) override;
    Result<void> updateRule(Rule rule) override;
    Result<void> removeRule(RuleId id) override;
    Result<void> setRuleEnabled(RuleId id, bool enabled) override;
    std::string exportRules() const override;
    Result<std::size_t> importRules(std::string_view toml, bool replace) override;
    std::vector<Proposal> proposals() const override;
    std::optional<Proposal> proposal(ProposalId id) const override;
    Result<Rule> acceptProposal(ProposalId id, Rule rule) override;
    Result<std::size_t> rejectProposals(const std::vector<ProposalId>& ids) override;
    std::string exportProposals(const std::vector<ProposalId>& ids) const override;
    Result<std::string> auditRules(TimePoint since) const override;
    Result<std::vector<ConnectionEvent>> recentConnections(std::size_t limit, const EventFilter& filter) const override;
    Result<std::vector<AppSummary>> apps() const override;
    Result<std::vector<TrafficFlow>> traffic(std::size_t limit) override;
    void promptDelivered(PromptId id, const std::string& agentBusName) override;
    void promptUndeliverable(PromptId id) override;
    Result<void> answerPrompt(PromptId id, const PromptAnswer& answer, std::uint32_t answeringUid) override;
    void agentGone(const std::string& agentBusName) override;
    // Scopes (daemon_scopes.cpp).
    Result<ScopeCreated> createRunScope(ScopeRequest request, std::uint32_t uid, const std::string& busName) override;
    Result<void> joinScope(ScopeId id, std::int32_t pid, std::uint32_t uid, std::int32_t callerPid,
                           const std::string& busName) override;
    Result<ScopeCreated> attachScope(std::string_view kind, std::string_view target, ScopeRequest request,
                                     std::uint32_t uid) override;
    Result<void> removeScope(ScopeId id) override;
    std::vector<Scope> scopes() const override;
    void clientGone(const std::string& busName) override;

private:
    Daemon(const DaemonConfig& config, Logger& log, EventLoop loop);

    Result<void> start();
    // An orderly stop (removeKernelState) takes the programs, pins and chains away; a failed start that took
    // over a predecessor's kernel state leaves it enforcing (fail-closed) instead.
    void shutdown(bool removeKernelState);
    Result<void> openKernel(const std::filesystem::path& cgroup);
    void refreshTrustedResolvers();
    // (Re)reads the DoH/DoT resolver list; a broken file keeps the list in force and is reported.
    void loadEncryptedDnsList();
    std::vector<IpAddress> currentTrustedResolvers() const;
    void heartbeat();
    // Rules or the mode changed: cached kernel verdicts may be wrong; remembers what they are now based on.
    void invalidateKernelVerdicts();
    // Tells the attributor the executables the rules name (for processes gone before /proc could be read).
    void rememberRuleExecutables();
    std::uint64_t policyFingerprint() const;
    // Denials the DNS lane reported, recorded here on the main thread (event log, bus signal).
    void onLaneDenials();
    void onLaneDenial(Connection connection, RuleId rule, std::string explanation, TimePoint at); // lane thread
    void onDecisionReadable();
    void onBpfEvents();
    void maintain();
    // One loop timer at the earliest deadline of something that expires: prompts, waiting flows (names
    // without DNS).
    struct DeadlineTimer {
        std::optional<TimerId> timer;
        std::optional<TimePoint> at;
    };
    void armPromptTimer();
    void armWaitTimer();
    // Keeps `deadline` at `next`; when it fires, `expire` runs and both timers are armed again (an expiry of one
    // can change the other's next deadline).
    void armDeadline(DeadlineTimer& deadline, std::optional<TimePoint> next, void (Daemon::*expire)(TimePoint));
    void expirePrompts(TimePoint now);
    void expireWaits(TimePoint now);
    void reloadRules();
    // The rules in force changed: what was derived from them (kernel verdicts, known executables) follows.
    void rulesEnforced();
    void startBus();
    void deliverPrompt(const PromptRequest& request);
    void notifyRulesChanged();
    // Saves the proposal book when it changed and announces a new count (daemon_learning.cpp).
    void learningTick();
    // Scopes (daemon_scopes.cpp): the decision for a connection of a process in a scope (nullopt: in none).
    std::optional<Decision> decideInScope(Connection& connection, TimePoint now);
    const Scope* scopeOfCgroup(std::uint64_t cgroupId);
    Result<std::vector<Rule>> scopeRules(ScopeRequest& request) const;
    Result<ScopeCreated> addScope(Scope scope, ScopeRequest request);
    // Ends a scope: a run's cgroup is removed once empty (until then the scope stays, `ending`).
    void endScope(ScopeId id);
    void forgetScope(ScopeId id);
    void syncScopesToKernel();
    // Ending scopes whose cgroup emptied, attached ones whose cgroup is gone (every maintenance pass).
    void maintainScopes();

    DaemonConfig config_;
    Logger& log_;
    EventLoop loop_;

    std::optional<EventLog> events_;
    // Before the engine, which records into its book in learning mode.
    LearningProposals learning_;
    DecisionEngine engine_;
    RuleLifecycle rules_; // after the engine it enforces through and the loop its exit watches use
    DnsCache dnsCache_;
    UnverifiedNames unverifiedNames_;
    TrustedResolvers trustedResolvers_;
    EncryptedDnsList encryptedDns_;
    PromptBroker prompts_;
    PackageDatabase packages_;         // what a prompt says about the app: its Debian package
    std::unique_ptr<BinaryPins> pins_; // rules pinned to a binary (sha256)

    std::optional<NfQueue> dnsQueue_;
    std::optional<NfQueue> decisionQueue_;
    std::optional<BpfFirewall> bpf_;
    std::optional<FirewallRules> firewall_;
    bool firewallInstalled_ = false;
    std::optional<SockDiag> sockDiag_;
    std::optional<SockDiag> dnsSockDiag_; // the DNS lane's own (a netlink socket serves one thread at a time)
    std::optional<DnsReplyInjector> injector_;

    std::unique_ptr<Attributor> attributor_;
    std::unique_ptr<KernelVerdicts> kernel_;
    std::chrono::steady_clock::time_point hitsSavedAt_ = std::chrono::steady_clock::now();
    // journald's native socket, when one listens (every decision becomes a structured entry).
    std::optional<JournalWriter> journal_;
    std::unique_ptr<DecisionLog> decisions_;
    FlowBook flows_; // the latest decision per app and destination, for the network monitor
    std::unique_ptr<DecisionPath> decisionPath_;
    std::unique_ptr<Attributor> dnsAttributor_;
    std::unique_ptr<DnsPath> dnsPath_;
    std::unique_ptr<DnsLane> dnsLane_;
    // Held by the main loop while it dispatches and by the DNS lane while it reads or writes the policy (see
    // DnsPath): the one piece of state shared between the two threads.
    std::mutex policyMutex_;
    struct LaneDenial {
        Connection connection;
        RuleId rule;
        std::string explanation;
        TimePoint at;
    };
    std::mutex laneDenialsMutex_;
    static constexpr std::size_t maxQueuedLaneDenials = 4096;
    std::vector<LaneDenial> laneDenials_;
    std::uint64_t droppedLaneDenials_ = 0;
    UniqueFd laneDenialsEvent_;
    std::uint64_t decisionQueueOverflows_ = 0;
    // The verdict map's fill for GetStatus, counted at most every 5 s (a walk of the whole map).
    mutable std::optional<std::pair<std::chrono::steady_clock::time_point, std::size_t>>
        verdictCount_; // eventfd the lane writes after queueing a denial

    std::optional<SignalSource> signals_;
    std::optional<FileWatcher> fileWatcher_;
    std::optional<FileWatcher> resolverWatcher_;
    // Subscribed lists (lists.d): their worker thread fetches; results are swapped into engine_ on the loop.
    std::unique_ptr<ListSubscriptions> lists_;
    bool shutDown_ = false;
    // The stop is a handover restart (a keep-kernel-state request was there at SIGTERM): leave the programs,
    // pins and chains enforcing for the next daemon to take over.
    bool handOverKernelState_ = false;
    DeadlineTimer promptTimer_;
    DeadlineTimer waitTimer_;
    std::optional<ConntrackMarks> conntrack_;

    ScopeBook scopes_;
    std::optional<ScopeCgroups> scopeCgroups_;
    std::map<std::uint64_t, ScopeId> scopeOfCgroup_; // cgroup id → scope (0: none), for scopes_.generation()
    std::uint64_t scopeCacheGeneration_ = 0;
    std::uint64_t nextRunCgroup_ = 1;

    KernelFeatures features_;
    TimePoint started_{};
    // Last: destroyed first, while everything it calls back into still exists.
    std::unique_ptr<BusService> bus_;
};

} // namespace hostgate
