#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's main-job command: installs dependencies, builds the Debian packages, installs them and starts
# hostgate — the daemon and, for the desktop user who ran it (through sudo), the tray application.
#   scripts/run.sh            on a Debian 12 desktop (systemd): builds hostgate and hostgate-gui
#                             (scripts/package.sh) and installs them with apt (daemon, hostgatectl, tray, D-Bus
#                             and polkit policy, systemd unit, desktop and autostart entries; `apt remove
#                             hostgate hostgate-gui` undoes it), so the package starts the hostgated service,
#                             enforcing on every process of the machine (cgroup2 root); then starts the tray in
#                             the desktop session of $SUDO_USER. Without systemd it starts a system bus and
#                             polkitd when none runs, then hostgated in the foreground (Ctrl-C stops it and
#                             removes its rules).
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

if [ "$mode" = sandbox ]; then
  cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOSTGATE_BUILD_BENCH=OFF
  cmake --build "$build" -j2 --target hostgated
  exec "$top/scripts/sandbox.sh" "$build/daemon/hostgated/hostgated" "$@"
fi

debs=${HOSTGATE_DEB_BUILD_DIR:-$top/build-deb}
HOSTGATE_DEB_BUILD_DIR=$debs "$top/scripts/package.sh"

# Earlier versions of this script installed with `cmake --install`: a unit in /usr/local/lib/systemd/system
# would shadow the package's, and a binary in /usr/local/sbin would be run instead of the package's. Remove
# exactly what that install's manifest lists and no package owns.
if [ -f "$build/install_manifest.txt" ]; then
  while IFS= read -r installed; do
    if [ -e "$installed" ] && ! dpkg -S "$installed" >/dev/null 2>&1; then
      echo "run.sh: removing $installed (left by an earlier cmake --install)"
      rm -f "$installed"
    fi
  done < "$build/install_manifest.txt"
  mv "$build/install_manifest.txt" "$build/install_manifest.txt.removed"
fi

# --reinstall: a rebuilt package of the same version still replaces the installed one (an upgrade for dpkg:
# the postinst restarts the daemon, handing the kernel state over). The postinst enables and starts the
# service where systemd runs.
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --reinstall "$(ls "$debs"/hostgate_*.deb)" "$(ls "$debs"/hostgate-gui_*.deb)"

# The tray runs as the desktop user, in that user's graphical session.
start_tray() {
  local user=${SUDO_USER:-}
  if [ -z "$user" ] || [ "$user" = root ]; then
    echo "run.sh: not started through sudo from a desktop user: start the tray yourself with 'hostgate'"
    echo "        (it also starts at every login: /etc/xdg/autostart/hostgate-tray.desktop)"
    return
  fi
  local uid display wayland runtime
  uid=$(id -u "$user")
  display=${DISPLAY:-}
  wayland=${WAYLAND_DISPLAY:-}
  runtime=/run/user/$uid
  if [ -z "$display" ] && [ -z "$wayland" ]; then
    echo "run.sh: no DISPLAY or WAYLAND_DISPLAY: the tray starts at $user's next graphical login"
    return
  fi
  runuser -u "$user" -- env DISPLAY="$display" WAYLAND_DISPLAY="$wayland" XDG_RUNTIME_DIR="$runtime" \
    DBUS_SESSION_BUS_ADDRESS="unix:path=$runtime/bus" setsid /usr/bin/hostgate >/dev/null 2>&1 &
  echo "run.sh: tray started for $user (pid $!)"
}

if [ -d /run/systemd/system ]; then
  # The package enabled and started it; started again in case an admin had stopped it before a reinstall.
  systemctl enable --now hostgated.service
  systemctl --no-pager status hostgated.service || true
  start_tray
  echo "hostgated is running. Logs: journalctl -u hostgated -f; CLI: hostgatectl status; undo: apt remove hostgate hostgate-gui"
  exit 0
fi

echo "run.sh: no systemd; starting what the service needs, then hostgated in the foreground"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
if [ ! -S /run/dbus/system_bus_socket ]; then
  install -d -m 0755 /run/dbus
  dbus-daemon --system --nofork --nopidfile &
  pids+=($!)
  for _ in $(seq 100); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.1; done
else
  dbus-send --system --type=method_call --dest=org.freedesktop.DBus / org.freedesktop.DBus.ReloadConfig || true
fi
if ! dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
  string:org.freedesktop.PolicyKit1 2>/dev/null | grep -q true; then
  /usr/lib/polkit-1/polkitd --no-debug &
  pids+=($!)
fi
/usr/sbin/hostgated &
daemon=$!
pids+=($daemon)
start_tray
wait "$daemon"
