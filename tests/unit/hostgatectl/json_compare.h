// SPDX-License-Identifier: GPL-3.0-or-later
// QCOMPARE for nlohmann::json (Qt's qCompare overloads cannot take it): fails with both values printed.
#pragma once

#include <nlohmann/json.hpp>

#include <QTest>

#define HG_COMPARE_JSON(actual, expected)                                                                              \
    do {                                                                                                               \
        const nlohmann::json hgActual_ = (actual);                                                                     \
        const nlohmann::json hgExpected_ = (expected);                                                                 \
        QVERIFY2(hgActual_ == hgExpected_, qPrintable(QStringLiteral("actual %1\n   expected %2")                      \
                                                          .arg(QString::fromStdString(hgActual_.dump()),               \
                                                               QString::fromStdString(hgExpected_.dump()))));          \
    } while (false)
