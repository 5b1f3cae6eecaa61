#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Bulk-transfer benchmark: TCP and UDP throughput through an allowed flow, with and without hostgate.
#
# Usage (root): bench/throughput_bench.sh [BUILD_DIR]   (default: $HOSTGATE_BUILD_DIR or ./build; use Release)
# Needs hostgated built in BUILD_DIR and iperf3 (scripts/install-deps.sh installs it). Sizes (environment):
# ROUNDS interleaved rounds of SECONDS per transfer (default 6 x 4 s), UDP_RATE for the UDP runs (default 2G:
# iperf3 -b, as fast as the sender can; loss is reported).
#
# Three network namespaces this script creates, each with a veth pair (iperf3 server on 203.0.113.10 outside the
# child cgroup, client inside it): "base" with no firewall, "ct" with only connection tracking on (one
# conntrack rule, as ufw/firewalld have), "hg" with hostgated enforcing on the child cgroup,
# default deny, one admin rule allowing iperf3 to 203.0.113.10, and "hgna": the same with traffic_accounting = false
# (a second hostgated on a child cgroup of its own), so (hg)/(hgna) is what the network monitor's per-packet
# counting costs. Every packet of the measured flows passes
# hostgate's chains (they need conntrack, as on any desktop with ufw/firewalld), and connect()/sendmsg() the
# BPF programs; only the first packet of each flow reaches the daemon. Rounds alternate base/hg so drift hits
# both alike. The host's namespace and root cgroup are never touched.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${HOSTGATE_BUILD_DIR:-$top/build}}
rounds=${ROUNDS:-6}
seconds=${SECONDS_PER_RUN:-4}
udp_rate=${UDP_RATE:-2G}
daemon_bin=$build/daemon/hostgated/hostgated
iperf=$(command -v iperf3 || true)

die() { echo "throughput_bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, cgroups, BPF)"
[ -x "$daemon_bin" ] || die "$daemon_bin is missing; build it (Release): cmake --build $build --target hostgated"
[ -n "$iperf" ] || die "iperf3 is not installed (scripts/install-deps.sh)"
(( rounds >= 1 && rounds <= 50 && seconds >= 1 && seconds <= 30 )) || die "ROUNDS 1..50, SECONDS_PER_RUN 1..30"
cgroup_root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cgroup_root" ] || die "no cgroup2 hierarchy is mounted"

ns_base=hg-tbench-$$-base
ns_hostgate=hg-tbench-$$-hg
ns_conntrack=hg-tbench-$$-ct
ns_quiet=hg-tbench-$$-hgna
cgroup=$cgroup_root/hostgate-bench-throughput-$$
cgroup_quiet=$cgroup_root/hostgate-bench-throughput-$$-hgna # the second daemon's, without traffic accounting
cgroup_base=$cgroup_root/hostgate-bench-throughput-$$-base # the baseline's: no programs judge it
work=$(mktemp -d /tmp/hostgate-throughput-bench.XXXXXX)
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$ns_base" 2>/dev/null || true
  ip netns del "$ns_hostgate" 2>/dev/null || true
  ip netns del "$ns_conntrack" 2>/dev/null || true
  ip netns del "$ns_quiet" 2>/dev/null || true
  for group in "$cgroup" "$cgroup_base" "$cgroup_quiet"; do
    [ -d "$group" ] || continue
    for pid in $(cat "$group/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    rmdir "$group" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; } >&2; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_netns() {
  ip netns add "$1"
  ip -n "$1" link set lo up
  ip -n "$1" link add hg0 type veth peer name hg1
  ip -n "$1" link set hg0 up
  ip -n "$1" link set hg1 up
  ip -n "$1" addr add 198.51.100.1/24 dev hg0
  ip -n "$1" addr add 203.0.113.10/24 dev hg0
}

wait_for() { # $1 description, $2.. command; up to 10 s
  local description=$1; shift
  for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done
  die "timed out waiting for $description"
}

start_server() { # iperf3 server in netns $1, outside the child cgroup
  nsenter --net="/run/netns/$1" "$iperf" --server --bind 203.0.113.10 --port 5201 >"$work/server-$1.log" 2>&1 &
  pids+=($!)
  wait_for "iperf3 in $1" sh -c "nsenter --net=/run/netns/$1 ss -ltn | grep -q 203.0.113.10:5201"
}

# One transfer in netns $1 (hg: inside hostgate's child cgroup; base: in the baseline's); $2 tcp|udp. Prints bits/s received by the server.
transfer() {
  local ns=$1 kind=$2 extra=() group=$cgroup_base
  [ "$kind" = udp ] && extra=(--udp --bitrate "$udp_rate" --length 1400)
  [ "$ns" = "$ns_hostgate" ] && group=$cgroup
  [ "$ns" = "$ns_quiet" ] && group=$cgroup_quiet
  sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$group" \
    nsenter --net="/run/netns/$ns" "$iperf" --client 203.0.113.10 --port 5201 --time "$seconds" --json "${extra[@]}" \
    >"$work/run.json" 2>>"$work/client.log"
  python3 - "$work/run.json" "$kind" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
end = result["end"]
if sys.argv[2] == "tcp":
    print(f'{end["sum_received"]["bits_per_second"]:.0f} 0')
else:
    s = end["sum"]
    received = s["bits_per_second"] * (1 - s.get("lost_percent", 0) / 100)
    print(f'{received:.0f} {s.get("lost_percent", 0):.2f}')
PY
}

mkdir "$cgroup" "$cgroup_base" "$cgroup_quiet"
make_netns "$ns_base"
make_netns "$ns_hostgate"
start_server "$ns_base"
start_server "$ns_hostgate"
# A second baseline with connection tracking on, as on any desktop whose firewall (ufw, firewalld, Docker)
# tracks connections: hostgate's chains need conntrack, so (hg)/(ct) is what hostgate adds there.
make_netns "$ns_conntrack"
start_server "$ns_conntrack"
nsenter --net="/run/netns/$ns_conntrack" iptables-nft -A OUTPUT -m conntrack --ctstate INVALID -j DROP

mkdir -p "$work/rules.d" "$work/state"
cat >"$work/rules.d/10-bench.toml" <<RULES
[[rule]]
app = "$(readlink -f "$iperf")"
host = "203.0.113.10"
ports = "5201"
action = "allow"
note = "throughput_bench.sh"
RULES
nsenter --net="/run/netns/$ns_hostgate" "$daemon_bin" --cgroup "$cgroup" --bpf-pin-dir "" --resolver-files "" \
  --admin-rules-dir "$work/rules.d" --user-rules "$work/state/rules.toml" --state-dir "$work/state" \
  --default-action deny --no-bus >"$work/hostgated.log" 2>&1 &
hostgated_pid=$!
pids+=("$hostgated_pid")
wait_for "hostgated to start" grep -q 'hostgated started' "$work/hostgated.log"
make_netns "$ns_quiet"
start_server "$ns_quiet"
mkdir -p "$work/state-quiet"
printf 'traffic_accounting = false\n' >"$work/quiet.toml"
nsenter --net="/run/netns/$ns_quiet" "$daemon_bin" --config "$work/quiet.toml" --cgroup "$cgroup_quiet" --bpf-pin-dir "" \
  --resolver-files "" --admin-rules-dir "$work/rules.d" --user-rules "$work/state-quiet/rules.toml" \
  --state-dir "$work/state-quiet" --default-action deny --no-bus >"$work/hostgated-quiet.log" 2>&1 &
pids+=($!)
wait_for "the second hostgated to start" grep -q 'hostgated started' "$work/hostgated-quiet.log"

echo "throughput_bench: $rounds interleaved rounds of ${seconds} s per transfer, UDP at $udp_rate" >&2
declare -A sum
for kind in tcp udp; do
  for key in base ct hg hgna; do sum[$kind.$key]=0; done
  transfer "$ns_base" "$kind" >/dev/null   # warm-up, and hg's first flow teaches the kernel its verdict
  transfer "$ns_conntrack" "$kind" >/dev/null
  transfer "$ns_hostgate" "$kind" >/dev/null
  transfer "$ns_quiet" "$kind" >/dev/null
  for ((round = 1; round <= rounds; round++)); do
    order=(base ct hg hgna); ((round % 2)) || order=(hgna hg ct base)
    for key in "${order[@]}"; do
      ns=$ns_base; [ "$key" = hg ] && ns=$ns_hostgate; [ "$key" = ct ] && ns=$ns_conntrack; [ "$key" = hgna ] && ns=$ns_quiet
      read -r bps loss < <(transfer "$ns" "$kind")
      echo "  $kind $key round $round: $(awk -v b="$bps" 'BEGIN { printf "%.2f", b / 1e9 }') Gbit/s (loss $loss %)" >&2
      sum[$kind.$key]=$(awk -v s="${sum[$kind.$key]}" -v b="$bps" 'BEGIN { printf "%.0f", s + b }')
    done
  done
done
grep -q "Connection denied" "$work/hostgated.log" "$work/hostgated-quiet.log" && die "hostgated denied a benchmark flow: $(grep 'Connection denied' "$work/hostgated.log" | head -n 3)"

echo
echo "| transfer | (a) no firewall Gbit/s | (a') conntrack on Gbit/s | (b) hostgate Gbit/s | (b0) hostgate, no traffic accounting Gbit/s | (b)/(a) | (b)/(a') | (b)/(b0) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for kind in tcp udp; do
  awk -v k="$kind" -v a="${sum[$kind.base]}" -v c="${sum[$kind.ct]}" -v b="${sum[$kind.hg]}" -v q="${sum[$kind.hgna]}" -v n="$rounds" \
    'BEGIN { printf "| %s, one allowed flow | %.2f | %.2f | %.2f | %.2f | %.3f | %.3f | %.3f |\n", toupper(k), a / n / 1e9, c / n / 1e9,
             b / n / 1e9, q / n / 1e9, b / a, b / c, b / q }'
done
