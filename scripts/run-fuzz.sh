#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer targets with clang (DNS decoder, rule-file parser, host patterns, D-Bus record parsing, the
# proposal file, the encrypted DNS list, the subscribed-list parser) and fuzzes each
# for N seconds (arg 1, default 60); fails on a crash.
# Build dir: $HOSTGATE_FUZZ_BUILD_DIR (default <repo>/build-fuzz). Crash inputs are kept in <build>/fuzz-artifacts.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=${HOSTGATE_FUZZ_BUILD_DIR:-$top/build-fuzz}
jobs=${HOSTGATE_FUZZ_JOBS:-2}

case "$seconds" in
  ''|*[!0-9]*) echo "run-fuzz.sh: seconds must be a positive integer, got '$seconds'" >&2; exit 2 ;;
esac

CC=clang CXX=clang++ cmake -S "$top" -B "$build" -DHOSTGATE_FUZZ=ON -DHOSTGATE_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(dns_codec_fuzz:dns rule_file_fuzz:rules host_pattern_fuzz:hosts bus_record_fuzz:bus proposal_file_fuzz:proposals
         encrypted_dns_file_fuzz:encrypted-dns list_parser_fuzz:lists first_payload_fuzz:claims)
cmake --build "$build" -j"$jobs" --target dns_codec_fuzz rule_file_fuzz host_pattern_fuzz bus_record_fuzz proposal_file_fuzz \
  encrypted_dns_file_fuzz list_parser_fuzz first_payload_fuzz

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

# Each target gets the given number of seconds. libFuzzer adds what it finds to the corpus directory, so
# each fuzzes a copy: the checked-in seeds stay as they are.
for entry in "${targets[@]}"; do
  target=${entry%%:*}
  corpus=${entry#*:}
  cp -r "$top/tests/fuzz/corpus/$corpus" "$work/$corpus"
  status=0
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$work/$corpus" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "run-fuzz.sh: $target failed (exit $status); reproducer(s) in $artifacts" >&2
    exit "$status"
  fi
  echo "run-fuzz.sh: $target ran ${seconds}s without a crash"
done
