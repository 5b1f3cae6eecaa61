// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of process identity: executable, interpreter scripts, sandboxed app ids, parent pid.
#include "identity/process_info.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

using namespace hostgate;

class ProcessInfoTest : public QObject {
    Q_OBJECT

private:
    static void writeFile(const std::filesystem::path& path, std::string_view content)
    {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << content;
    }

private slots:
    void rootHasAUserNameAndThisProcessAnExecutable()
    {
        QCOMPARE(userNameOf(0), std::string("root"));
        QVERIFY(userNameOf(4'000'000'000u).empty());
        QVERIFY(executableOf(-1).empty());
        QCOMPARE(executableOf(getpid()), std::filesystem::read_symlink("/proc/self/exe").string());
    }

    void ownProcessIsIdentifiedByTheInodeOfItsExecutable()
    {
        const auto info = readProcessInfo(getpid());
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().describe().c_str());
        struct stat st {};
        QCOMPARE(::stat("/proc/self/exe", &st), 0);
        QCOMPARE(info->app.inode, static_cast<std::uint64_t>(st.st_ino));
        QCOMPARE(info->app.device, static_cast<std::uint64_t>(st.st_dev));
        QCOMPARE(info->app.path, std::filesystem::read_symlink("/proc/self/exe").string());
        QCOMPARE(info->parentPid, static_cast<std::int32_t>(getppid()));
        QCOMPARE(info->uid, static_cast<std::uint32_t>(getuid()));
        QVERIFY(info->commandLine.find("process_info_test") != std::string::npos);
        QVERIFY(!info->app.script.has_value());
    }

    void vanishedProcessIsAnErrorNotACrash()
    {
        QTemporaryDir proc;
        const auto info = readProcessInfo(4242, proc.path().toStdString());
        QVERIFY(!info.ok());
        QVERIFY(info.error().message.find("4242") != std::string::npos);
    }

    void deletedExecutableKeepsItsPathWithoutTheMarker()
    {
        QTemporaryDir proc;
        const std::filesystem::path base = proc.path().toStdString() + "/77";
        std::filesystem::create_directories(base);
        // The exe link points at a real file so stat() works; its name carries the kernel's marker.
        const auto binary = std::filesystem::path(proc.path().toStdString()) / "tool (deleted)";
        writeFile(binary, "x");
        std::filesystem::create_symlink(binary, base / "exe");
        writeFile(base / "status", "Name:\ttool\nUid:\t1000\t1000\t1000\t1000\n");
        writeFile(base / "cmdline", std::string("tool\0--flag\0", 12));
        writeFile(base / "stat", "77 (to ol) (x) S 12 77 77 0");
        const auto info = readProcessInfo(77, proc.path().toStdString());
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().describe().c_str());
        QCOMPARE(info->app.path, (std::filesystem::path(proc.path().toStdString()) / "tool").string());
        QCOMPARE(info->uid, 1000u);
        QCOMPARE(info->parentPid, 12);
        QCOMPARE(info->commandLine, std::string("tool --flag"));
    }

    void startTimeIsField22EvenWhenTheCommandNameHasSpacesAndParentheses()
    {
        QTemporaryDir proc;
        const std::filesystem::path base = proc.path().toStdString() + "/9";
        writeFile(base / "stat", "9 (we ird) (x) S 1 9 9 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 999 10");
        QCOMPARE(processStartTime(9, proc.path().toStdString()).value_or(0), std::uint64_t{123456});
    }

    void startTimeOfAMissingOrTruncatedProcessIsUnknown()
    {
        QTemporaryDir proc;
        QVERIFY(!processStartTime(10, proc.path().toStdString()).has_value());
        writeFile(std::filesystem::path(proc.path().toStdString()) / "11/stat", "11 (short) S 1 2 3");
        QVERIFY(!processStartTime(11, proc.path().toStdString()).has_value());
    }

    void cgroupIsTheV2LineOfAHybridHierarchy()
    {
        QTemporaryDir proc;
        const std::filesystem::path root(proc.path().toStdString());
        writeFile(root / "21/cgroup", "12:pids:/system.slice/docker-ab12.scope\n0::/system.slice/docker-ab12.scope\n"
                                      "1:name=systemd:/system.slice/docker-ab12.scope\n");
        QCOMPARE(processCgroup(21, root), std::string("/system.slice/docker-ab12.scope"));
        QCOMPARE(processCgroup(22, root), std::string()); // gone
    }

    void ownStartTimeIsStable()
    {
        const auto first = processStartTime(getpid());
        QVERIFY(first.has_value());
        QCOMPARE(processStartTime(getpid()), first);
    }

    void interpreterScriptIsTakenFromTheCommandLine_data()
    {
        QTest::addColumn<QString>("exe");
        QTest::addColumn<QStringList>("argv");
        QTest::addColumn<QString>("script");
        QTest::newRow("python relative") << "/usr/bin/python3.11" << QStringList{"python3", "sync.py"}
                                         << "/home/u/sync.py";
        QTest::newRow("python with options")
            << "/usr/bin/python3" << QStringList{"python3", "-u", "-W", "ignore", "/opt/a.py"} << "/opt/a.py";
        QTest::newRow("python module") << "/usr/bin/python3" << QStringList{"python3", "-m", "http.server"}
                                       << "-m http.server";
        QTest::newRow("python inline code") << "/usr/bin/python3" << QStringList{"python3", "-c", "print(1)"} << "";
        QTest::newRow("shell script") << "/usr/bin/bash" << QStringList{"bash", "./x/../run.sh"} << "/home/u/run.sh";
        QTest::newRow("interactive shell") << "/usr/bin/bash" << QStringList{"bash"} << "";
        QTest::newRow("not an interpreter") << "/usr/bin/curl" << QStringList{"curl", "http://x"} << "";
        QTest::newRow("node") << "/usr/bin/node" << QStringList{"node", "-r", "dotenv", "srv.js"} << "/home/u/srv.js";
    }

    void interpreterScriptIsTakenFromTheCommandLine()
    {
        QFETCH(QString, exe);
        QFETCH(QStringList, argv);
        QFETCH(QString, script);
        std::vector<std::string> args;
        for (const auto& arg : argv)
            args.push_back(arg.toStdString());
        const auto found = interpreterScript(exe.toStdString(), args, "/home/u");
        QCOMPARE(QString::fromStdString(found.value_or("")), script);
    }

    void flatpakAppIdComesFromFlatpakInfo()
    {
        QTemporaryDir proc;
        const std::filesystem::path base = proc.path().toStdString() + "/5";
        writeFile(base / "root/.flatpak-info",
                  "[Application]\nname=org.mozilla.firefox\nruntime=x\n[Instance]\nname=no\n");
        QCOMPARE(sandboxAppId(5, proc.path().toStdString()).value_or(""), std::string("flatpak:org.mozilla.firefox"));
    }

    void snapAppIdComesFromItsCgroup()
    {
        QTemporaryDir proc;
        const std::filesystem::path base = proc.path().toStdString() + "/6";
        writeFile(base / "cgroup", "0::/user.slice/user@1000.service/app.slice/snap.firefox.firefox-1234.scope\n");
        QCOMPARE(sandboxAppId(6, proc.path().toStdString()).value_or(""), std::string("snap:firefox"));
    }

    void appImageIdComesFromItsEnvironment()
    {
        QTemporaryDir proc;
        const std::filesystem::path base = proc.path().toStdString() + "/7";
        writeFile(base / "environ", std::string("HOME=/h\0APPIMAGE=/h/Apps/Tool.AppImage\0", 39));
        QCOMPARE(sandboxAppId(7, proc.path().toStdString()).value_or(""), std::string("appimage:Tool.AppImage"));
    }

    void systemUnitComesFromTheInnermostServiceOrScope_data()
    {
        QTest::addColumn<QString>("cgroup");
        QTest::addColumn<QString>("unit");
        QTest::newRow("system service") << "/system.slice/cups.service"
                                        << "unit:cups.service";
        QTest::newRow("container scope") << "/system.slice/docker-0123abcd.scope"
                                         << "unit:docker-0123abcd.scope";
        QTest::newRow("nested in a service") << "/system.slice/foo.service/worker.scope"
                                             << "unit:worker.scope";
        QTest::newRow("login session") << "/user.slice/user-1000.slice/session-2.scope"
                                       << "unit:session-2.scope";
        QTest::newRow("a user's own unit names nothing")
            << "/user.slice/user-1000.slice/user@1000.service/app.slice/cups.service"
            << "";
        QTest::newRow("no unit") << "/hostgate-test-1234"
                                 << "";
        QTest::newRow("root") << "/"
                              << "";
    }

    void systemUnitComesFromTheInnermostServiceOrScope()
    {
        QFETCH(QString, cgroup);
        QFETCH(QString, unit);
        QCOMPARE(QString::fromStdString(systemUnitOf(cgroup.toStdString()).value_or("")), unit);
    }

    void aProcessWithARootOfItsOwnIsMarkedSo()
    {
        QTemporaryDir proc;
        QTemporaryDir otherRoot;
        const std::filesystem::path base = proc.path().toStdString() + "/9";
        writeFile(base / "status", "Name:\tx\nUid:\t1000\t1000\t1000\t1000\n");
        writeFile(base / "cgroup", "0::/system.slice/foo.service\n");
        std::filesystem::create_symlink("/usr/bin/true", base / "exe");
        std::filesystem::create_directory_symlink(otherRoot.path().toStdString(), base / "root");
        auto info = readProcessInfo(9, proc.path().toStdString(), "/");
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().message.c_str());
        QVERIFY(info->app.ownRoot);
        QCOMPARE(info->app.unit.value_or(""), std::string("unit:foo.service"));

        std::filesystem::remove(base / "root");
        std::filesystem::create_directory_symlink("/", base / "root");
        info = readProcessInfo(9, proc.path().toStdString(), "/");
        QVERIFY(info.ok());
        QVERIFY(!info->app.ownRoot);
    }

    void ordinaryProcessHasNoSandboxId()
    {
        QTemporaryDir proc;
        const std::filesystem::path base = proc.path().toStdString() + "/8";
        writeFile(base / "cgroup", "0::/user.slice/session-2.scope\n");
        writeFile(base / "environ", std::string("HOME=/h\0", 8));
        QVERIFY(!sandboxAppId(8, proc.path().toStdString()).has_value());
    }
};

QTEST_GUILESS_MAIN(ProcessInfoTest)
#include "process_info_test.moc"
