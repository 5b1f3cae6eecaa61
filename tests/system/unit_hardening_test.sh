#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks the configured systemd unit of hostgated: `systemd-analyze verify` accepts it and
# `systemd-analyze security --offline=yes` rates its exposure at most MAX (default 3.0). Fails, never skips,
# when systemd-analyze is missing (scripts/install-deps.sh installs the systemd package).
# Usage: unit_hardening_test.sh UNIT_FILE EXECUTABLE [MAX]
set -euo pipefail

unit=$1
executable=$2
max=${3:-3.0}

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "FAIL: systemd-analyze not found (install the Debian package 'systemd')" >&2
  exit 1
fi
if [ ! -f "$unit" ]; then
  echo "FAIL: no unit file at $unit" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify checks that ExecStart names an executable: point it at the one just built.
sed -e "s|^ExecStart=.*|ExecStart=$executable|" "$unit" > "$work/hostgated.service"

# --man=no: the unit's Documentation= names its man pages, which the package installs; a build tree has no
# installed man pages (scripts/test-package.sh verifies the installed unit with them).
if ! systemd-analyze verify --man=no "$work/hostgated.service" 2> "$work/verify.log"; then
  echo "FAIL: systemd-analyze verify rejects the unit:" >&2
  cat "$work/verify.log" >&2
  exit 1
fi
if [ -s "$work/verify.log" ]; then
  echo "FAIL: systemd-analyze verify warns about the unit:" >&2
  cat "$work/verify.log" >&2
  exit 1
fi

# Settings the daemon depends on: it reads every process's /proc, and needs no CAP_SYS_ADMIN.
for required in 'ProtectProc=default' 'ProcSubset=all' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'UMask=0077'; do
  if ! grep -qx "$required" "$unit"; then
    echo "FAIL: the unit lacks '$required'" >&2
    exit 1
  fi
done
if grep -E '^CapabilityBoundingSet=' "$unit" | grep -q 'CAP_SYS_ADMIN'; then
  echo "FAIL: the unit's bounding set grants CAP_SYS_ADMIN" >&2
  exit 1
fi

report=$(systemd-analyze security --offline=yes "$work/hostgated.service" 2>&1) || true
exposure=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' | tail -n 1)
if [ -z "$exposure" ]; then
  echo "FAIL: no exposure level in the output of systemd-analyze security:" >&2
  printf '%s\n' "$report" >&2
  exit 1
fi
echo "exposure of $unit: $exposure (limit $max)"
if ! awk -v e="$exposure" -v m="$max" 'BEGIN { exit !(e <= m) }'; then
  echo "FAIL: exposure $exposure is above $max; the findings:" >&2
  printf '%s\n' "$report" | grep '✗' >&2 || true
  exit 1
fi
