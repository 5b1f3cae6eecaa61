#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's test command: installs dependencies, builds everything (and hostgated with ThreadSanitizer), fuzzes the DNS decoder, the
# rule-file parser, host patterns, the D-Bus record parsing, the proposal file and the encrypted DNS list briefly (30 s each),
# then runs every test (unit, kernel,
# end-to-end) with CTest. Must run as root (the kernel and end-to-end tests load BPF programs and create
# network namespaces; they fail, never skip, otherwise).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${HOSTGATE_BUILD_DIR:-$top/build}
fuzz_seconds=${HOSTGATE_FUZZ_SECONDS:-30}

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: must run as root (kernel and end-to-end tests need it)" >&2
  exit 1
fi

"$top/scripts/install-deps.sh"

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2
# The daemon once more with ThreadSanitizer (its DNS lane runs beside the main loop); only hostgated.
tsan_build=${HOSTGATE_TSAN_BUILD_DIR:-$top/build-tsan}
cmake -S "$top" -B "$tsan_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOSTGATE_TSAN=ON -DHOSTGATE_BUILD_BENCH=OFF
cmake --build "$tsan_build" -j2 --target hostgated

if [ "$fuzz_seconds" -gt 0 ]; then
  "$top/scripts/run-fuzz.sh" "$fuzz_seconds"
fi

# The DNS end-to-end tests against the ThreadSanitizer daemon: a data race stops it at once (halt_on_error) and
# the fixture fails any test whose daemon log holds a sanitizer report.
echo "test.sh: DNS end-to-end tests against the ThreadSanitizer build of hostgated ($tsan_build)"
HOSTGATE_TEST_HOSTGATED="$tsan_build/daemon/hostgated/hostgated" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir "$build" --output-on-failure -j1 --timeout 600 \
  -R '^e2e_daemon_(enforcement|protocols|integrity)$' --no-tests=error

# Last, so its summary closes the output. Unit tests run in parallel; kernel and end-to-end tests are
# RUN_SERIAL in their CTest properties.
ctest --test-dir "$build" --output-on-failure -j2 --timeout 600
