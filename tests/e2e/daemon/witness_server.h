// SPDX-License-Identifier: GPL-3.0-or-later
// witness.py's servers for the hostgated end-to-end tests: what reached a server, from its own log.
#pragma once

#include "harness/e2e_harness.h"
#include "util/result.h"

#include <QFile>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTest>

#include <chrono>
#include <optional>

#ifndef HOSTGATE_WITNESS_PATH
#error "HOSTGATE_WITNESS_PATH must name tests/e2e/daemon/witness.py"
#endif

namespace hostgate::e2e {

using namespace std::chrono_literals;

inline constexpr auto witnessBound = 5s;

inline QString witnessScript()
{
    return QStringLiteral(HOSTGATE_WITNESS_PATH);
}

inline QStringList witness(const QStringList& arguments)
{
    return QStringList{python3(), witnessScript()} + arguments;
}

inline QString fileText(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// A server of witness.py: TCP/UDP listeners and/or a raw ICMP socket, logging what reaches it.
class Witness {
public:
    // Word: a marker must stand alone ("attack-1" is not "attack-10"). Substring: for hex dumps of ICMP
    // payloads, where ping repeats its pattern back to back.
    enum class Matching { Word, Substring };

    Witness(const TestNetwork& network, const QString& name, Matching matching = Matching::Word)
        : network_(network), log_(network.scratchPath(QStringLiteral("witness-%1.log").arg(name))), matching_(matching)
    {}

    Result<void> start(const QStringList& listeners)
    {
        auto started =
            startBackground(Placement::in(network_), witness(QStringList{QStringLiteral("serve"), log_} + listeners),
                            log_ + QStringLiteral(".out"), log_ + QStringLiteral(".out"));
        if (!started) {
            return started.error();
        }
        process_.emplace(std::move(*started));
        [[maybe_unused]] const bool settled =
            QTest::qWaitFor([this] { return !process_->isRunning() || log().startsWith(QStringLiteral("ready\n")); },
                            static_cast<int>(std::chrono::milliseconds(witnessBound).count()));
        if (!log().startsWith(QStringLiteral("ready\n"))) {
            return harnessError(
                QStringLiteral("Failed to start the witness %1 (%2): %3")
                    .arg(listeners.join(QLatin1Char(' ')),
                         process_->isRunning() ? QStringLiteral("not ready within 5 s") : QStringLiteral("it exited"),
                         fileText(log_ + QStringLiteral(".out"))));
        }
        return Ok{};
    }

    QString log() const { return fileText(log_); }

    // Whether `marker` reached the witness.
    bool saw(const QString& marker) const
    {
        if (matching_ == Matching::Substring) {
            return log().contains(marker);
        }
        const QRegularExpression word(QRegularExpression::escape(marker) + QStringLiteral("(?![A-Za-z0-9-])"));
        return word.match(log()).hasMatch();
    }

    Result<void> waitFor(const QString& marker, std::chrono::milliseconds bound = witnessBound) const
    {
        if (QTest::qWaitFor([&] { return saw(marker); }, static_cast<int>(bound.count()))) {
            return Ok{};
        }
        return harnessError(QStringLiteral("'%1' never reached the witness within %2 ms; its log:\n%3\nits stderr:\n%4")
                                .arg(marker)
                                .arg(bound.count())
                                .arg(log(), fileText(log_ + QStringLiteral(".out"))));
    }

    int accepted() const { return static_cast<int>(log().count(QStringLiteral("tcp-accept "))); }

private:
    const TestNetwork& network_;
    QString log_;
    Matching matching_;
    std::optional<BackgroundProcess> process_;
};

// What reached `witness` that no canary or control accounts for: any of `attacks`, and (when `accepts` is
// given) TCP connections beyond that number. Empty when nothing leaked.
inline QString leaks(const Witness& server, const QStringList& attacks, std::optional<int> accepts = std::nullopt)
{
    QStringList arrived;
    for (const QString& marker : attacks) {
        if (server.saw(marker)) {
            arrived << marker;
        }
    }
    const int accepted = server.accepted();
    if (arrived.isEmpty() && (!accepts || accepted == *accepts)) {
        return {};
    }
    return QStringLiteral(
               "LEAK: the server got what the daemon must stop: attack markers [%1]; %2 TCP connections accepted where "
               "the canaries and controls account for %3. Server log:\n%4")
        .arg(arrived.join(QStringLiteral(", ")))
        .arg(accepted)
        .arg(accepts ? QString::number(*accepts) : QStringLiteral("any number"))
        .arg(server.log());
}

// Runs the canary and waits until its marker is in the witness's log: from then on, whatever the attack
// (made before it) sent would be there too.
inline Result<void> sendCanary(const Placement& from, const QStringList& argv, const Witness& server,
                               const QString& marker)
{
    const RunResult sent = run(from, argv, 10s);
    if (auto seen = server.waitFor(marker); !seen) {
        return harnessError(
            QStringLiteral("The canary did not arrive, so the absence of the attack would prove nothing.\n%1\n%2")
                .arg(sent.describe(), describe(seen.error())));
    }
    return Ok{};
}

} // namespace hostgate::e2e
