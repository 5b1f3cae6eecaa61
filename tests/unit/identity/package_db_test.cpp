// SPDX-License-Identifier: GPL-3.0-or-later
// PackageDatabase against a dpkg database written by the test: ownership, merged /usr, state changes.
#include "identity/package_db.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace hostgate;

namespace {

const char* const statusText = R"(Package: curl
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 7.88.1-10+deb12u15
Description: command line tool for transferring data with URL syntax
 curl is a command line tool for transferring data with URL syntax, supporting
 DICT, FILE, FTP.

Package: bash
Status: hold ok installed
Architecture: amd64
Version: 5.2.15-2+b7
Description: GNU Bourne Again SHell

Package: libexample1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 1.0-1
Description: example library

Package: removed-tool
Status: deinstall ok config-files
Architecture: amd64
Version: 2.0-1
Description: gone, only its configuration is left
)";

void writeFile(const QString& path, const QByteArray& text)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(text), text.size());
}

} // namespace

class PackageDatabaseTest : public QObject {
    Q_OBJECT

private slots:
    void init()
    {
        QVERIFY(dir_.isValid());
        dpkg_ = dir_.filePath(QStringLiteral("dpkg"));
        root_ = dir_.filePath(QStringLiteral("root"));
        writeFile(dpkg_ + QStringLiteral("/status"), statusText);
        writeFile(dpkg_ + QStringLiteral("/info/curl.list"),
                  "/.\n/usr\n/usr/bin\n/usr/bin/curl\n/usr/share/doc/curl\n");
        writeFile(dpkg_ + QStringLiteral("/info/bash.list"), "/bin\n/bin/bash\n/usr/bin/bashbug\n");
        writeFile(dpkg_ + QStringLiteral("/info/libexample1:amd64.list"), "/usr/lib/x86_64-linux-gnu/example/helper\n");
        writeFile(dpkg_ + QStringLiteral("/info/removed-tool.list"), "/usr/bin/removed-tool\n");
        QDir().mkpath(root_ + QStringLiteral("/usr/bin"));
        std::filesystem::create_directory_symlink("usr/bin", (root_ + QStringLiteral("/bin")).toStdString());
    }

    void ownerOfAnExecutableWithVersionAndSummary()
    {
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        const auto curl = packages.lookupPath("/usr/bin/curl");
        QVERIFY(curl);
        QCOMPARE(curl->name, std::string("curl"));
        QCOMPARE(curl->architecture, std::string("amd64"));
        QCOMPARE(curl->version, std::string("7.88.1-10+deb12u15"));
        QCOMPARE(curl->summary, std::string("command line tool for transferring data with URL syntax"));
        QVERIFY(!packages.lookupPath("/usr/bin/curl2"));
        QVERIFY(!packages.lookupPath("/usr/local/bin/curl"));
    }

    void fileListedUnderAMergedDirectoryIsFoundUnderUsr()
    {
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        const auto viaUsr = packages.lookupPath("/usr/bin/bash");
        QVERIFY(viaUsr);
        QCOMPARE(viaUsr->name, std::string("bash"));
        QVERIFY(packages.lookupPath("/bin/bash"));
        // /sbin is no symlink in this root: nothing is invented under /usr/sbin.
        QVERIFY(!packages.lookupPath("/usr/sbin/bash"));
    }

    void multiArchListNameAndHeldPackagesCountRemovedOnesDoNot()
    {
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        const auto helper = packages.lookupPath("/usr/lib/x86_64-linux-gnu/example/helper");
        QVERIFY(helper);
        QCOMPARE(helper->name, std::string("libexample1"));
        QVERIFY(!packages.lookupPath("/usr/bin/removed-tool"));
    }

    void interpreterScriptIsDescribedByItsOwnPackage()
    {
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        AppIdentity app;
        app.path = "/usr/bin/bash";
        app.device = 1;
        app.inode = 2;
        app.script = "/usr/bin/bashbug";
        QCOMPARE(packages.lookup(app)->name, std::string("bash"));
        app.script = "/home/me/tool.sh";
        QVERIFY(!packages.lookup(app));
        app.script.reset();
        QCOMPARE(packages.lookup(app)->name, std::string("bash"));
    }

    void aChangedStatusFileIsReadAgain()
    {
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString(), std::chrono::seconds(0));
        QVERIFY(packages.lookupPath("/usr/bin/curl"));
        QByteArray upgraded(statusText);
        upgraded.replace("7.88.1-10+deb12u15", "8.0.0-1");
        writeFile(dpkg_ + QStringLiteral("/status"), upgraded);
        // A later modification time than the first file's, whatever the filesystem's timestamp granularity.
        std::filesystem::last_write_time((dpkg_ + QStringLiteral("/status")).toStdString(),
                                         std::filesystem::file_time_type::clock::now() + std::chrono::seconds(10));
        const auto curl = packages.lookupPath("/usr/bin/curl");
        QVERIFY(curl);
        QCOMPARE(curl->version, std::string("8.0.0-1"));
    }

    void noDpkgMeansNothingIsPackaged()
    {
        PackageDatabase packages((dir_.filePath(QStringLiteral("absent"))).toStdString(), root_.toStdString());
        QVERIFY(!packages.lookupPath("/usr/bin/curl"));
        QCOMPARE(packages.indexedPaths(), std::size_t{0});
    }

    void cleanup()
    {
        QVERIFY(QDir(dir_.path()).removeRecursively());
        QVERIFY(QDir().mkpath(dir_.path()));
    }

private:
    QTemporaryDir dir_;
    QString dpkg_;
    QString root_;
};

QTEST_GUILESS_MAIN(PackageDatabaseTest)
#include "package_db_test.moc"
