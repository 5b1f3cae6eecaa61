#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian packages hostgate and hostgate-gui from debian/ with dpkg-buildpackage (debhelper), then
# checks them with lintian. Output: build-deb/hostgate_<version>_<arch>.deb, build-deb/hostgate-gui_...deb (and
# the -dbgsym packages, .buildinfo, .changes, lintian.log).
#   HOSTGATE_DEB_BUILD_DIR  where to stage and build (default: build-deb in this tree; one per worktree, so
#                           builds of different trees never collide)
#   HOSTGATE_SKIP_LINTIAN=1 skip the lintian check (it is otherwise an error if lintian reports anything at
#                           warning level or above)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${HOSTGATE_DEB_BUILD_DIR:-$top/build-deb}

"$top/scripts/install-deps.sh"

# dpkg-buildpackage writes its results into the parent of the source tree, and debhelper its staging
# directories into the tree: build a copy in our own directory, so neither the tree nor its parent (shared
# with other worktrees) gets anything. The copy's path stays the same from build to build, so ccache hits.
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
stage=$out/hostgate-$version
rm -rf "$stage"
mkdir -p "$stage"
rm -f "$out"/hostgate*.deb "$out"/hostgate*.ddeb "$out"/hostgate_*.buildinfo "$out"/hostgate_*.changes
tar -C "$top" --exclude=./.git --exclude='./build*' --exclude='./obj-*' --exclude=./out -cf - . | tar -C "$stage" -xf -

(cd "$stage" && dpkg-buildpackage -b -us -uc -j2)
rm -rf "$stage"
ls -l "$out"/*.deb

if [ "${HOSTGATE_SKIP_LINTIAN:-0}" != 1 ]; then
  changes=$(ls "$out"/hostgate_"${version}"_*.changes)
  # --fail-on warning: a warning fails the build, as an error does (overrides carry their reason in debian/).
  if ! lintian --fail-on error,warning --info "$changes" | tee "$out/lintian.log"; then
    echo "package.sh: lintian reports errors or warnings (see $out/lintian.log)" >&2
    exit 1
  fi
  echo "package.sh: lintian: no errors, no warnings"
fi
