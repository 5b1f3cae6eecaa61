// SPDX-License-Identifier: GPL-3.0-or-later
// Includes ldns for C++ code: without this, ldns/common.h #defines `true`, `false` and `bool` in C++.
#pragma once

// GCC's <stdbool.h> in C++ only sets __bool_true_false_are_defined, which makes ldns skip its C89 fallback
// (`#define true 1` would otherwise turn `true` into an int in every file that includes ldns).
#include <stdbool.h>

#include <ldns/ldns.h>
