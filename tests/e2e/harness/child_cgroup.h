// SPDX-License-Identifier: GPL-3.0-or-later
// A child cgroup v2 for the processes under test, removed with everything in it when the test ends.
#pragma once

#include "util/result.h"

#include <QList>
#include <QString>

#include <sys/types.h>

namespace hostgate::e2e {

// Finds the cgroup2 mount point in /proc/self/mountinfo (on this VM: /sys/fs/cgroup/unified, hybrid mode).
Result<QString> findCgroup2Mount();

// Creates <cgroup2 mount>/hostgate-test-<tag>-<pid> (removing a same-named leftover first, and empty
// hostgate-test-<tag>-<deadpid> ones that killed runs of the same test left behind). The destructor kills every process still in it (all of them were started by the test) and
// removes the directory. path() is never the root cgroup: construction fails instead.
class ChildCgroup {
public:
    // `tag`: [a-z0-9-]{1,24}, names the test so leftovers are attributable.
    explicit ChildCgroup(const QString& tag);
    ~ChildCgroup();
    ChildCgroup(const ChildCgroup&) = delete;
    ChildCgroup& operator=(const ChildCgroup&) = delete;

    // Whether construction succeeded, and why not.
    const Result<void>& status() const { return status_; }

    // Absolute directory, e.g. /sys/fs/cgroup/unified/hostgate-test-dns-1234; empty if status() failed.
    const QString& path() const { return path_; }
    // The path relative to the cgroup2 mount as /proc/<pid>/cgroup shows it ("/hostgate-test-dns-1234").
    QString relativePath() const;
    const QString& mountPoint() const { return mount_; }

    // PIDs currently in cgroup.procs.
    QList<pid_t> procs() const;

    // Kills all members and waits (bounded) until the cgroup is unpopulated; the directory stays.
    Result<void> killAll() const;

private:
    Result<void> create(const QString& tag);
    Result<void> remove() const;

    QString mount_;
    QString path_;
    Result<void> status_; // last: initialized by create(), which fills the members above
};

} // namespace hostgate::e2e
