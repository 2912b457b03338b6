#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang-14 (ASan + UBSan) and runs each
# for a bounded time from the seed corpus in fuzz/corpus. A crash, leak
# or sanitizer report fails the run and leaves the input in build-fuzz/.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DARGO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_parquet fuzz_csv fuzz_manifest >/dev/null
for t in parquet csv manifest; do
    work=$(mktemp -d)
    cp fuzz/corpus/"$t"/* "$work"/
    echo "== fuzz_$t for ${secs}s"
    (cd build-fuzz && ./fuzz_"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "$work" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY" || true)
    rc=${PIPESTATUS[0]}
    rm -rf "$work"
    ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* >/dev/null 2>&1 && {
        echo "fuzz_$t found a failing input:"; ls build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* 2>/dev/null; exit 1; }
done
echo "fuzz: no crash, leak or sanitizer report"
