// SPDX-License-Identifier: GPL-3.0-or-later
// A throw-away network namespace with the test addresses, so clients and servers never touch the host.
#pragma once

#include "util/result.h"

#include <QList>
#include <QString>
#include <QTemporaryDir>

#include <sys/types.h>

namespace hostgate::e2e {

// Creates netns hg-<tag>-<pid> (deleting a same-named leftover first, and empty hg-<tag>-<deadpid> ones
// that killed runs of the same test left behind) with lo up and a
// veth pair hg0/hg1 whose both ends live in the namespace. hg0 carries 198.51.100.1/24 (client),
// 198.51.100.53/24 (DNS), 203.0.113.10-12/24 (web) and 2001:db8::1, ::10-12/64 (nodad, usable at once).
// There is no default route: anything outside the test ranges is unreachable.
//
// Every address is local to the namespace, so the kernel routes all traffic between them over `lo`, not
// hg0: a connection from a client to 203.0.113.10 passes iptables OUTPUT (out lo) and then INPUT (in lo)
// of this same namespace, and cgroup/skb egress hooks see it as ordinary egress. Firewall tests must
// match on addresses/ports, not on "-o hg0".
//
// The destructor kills every process still inside the namespace (all of them were started by the test,
// because nobody else knows its name), then deletes it.
class TestNetwork {
public:
    // `tag`: [a-z0-9-]{1,24}, names the test so leftovers are attributable.
    explicit TestNetwork(const QString& tag);
    ~TestNetwork();
    TestNetwork(const TestNetwork&) = delete;
    TestNetwork& operator=(const TestNetwork&) = delete;

    // Whether construction succeeded, and why not.
    const Result<void>& status() const { return status_; }

    const QString& name() const { return name_; }
    // /run/netns/<name>, for nsenter --net= and setns().
    QString namespacePath() const;

    // Adds "address/prefix" (test ranges only; IPv6 with nodad) to hg0, or to lo for loopback addresses.
    // Adding an address that is already present succeeds.
    Result<void> addAddress(const QString& cidr);
    // Addresses currently configured in the namespace, without prefix ("203.0.113.10", "2001:db8::10", ...).
    QStringList addresses() const;

    // A resolv.conf naming only `nameserver` (plus "options timeout:2 attempts:1" so failures are quick),
    // created on first use and kept as long as the network; see Placement::resolvConf.
    Result<QString> resolvConfFor(const QString& nameserver) const;

    // A private directory for logs and served files, removed with the network.
    QString scratchPath(const QString& fileName) const;

    // PIDs of all processes currently inside the namespace.
    QList<pid_t> pids() const;

private:
    Result<void> create(const QString& tag);

    QTemporaryDir scratch_;
    QString name_;
    bool created_ = false;
    Result<void> status_; // last: initialized by create(), which fills the members above
};

} // namespace hostgate::e2e
