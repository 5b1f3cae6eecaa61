#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs COMMAND... next to a private systemd-journald: in a new mount namespace, a tmpfs over /run/systemd/journal
# (journald's sockets), /run/log/journal and /var/log/journal (its files), so nothing reaches a journal the machine
# may have and nothing is left behind. Fails, never skips, when journald does not come up.
# Usage: with_private_journald.sh COMMAND [ARGS...]   (root)
set -euo pipefail

if [ "${HOSTGATE_IN_PRIVATE_MOUNTS:-}" != 1 ]; then
  exec unshare --mount --propagation private env HOSTGATE_IN_PRIVATE_MOUNTS=1 "$0" "$@"
fi

journald=/lib/systemd/systemd-journald
if [ ! -x "$journald" ]; then
  echo "FAIL: $journald not found (install the Debian package 'systemd')" >&2
  exit 1
fi
# Directories missing on the machine are made for the mount point and removed again afterwards.
created=()
for dir in /run/systemd/journal /run/log/journal /var/log/journal; do
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    created+=("$dir")
  fi
  mount -t tmpfs -o mode=0755 tmpfs "$dir"
done

"$journald" &
journald_pid=$!
finish() {
  kill "$journald_pid" 2>/dev/null || true
  wait "$journald_pid" 2>/dev/null || true
  for dir in /run/systemd/journal /run/log/journal /var/log/journal; do umount "$dir" 2>/dev/null || true; done
  for dir in "${created[@]}"; do rmdir "$dir" 2>/dev/null || true; done
}
trap finish EXIT
for _ in $(seq 100); do
  [ -S /run/systemd/journal/socket ] && break
  sleep 0.05
done
if [ ! -S /run/systemd/journal/socket ]; then
  echo "FAIL: the private systemd-journald did not create /run/systemd/journal/socket" >&2
  exit 1
fi
"$@"
