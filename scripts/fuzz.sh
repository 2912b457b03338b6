#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds every libFuzzer target (fuzz/fuzz_*.c) with clang-14 (ASan +
# UBSan) and runs each for a bounded time from its seed corpus in
# fuzz/corpus/NAME. The run fails when a fuzzer exits non-zero or leaves
# any artifact (crash-, leak-, timeout-, oom-, slow-unit-...): the memory
# limits are low (256 MB RSS and 256 MB for one allocation; the targets
# peak below 100 MB) so that an allocation bomb is a finding, not a pass;
# ASan's quarantine of freed memory is cut to 16 MB so that it does not
# count as growth. A fuzzer that does not stop in time fails
# too. Findings stay in build-fuzz/.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
targets=()
for f in fuzz/fuzz_*.c; do
    t=${f#fuzz/fuzz_}
    targets+=("${t%.c}")
done
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DARGO_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
rm -rf build-fuzz/artifacts
mkdir -p build-fuzz/artifacts
total=0
for t in "${targets[@]}"; do
    work=$(mktemp -d)
    if [ -d fuzz/corpus/"$t" ]; then cp -r fuzz/corpus/"$t"/. "$work"/; fi
    echo "== fuzz_$t for ${secs}s"
    set +e
    (cd build-fuzz && ASAN_OPTIONS=quarantine_size_mb=16:${ASAN_OPTIONS:-} \
        timeout -k 10 $((secs + 120)) ./fuzz_"$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=256 -malloc_limit_mb=256 -artifact_prefix=artifacts/ -print_final_stats=1 \
        "$work" >fuzz_"$t".log 2>&1)
    rc=$?
    set -e
    rm -rf "$work"
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY" \
        build-fuzz/fuzz_"$t".log || true
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' build-fuzz/fuzz_"$t".log)
    total=$((total + ${n:-0}))
    if [ "$rc" -ne 0 ] || [ -n "$(ls -A build-fuzz/artifacts)" ]; then
        echo "fuzz_$t failed (exit $rc); its log: build-fuzz/fuzz_$t.log; findings:"
        ls build-fuzz/artifacts
        tail -n 30 build-fuzz/fuzz_"$t".log
        exit 1
    fi
done
echo "fuzz: ${#targets[@]} targets, $total executions, no crash, leak, timeout, OOM or sanitizer report"
