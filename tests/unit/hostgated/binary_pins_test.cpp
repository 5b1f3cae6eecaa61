// SPDX-License-Identifier: GPL-3.0-or-later
// BinaryPins: a pinned rule against the binary a process runs, with dpkg's md5sums deciding upgrades.
#include "hostgated/binary_pins.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace hostgate;

namespace {

QByteArray sha256Of(const QByteArray& content)
{
    return QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex();
}
QByteArray md5Of(const QByteArray& content)
{
    return QCryptographicHash::hash(content, QCryptographicHash::Md5).toHex();
}

} // namespace

class BinaryPinsTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString root_, dpkg_, proc_, binary_;

    void write(const QString& path, const QByteArray& content)
    {
        QDir().mkpath(QFileInfo(path).path());
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(content), content.size());
    }

    // A process 4242 that runs `binary_` (its /proc/4242/exe), and the Connection the daemon would see.
    Connection connectionOf(const QString& path)
    {
        struct stat status {};
        if (::stat(QFile::encodeName(path).constData(), &status) != 0)
            qFatal("cannot stat %s", qPrintable(path));
        QDir().mkpath(proc_ + QStringLiteral("/4242"));
        QFile::remove(proc_ + QStringLiteral("/4242/exe"));
        std::filesystem::create_symlink(path.toStdString(), (proc_ + QStringLiteral("/4242/exe")).toStdString());
        Connection connection;
        connection.pid = 4242;
        connection.app.path = QStringLiteral("/usr/bin/tool").toStdString();
        connection.app.inode = status.st_ino;
        connection.app.device = status.st_dev;
        return connection;
    }

    Decision allowedBy(const QByteArray& pinned)
    {
        Rule rule;
        rule.id = 7;
        rule.app = "/usr/bin/tool";
        rule.sha256 = pinned.toStdString();
        rule.action = Action::Allow;
        Decision decision;
        decision.verdict = Verdict::Allow;
        decision.rule = rule;
        decision.explanation = "rule #7: allow";
        return decision;
    }

private slots:
    void init()
    {
        QVERIFY(dir_.isValid());
        root_ = dir_.filePath(QStringLiteral("root"));
        dpkg_ = dir_.filePath(QStringLiteral("dpkg"));
        proc_ = dir_.filePath(QStringLiteral("proc"));
        binary_ = root_ + QStringLiteral("/usr/bin/tool");
        write(binary_, "tool version 1");
        write(
            dpkg_ + QStringLiteral("/status"),
            "Package: tool\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0-1\nDescription: a tool\n");
        write(dpkg_ + QStringLiteral("/info/tool.list"), "/usr/bin/tool\n");
        // dpkg installed version 2 of the tool (its md5sums say so).
        write(dpkg_ + QStringLiteral("/info/tool.md5sums"), md5Of("tool version 2") + "  usr/bin/tool\n");
    }

    void sameBinaryKeepsTheDecision()
    {
        Logger log(LogLevel::Debug);
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        BinaryPins pins(packages, BinaryChange::Deny, log, {}, proc_.toStdString());
        const Decision decision = pins.check(connectionOf(binary_), allowedBy(sha256Of("tool version 1")));
        QVERIFY(decision.verdict == Verdict::Allow);
        QCOMPARE(decision.explanation, std::string("rule #7: allow"));
    }

    void anotherBinaryIsDeniedNamingBothDigests()
    {
        Logger log(LogLevel::Debug);
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        BinaryPins pins(packages, BinaryChange::Deny, log, {}, proc_.toStdString());
        write(binary_, "tool patched by someone");
        const Decision decision = pins.check(connectionOf(binary_), allowedBy(sha256Of("tool version 1")));
        QVERIFY(decision.verdict == Verdict::Deny);
        QVERIFY(decision.rule && decision.rule->id == 7);
        const QString why = QString::fromStdString(decision.explanation);
        QVERIFY2(why.contains(QString::fromLatin1(sha256Of("tool version 1").left(12))), qPrintable(why));
        QVERIFY2(why.contains(QString::fromLatin1(sha256Of("tool patched by someone").left(12))), qPrintable(why));
        QVERIFY2(why.endsWith("denied (on_binary_change = deny)"), qPrintable(why));
    }

    void warnKeepsTheDecisionAndSaysWhy()
    {
        Logger log(LogLevel::Debug);
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        BinaryPins pins(packages, BinaryChange::Warn, log, {}, proc_.toStdString());
        write(binary_, "tool patched by someone");
        const Decision decision = pins.check(connectionOf(binary_), allowedBy(sha256Of("tool version 1")));
        QVERIFY(decision.verdict == Verdict::Allow);
        QVERIFY2(QString::fromStdString(decision.explanation).contains("warning: rule #7 pins /usr/bin/tool"),
                 decision.explanation.c_str());
    }

    void upgradeDpkgVerifiesMovesThePin()
    {
        Logger log(LogLevel::Debug);
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        std::vector<std::pair<RuleId, std::string>> repinned;
        BinaryPins pins(
            packages, BinaryChange::Deny, log,
            [&](RuleId id, const std::string& sha256) { repinned.emplace_back(id, sha256); }, proc_.toStdString());
        write(binary_, "tool version 2");
        const Decision decision = pins.check(connectionOf(binary_), allowedBy(sha256Of("tool version 1")));
        QVERIFY(decision.verdict == Verdict::Allow);
        QCOMPARE(repinned.size(), std::size_t{1});
        QCOMPARE(repinned.front().first, RuleId{7});
        QCOMPARE(QByteArray::fromStdString(repinned.front().second), sha256Of("tool version 2"));
    }

    void exitedProcessIsJudgedByTheFileIfItIsStillTheSameInode()
    {
        Logger log(LogLevel::Debug);
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        BinaryPins pins(packages, BinaryChange::Deny, log, {}, proc_.toStdString());
        Connection connection = connectionOf(binary_);
        connection.pid = 0; // gone
        connection.app.path = binary_.toStdString();
        QVERIFY(pins.check(connection, allowedBy(sha256Of("tool version 1"))).verdict == Verdict::Allow);
        connection.app.inode += 1; // the path now names another file: what ran cannot be read
        const Decision unknown = pins.check(connection, allowedBy(sha256Of("tool version 1")));
        QVERIFY(unknown.verdict == Verdict::Deny);
        QVERIFY2(unknown.explanation.find("can no longer be read") != std::string::npos, unknown.explanation.c_str());
    }

    void runningDigestIsWhatAPromptPins()
    {
        Logger log(LogLevel::Debug);
        PackageDatabase packages(dpkg_.toStdString(), root_.toStdString());
        BinaryPins pins(packages, BinaryChange::Deny, log, {}, proc_.toStdString());
        const auto digest = pins.runningDigest(connectionOf(binary_));
        QVERIFY(digest.ok());
        QCOMPARE(QByteArray::fromStdString(*digest), sha256Of("tool version 1"));
    }

    void cleanup()
    {
        QVERIFY(QDir(dir_.path()).removeRecursively());
        QVERIFY(QDir().mkpath(dir_.path()));
    }
};

QTEST_GUILESS_MAIN(BinaryPinsTest)
#include "binary_pins_test.moc"
