#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every name with external linkage in libargo.a is argo_-prefixed
# (docs/STYLE.md): lists the defined external symbols of the library that
# are not, and exits 1 when there is one. Usage: check-symbols.sh [LIB]
# (default build/libargo.a).
set -euo pipefail
cd "$(dirname "$0")/.."
lib=${1:-build/libargo.a}
if [ ! -f "$lib" ]; then
    echo "check-symbols: $lib: no such library (build first)"
    exit 1
fi
# nm -g --defined-only: "ADDRESS TYPE NAME" for each defined external
# symbol, "member.o:" headers and blank lines between the members
bad=$(nm -g --defined-only "$lib" | awk 'NF == 3 && $3 !~ /^argo_/ { print $3 }' | sort -u)
if [ -n "$bad" ]; then
    echo "check-symbols: $lib exports names without the argo_ prefix (rename them, or make them static):"
    echo "$bad" | sed 's/^/  /'
    exit 1
fi
echo "check-symbols: ok"
