// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of cgroup2 discovery from mountinfo and of the cgroup scope check.
#include "capture/cgroup.h"

#include <QtTest>

#include <QTemporaryDir>

using namespace hostgate;

namespace {

// This machine's layout: cgroup v1 controllers under a tmpfs, the v2 hierarchy beside them.
constexpr std::string_view kHybridMountInfo =
    "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 master:3 - cgroup2 cgroup2 rw,nsdelegate\n";

} // namespace

class CgroupTest : public QObject {
    Q_OBJECT

private slots:
    void cgroup2MountIsFoundBesideV1Mounts()
    {
        auto mount = findCgroup2MountIn(kHybridMountInfo);
        QVERIFY(mount.ok());
        QCOMPARE(mount->string(), std::string("/sys/fs/cgroup/unified"));
    }

    void unifiedHierarchyIsFoundAtItsOwnMountPoint()
    {
        auto mount = findCgroup2MountIn("26 22 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
        QVERIFY(mount.ok());
        QCOMPARE(mount->string(), std::string("/sys/fs/cgroup"));
    }

    void mountOfTheHierarchyRootWinsOverASubtreeMount()
    {
        auto mount = findCgroup2MountIn("50 30 0:37 /user.slice /srv/cg rw - cgroup2 cgroup2 rw\n"
                                        "51 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
        QVERIFY(mount.ok());
        QCOMPARE(mount->string(), std::string("/sys/fs/cgroup/unified"));
    }

    void onlyCgroupV1MountsIsAnError()
    {
        auto mount = findCgroup2MountIn("31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
        QVERIFY(!mount.ok());
        QVERIFY(mount.error().message.find("no cgroup2") != std::string::npos);
    }

    void escapedSpacesInMountPointsAreDecoded()
    {
        const auto entries = parseMountInfo("40 30 0:37 / /mnt/my\\040cgroups rw - cgroup2 cgroup2 rw\n");
        QCOMPARE(entries.size(), std::size_t{1});
        QCOMPARE(entries.front().mountPoint.string(), std::string("/mnt/my cgroups"));
        QCOMPARE(entries.front().fsType, std::string("cgroup2"));
    }

    void malformedLinesAreSkipped()
    {
        const auto entries = parseMountInfo("garbage\n\n40 30 0:37 / /a rw - cgroup2 cgroup2 rw");
        QCOMPARE(entries.size(), std::size_t{1});
        QCOMPARE(entries.front().mountPoint.string(), std::string("/a"));
    }

    void thisMachinesCgroup2RootIsAValidScope()
    {
        auto mount = findCgroup2Mount();
        QVERIFY2(mount.ok(), mount.ok() ? "" : mount.error().describe().c_str());
        auto valid = validateCgroupScope(*mount);
        QVERIFY2(valid.ok(), valid.ok() ? "" : valid.error().describe().c_str());
    }

    void directoryOutsideCgroup2IsNotAValidScope()
    {
        QTemporaryDir directory;
        QVERIFY(directory.isValid());
        auto valid = validateCgroupScope(directory.path().toStdString());
        QVERIFY(!valid.ok());
        QVERIFY(valid.error().message.find("not inside a cgroup2 hierarchy") != std::string::npos);
    }

    void missingDirectoryIsNotAValidScope()
    {
        auto valid = validateCgroupScope("/nonexistent/hostgate-test-cgroup");
        QVERIFY(!valid.ok());
        QVERIFY(valid.error().message.find("Failed to resolve cgroup scope") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(CgroupTest)
#include "cgroup_test.moc"
