#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs hostgated safely on any machine: in a private network namespace, scoped to a child cgroup, with a
# demo DNS server (dnsmasq) and web servers. Runs a demo, or the given command, inside the sandbox; cleans
# up everything it made on exit. Usage: sandbox.sh HOSTGATED [COMMAND...]
set -euo pipefail

hostgated=$1
shift

ns=hg-sandbox-$$
cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cgroup2" ] || { echo "sandbox: no cgroup2 mount" >&2; exit 1; }
cg=$cgroup2/hostgate-sandbox-$$
dir=$(mktemp -d /tmp/hostgate-sandbox.XXXXXX)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -f "$cg/cgroup.procs" ]; then
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$cg/cgroup.procs"
    rmdir "$cg" 2>/dev/null || true
  fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$dir"
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then echo "sandbox: process $pid survived cleanup" >&2; fi
  done
}
trap cleanup EXIT

in_ns() { nsenter --net="/run/netns/$ns" "$@"; }
# For background jobs: `exec` makes the job's PID the program's own, so cleanup signals the program itself.
in_ns_exec() { exec nsenter --net="/run/netns/$ns" "$@"; }
wait_for() { # wait_for SECONDS COMMAND...: polls a readiness check, bounded
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "sandbox: timed out waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add hg0 type veth peer name hg1
ip -n "$ns" link set hg0 up
ip -n "$ns" link set hg1 up
for address in 198.51.100.1/24 198.51.100.53/24 203.0.113.10/24 203.0.113.11/24; do
  ip -n "$ns" addr add "$address" dev hg0
done
mkdir "$cg"

in_ns_exec dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=198.51.100.53 \
  --port 53 --user=root --group=root --local-ttl=60 \
  --address=/allowed.test/203.0.113.10 --address=/blocked.test/203.0.113.11 \
  --address=/unknown.test/203.0.113.11 2>"$dir/dnsmasq.log" &
pids+=($!)
mkdir -p "$dir/www"
echo "hello from 203.0.113.x (served inside the sandbox)" > "$dir/www/index.html"
in_ns_exec /usr/bin/python3 -m http.server --bind 0.0.0.0 80 --directory "$dir/www" >/dev/null 2>&1 &
pids+=($!)

# Modes stated, not left to the umask: hostgated obeys only rule files and directories nobody but root can write.
mkdir -p -m 0755 "$dir/rules.d"
mkdir -p -m 0700 "$dir/state"
cat > "$dir/rules.d/10-sandbox.toml" <<RULES
# Demo rules: curl may reach allowed.test; curl may not reach blocked.test.
[[rule]]
app = "$(readlink -f /usr/bin/curl)"
host = "allowed.test"
action = "allow"

[[rule]]
app = "$(readlink -f /usr/bin/curl)"
host = "blocked.test"
action = "deny"
RULES
chmod 0644 "$dir/rules.d/10-sandbox.toml"
echo "nameserver 198.51.100.53" > "$dir/resolv.conf"

in_ns_exec "$hostgated" --cgroup "$cg" --bpf-pin-dir "" --resolver-files "$dir/resolv.conf" --admin-rules-dir "$dir/rules.d" --user-rules "$dir/state/rules.toml" \
  --state-dir "$dir/state" --prompt-timeout 5 --no-bus >"$dir/hostgated.log" 2>&1 &
daemon=$!
pids+=($daemon)
wait_for 10 grep -q "hostgated started" "$dir/hostgated.log" || { cat "$dir/hostgated.log"; exit 1; }
wait_for 10 sh -c "nsenter --net=/run/netns/$ns ss -ltn | grep -q ':80 '"

# Runs a command as a sandboxed app: in the child cgroup (joined before entering the namespace, which keeps
# /sys), in the namespace, with the sandbox's resolv.conf.
sandboxed() {
  sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
    unshare --mount --propagation private sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh \
    "$dir/resolv.conf" nsenter --net="/run/netns/$ns" "$@"
}

status=0
if [ $# -gt 0 ]; then
  sandboxed "$@" || status=$?
else
  for host in allowed.test blocked.test unknown.test; do
    echo "\$ curl http://$host/"
    sandboxed curl -4 -sS -m 5 "http://$host/" || true
  done
fi

kill -TERM "$daemon"
wait "$daemon" || status=$?
echo "--- hostgated log"
cat "$dir/hostgated.log"
exit $status
