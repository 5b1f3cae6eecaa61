// SPDX-License-Identifier: GPL-3.0-or-later
// BinaryDigests: SHA-256 and MD5 as an independent implementation (Qt's) computes them, cached by content identity.
#include "identity/binary_digest.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace hostgate;

class BinaryDigestTest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString writeFile(const QString& name, const QByteArray& content)
    {
        const QString path = dir_.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(content) != content.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

private slots:
    void digestsAreThoseOfTheContent_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("short") << QByteArray("#!/bin/sh\necho hello\n");
        // Over the read buffer (64 KiB), so the digest spans several reads.
        QByteArray big(200 * 1024 + 17, '\0');
        for (int i = 0; i < big.size(); ++i)
            big[i] = static_cast<char>(i * 31 % 251);
        QTest::newRow("several reads") << big;
    }
    void digestsAreThoseOfTheContent()
    {
        QFETCH(QByteArray, content);
        BinaryDigests digests;
        const auto result = digests.ofPath(writeFile(QStringLiteral("file"), content).toStdString());
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        QCOMPARE(QByteArray::fromStdString(result->sha256),
                 QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex());
        QCOMPARE(QByteArray::fromStdString(result->md5),
                 QCryptographicHash::hash(content, QCryptographicHash::Md5).toHex());
    }

    void unchangedFileIsReadOnceAChangedOneAgain()
    {
        BinaryDigests digests;
        const QString path = writeFile(QStringLiteral("cached"), "version 1");
        const auto first = digests.ofPath(path.toStdString());
        const auto again = digests.ofPath(path.toStdString());
        QVERIFY(first.ok() && again.ok());
        QCOMPARE(again->sha256, first->sha256);
        QCOMPARE(digests.filesRead(), std::uint64_t{1});

        writeFile(QStringLiteral("cached"), "version 2!");
        std::filesystem::last_write_time(path.toStdString(),
                                         std::filesystem::file_time_type::clock::now() + std::chrono::seconds(5));
        const auto changed = digests.ofPath(path.toStdString());
        QVERIFY(changed.ok());
        QCOMPARE(digests.filesRead(), std::uint64_t{2});
        QCOMPARE(QByteArray::fromStdString(changed->sha256),
                 QCryptographicHash::hash("version 2!", QCryptographicHash::Sha256).toHex());
    }

    void directoriesAndMissingFilesAreErrors()
    {
        BinaryDigests digests;
        const auto directory = digests.ofPath(dir_.path().toStdString());
        QVERIFY(!directory.ok());
        QVERIFY2(directory.error().message.find("not a regular file") != std::string::npos,
                 directory.error().message.c_str());
        const auto missing = digests.ofPath(dir_.filePath(QStringLiteral("absent")).toStdString());
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().message.starts_with("Failed to open"), missing.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(BinaryDigestTest)
#include "binary_digest_test.moc"
