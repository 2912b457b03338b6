#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Style by machine: clang-format, no unbounded or unchecked libc calls
# (sprintf, strcpy, strcat, gets, atoi) anywhere in C sources, and the
# include rules of the layers (scripts/check-layers.sh, docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]')
bad=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol)[[:space:]]*\(' $files || true)
if [ -n "$bad" ]; then
    echo "check-style: banned function:"
    echo "$bad"
    exit 1
fi
clang-format --dry-run -Werror $files
scripts/check-layers.sh
echo "check-style: ok ($(echo $files | wc -w) files)"
