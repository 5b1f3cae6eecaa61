#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a command with a root directory of its own, as a Flatpak, a Snap or a container runs: a tmpfs root with
# the host's /usr, /etc, /proc, /dev and /tmp bound in (Debian's merged /usr: /bin, /lib... are links), the
# source tree this script is in bound at its own path (the test's witness lives there, wherever the tree was
# cloned), and, when INFO is not "", INFO copied to /.flatpak-info. Everything happens in a private mount
# namespace that ends with the command; ROOT is an empty directory the test made.
#   with_own_root.sh ROOT INFO COMMAND...
set -eu
tree=$(cd "$(dirname "$0")/../../.." && pwd -P)
exec unshare --mount --propagation private sh -eu -c '
tree=$1; root=$2; info=$3; shift 3
mount -t tmpfs hostgate-test-root "$root"
for dir in usr etc proc dev tmp; do
    mkdir "$root/$dir"
    mount --rbind "/$dir" "$root/$dir"
done
case $tree in /usr/*|/etc/*|/proc/*|/dev/*|/tmp/*) ;; *)
    mkdir -p "$root$tree"
    mount --rbind "$tree" "$root$tree" ;;
esac
for link in bin lib lib64 sbin; do ln -s "usr/$link" "$root/$link"; done
if [ -n "$info" ]; then cp "$info" "$root/.flatpak-info"; fi
exec chroot "$root" "$@"' with_own_root "$tree" "$@"
