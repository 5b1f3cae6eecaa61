// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of atomic file replacement: all-or-nothing, and no temporary files left behind.
#include "store/atomic_file.h"

#include <QtTest>

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace hostgate;
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

std::vector<std::string> namesIn(const fs::path& directory)
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Tests run as root here, and root ignores directory permissions. Dropping CAP_DAC_OVERRIDE from this
// thread's effective set for the scope makes a read-only directory refuse writes as it would for the daemon
// under a hardened unit; it is restored (still in the permitted set) on exit.
class WithoutDacOverride {
public:
    WithoutDacOverride()
    {
        header_.version = _LINUX_CAPABILITY_VERSION_3;
        header_.pid = 0;
        if (syscall(SYS_capget, &header_, saved_) != 0)
            qFatal("capget failed");
        __user_cap_data_struct reduced[2] = {saved_[0], saved_[1]};
        reduced[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER));
        if (syscall(SYS_capset, &header_, reduced) != 0)
            qFatal("capset failed");
    }
    ~WithoutDacOverride() { syscall(SYS_capset, &header_, saved_); }
    WithoutDacOverride(const WithoutDacOverride&) = delete;
    WithoutDacOverride& operator=(const WithoutDacOverride&) = delete;

private:
    __user_cap_header_struct header_{};
    __user_cap_data_struct saved_[2]{};
};

} // namespace

class AtomicFileTest : public QObject {
    Q_OBJECT

private slots:
    void createsFileWithContentAndMode()
    {
        QTemporaryDir dir;
        fs::path target = fs::path(dir.path().toStdString()) / "rules.toml";
        QVERIFY(writeFileAtomically(target, "hello\n", 0600).ok());
        QCOMPARE(readFile(target), std::string("hello\n"));
        struct stat info {};
        QCOMPARE(::stat(target.c_str(), &info), 0);
        QCOMPARE(info.st_mode & 07777, 0600u);
    }

    void replacesExistingContentAndLeavesNoTemporaryFile()
    {
        QTemporaryDir dir;
        fs::path target = fs::path(dir.path().toStdString()) / "rules.toml";
        std::ofstream(target) << "old content that is longer than the new one\n";
        QVERIFY(writeFileAtomically(target, "new\n", 0644).ok());
        QCOMPARE(readFile(target), std::string("new\n"));
        QCOMPARE(namesIn(target.parent_path()), std::vector<std::string>{"rules.toml"});
    }

    void emptyContentIsWritten()
    {
        QTemporaryDir dir;
        fs::path target = fs::path(dir.path().toStdString()) / "empty";
        std::ofstream(target) << "old";
        QVERIFY(writeFileAtomically(target, "", 0600).ok());
        QCOMPARE(fs::file_size(target), std::uintmax_t{0});
    }

    void unwritableDirectoryKeepsOldContent()
    {
        QTemporaryDir dir;
        fs::path directory = dir.path().toStdString();
        fs::path target = directory / "rules.toml";
        std::ofstream(target) << "old\n";
        QCOMPARE(::chmod(directory.c_str(), 0555), 0);
        Result<void> written = [&] {
            WithoutDacOverride unprivileged;
            return writeFileAtomically(target, "new\n", 0600);
        }();
        QCOMPARE(::chmod(directory.c_str(), 0755), 0);

        QVERIFY(!written.ok());
        QVERIFY2(written.error().message.find("Failed to create temporary file") != std::string::npos,
                 written.error().message.c_str());
        QCOMPARE(readFile(target), std::string("old\n"));
        QCOMPARE(namesIn(directory), std::vector<std::string>{"rules.toml"});
    }

    void failedRenameKeepsTargetAndRemovesTemporaryFile()
    {
        QTemporaryDir dir;
        fs::path directory = dir.path().toStdString();
        fs::path target = directory / "rules.toml";
        fs::create_directory(target);
        std::ofstream(target / "inside") << "untouched";

        Result<void> written = writeFileAtomically(target, "new\n", 0600);
        QVERIFY(!written.ok());
        QVERIFY2(written.error().message.find("Failed to replace " + target.string()) != std::string::npos,
                 written.error().message.c_str());
        QVERIFY(fs::is_directory(target));
        QCOMPARE(readFile(target / "inside"), std::string("untouched"));
        QCOMPARE(namesIn(directory), std::vector<std::string>{"rules.toml"});
    }

    void missingDirectoryIsAnError()
    {
        QTemporaryDir dir;
        fs::path target = fs::path(dir.path().toStdString()) / "absent" / "rules.toml";
        Result<void> written = writeFileAtomically(target, "x", 0600);
        QVERIFY(!written.ok());
        QVERIFY(!fs::exists(target.parent_path()));
    }

    void leftoversOfAKilledWriteAreRemovedAndNothingElse()
    {
        QTemporaryDir dir;
        const fs::path base = dir.path().toStdString();
        const fs::path target = base / "rules.toml";
        for (const char* name : {".rules.toml.tmp-a1B2c3", ".rules.toml.tmp-ZZZZZZ", // ours: removed
                                 ".rules.toml.tmp-abc", ".rules.toml.tmp-abcdefg", ".other.toml.tmp-a1B2c3",
                                 "rules.toml", "rules.toml.tmp-a1B2c3", ".rules.toml.tmp-a1-2c3"})
            std::ofstream(base / name) << "x";
        fs::create_directory(base / ".rules.toml.tmp-dir123");
        fs::create_symlink(base / "rules.toml", base / ".rules.toml.tmp-link12");

        const auto removed = removeStaleTemporaryFiles(target);
        QVERIFY2(removed.ok(), removed.ok() ? "" : removed.error().describe().c_str());
        QCOMPARE(*removed, std::size_t{2});
        QCOMPARE(namesIn(base),
                 (std::vector<std::string>{".other.toml.tmp-a1B2c3", ".rules.toml.tmp-a1-2c3", ".rules.toml.tmp-abc",
                                           ".rules.toml.tmp-abcdefg", ".rules.toml.tmp-dir123",
                                           ".rules.toml.tmp-link12", "rules.toml", "rules.toml.tmp-a1B2c3"}));
    }

    void cleaningAMissingDirectoryRemovesNothing()
    {
        QTemporaryDir dir;
        const auto removed = removeStaleTemporaryFiles(fs::path(dir.path().toStdString()) / "absent" / "rules.toml");
        QVERIFY(removed.ok());
        QCOMPARE(*removed, std::size_t{0});
    }
};

QTEST_GUILESS_MAIN(AtomicFileTest)
#include "atomic_file_test.moc"
