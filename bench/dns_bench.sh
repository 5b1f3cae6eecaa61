#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# DNS benchmark: queries per second and latency through hostgated's DNS queue against the same run without
# it (dnsperf), then "decision under flood": the first connection to an unknown destination and a D-Bus call
# while dnsperf floods the daemon, against the same measurements idle.
#
# Usage (root): bench/dns_bench.sh [BUILD_DIR]     (default: $HOSTGATE_BUILD_DIR or ./build; use Release)
# Needs hostgated, hostgate_bench_tcp_client, hostgate_bench_tcp_server and hostgate_bench_bus_client built in
# BUILD_DIR, and dnsperf, dnsmasq and dbus-daemon installed (scripts/install-bench-deps.sh).
# Environment: KEEP_LOGS=DIR keeps the daemon's, dnsmasq's and dnsperf's logs there; SECONDS_PER_RUN (20) for each dnsperf run, FLOOD_CONNECTIONS (300) first connections and
# BUS_CALLS (300) D-Bus calls for each flood measurement.
#
# Everything happens in network namespaces this script creates and two child cgroups; the host's namespace,
# root cgroup and system bus are never touched:
#   netns "base": no firewall; dnsmasq (outside any cgroup) answers *.bench.test on 198.51.100.53, dnsperf
#       runs in the baselines' own cgroup.
#   netns "hg": the same, plus hostgated scoped to the child cgroup dnsperf runs in, with 198.51.100.53 as
#       its trusted resolver: every query and every answer goes through its DNS nfqueue. An admin rule allows
#       dnsperf to *.bench.test, so each answer also pre-installs kernel verdicts (the realistic worst case:
#       an app whose names are allowed). A private dbus-daemon (system-bus policy of this build) carries the
#       daemon's API for the D-Bus measurement.
# dnsperf runs with one client and default outstanding queries ("-c1"), then "-c4 -q1000".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${HOSTGATE_BUILD_DIR:-$top/build}}
seconds=${SECONDS_PER_RUN:-20}
flood_connections=${FLOOD_CONNECTIONS:-300}
bus_calls=${BUS_CALLS:-300}

daemon_bin=$build/daemon/hostgated/hostgated
client_bin=$build/bench/hostgate_bench_tcp_client
server_bin=$build/bench/hostgate_bench_tcp_server
bus_client_bin=$build/bench/hostgate_bench_bus_client

die() { echo "dns_bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, cgroups, BPF)"
for bin in "$daemon_bin" "$client_bin" "$server_bin" "$bus_client_bin"; do
  [ -x "$bin" ] || die "$bin is missing; build it: cmake -S $top -B $build -DCMAKE_BUILD_TYPE=Release &&" \
                       "cmake --build $build -j2 --target hostgated hostgate_bench_tcp_client" \
                       "hostgate_bench_tcp_server hostgate_bench_bus_client"
done
for tool in dnsperf dnsmasq dbus-daemon; do
  command -v "$tool" >/dev/null || die "$tool is not installed; run scripts/install-bench-deps.sh"
done
cgroup_root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cgroup_root" ] || die "no cgroup2 hierarchy is mounted"
(( seconds >= 2 && seconds <= 120 )) || die "SECONDS_PER_RUN must be 2..120"
(( flood_connections >= 50 && flood_connections <= 5000 )) || die "FLOOD_CONNECTIONS must be 50..5000"
(( bus_calls >= 50 && bus_calls <= 5000 )) || die "BUS_CALLS must be 50..5000"

ns_base=hg-dbench-$$-base
ns_hostgate=hg-dbench-$$-hg
cgroup=$cgroup_root/hostgate-bench-dns-$$
cgroup_base=$cgroup_root/hostgate-bench-dns-$$-base
work=$(mktemp -d /tmp/hostgate-dns-bench.XXXXXX)
resolver=198.51.100.53
server=203.0.113.10
first_port=20000
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$ns_base" 2>/dev/null || true
  ip netns del "$ns_hostgate" 2>/dev/null || true
  for group in "$cgroup" "$cgroup_base"; do
    [ -d "$group" ] || continue
    for pid in $(cat "$group/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    rmdir "$group" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log (last lines)"; tail -n 20 "$log"; } >&2; done
  fi
  [ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp "$work"/*.log "$KEEP_LOGS"/ 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() { # a reaped child's PID may be reused: cleanup must not signal it
  local i
  for i in "${!pids[@]}"; do [ "${pids[$i]}" = "$1" ] && unset 'pids[i]'; done
  return 0
}

wait_for() { # $1 description, $2.. command; up to 10 s
  local description=$1; shift
  for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done
  die "timed out waiting for $description"
}

make_netns() {
  local ns=$1
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add hg0 type veth peer name hg1
  ip -n "$ns" link set hg0 up
  ip -n "$ns" link set hg1 up
  ip -n "$ns" addr add 198.51.100.1/24 dev hg0
  ip -n "$ns" addr add $resolver/24 dev hg0
  ip -n "$ns" addr add $server/24 dev hg0
  # dnsmasq answers every name under bench.test itself (no upstream), one distinct address per name block.
  nsenter --net="/run/netns/$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-dhcp-interface=hg0 \
    --listen-address=$resolver --bind-interfaces --port=53 --cache-size=10000 --dns-forward-max=1000 \
    --local-ttl=300 --address=/bench.test/203.0.113.28 --pid-file="$work/dnsmasq-$ns.pid" --log-facility="$work/dnsmasq-$ns.log" \
    >"$work/dnsmasq-$ns.stdout.log" 2>&1 &
  pids+=($!)
  wait_for "dnsmasq in $ns" sh -c "nsenter --net=/run/netns/$ns ss -lun | grep -q '$resolver:53'"
  # The connect server for the first-connection measurement (outside the child cgroup).
  local ready=$work/server-$ns.ready
  mkfifo "$ready"
  nsenter --net="/run/netns/$ns" "$server_bin" --address $server --ports "$first_port-$((first_port + 3 * flood_connections + 10))" \
    >"$ready" 2>"$work/server-$ns.log" &
  pids+=($!)
  local line=""
  read -r -t 20 line <"$ready" || true
  [[ $line == listening* ]] || die "the connect server in $ns did not start: $(cat "$work/server-$ns.log")"
}

# in_cgroup GROUP NS CMD...: runs CMD in netns NS inside cgroup GROUP.
in_cgroup() {
  local group=$1 ns=$2; shift 2
  sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$group" nsenter --net="/run/netns/$ns" "$@"
}

# dnsperf_run GROUP NS EXTRA...: one dnsperf run; prints "qps mean_latency_ms".
dnsperf_run() {
  local group=$1 ns=$2; shift 2
  local out=$work/dnsperf.$RANDOM.log
  in_cgroup "$group" "$ns" dnsperf -s $resolver -d "$work/queries" -l "$seconds" "$@" >"$out" 2>&1 ||
    die "dnsperf failed: $(tail -n 5 "$out")"
  awk '/Queries per second:/ { qps = $4 } /Average Latency \(s\):/ { lat = $4 * 1000 }
       /Queries lost:/ { lost = $3 } END { printf "%.0f %.3f %s\n", qps, lat, lost }' "$out"
}

mkdir "$cgroup" "$cgroup_base"
for i in $(seq 1 20000); do echo "n$i.bench.test A"; done >"$work/queries"
make_netns "$ns_base"
make_netns "$ns_hostgate"

# --- private system bus for the daemon's API
bus_config=$work/bus.conf
cat >"$bus_config" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/bus.socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$bus_config" --nofork --nopidfile >"$work/dbus.log" 2>&1 &
pids+=($!)
wait_for "the private bus" test -S "$work/bus.socket"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/bus.socket

# --- hostgated in netns hg, enforcing on the child cgroup; default deny; dnsperf may resolve *.bench.test,
# the connect client may reach the server on the flood ports (each connection the first to its port).
mkdir -p "$work/rules.d" "$work/state"
echo "nameserver $resolver" >"$work/resolv.conf"
cat >"$work/rules.d/10-bench.toml" <<EOF
[[rule]]
app = "$(readlink -f "$(command -v dnsperf)")"
host = "*.bench.test"
action = "allow"
note = "dns_bench.sh"

[[rule]]
app = "$(readlink -f "$client_bin")"
host = "$server"
ports = "$first_port-$((first_port + 3 * flood_connections + 10))"
protocol = "tcp"
action = "allow"
note = "dns_bench.sh"
EOF
nsenter --net="/run/netns/$ns_hostgate" "$daemon_bin" --cgroup "$cgroup" --bpf-pin-dir "" \
  --admin-rules-dir "$work/rules.d" --user-rules "$work/state/rules.toml" --state-dir "$work/state" \
  --resolver-files "$work/resolv.conf" --default-action deny --mode enforce >"$work/hostgated.log" 2>&1 &
hostgated_pid=$!
pids+=("$hostgated_pid")
wait_for "hostgated to start" grep -q 'hostgated started' "$work/hostgated.log"
wait_for "hostgated on the bus" grep -q 'D-Bus API ready' "$work/hostgated.log"
in_cgroup "$cgroup" "$ns_hostgate" dig +short +time=2 +tries=1 @$resolver warm.bench.test | grep -q 203.0.113.28 ||
  die "a query through hostgate was not answered"

declare -A qps latency lost
run_pair() { # $1 key suffix; rest dnsperf options; interleaved baseline / hostgate
  local key=$1; shift
  local values
  read -r -a values <<<"$(dnsperf_run "$cgroup_base" "$ns_base" "$@")"
  qps[base$key]=${values[0]}; latency[base$key]=${values[1]}; lost[base$key]=${values[2]}
  read -r -a values <<<"$(dnsperf_run "$cgroup" "$ns_hostgate" "$@")"
  qps[hg$key]=${values[0]}; latency[hg$key]=${values[1]}; lost[hg$key]=${values[2]}
  echo "  dnsperf $*: base ${qps[base$key]} q/s ${latency[base$key]} ms; hostgate ${qps[hg$key]} q/s" \
       "${latency[hg$key]} ms" >&2
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$hostgated_pid/stat"; }
ticks_before=$(cpu_ticks)
if [ -n "${PERF_OUT:-}" ]; then # profile the daemon during the -c1 run (perf from linux-perf)
  perf record -F 999 --call-graph dwarf,16384 -o "$PERF_OUT" -p "$hostgated_pid" >"$work/perf.log" 2>&1 &
  perf_pid=$!
  pids+=("$perf_pid")
fi
run_pair 1 -c 1
if [ -n "${PERF_OUT:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; forget_pid "$perf_pid"; fi
ticks_after=$(cpu_ticks)
cpu1=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v s="$seconds" \
  'BEGIN { printf "%.0f", 100 * t / hz / s }')
ticks_before=$(cpu_ticks)
run_pair 4 -c 4 -q 1000
ticks_after=$(cpu_ticks)
cpu4=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v s="$seconds" \
  'BEGIN { printf "%.0f", 100 * t / hz / s }')

# --- decision under flood: first connections (each to a new port: a verdict-map miss held in the decision
# queue) and GetMode calls, idle and while dnsperf -c4 -q1000 floods the DNS queue.
# "median_ms p99_ms" of a samples file in nanoseconds (nearest rank).
percentiles() {
  sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
    printf "%.3f %.3f\n", v[int((NR * 500 + 999) / 1000)] / 1e6, v[int((NR * 990 + 999) / 1000)] / 1e6 }'
}
first_connections() { # $1 samples file, $2 first port
  in_cgroup "$cgroup" "$ns_hostgate" "$client_bin" --address $server --port "$2" --distinct-ports "$flood_connections" \
    --connections "$flood_connections" --samples "$1" >/dev/null
}
bus_calls_run() { # $1 samples file
  "$bus_client_bin" --calls "$bus_calls" --samples "$1" >/dev/null
}
first_connections "$work/connect-idle.samples" $first_port
bus_calls_run "$work/bus-idle.samples"

flood() { # runs dnsperf -c4 for the flood, in the background; sets flood_pid (dnsperf's own PID)
  sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cgroup" nsenter --net="/run/netns/$ns_hostgate" \
    dnsperf -s $resolver -d "$work/queries" -l 600 -c 4 -q 1000 >"$work/flood.log" 2>&1 &
  flood_pid=$!
  pids+=("$flood_pid")
  # The flood is on once the daemon's DNS queue counter moves.
  local before
  before=$(nsenter --net="/run/netns/$ns_hostgate" iptables-nft -L HOSTGATE-DNS -v -x -n | awk '/NFQUEUE/ { s += $1 } END { print s + 0 }')
  wait_for "the flood" sh -c "[ \$(nsenter --net=/run/netns/$ns_hostgate iptables-nft -L HOSTGATE-DNS -v -x -n |
    awk '/NFQUEUE/ { s += \$1 } END { print s + 0 }') -gt $((before + 1000)) ]"
}
stop_flood() {
  kill -INT "$flood_pid" 2>/dev/null || true
  wait "$flood_pid" 2>/dev/null || true
  forget_pid "$flood_pid"
}
flood
first_connections "$work/connect-flood.samples" $((first_port + flood_connections + 1))
bus_calls_run "$work/bus-flood.samples"
stop_flood
grep -q 'Queries per second' "$work/flood.log" || die "the flood's dnsperf did not report: $(tail -n 5 "$work/flood.log")"
flood_qps=$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$work/flood.log")

kill -TERM "$hostgated_pid"
wait "$hostgated_pid" || die "hostgated exited with status $? on SIGTERM"
forget_pid "$hostgated_pid"

# --- report
echo
echo "| dnsperf (${seconds} s, 20k distinct names) | without hostgate q/s | with hostgate q/s | ratio | mean latency without → with (ms) | lost with | hostgated CPU |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for key in 1 4; do
  label="-c1"; cpu=$cpu1
  [ "$key" = 4 ] && { label="-c4 -q1000"; cpu=$cpu4; }
  awk -v l="$label" -v b="${qps[base$key]}" -v h="${qps[hg$key]}" -v lb="${latency[base$key]}" \
      -v lh="${latency[hg$key]}" -v lost="${lost[hg$key]}" -v cpu="$cpu" \
    'BEGIN { printf "| %s | %d | %d | %.3f | %.3f → %.3f (%+.3f) | %s | %s %% |\n", l, b, h, h / b, lb, lh, lh - lb, lost, cpu }'
done
echo
echo "| decision under flood (dnsperf -c4 -q1000 at $flood_qps q/s) | idle median / p99 ms | flood median / p99 ms | added p99 ms |"
echo "| --- | ---: | ---: | ---: |"
flood_row() { # $1 label, $2 idle samples, $3 flood samples
  local idle flood_values
  read -r -a idle <<<"$(percentiles "$2")"
  read -r -a flood_values <<<"$(percentiles "$3")"
  awk -v l="$1" -v im="${idle[0]}" -v ip="${idle[1]}" -v fm="${flood_values[0]}" -v fp="${flood_values[1]}" \
    'BEGIN { printf "| %s | %.3f / %.3f | %.3f / %.3f | %+.3f |\n", l, im, ip, fm, fp, fp - ip }'
}
flood_row "first connection to a new destination ($flood_connections, held and decided)" \
  "$work/connect-idle.samples" "$work/connect-flood.samples"
flood_row "D-Bus GetMode ($bus_calls calls)" "$work/bus-idle.samples" "$work/bus-flood.samples"
