#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the peer firewall the connection benchmark compares against (OpenSnitch), without ever starting it.
#
# Kept apart from install-deps.sh on purpose: the `opensnitch` package's maintainer script starts its
# daemon (invoke-rc.d / deb-systemd-invoke) and enables it at boot. On a desktop that would put a second
# application firewall in front of every connection. bench/connect_bench.sh only runs opensnitchd inside
# a network and mount namespace of its own, so here the start is forbidden with a policy-rc.d (the Debian
# mechanism both invoke-rc.d and deb-systemd-invoke obey) and the boot-time links are removed again.
set -euo pipefail

package=opensnitch

if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
  echo "install-bench-deps: $package already installed"
else
  policy=/usr/sbin/policy-rc.d
  saved=""
  if [ -e "$policy" ]; then
    saved=$(mktemp /usr/sbin/policy-rc.d.hostgate-saved.XXXXXX)
    cp -p "$policy" "$saved"
  fi
  restore_policy() {
    if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi
  }
  trap restore_policy EXIT
  printf '#!/bin/sh\n# install-bench-deps.sh: no service may start while the benchmark dependencies install.\nexit 101\n' >"$policy"
  chmod 755 "$policy"

  echo "install-bench-deps: installing $package (its service is not started)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # No recommends: python3-opensnitch-ui is a desktop GUI the benchmark does not use.
  apt-get install -y -q --no-install-recommends "$package"

  # Not started at boot either (only symlinks change; neither helper talks to a running init).
  update-rc.d "$package" disable >/dev/null 2>&1 || true
  if command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper disable "$package.service" >/dev/null 2>&1 || true
  fi
  restore_policy
  trap - EXIT
fi

# The benchmark relies on the package's shipped configuration as the template for its private copy.
for file in /usr/bin/opensnitchd /etc/opensnitchd/default-config.json /etc/opensnitchd/system-fw.json; do
  [ -e "$file" ] || { echo "install-bench-deps: $file is missing after installing $package" >&2; exit 1; }
done

# Fail loudly if the host now runs it: that would filter the host's own traffic.
if pgrep -x opensnitchd >/dev/null; then
  echo "install-bench-deps: opensnitchd is running (pid $(pgrep -x opensnitchd | tr '\n' ' ')); the benchmark" \
       "needs it stopped outside its namespaces" >&2
  exit 1
fi
echo "install-bench-deps: $package $(dpkg-query -W -f='${Version}' "$package") installed, opensnitchd not running"
