// SPDX-License-Identifier: GPL-3.0-or-later
// Lets prompt tests compare the core's enums by name, so a failure says "allow" vs "deny".
#pragma once

#include "prompt/prompt_broker.h"

#include <QString>
#include <QTest>

// QCOMPARE cannot print these enums itself: its unqualified toString() call finds hostgate::toString()
// by argument-dependent lookup, which returns std::string_view instead of char*. Compare names instead.
template <class Enum>
QString nameOf(Enum value)
{
    const std::string_view name = hostgate::toString(value);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

namespace QTest {

template <>
inline char* toString(const hostgate::RuleOrigin& origin)
{
    return qstrdup(origin == hostgate::RuleOrigin::User ? "user" : "admin");
}

} // namespace QTest
