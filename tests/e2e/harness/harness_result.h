// SPDX-License-Identifier: GPL-3.0-or-later
// Glue between the core's Result<T> and Qt Test: build errors from QStrings, fail a test on an error.
#pragma once

#include "util/result.h"

#include <QString>
#include <QTest>

namespace hostgate::e2e {

inline Error harnessError(const QString& message)
{
    return Error(message.toStdString());
}

inline QString describe(const Error& error)
{
    return QString::fromStdString(error.describe());
}

} // namespace hostgate::e2e

// Fails (and returns from) the current test function when `expression` yields a failed Result, printing
// the expression and the harness's explanation. Usable with Result<void> and Result<T>.
#define HG_E2E_VERIFY(expression)                                                                                      \
    do {                                                                                                               \
        const auto& hgE2eResult_ = (expression);                                                                       \
        if (!hgE2eResult_.ok()) {                                                                                      \
            QFAIL(qPrintable(QStringLiteral(#expression " failed: ") +                                                 \
                             ::hostgate::e2e::describe(hgE2eResult_.error())));                                        \
        }                                                                                                              \
    } while (false)
