#!/bin/sh
# Runs a command with a root directory of its own, as a Flatpak, a Snap or a container runs: a tmpfs root with
# the host's /usr, /etc, /proc, /dev, /tmp and /work bound in (Debian's merged /usr: /bin, /lib... are links),
# and, when INFO is not "", INFO copied to /.flatpak-info. Everything happens in a private mount namespace that
# ends with the command; ROOT is an empty directory the test made.
#   with_own_root.sh ROOT INFO COMMAND...
set -eu
exec unshare --mount --propagation private sh -eu -c '
root=$1; info=$2; shift 2
mount -t tmpfs hostgate-test-root "$root"
for dir in usr etc proc dev tmp work; do
    mkdir "$root/$dir"
    mount --rbind "/$dir" "$root/$dir"
done
for link in bin lib lib64 sbin; do ln -s "usr/$link" "$root/$link"; done
if [ -n "$info" ]; then cp "$info" "$root/.flatpak-info"; fi
exec chroot "$root" "$@"' with_own_root "$@"
