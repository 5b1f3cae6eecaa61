#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the hostgate packages on a fresh Debian 12 root and checks what a user of them gets:
#   1. mmdebstrap makes a minimal bookworm root (plus systemd, for systemd-analyze) from the Debian archive
#      this machine uses (its apt sources that name bookworm);
#   2. apt resolves and downloads every dependency of ./hostgate_*.deb ./hostgate-gui_*.deb (nothing runs);
#   3. offline, in a private network, mount and PID namespace (so no maintainer script and no check can reach
#      this machine's firewall, cgroups or bpffs, whatever it does), apt installs them, then: hostgated
#      --check-config, hostgatectl --help, systemd-analyze verify of the installed unit, conffiles, owners and
#      modes, the unit enabled but no daemon started; apt purge leaves no file of hostgate behind;
#   4. the same install and removal with /run/systemd/system present (a chroot on a systemd host): systemctl
#      refuses to start or stop anything in a chroot, and the prerm's cleanup must not run there.
# The daemon is never started: in a chroot it would enforce on this machine's root cgroup.
# Usage: scripts/test-package.sh [DIR]   DIR holds hostgate_*.deb and hostgate-gui_*.deb; without it they are
#        built first (scripts/package.sh, into build-deb/). Needs root. Takes a few minutes (downloads).
#   HOSTGATE_TEST_SOURCES=FILE  apt sources for the new root (default: this machine's bookworm sources)
#   HOSTGATE_KEEP_ROOT=1        keep the root for inspection (its path is printed)
#   HOSTGATE_TEST_BASE_TAR=TAR  start from this tar of a root an earlier run made (HOSTGATE_SAVE_BASE_TAR=TAR
#                               saves one) instead of running mmdebstrap: for iterating on the packages only
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL: test-package.sh must run as root (mmdebstrap, chroot, namespaces)" >&2
  exit 1
fi
for tool in mmdebstrap unshare chroot; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool not found (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done

debs=${1:-}
if [ -z "$debs" ]; then
  "$top/scripts/package.sh"
  debs=$top/build-deb
fi
daemon_deb=$(ls "$debs"/hostgate_*.deb 2>/dev/null | head -n 1)
gui_deb=$(ls "$debs"/hostgate-gui_*.deb 2>/dev/null | head -n 1)
if [ -z "$daemon_deb" ] || [ -z "$gui_deb" ]; then
  echo "FAIL: no hostgate_*.deb and hostgate-gui_*.deb in $debs" >&2
  exit 1
fi

# The Debian archive this machine installs from: its sources files that name a bookworm suite (third-party
# repositories such as cloud-sdk-bookworm or nodistro do not).
sources=()
if [ -n "${HOSTGATE_TEST_SOURCES:-}" ]; then
  sources=("$HOSTGATE_TEST_SOURCES")
else
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    if grep -Eq '^[^#]*(^|[[:space:]])bookworm(-updates|-security)?([[:space:]]|$)' "$file"; then
      sources+=("$file")
    fi
  done
fi
if ((${#sources[@]} == 0)); then
  echo "FAIL: no apt sources naming bookworm in /etc/apt (set HOSTGATE_TEST_SOURCES)" >&2
  exit 1
fi

work=$(mktemp -d /tmp/hostgate-package-test.XXXXXX)
root=$work/root
cleanup() {
  # Only our own mounts (all inside the namespaces, which are gone with their processes); be sure anyway.
  if grep -q " $root/" /proc/self/mounts 2>/dev/null; then
    grep " $root/" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l || true
  fi
  if [ "${HOSTGATE_KEEP_ROOT:-0}" = 1 ]; then
    echo "test-package: root kept in $root"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

failures=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*" >&2; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}

if [ -n "${HOSTGATE_TEST_BASE_TAR:-}" ]; then
  echo "test-package: starting from $HOSTGATE_TEST_BASE_TAR (not a fresh mmdebstrap root)"
  mkdir -p "$root"
  tar -C "$root" --numeric-owner -xf "$HOSTGATE_TEST_BASE_TAR"
else
  echo "test-package: making a Debian 12 root in $root from ${sources[*]}"
  # systemd for systemd-analyze, man-db so that it can check the units' Documentation=man: references.
  mmdebstrap --variant=apt --include=systemd,man-db --skip=cleanup/apt/lists \
    --components=main bookworm "$root" "${sources[@]}" > "$work/mmdebstrap.log" 2>&1 || {
    cat "$work/mmdebstrap.log" >&2
    echo "FAIL: mmdebstrap" >&2
    exit 1
  }
  if [ -n "${HOSTGATE_SAVE_BASE_TAR:-}" ]; then
    tar -C "$root" --numeric-owner -cf "$HOSTGATE_SAVE_BASE_TAR" .
  fi
fi
mkdir -p "$root/tmp/debs"
cp "$daemon_deb" "$gui_deb" "$root/tmp/debs/"
daemon_in=/tmp/debs/$(basename "$daemon_deb")
gui_in=/tmp/debs/$(basename "$gui_deb")

# Downloading only: apt resolves every dependency from the archive, runs no maintainer script.
cp /etc/resolv.conf "$root/etc/resolv.conf"
if ! chroot "$root" apt-get install -y -q --download-only "$daemon_in" "$gui_in" > "$work/download.log" 2>&1; then
  cat "$work/download.log" >&2
  echo "FAIL: apt cannot resolve the packages' dependencies" >&2
  exit 1
fi
pass "apt resolves every dependency of $(basename "$daemon_deb") and $(basename "$gui_deb") from the archive"

# Runs a script inside the root, in new network, mount and PID namespaces: no network (apt must install from
# what it downloaded), no route to this machine's firewall (a fresh netns has no chains), no /sys (no cgroup
# and no bpffs to attach to or unpin), a /proc of its own. PID 1 of the namespace stays outside the chroot,
# so ischroot inside sees a chroot, as it would on a real machine.
in_root() { # in_root LOGFILE SCRIPT
  local log=$1 script=$2
  unshare --net --mount --pid --fork --propagation private sh -c '
    mount -t proc proc "$1/proc" || exit 90
    chroot "$1" /bin/sh -c "$2"
    status=$?
    umount "$1/proc"
    exit $status' in_root "$root" "$script" > "$log" 2>&1
}

echo "test-package: round 1: installing, checking and purging offline, without systemd"
# No network in there: what apt installs besides the two files must be what it downloaded above.
if in_root "$work/install.log" "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $daemon_in $gui_in"; then
  pass "apt install ./hostgate_*.deb ./hostgate-gui_*.deb"
else
  cat "$work/install.log" >&2
  echo "FAIL: apt install ./hostgate_*.deb ./hostgate-gui_*.deb (nothing else can be checked)" >&2
  exit 1
fi

# Every check reads the root from outside except those that need to run its programs.
run_in_root() { in_root "$work/run.log" "$1"; }
check "hostgated --check-config accepts the shipped configuration" \
  run_in_root "/usr/sbin/hostgated --check-config > /tmp/check-config.out"
check "hostgated --check-config prints the effective settings" \
  grep -q '^admin_rules_dir = "/etc/hostgate/rules.d"' "$root/tmp/check-config.out"
check "hostgatectl --help" run_in_root "/usr/bin/hostgatectl --help > /tmp/ctl-help.out"
check "hostgatectl --help lists its commands" grep -q 'connections' "$root/tmp/ctl-help.out"
check "hostgated --version" run_in_root "/usr/sbin/hostgated --version | grep -q '^hostgated '"
check "hostgate (tray) links against the Qt the archive has" \
  run_in_root "ldd /usr/bin/hostgate > /tmp/ldd.out && ! grep -q 'not found' /tmp/ldd.out"
if run_in_root "systemd-analyze verify /lib/systemd/system/hostgated.service"; then
  pass "systemd-analyze verify accepts the installed unit"
else
  cat "$work/run.log" >&2
  fail "systemd-analyze verify accepts the installed unit"
fi
if run_in_root "systemd-analyze verify /lib/systemd/system/hostgate-metrics.service"; then
  pass "systemd-analyze verify accepts hostgate-metrics.service"
else
  cat "$work/run.log" >&2
  fail "systemd-analyze verify accepts hostgate-metrics.service"
fi
check "hostgate-metrics.service is not enabled (opt-in)" \
  sh -c "! ls '$root'/etc/systemd/system/*.wants/hostgate-metrics.service >/dev/null 2>&1"
check "the unit is Type=notify with a watchdog" \
  sh -c "grep -qx 'Type=notify' '$root/lib/systemd/system/hostgated.service' && grep -q '^WatchdogSec=' '$root/lib/systemd/system/hostgated.service'"
check "the unit is enabled (multi-user.target.wants)" \
  test -L "$root/etc/systemd/system/multi-user.target.wants/hostgated.service"
# A started daemon would have its RuntimeDirectory and would log "hostgated started" (or fail loudly here,
# with no cgroup2 to attach to).
check "no daemon was started: no /run/hostgate, no daemon log in apt's output" \
  sh -c "! test -e '$root/run/hostgate' && ! grep -Eq 'hostgated started|Failed to start' '$work/install.log'"
check "the prerm cleanup never ran (it logs 'Firewall chains removed')" \
  sh -c "! grep -q 'Firewall chains removed' '$work/install.log'"

mode_is() { # mode_is PATH OWNER:GROUP MODE
  [ "$(stat -c '%U:%G %a' "$root$1")" = "$2 $3" ] || {
    echo "  $1 is $(stat -c '%U:%G %a' "$root$1"), expected $2 $3" >&2
    return 1
  }
}
check "/etc/hostgate/hostgated.toml root:root 644 (the daemon refuses a writable one)" \
  mode_is /etc/hostgate/hostgated.toml root:root 644
check "/etc/hostgate/rules.d root:root 755" mode_is /etc/hostgate/rules.d root:root 755
check "/var/lib/hostgate root:root 700" mode_is /var/lib/hostgate root:root 700
check "D-Bus policy root:root 644" mode_is /usr/share/dbus-1/system.d/org.hostgate.Firewall1.conf root:root 644
check "polkit actions root:root 644" mode_is /usr/share/polkit-1/actions/org.hostgate.policy root:root 644
check "polkit declares answer-system-prompts (system services' prompts need an admin)" \
  grep -q 'org.hostgate.answer-system-prompts' "$root/usr/share/polkit-1/actions/org.hostgate.policy"
for base in 50-apt 50-timesyncd 50-networkmanager 50-fwupd; do
  check "base policy $base.toml root:root 644" mode_is "/usr/share/hostgate/rules.d/$base.toml" root:root 644
done
check "hostgated root:root 755" mode_is /usr/sbin/hostgated root:root 755
check "hostgatectl root:root 755" mode_is /usr/bin/hostgatectl root:root 755
check "the autostart entry root:root 644" mode_is /etc/xdg/autostart/hostgate-tray.desktop root:root 644
for page in man8/hostgated.8 man1/hostgatectl.1 man1/hostgate.1 man5/hostgated.toml.5; do
  check "man page $page" test -s "$root/usr/share/man/$page.gz"
done
conffiles=$(chroot "$root" dpkg-query -W -f='${Conffiles}\n' hostgate hostgate-gui)
for conffile in /etc/hostgate/hostgated.toml /etc/xdg/autostart/hostgate-tray.desktop; do
  check "$conffile is a conffile" grep -q " $conffile " <<<"$conffiles"
done
etc_files=$(cd "$root" && chroot "$root" dpkg -L hostgate hostgate-gui | grep '^/etc/' | while read -r path; do
  [ -f "$root$path" ] && echo "$path"; done || true)
for path in $etc_files; do
  check "$path (in /etc) is a conffile" grep -q " $path " <<<"$conffiles"
done

# --cleanup with nothing to clean (as the prerm runs it), here in the private netns without bpffs: it succeeds
# and reports what it did, which is what the checks on the removal logs look for.
if run_in_root "/usr/sbin/hostgated --cleanup"; then
  pass "hostgated --cleanup succeeds when nothing is installed or pinned"
else
  cat "$work/run.log" >&2
  fail "hostgated --cleanup succeeds when nothing is installed or pinned"
fi
check "hostgated --cleanup says what it removed" grep -q 'Firewall chains removed' "$work/run.log"

echo hostgate-rules-of-an-earlier-run > "$root/var/lib/hostgate/rules.toml"
if in_root "$work/purge.log" "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q hostgate hostgate-gui"; then
  pass "apt purge hostgate hostgate-gui"
else
  cat "$work/purge.log" >&2
  fail "apt purge hostgate hostgate-gui"
fi
check "no hostgate package is left" sh -c "! chroot '$root' dpkg -l 'hostgate*' 2>/dev/null | grep -q '^[a-z][a-z] '"
# Files named after hostgate anywhere in the root, except /tmp (the .debs), /proc, and man-db's page cache
# (/var/cache/man: formatted when systemd-analyze checked the units' man: links; man-db's, cleaned by its cron).
leftovers() {
  find "$root" -xdev \( -path "$root/tmp" -o -path "$root/proc" -o -path "$root/var/cache/man" \) -prune \
    -o -iname '*hostgate*' -print
}
leftovers=$(leftovers)
if [ -z "$leftovers" ]; then
  pass "apt purge leaves no file named after hostgate (state, config, unit, enablement link, policy)"
else
  fail "apt purge leaves files behind: $leftovers"
fi

echo "test-package: round 2: a chroot that looks like a systemd host (/run/systemd/system exists)"
mkdir -p "$root/run/systemd/system"
if in_root "$work/install2.log" "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $daemon_in $gui_in"; then
  pass "apt install with /run/systemd/system present"
else
  cat "$work/install2.log" >&2
  fail "apt install with /run/systemd/system present"
fi
check "systemctl started nothing in the chroot" sh -c "! test -e '$root/run/hostgate'"
# An upgrade while "the service runs" (its runtime directory exists): the postinst asks the old daemon for a
# handover, debhelper's restart is refused in a chroot, and the unused request must not outlive the upgrade.
# A policy-rc.d (which deb-systemd-invoke asks before any action) records each request and whether the
# keep-kernel-state request exists at that moment, and refuses them all.
mkdir -p "$root/run/hostgate"
cat > "$root/usr/sbin/policy-rc.d" <<'POLICY'
#!/bin/sh
echo "$* request=$(test -e /run/hostgate/keep-kernel-state && echo present || echo absent)" >> /tmp/policy-rc.d.log
exit 101
POLICY
chmod 0755 "$root/usr/sbin/policy-rc.d"
if in_root "$work/upgrade2.log" "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall $daemon_in"; then
  pass "an upgrade (reinstall) runs the postinst's upgrade path"
else
  cat "$work/upgrade2.log" >&2
  fail "an upgrade (reinstall) runs the postinst's upgrade path"
fi
rm -f "$root/usr/sbin/policy-rc.d"
check "the upgrade asks for a restart (not stop + start) with the keep-kernel-state request in place" \
  grep -qx 'hostgated.service restart request=present' "$root/tmp/policy-rc.d.log"
check "the upgrade never stops the daemon" sh -c "! grep -q 'hostgated.service stop' '$root/tmp/policy-rc.d.log'"
check "the unused keep-kernel-state request is removed after the upgrade" \
  sh -c "! test -e '$root/run/hostgate/keep-kernel-state'"
rmdir "$root/run/hostgate"
if in_root "$work/remove2.log" "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q hostgate hostgate-gui"; then
  pass "apt purge with /run/systemd/system present"
else
  cat "$work/remove2.log" >&2
  fail "apt purge with /run/systemd/system present"
fi
check "ischroot in the root says it is a chroot (exit 0), which is what held the cleanup back" run_in_root "ischroot"
check "the prerm did not run hostgated --cleanup in a chroot (ischroot)" \
  sh -c "! grep -q 'Firewall chains removed' '$work/remove2.log'"
leftovers=$(leftovers)
if [ -z "$leftovers" ]; then
  pass "nothing of hostgate is left after the second purge"
else
  fail "the second purge leaves files behind: $leftovers"
fi

if ((failures > 0)); then
  echo "test-package: $failures check(s) failed (logs in $work; HOSTGATE_KEEP_ROOT=1 keeps them)" >&2
  exit 1
fi
echo "test-package: all checks passed"
