// SPDX-License-Identifier: GPL-3.0-or-later
// FlowBook: the latest decision for each app and destination, so the network monitor can say which rule or
// default let a flow's traffic through (or refused it) long after the decision, also when the kernel decided
// the later connections from its cached verdict. Bounded: the least recently decided entries go first.
#pragma once

#include "decision/outcome.h"
#include "net/ip_address.h"
#include "rules/rule.h"
#include "util/time.h"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hostgate {

// Who reached what: the executable as the kernel keys it (device, inode), the user, the destination.
struct FlowBookKey {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t process = 0; // a shared executable (an interpreter): the process image (pid << 32 | exec id); else 0
    std::uint32_t uid = 0;
    IpAddress address;
    std::uint16_t port = 0;
    Protocol protocol = Protocol::Tcp;
    auto operator<=>(const FlowBookKey&) const = default;
};

struct FlowDecision {
    Outcome verdict = Outcome::Allowed;
    std::optional<RuleId> ruleId; // nullopt: the mode's default, or a prompt still open
    std::string app;              // the app as the connection log names it
    std::string script;           // an interpreter's script ("" none)
    std::string appId;            // a sandbox app id or systemd unit ("" none)
    std::string host;             // the name it was decided for; empty: none
    std::string explanation;
    std::string container; // the cgroup of a process in another network namespace; empty otherwise
    std::int32_t pid = 0;
    TimePoint at{};
};

class FlowBook {
public:
    static constexpr std::size_t defaultCapacity = 8192;
    explicit FlowBook(std::size_t capacity = defaultCapacity);

    // Replaces what was known for `key` (the newest decision is what the monitor shows).
    void record(const FlowBookKey& key, FlowDecision decision);
    // nullptr when nothing was recorded (or it was evicted).
    const FlowDecision* find(const FlowBookKey& key) const;
    // Decisions of this verdict at or after `since`, newest first, at most `limit`.
    std::vector<std::pair<FlowBookKey, FlowDecision>> recent(Outcome verdict, TimePoint since, std::size_t limit) const;

    std::size_t size() const { return entries_.size(); }
    std::size_t capacity() const { return capacity_; }

private:
    using Order = std::list<FlowBookKey>; // most recently recorded first
    struct Entry {
        FlowDecision decision;
        Order::iterator position;
    };
    std::size_t capacity_;
    Order order_;
    std::map<FlowBookKey, Entry> entries_;
};

} // namespace hostgate
