#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Rules at scale: daemon load time, RSS, AddRule/RemoveRule latency and listing every rule, at RULES rules against
# a BASELINE_RULES baseline in the same run.
#
# Usage (root): bench/rules_bench.sh [BUILD_DIR]     (default: $HOSTGATE_BUILD_DIR or ./build; use Release)
# Needs hostgated and hostgatectl built in BUILD_DIR, busctl, /usr/bin/time. Sizes (environment): RULES
# (default 100000), BASELINE_RULES (1000), CALLS (AddRule and RemoveRule calls timed per size, default 200).
#
# Rule mix (generated): 75 % admin rules in files of 5,000 under rules.d, 25 % user rules in rules.toml (the
# user file is bounded to 4 MiB and 50,000 lasting rules); 60 % exact names, 30 % "*.suffix", 10 % IPv6 networks; nine
# apps plus any-app rules; ports none / one / two / a range; both actions.
#
# Safety: hostgated runs in a network namespace this script creates, enforcing only on a child cgroup it
# creates (nothing runs in it), with --bpf-pin-dir "" (no pins), on a private dbus-daemon with its own socket
# in a temporary directory; everything is removed on exit. The caller is root, whom the daemon authorizes
# without polkit, so no polkitd is needed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${HOSTGATE_BUILD_DIR:-$top/build}}
rules=${RULES:-100000}
baseline=${BASELINE_RULES:-1000}
calls=${CALLS:-200}

daemon_bin=$build/daemon/hostgated/hostgated
ctl_bin=$build/cli/hostgatectl

die() { echo "rules_bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, cgroup, BPF)"
for bin in "$daemon_bin" "$ctl_bin"; do
  [ -x "$bin" ] || die "$bin is missing; build it: cmake -S $top -B $build -DCMAKE_BUILD_TYPE=Release &&" \
                       "cmake --build $build -j2 --target hostgated hostgatectl"
done
command -v busctl >/dev/null || die "busctl is missing (Debian package systemd)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
cgroup_root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cgroup_root" ] || die "no cgroup2 hierarchy is mounted"
(( rules >= 1000 && rules <= 125000 )) || die "RULES must be 1000..125000 (the user file holds at most 50,000)"

ns=hg-rbench-$$
cgroup=$cgroup_root/hostgate-bench-rules-$$
work=$(mktemp -d /tmp/hostgate-rules-bench.XXXXXX)
chmod 0700 "$work"
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  if [ -d "$cgroup" ]; then
    for pid in $(cat "$cgroup/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    rmdir "$cgroup" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log "$work"/*/*.log; do [ -f "$log" ] && { echo "--- $log (last lines)"; tail -n 20 "$log"; } >&2; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {
  local i
  for i in "${!pids[@]}"; do [ "${pids[$i]}" = "$1" ] && unset 'pids[i]'; done
  return 0
}

wait_for() { # $1 description, $2 seconds, $3.. command
  local description=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 20))); do "$@" && return 0; sleep 0.05; done
  die "timed out waiting for $description"
}

# --- a private system bus with the project's policy
mkdir -p "$work/bus/policy"
chmod 0755 "$work" "$work/bus"
cp "$top/dbus/org.hostgate.Firewall1.conf" "$work/bus/policy/"
cat >"$work/bus/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <pidfile>$work/bus/pid</pidfile>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$work/bus/system_bus_socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <includedir>$work/bus/policy</includedir>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus/system.conf" --nofork >"$work/bus/dbus.log" 2>&1 &
pids+=($!)
wait_for "the private bus" 10 test -S "$work/bus/system_bus_socket"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus/system_bus_socket"

mkdir "$cgroup"
ip netns add "$ns"
ip -n "$ns" link set lo up

# generate N DIR: admin files in DIR/rules.d, user rules in DIR/state/rules.toml.
generate() {
  python3 - "$1" "$2" <<'EOF'
import os, sys
total, root = int(sys.argv[1]), sys.argv[2]
admin = total * 3 // 4
apps = ["/usr/bin/curl", "/usr/bin/wget", "/usr/bin/python3.11", "/usr/lib/firefox-esr/firefox-esr",
        "/usr/lib/chromium/chromium", "/usr/bin/ssh", "/usr/bin/git", "/opt/tool/bin/tool", "/usr/sbin/ntpd"]
ports = [None, "443", "80,443", "8000-8100"]
def rule(i, with_id):
    lines = ["[[rule]]"]
    if with_id:
        lines.append(f"id = {with_id}")
    if i % 10 != 9:
        lines.append(f'app = "{apps[i % len(apps)]}"')
    kind = i % 10
    if kind < 6:
        host = f"h{i}.svc{i % 97}.example"
    elif kind < 9:
        host = f"*.d{i}.example"
    else:
        host = f"2001:db8:{i >> 16:x}:{i & 0xffff:x}::/64"
    lines.append(f'host = "{host}"')
    if ports[i % 4]:
        lines.append(f'ports = "{ports[i % 4]}"')
    if i % 3 == 0:
        lines.append('protocol = "tcp"')
    lines.append(f'action = "{"allow" if i % 2 else "deny"}"')
    return "\n".join(lines) + "\n"
os.makedirs(f"{root}/rules.d", mode=0o755)
os.makedirs(f"{root}/state", mode=0o700)
per_file = 5000
for first in range(0, admin, per_file):
    with open(f"{root}/rules.d/{first // per_file:03d}-bench.toml", "w") as f:
        f.write("version = 1\n\n" + "\n".join(rule(i, None) for i in range(first, min(first + per_file, admin))))
with open(f"{root}/state/rules.toml", "w") as f:
    f.write("version = 1\n\n" + "\n".join(rule(i, i - admin + 1) for i in range(admin, total)))
for dirpath, dirs, files in os.walk(root):
    for name in files:
        os.chmod(os.path.join(dirpath, name), 0o600)
EOF
}

# The AddRule / RemoveRule round trips, each call one busctl process timed on its own; GetMode through the same
# busctl is the baseline (process start and bus round trip without rule work). Prints p50/p99 in ms of
# AddRule, RemoveRule, GetMode.
time_calls() {
  local calls=$1 i start id ids=() add=() remove=() mode=()
  local call=(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call org.hostgate.Firewall1 /org/hostgate/Firewall1
              org.hostgate.Firewall1)
  for ((i = 0; i < calls; i++)); do
    start=$EPOCHREALTIME
    "${call[@]}" GetMode >/dev/null
    mode+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
    start=$EPOCHREALTIME
    id=$("${call[@]}" AddRule 'a{sv}' 5 app s /usr/bin/curl host s "added$i.bench.example" ports s 443 \
         protocol s tcp action s allow)
    add+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
    ids+=("${id#t }")
  done
  for id in "${ids[@]}"; do
    start=$EPOCHREALTIME
    "${call[@]}" RemoveRule t "$id" >/dev/null
    remove+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
  done
  percentiles() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    printf "%.2f %.2f ", v[int((NR - 1) * 0.5 + 1.5)], v[int((NR - 1) * 0.99 + 1.5)] }'; }
  percentiles "${add[@]}"; percentiles "${remove[@]}"; percentiles "${mode[@]}"; echo
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

declare -A result

run() { # $1 rules
  local n=$1 dir=$work/run-$1
  generate "$n" "$dir"
  local log=$dir/hostgated.log
  nsenter --net="/run/netns/$ns" "$daemon_bin" --cgroup "$cgroup" --bpf-pin-dir "" --admin-rules-dir "$dir/rules.d" \
    --user-rules "$dir/state/rules.toml" --state-dir "$dir/state" --default-action deny --mode enforce \
    >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_for "hostgated to start with $n rules" 60 grep -q 'D-Bus API ready' "$log"
  local load_ms
  load_ms=$(sed -n 's/.*Rules loaded.* ms=\([0-9.]*\).*/\1/p' "$log" | head -n1)
  [ -n "$load_ms" ] || die "no load time in $log"
  local rss_loaded
  rss_loaded=$(rss_kb "$pid")

  local timings
  timings=$(time_calls "$calls")

  # Every rule through the CLI (ListRulesPage, page after page), the daemon's RSS sampled meanwhile.
  local listed=$dir/list.out peak=$rss_loaded
  /usr/bin/time -f "%e %M" -o "$dir/list.time" "$ctl_bin" rules list >"$listed" 2>"$dir/list.err" &
  local list_pid=$!
  while kill -0 "$list_pid" 2>/dev/null; do
    local now; now=$(rss_kb "$pid"); (( now > peak )) && peak=$now
    sleep 0.05
  done
  wait "$list_pid" || die "hostgatectl rules list failed: $(cat "$dir/list.err")"
  local lines; lines=$(wc -l <"$listed")
  (( lines >= n )) || die "hostgatectl rules list printed $lines lines for $n rules"
  local list_s list_rss_kb
  read -r list_s list_rss_kb <"$dir/list.time"

  kill -TERM "$pid"
  wait "$pid" || die "hostgated exited with status $? on SIGTERM"
  forget_pid "$pid"
  read -r add50 add99 rem50 rem99 mode50 mode99 <<<"$timings"
  result[$n]="$load_ms $((rss_loaded / 1024)) $((peak / 1024)) $add50 $add99 $rem50 $rem99 $list_s $((list_rss_kb / 1024)) $mode50 $mode99"
}

run "$baseline"
run "$rules"

read -r bl_load bl_rss bl_peak bl_add50 bl_add99 bl_rem50 bl_rem99 bl_list bl_cli bl_mode50 bl_mode99 <<<"${result[$baseline]}"
read -r load rss peak add50 add99 rem50 rem99 list cli mode50 mode99 <<<"${result[$rules]}"
echo
echo "Rules at scale ($(nproc) CPUs; $calls AddRule, RemoveRule and GetMode calls per size, one busctl process each)"
echo
echo "| rules | load ms | RSS after load MB | RSS while listing MB | AddRule p50 / p99 ms | RemoveRule p50 / p99 ms | GetMode p50 / p99 ms (baseline) | list all (CLI) s | CLI max RSS MB |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf "| %d | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s | %s |\n" "$baseline" "$bl_load" "$bl_rss" "$bl_peak" "$bl_add50" \
  "$bl_add99" "$bl_rem50" "$bl_rem99" "$bl_mode50" "$bl_mode99" "$bl_list" "$bl_cli"
printf "| %d | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s | %s |\n" "$rules" "$load" "$rss" "$peak" "$add50" "$add99" \
  "$rem50" "$rem99" "$mode50" "$mode99" "$list" "$cli"
awk -v a="$load" -v b="$bl_load" -v c="$rss" -v d="$bl_rss" -v e="$add50" -v f="$bl_add50" -v g="$list" -v h="$bl_list" \
  -v n="$rules" -v m="$baseline" 'BEGIN {
    printf "| ratio %d / %d | %.1f | %.1f | | %.2f | | | %.1f | |\n", n, m, a / b, c / d, e / f, (h > 0 ? g / h : 0) }'
