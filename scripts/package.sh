#!/usr/bin/env bash
# Builds the Debian package (build-deb/hostgate_<version>_<arch>.deb) with /usr as the install prefix.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${HOSTGATE_DEB_BUILD_DIR:-$top/build-deb}
"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DHOSTGATE_BUILD_BENCH=OFF \
  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON # package what was built, not every test
cmake --build "$build" -j2 --target hostgated hostgatectl hostgate
(cd "$build" && cpack -G DEB)
ls "$build"/*.deb
