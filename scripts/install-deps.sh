#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs every Debian 12 package hostgate needs to build, run and test; idempotent.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ccache systemd
  clang llvm lld libclang-rt-14-dev clang-format
  libbpf-dev bpftool linux-libc-dev
  libnetfilter-queue-dev libnetfilter-conntrack-dev libmnl-dev libnfnetlink-dev python3-cryptography
  iptables nftables libnftables-dev
  libldns-dev libidn2-dev libre2-dev libpsl-dev publicsuffix libcurl4-openssl-dev ca-certificates
  libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev qt6-tools-dev-tools libqt6svg6 qt6-qpa-plugins
  qt6-tools-dev qt6-l10n-tools
  libgl-dev
  libtomlplusplus-dev libsqlite3-dev libcli11-dev libfmt-dev libssl-dev nlohmann-json3-dev libseccomp-dev libcap-dev
  libbenchmark-dev
  debhelper lintian scdoc mmdebstrap
  dbus polkitd pkexec
  dnsmasq xvfb trayer imagemagick x11-utils
  curl wget dnsutils iproute2 socat python3 util-linux procps iputils-ping dnsperf iperf3
  chromium  # the real-browser end-to-end test (tests/e2e/bus/browser_test.cpp)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# dnsmasq's package enables a system service; hostgate only runs it inside test namespaces.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now dnsmasq 2>/dev/null || true
fi
