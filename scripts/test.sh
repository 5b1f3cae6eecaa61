#!/usr/bin/env bash
# The README's test command: installs dependencies, builds everything, fuzzes the DNS decoder, the
# rule-file parser and the D-Bus record parsing briefly (30 s each), then runs every test (unit, kernel,
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

if [ "$fuzz_seconds" -gt 0 ]; then
  "$top/scripts/run-fuzz.sh" "$fuzz_seconds"
fi

# Last, so its summary closes the output. Unit tests run in parallel; kernel and end-to-end tests are
# RUN_SERIAL in their CTest properties.
ctest --test-dir "$build" --output-on-failure -j2 --timeout 600
