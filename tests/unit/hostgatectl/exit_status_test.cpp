// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's exit statuses: which D-Bus error names mean which status, and the one-line error message.
#include "exit_status.h"

#include <QTest>

using namespace hostgate::ctl;

Q_DECLARE_METATYPE(hostgate::ctl::ExitStatus)

class ExitStatusTest : public QObject {
    Q_OBJECT

private slots:
    void errorNamesMapToDocumentedStatuses_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<ExitStatus>("status");
        QTest::addColumn<int>("code");
        QTest::newRow("not authorized") << "org.hostgate.Firewall1.Error.NotAuthorized" << ExitStatus::NotAuthorized
                                        << 3;
        QTest::newRow("bus policy") << "org.freedesktop.DBus.Error.AccessDenied" << ExitStatus::NotAuthorized << 3;
        QTest::newRow("interaction needed")
            << "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" << ExitStatus::NotAuthorized << 3;
        QTest::newRow("no daemon") << "org.freedesktop.DBus.Error.ServiceUnknown" << ExitStatus::Unreachable << 4;
        QTest::newRow("name without owner")
            << "org.freedesktop.DBus.Error.NameHasNoOwner" << ExitStatus::Unreachable << 4;
        QTest::newRow("daemon vanished") << "org.freedesktop.DBus.Error.NoReply" << ExitStatus::Unreachable << 4;
        QTest::newRow("invalid rule") << "org.hostgate.Firewall1.Error.InvalidRule" << ExitStatus::Invalid << 5;
        QTest::newRow("invalid argument") << "org.hostgate.Firewall1.Error.InvalidArgument" << ExitStatus::Invalid << 5;
        QTest::newRow("read-only rule") << "org.hostgate.Firewall1.Error.ReadOnlyRule" << ExitStatus::Invalid << 5;
        QTest::newRow("no such rule") << "org.hostgate.Firewall1.Error.NoSuchRule" << ExitStatus::NoSuchRule << 6;
        QTest::newRow("limit exceeded") << "org.hostgate.Firewall1.Error.LimitExceeded" << ExitStatus::LimitExceeded
                                        << 7;
        QTest::newRow("failed") << "org.hostgate.Firewall1.Error.Failed" << ExitStatus::Failure << 1;
        QTest::newRow("broken rules file")
            << "org.hostgate.Firewall1.Error.RulesFileBroken" << ExitStatus::Failure << 1;
        QTest::newRow("unknown name") << "com.example.Error.Whatever" << ExitStatus::Failure << 1;
    }

    void errorNamesMapToDocumentedStatuses()
    {
        QFETCH(QString, name);
        QFETCH(ExitStatus, status);
        QFETCH(int, code);
        QCOMPARE(exitStatusForErrorName(name.toStdString()), status);
        QCOMPARE(toInt(status), code);
    }

    void errorLineNamesTheKindThenTheMessage()
    {
        QCOMPARE(errorLine(ExitStatus::NotAuthorized, "Not allowed to manage rules"),
                 std::string("hostgatectl: not authorized: Not allowed to manage rules"));
        QCOMPARE(errorLine(ExitStatus::NoSuchRule, "rule 9"),
                 std::string("hostgatectl: no such rule or proposal: rule 9"));
    }

    void helpDocumentsEveryStatus()
    {
        const std::string help(exitStatusHelp());
        for (const char* entry : {"0 ok", "1 other error", "2 usage error", "3 not authorized", "4 daemon not running",
                                  "5 invalid rule", "6 no such rule or proposal", "7 limit exceeded"}) {
            QVERIFY2(help.find(entry) != std::string::npos, entry);
        }
    }
};

QTEST_GUILESS_MAIN(ExitStatusTest)
#include "exit_status_test.moc"
