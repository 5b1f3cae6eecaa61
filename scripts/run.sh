#!/usr/bin/env bash
# The README's main-job command: installs dependencies, builds, installs and starts hostgated.
#   scripts/run.sh            on a Debian 12 desktop (systemd): installs and starts the hostgated service,
#                             enforcing on every process of the machine (cgroup2 root).
#   scripts/run.sh --sandbox  anywhere, safely: runs hostgated in a private network namespace scoped to a
#                             child cgroup, with a demo DNS server and web servers, and runs a demo (or the
#                             command given after --) inside it; removes everything on exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${HOSTGATE_BUILD_DIR:-$top/build}
mode=system
if [ "${1:-}" = "--sandbox" ]; then
  mode=sandbox
  shift
  [ "${1:-}" = "--" ] && shift
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: must run as root (hostgated loads BPF programs and owns firewall chains)" >&2
  exit 1
fi

"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2 --target hostgated

if [ "$mode" = system ]; then
  cmake --install "$build"
  install -d -m 0755 /etc/hostgate/rules.d
  install -d -m 0700 /var/lib/hostgate
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now hostgated.service
    systemctl --no-pager status hostgated.service || true
    echo "hostgated is running. Logs: journalctl -u hostgated -f"
  else
    echo "run.sh: no systemd; running hostgated in the foreground (Ctrl-C stops it and removes its rules)"
    exec /usr/local/sbin/hostgated
  fi
  exit 0
fi

exec "$top/scripts/sandbox.sh" "$build/daemon/hostgated/hostgated" "$@"
