#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Connection benchmark: TCP connect latency and rate with no firewall, hostgate (fast and miss path) and OpenSnitch.
#
# Usage (root): bench/connect_bench.sh [BUILD_DIR]       (default: $HOSTGATE_BUILD_DIR or ./build; use Release)
# Needs hostgated, hostgate_bench_tcp_client and hostgate_bench_tcp_server built in BUILD_DIR, and
# OpenSnitch installed by scripts/install-bench-deps.sh. Sizes (environment): CONNECTIONS for (a) and (b),
# split over ROUNDS; MISS_CONNECTIONS for (c); OPENSNITCH_CONNECTIONS for (d).
#
# Everything happens in two network namespaces this script creates (server on 203.0.113.10, plus
# 198.51.100.1 on the same veth) and one child cgroup; the host's namespace and root cgroup are never
# touched. The client always runs in the child cgroup, except for the diagnostic run noted below.
#   netns "base": (a) no firewall. Later (d): OpenSnitch 1.5.8 in this netns and its own mount namespace
#       with /etc/opensnitchd replaced by a private copy (default action allow, no UI, iptables firewall,
#       proc process monitor: its ebpf and ftrace monitors would attach host-wide); every new connection
#       goes through its nfqueue.
#   netns "hg": hostgated scoped to the child cgroup, one admin rule allowing the client executable to
#       203.0.113.10, tcp, the benchmark's ports.
#       (b) fast path: one port, after a warm-up whose first connection taught the kernel's verdict map;
#           the counter of hostgate's NFQUEUE rule proves no SYN of the measured runs reaches the daemon.
#       (c) miss path: the verdict map is keyed by (app, uid, address, port, protocol), so connection i
#           goes to port 10001+i (the server listens on all of them): each one misses the map, its SYN
#           is held in the decision nfqueue, the daemon attributes it, matches the rule, writes the
#           verdict and an event-log row, and releases the SYN.
# (a) and (b) run interleaved in ROUNDS blocks, so slow drift of the machine hits both alike; their
# samples are pooled. The client times connect() alone (socket() and the resetting close() are outside
# the timer), one connection at a time; conns/s is that sequential rate including socket() and close().
# Client and server are pinned to different CPUs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${HOSTGATE_BUILD_DIR:-$top/build}}
connections=${CONNECTIONS:-50000}
rounds=${ROUNDS:-10}
miss_connections=${MISS_CONNECTIONS:-5000}
opensnitch_connections=${OPENSNITCH_CONNECTIONS:-3000}
warmup=2000

daemon_bin=$build/daemon/hostgated/hostgated
client_bin=$build/bench/hostgate_bench_tcp_client
server_bin=$build/bench/hostgate_bench_tcp_server
opensnitchd_bin=/usr/bin/opensnitchd

die() { echo "connect_bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, cgroups, BPF)"
for bin in "$daemon_bin" "$client_bin" "$server_bin"; do
  [ -x "$bin" ] || die "$bin is missing; build it: cmake -S $top -B $build -DCMAKE_BUILD_TYPE=Release &&" \
                       "cmake --build $build -j2 --target hostgated hostgate_bench_tcp_client hostgate_bench_tcp_server"
done
[ -x "$opensnitchd_bin" ] && [ -f /etc/opensnitchd/default-config.json ] ||
  die "OpenSnitch is not installed; run scripts/install-bench-deps.sh"
cgroup_root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cgroup_root" ] || die "no cgroup2 hierarchy is mounted"
(( miss_connections >= 100 && miss_connections <= 20000 )) || die "MISS_CONNECTIONS must be 100..20000"
(( rounds >= 1 && connections / rounds >= 100 )) || die "CONNECTIONS / ROUNDS must be at least 100"
(( opensnitch_connections >= 100 )) || die "OPENSNITCH_CONNECTIONS must be at least 100"
per_round=$((connections / rounds))

ns_base=hg-cbench-$$-base
ns_hostgate=hg-cbench-$$-hg
ns_conntrack=hg-cbench-$$-ct
cgroup=$cgroup_root/hostgate-bench-connect-$$
# The baselines run in a cgroup of their own: hostgate's programs judge every namespace of their cgroup (a
# process of it in another namespace is refused until decided), so a baseline inside it would not be one.
cgroup_base=$cgroup_root/hostgate-bench-connect-$$-base
work=$(mktemp -d /tmp/hostgate-connect-bench.XXXXXX)
steady_port=10000
first_miss_port=$((steady_port + 1))
last_port=$((steady_port + miss_connections))
client_cpu=0
server_cpu=$(( $(nproc) > 1 ? 1 : 0 ))
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$ns_base" 2>/dev/null || true
  ip netns del "$ns_hostgate" 2>/dev/null || true
  ip netns del "$ns_conntrack" 2>/dev/null || true
  for group in "$cgroup" "$cgroup_base"; do
    [ -d "$group" ] || continue
    for pid in $(cat "$group/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    rmdir "$group" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log (last lines)"; tail -n 20 "$log"; } >&2; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() { # a reaped child's PID may be reused: cleanup must not signal it
  local i
  for i in "${!pids[@]}"; do [ "${pids[$i]}" = "$1" ] && unset 'pids[i]'; done
  return 0
}

make_netns() {
  local ns=$1
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add hg0 type veth peer name hg1
  ip -n "$ns" link set hg0 up
  ip -n "$ns" link set hg1 up
  ip -n "$ns" addr add 198.51.100.1/24 dev hg0
  ip -n "$ns" addr add 203.0.113.10/24 dev hg0
}

# Starts the accept-and-close server in netns $1 (outside the child cgroup: hostgate must not judge it)
# and returns once it listens on every port.
start_server() {
  local ns=$1 ready=$work/server-$1.ready
  mkfifo "$ready"
  taskset -c "$server_cpu" nsenter --net="/run/netns/$ns" "$server_bin" --address 203.0.113.10 \
    --ports "$steady_port-$last_port" >"$ready" 2>"$work/server-$ns.log" &
  pids+=($!)
  local line=""
  read -r -t 20 line <"$ready" || true
  [[ $line == listening* ]] || die "the server in $ns did not start: $(cat "$work/server-$ns.log")"
}

# Runs the client in netns $1, inside the child cgroup hostgate enforces on (netns hg) or the baselines' own
# (the others); prints its result line.
client() {
  local ns=$1 group=$cgroup_base; shift
  [ "$ns" = "$ns_hostgate" ] && group=$cgroup
  sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$group" \
    taskset -c "$client_cpu" nsenter --net="/run/netns/$ns" "$client_bin" --address 203.0.113.10 "$@"
}

# The same outside the child cgroup: hostgate's BPF programs do not see it, its netfilter rules do.
client_outside_cgroup() {
  local ns=$1; shift
  taskset -c "$client_cpu" nsenter --net="/run/netns/$ns" "$client_bin" --address 203.0.113.10 "$@"
}

# One measured run of scenario $1 with launcher $2 ("client" or "client_outside_cgroup") in netns $3;
# the rest are client options. Result lines and samples accumulate per scenario.
run_count=0
measure() {
  local key=$1 launcher=$2 ns=$3; shift 3
  run_count=$((run_count + 1))
  local samples=$work/$key.$run_count.samples line
  line=$("$launcher" "$ns" --port $steady_port --samples "$samples" "$@")
  echo "$line" >>"$work/$key.runs"
  cat "$samples" >>"$work/$key.samples"
  rm -f "$samples"
  echo "  $key: $line" >&2
}

# "median_us p99_us conns_per_s median_us_of_each_run..." of scenario $1's pooled samples (nearest rank).
summary() {
  local pooled
  pooled=$(sort -n "$work/$1.samples" |
    awk '{ v[NR] = $1 } END { printf "%.1f %.1f", v[int((NR * 500 + 999) / 1000)] / 1000,
                                                 v[int((NR * 990 + 999) / 1000)] / 1000 }')
  awk -v pooled="$pooled" '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      total += f["connections"]; seconds += f["elapsed_s"]; medians = medians " " f["median_us"]
    } END { printf "%s %.0f%s\n", pooled, total / seconds, medians }' "$work/$1.runs"
}

# Packets an nfqueue rule sent to its daemon so far: $1 netns, $2 table, $3 chain, $4 queue number.
held_packets() {
  nsenter --net="/run/netns/$1" iptables-nft -t "$2" -L "$3" -v -x -n |
    awk -v queue="num $4" '$3 == "NFQUEUE" && index($0, queue " ") + index($0 "\n", queue "\n") { sum += $1 }
                           END { print sum + 0 }'
}

wait_for() { # $1 description, $2.. command; up to 10 s
  local description=$1; shift
  for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done
  die "timed out waiting for $description"
}

declare -A held

mkdir "$cgroup" "$cgroup_base"
make_netns "$ns_base"
make_netns "$ns_hostgate"
start_server "$ns_base"
start_server "$ns_hostgate"
# (a') a second baseline: no hostgate, but connection tracking on, as on a desktop with ufw or firewalld
# (their rule sets begin with a conntrack match). hostgate's chains need conntrack too, so (b) pays for it
# in a namespace that otherwise has none; (b)/(a') shows what hostgate adds on a typical desktop.
make_netns "$ns_conntrack"
start_server "$ns_conntrack"
nsenter --net="/run/netns/$ns_conntrack" iptables-nft -A OUTPUT -m conntrack --ctstate INVALID -j DROP
echo "connect_bench: (a), (b): $rounds interleaved rounds of $per_round connections; (c): $miss_connections;" \
     "(d): $opensnitch_connections; client on CPU $client_cpu, server on CPU $server_cpu" >&2

# --- hostgated in netns hg, enforcing on the child cgroup; default action deny, so only the rule allows
mkdir -p "$work/rules.d" "$work/state"
cat >"$work/rules.d/10-bench.toml" <<EOF
[[rule]]
app = "$(readlink -f "$client_bin")"
host = "203.0.113.10"
ports = "$steady_port-$last_port"
protocol = "tcp"
action = "allow"
note = "connect_bench.sh"
EOF
nsenter --net="/run/netns/$ns_hostgate" "$daemon_bin" --cgroup "$cgroup" --bpf-pin-dir "" --admin-rules-dir "$work/rules.d" \
  --user-rules "$work/state/rules.toml" --state-dir "$work/state" --default-action deny --mode enforce \
  >"$work/hostgated.log" 2>&1 &
hostgated_pid=$!
pids+=("$hostgated_pid")
wait_for "hostgated to start" grep -q 'hostgated started' "$work/hostgated.log"

# Warm-ups: caches, CPU frequency, and (b)'s verdict-map entry from its first connection.
client "$ns_base" --port $steady_port --connections $warmup >/dev/null
client "$ns_hostgate" --port $steady_port --connections $warmup >/dev/null
client "$ns_conntrack" --port $steady_port --connections $warmup >/dev/null

# --- (a) and (b) interleaved, with the netfilter-only diagnostic
before=$(held_packets "$ns_hostgate" filter HOSTGATE-OUT 7801)
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then
    measure a client "$ns_base" --connections $per_round
    measure b client "$ns_hostgate" --connections $per_round
  else
    measure b client "$ns_hostgate" --connections $per_round
    measure a client "$ns_base" --connections $per_round
  fi
  measure a_conntrack client "$ns_conntrack" --connections $per_round
  # Not in the cgroup, so never marked nor held: the counter stays (b)'s alone.
  measure b_netfilter client_outside_cgroup "$ns_hostgate" --connections $per_round
done
held[a]="-"
held[a_conntrack]="-"
held[b]=$(( $(held_packets "$ns_hostgate" filter HOSTGATE-OUT 7801) - before ))

# --- (c) miss path: every measured connection is the first to its port
before=$(held_packets "$ns_hostgate" filter HOSTGATE-OUT 7801)
measure c client "$ns_hostgate" --port $first_miss_port --distinct-ports "$miss_connections" \
  --connections "$miss_connections"
held[c]=$(( $(held_packets "$ns_hostgate" filter HOSTGATE-OUT 7801) - before ))

kill -TERM "$hostgated_pid"
wait "$hostgated_pid" || die "hostgated exited with status $? on SIGTERM"
forget_pid "$hostgated_pid"

# --- (d) OpenSnitch in netns base, its own mount namespace, a private /etc/opensnitchd
config=$work/opensnitchd
mkdir -p "$config/rules"
cp /etc/opensnitchd/system-fw.json "$config/"
python3 - /etc/opensnitchd/default-config.json "$config/default-config.json" "$work" <<'EOF'
import json, sys
source, target, work = sys.argv[1:]
config = json.load(open(source))
# A UI socket nobody listens on: never the desktop's real /tmp/osui.sock.
config["Server"] = {"Address": f"unix://{work}/no-ui.sock", "LogFile": f"{work}/opensnitchd.log"}
config["DefaultAction"] = "allow"
config["DefaultDuration"] = "once"
config["InterceptUnknown"] = False
config["ProcMonitorMethod"] = "proc"
config["Firewall"] = "iptables"
json.dump(config, open(target, "w"), indent=2)
EOF
unshare --mount --propagation private sh -c \
  'mount --bind "$1" /etc/opensnitchd && shift && exec nsenter --net="$0" "$@"' "/run/netns/$ns_base" \
  "$config" "$opensnitchd_bin" -rules-path /etc/opensnitchd/rules -ui-socket "unix://$work/no-ui.sock" \
  -process-monitor-method proc -log-file "$work/opensnitchd.log" >"$work/opensnitchd-stdout.log" 2>&1 &
opensnitchd_pid=$!
pids+=("$opensnitchd_pid")
wait_for "OpenSnitch's NFQUEUE rule" sh -c \
  "nsenter --net=/run/netns/$ns_base iptables-nft -t mangle -S OUTPUT 2>/dev/null | grep -q NFQUEUE"
osn_queue=$(nsenter --net="/run/netns/$ns_base" iptables-nft -t mangle -S OUTPUT |
  sed -n 's/.*NFQUEUE --queue-num \([0-9]*\).*/\1/p' | head -n 1)

client "$ns_base" --port $steady_port --connections 200 >/dev/null
before=$(held_packets "$ns_base" mangle OUTPUT "$osn_queue")
measure d client "$ns_base" --connections "$opensnitch_connections"
held[d]=$(( $(held_packets "$ns_base" mangle OUTPUT "$osn_queue") - before ))

# Stopped before the report so its exit (it waits for its queue) is not part of cleanup.
kill -TERM "$opensnitchd_pid"
wait "$opensnitchd_pid" || true
forget_pid "$opensnitchd_pid"

# --- report
declare -A stats
for key in a a_conntrack b b_netfilter c d; do stats[$key]=$(summary "$key"); done
stat() { local values; read -r -a values <<<"${stats[$1]}"; echo "${values[$2]}"; }
base_median=$(stat a 0)
row() { # $1 key, $2 label, $3 measured connections
  awk -v label="$2" -v m="$(stat "$1" 0)" -v p="$(stat "$1" 1)" -v r="$(stat "$1" 2)" -v b="$base_median" \
      -v h="${held[$1]}" -v n="$3" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.0f | %.3f | %+.1f | %s / %s |\n", label, m, p, r, m / b, m - b, h, n }'
}
echo
echo "| scenario | median µs | p99 µs | conns/s | median ratio vs (a) | added median µs vs (a) | SYNs held by the daemon |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
row a "(a) no firewall" "$((per_round * rounds))"
row a_conntrack "(a') no hostgate, conntrack on (ufw/firewalld-like)" "$((per_round * rounds))"
row b "(b) hostgate, kernel fast path" "$((per_round * rounds))"
row c "(c) hostgate, miss path (new port each time)" "$miss_connections"
row d "(d) OpenSnitch 1.5.8, default allow" "$opensnitch_connections"
echo
awk -v a="$base_median" -v act="$(stat a_conntrack 0)" -v b="$(stat b 0)" -v d="$(stat d 0)" \
    -v bnf="$(stat b_netfilter 0)" \
    -v a_runs="$(cut -d' ' -f4- <<<"${stats[a]}")" -v b_runs="$(cut -d' ' -f4- <<<"${stats[b]}")" '
  BEGIN {
    printf "- (b)/(a) median latency: %.3f (goal <= 1.05: %s)\n", b / a, (b / a <= 1.05 ? "met" : "NOT met")
    printf "- (b)/(a'"'"') median latency, against a baseline with conntrack already on: %.3f\n", b / act
    added_b = b - a; added_d = d - a
    # Medians are printed to 0.1 us: a smaller difference is below what this table resolves.
    if (added_b < 0.1)
      printf "- added latency: (d) %.1f us, (b) %.1f us (< 0.1 us): (d)/(b) >= %.0f (goal >= 50: %s)\n",
             added_d, added_b, added_d / 0.1, (added_d / 0.1 >= 50 ? "met" : "NOT met")
    else
      printf "- added latency: (d) %.1f us / (b) %.1f us = %.0fx (goal >= 50: %s)\n",
             added_d, added_b, added_d / added_b, (added_d / added_b >= 50 ? "met" : "NOT met")
    printf "- of (b)'"'"'s +%.1f us, hostgate'"'"'s netfilter rules alone (client outside its cgroup, no BPF): %+.1f us\n",
           added_b, bnf - a
    printf "- median per round, (a):%s µs; (b):%s µs\n", a_runs, b_runs
  }'
