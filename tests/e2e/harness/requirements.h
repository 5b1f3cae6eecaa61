// SPDX-License-Identifier: GPL-3.0-or-later
// Preconditions of end-to-end tests, which fail loudly (never skip) when the machine cannot run them.
#pragma once

#include <QStringList>

namespace hostgate::e2e {

// Tools the harness itself runs, plus the clients tests use most.
QStringList defaultRequiredTools();

// Records a test failure with a loud explanation unless running as root; returns whether we are root.
// Call from initTestCase(): a failure there stops the whole test case. Never skips.
bool requireRoot();

// Records a test failure naming every missing tool (searched in PATH, /usr/sbin and /sbin); returns
// whether all are present. Call from initTestCase().
bool requireTools(const QStringList& tools = defaultRequiredTools());

} // namespace hostgate::e2e
