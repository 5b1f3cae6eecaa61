// SPDX-License-Identifier: GPL-3.0-or-later
// Kernel test of feature probing: cgroup v2 discovery from mountinfo and the probes on this kernel.
#include "capture/bpf_features.h"
#include "capture/cgroup.h"

#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include <fstream>

using namespace hostgate;

class BpfFeaturesTest : public QObject {
    Q_OBJECT

private slots:
    void cgroup2MountIsFoundInMountinfo_data();
    void cgroup2MountIsFoundInMountinfo();
    void everyFeatureTheFirewallNeedsIsPresentOnThisKernel();
    void missingFeaturesAreExplained();
};

void BpfFeaturesTest::cgroup2MountIsFoundInMountinfo_data()
{
    QTest::addColumn<QString>("mountinfo");
    QTest::addColumn<QString>("expected"); // empty: none

    const QString cgroup1 = "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n";
    QTest::newRow("hybrid mode") << cgroup1 + "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
                                 << "/sys/fs/cgroup/unified";
    QTest::newRow("unified mode with optional fields")
        << "29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
        << "/sys/fs/cgroup";
    QTest::newRow("escaped space in the mount point") << "50 30 0:37 / /mnt/my\\040cgroups rw - cgroup2 none rw\n"
                                                      << "/mnt/my cgroups";
    QTest::newRow("root mount preferred over a sub-cgroup bind mount")
        << "51 30 0:37 /user.slice /srv/slice rw - cgroup2 cgroup2 rw\n"
           "52 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        << "/sys/fs/cgroup";
    QTest::newRow("cgroup v1 only") << cgroup1 << "";
    QTest::newRow("file system named like cgroup2 in the source field") << "60 30 0:40 / /data rw - ext4 cgroup2 rw\n"
                                                                        << "";
}

void BpfFeaturesTest::cgroup2MountIsFoundInMountinfo()
{
    QFETCH(QString, mountinfo);
    QFETCH(QString, expected);
    QTemporaryDir directory;
    const std::string path = directory.filePath("mountinfo").toStdString();
    std::ofstream(path) << mountinfo.toStdString();

    const auto found = findCgroup2Mount(path);
    if (expected.isEmpty()) {
        QVERIFY(!found.ok());
    } else {
        QVERIFY(found.ok());
        QCOMPARE(QString::fromStdString(found->string()), expected);
    }
}

void BpfFeaturesTest::everyFeatureTheFirewallNeedsIsPresentOnThisKernel()
{
    QVERIFY2(::geteuid() == 0, "the load probes need root (CAP_BPF, CAP_PERFMON)");
    const KernelFeatures features = probeKernelFeatures();
    QVERIFY(features.cgroup2Mount.has_value());
    QVERIFY(features.kernelBtf);
    QVERIFY(features.cgroupSockPrograms);
    QVERIFY(features.cgroupSockAddrPrograms);
    QVERIFY(features.currentTaskBtfHelper);
    QVERIFY(features.ringBuffer);
    QVERIFY(features.lruHash);
    QVERIFY(features.usable());
}

void BpfFeaturesTest::missingFeaturesAreExplained()
{
    KernelFeatures features;
    features.kernelBtf = true;
    features.cgroupSockPrograms = true;
    features.cgroupSockAddrPrograms = true;
    features.currentTaskBtfHelper = true;
    features.lruHash = true;
    const auto missing = features.missing();
    QCOMPARE(missing.size(), std::size_t{2});
    QVERIFY(missing[0].find("cgroup v2") != std::string::npos);
    QVERIFY(missing[1].find("ring buffer") != std::string::npos);
    QVERIFY(!features.usable());
}

QTEST_GUILESS_MAIN(BpfFeaturesTest)
#include "bpf_features_test.moc"
