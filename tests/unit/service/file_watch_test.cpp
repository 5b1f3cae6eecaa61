// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of FileWatcher: atomic saves and bursts yield one debounced callback naming the target.
#include "loop_helpers.h"
#include "service/file_watch.h"

#include <QtTest>

#include <QTemporaryDir>

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace hostgate;
using namespace std::chrono_literals;

namespace {

constexpr std::chrono::milliseconds kDebounce{40};

void writeFile(const std::filesystem::path& path, std::string_view text)
{
    std::ofstream(path) << text;
}

// What an atomic save does: write a temporary beside the file, then rename it over the file.
void saveAtomically(const std::filesystem::path& path, std::string_view text)
{
    const std::filesystem::path temporary = path.string() + ".tmp-save";
    writeFile(temporary, text);
    std::filesystem::rename(temporary, path);
}

struct Recorder {
    int calls = 0;
    std::vector<std::size_t> lastTargets;
    FileChangeHandler handler()
    {
        return [this](const std::vector<std::size_t>& targets) {
            ++calls;
            lastTargets = targets;
        };
    }
};

} // namespace

class FileWatchTest : public QObject {
    Q_OBJECT

private slots:
    void atomicRenameIntoTheDirectoryTriggersExactlyOneCallback()
    {
        QTemporaryDir directory;
        const std::filesystem::path rules = std::filesystem::path(directory.path().toStdString()) / "rules.toml";
        writeFile(rules, "version = 1\n");
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        Recorder recorder;
        auto watcher = FileWatcher::create(*loop, {WatchTarget::file(rules)}, recorder.handler(), kDebounce);
        QVERIFY2(watcher.ok(), watcher.ok() ? "" : watcher.error().describe().c_str());

        saveAtomically(rules, "version = 1\n# edited\n");

        QVERIFY(test::runUntil(*loop, [&] { return recorder.calls > 0; }));
        test::runFor(*loop, 5 * kDebounce);
        QCOMPARE(recorder.calls, 1);
        QCOMPARE(recorder.lastTargets, (std::vector<std::size_t>{0}));
    }

    void burstOfChangesCoalescesIntoOneCallback()
    {
        QTemporaryDir directory;
        const std::filesystem::path rulesDir(directory.path().toStdString());
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        Recorder recorder;
        auto watcher = FileWatcher::create(*loop, {WatchTarget::entriesWithSuffix(rulesDir, ".toml")},
                                           recorder.handler(), kDebounce);
        QVERIFY(watcher.ok());

        for (int i = 0; i < 10; ++i) {
            writeFile(rulesDir / fmt::format("{:02}-admin.toml", i), "version = 1\n");
        }
        std::filesystem::remove(rulesDir / "03-admin.toml");

        QVERIFY(test::runUntil(*loop, [&] { return recorder.calls > 0; }));
        test::runFor(*loop, 5 * kDebounce);
        QCOMPARE(recorder.calls, 1);
    }

    void editorTemporariesAndOtherNamesCauseNoCallback()
    {
        QTemporaryDir directory;
        const std::filesystem::path root(directory.path().toStdString());
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        Recorder recorder;
        auto watcher =
            FileWatcher::create(*loop, {WatchTarget::file(root / "rules.toml")}, recorder.handler(), kDebounce);
        QVERIFY(watcher.ok());

        writeFile(root / "rules.toml.tmp-save", "partial");
        writeFile(root / ".rules.toml.swp", "swap");
        writeFile(root / "notes.txt", "unrelated");

        test::runFor(*loop, 5 * kDebounce);
        QCOMPARE(recorder.calls, 0);
    }

    void callbackNamesOnlyTheTargetThatChanged()
    {
        QTemporaryDir adminDirectory;
        QTemporaryDir stateDirectory;
        const std::filesystem::path adminRules(adminDirectory.path().toStdString());
        const std::filesystem::path userRules =
            std::filesystem::path(stateDirectory.path().toStdString()) / "rules.toml";
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        Recorder recorder;
        auto watcher = FileWatcher::create(
            *loop, {WatchTarget::entriesWithSuffix(adminRules, ".toml"), WatchTarget::file(userRules)},
            recorder.handler(), kDebounce);
        QVERIFY(watcher.ok());

        saveAtomically(userRules, "version = 1\n");

        QVERIFY(test::runUntil(*loop, [&] { return recorder.calls > 0; }));
        QCOMPARE(recorder.lastTargets, (std::vector<std::size_t>{1}));
    }

    void deletingTheWatchedFileIsAChange()
    {
        QTemporaryDir directory;
        const std::filesystem::path rules = std::filesystem::path(directory.path().toStdString()) / "rules.toml";
        writeFile(rules, "version = 1\n");
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        Recorder recorder;
        auto watcher = FileWatcher::create(*loop, {WatchTarget::file(rules)}, recorder.handler(), kDebounce);
        QVERIFY(watcher.ok());

        std::filesystem::remove(rules);

        QVERIFY(test::runUntil(*loop, [&] { return recorder.calls > 0; }));
        QCOMPARE(recorder.calls, 1);
    }

    void missingDirectoryIsAnError()
    {
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        auto watcher = FileWatcher::create(*loop, {WatchTarget::file("/nonexistent/hostgate/rules.toml")},
                                           [](const std::vector<std::size_t>&) {});
        QVERIFY(!watcher.ok());
        QVERIFY(watcher.error().message.find("Failed to watch directory /nonexistent/hostgate") != std::string::npos);
    }

    void suffixTargetMatchesRuleFilesOnly_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("matches");
        QTest::newRow("rule file") << "10-browsers.toml" << true;
        QTest::newRow("vim swap") << ".10-browsers.toml.swp" << false;
        QTest::newRow("backup") << "10-browsers.toml~" << false;
        QTest::newRow("hidden temporary") << ".10-browsers.toml" << false;
        QTest::newRow("vim write test") << "4913" << false;
        QTest::newRow("bare suffix") << ".toml" << false;
    }

    void suffixTargetMatchesRuleFilesOnly()
    {
        QFETCH(QString, name);
        QFETCH(bool, matches);
        QCOMPARE(WatchTarget::entriesWithSuffix("/etc/hostgate/rules.d", ".toml").matches(name.toStdString()), matches);
    }

    void destroyedWatcherLeavesNothingOnTheLoop()
    {
        QTemporaryDir directory;
        auto loop = EventLoop::create();
        QVERIFY(loop.ok());
        {
            auto watcher = FileWatcher::create(
                *loop, {WatchTarget::file(std::filesystem::path(directory.path().toStdString()) / "rules.toml")},
                [](const std::vector<std::size_t>&) {}, kDebounce);
            QVERIFY(watcher.ok());
            QCOMPARE(loop->watchCount(), std::size_t{1});
        }
        QCOMPARE(loop->watchCount(), std::size_t{0});
        QCOMPARE(loop->timerCount(), std::size_t{0});
    }
};

QTEST_GUILESS_MAIN(FileWatchTest)
#include "file_watch_test.moc"
