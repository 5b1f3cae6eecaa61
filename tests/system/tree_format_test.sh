#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The house rules hold for every tracked C/C++ file: formatted with .clang-format (clang-format 14, as Debian 12
# ships it) and carrying its SPDX line; and the shipped code (daemon/, cli/, gui/) turns errno into text only
# through daemon/core/util/errno_error.h, never strerror (CONTRIBUTING.md). Usage: tree_format_test.sh SOURCE_DIR
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "tree_format_test: clang-format is not installed (scripts/install-deps.sh)" >&2; exit 1; }
git rev-parse --git-dir >/dev/null 2>&1 || { echo "tree_format_test: $1 is not a git checkout" >&2; exit 1; }
unformatted=() unlicensed=()
while IFS= read -r -d '' file; do
  clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
  head -n 2 "$file" | grep -q 'SPDX-License-Identifier: GPL-3.0-or-later' || unlicensed+=("$file")
done < <(git ls-files -z -- '*.cpp' '*.h' '*.c')
status=0
if ((${#unformatted[@]})); then
  echo "not formatted (clang-format -i FILE):" >&2; printf '  %s\n' "${unformatted[@]}" >&2; status=1
fi
if ((${#unlicensed[@]})); then
  echo "no SPDX line in the first two lines:" >&2; printf '  %s\n' "${unlicensed[@]}" >&2; status=1
fi
# strerror( and std::strerror(, not idn2_strerror or curl_easy_strerror (those name library codes, not errno).
if strerror_uses=$(git grep -n -E '(^|[^_[:alnum:]])strerror(_r)?\(' -- 'daemon/*' 'cli/*' 'gui/*' \
    ':!daemon/core/util/errno_error.h'); then
  echo "strerror in shipped code (use errnoText/errnoError from util/errno_error.h):" >&2
  printf '  %s\n' "$strerror_uses" >&2; status=1
fi
[ "$status" -eq 0 ] && echo "tree_format_test: every C/C++ file is formatted and licensed; errno becomes text one way"
exit "$status"
