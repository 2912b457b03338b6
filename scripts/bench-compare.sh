#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Before/after in one run: builds the benchmarks of git revision REV (in a
# temporary worktree) and of the working tree, both Release, then runs
# bench_replay, bench_isotonic and bench_parquet alternately, ROUNDS times
# each (default 2), so both see the same machine. Prints each run's output
# under "== NAME before|after (round K)". Usage: scripts/bench-compare.sh REV [ROUNDS]
# The peers (DuckDB, scikit-learn) are this tree's test tools (scripts/setup.sh
# --test), lent to the revision's worktree. glibc places large buffers by a
# threshold that moves with the process's allocation history, so two builds
# doing the same work can page-fault differently; to compare the work alone,
# run with GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456
# (both sides inherit it).
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/bench-compare.sh REV [ROUNDS]}
rounds=${2:-2}
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/before" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add -q --detach "$tmp/before" "$rev"
for d in tests/interop tests/s3; do
    [ -d "$d/node_modules" ] && [ -d "$tmp/before/$d" ] && ln -s "$(pwd)/$d/node_modules" "$tmp/before/$d/node_modules"
done
targets="bench_replay bench_isotonic bench_parquet"
for side in before after; do
    src=$([ $side = before ] && echo "$tmp/before" || pwd)
    cmake -S "$src" -B "$tmp/build-$side" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    # shellcheck disable=SC2086
    cmake --build "$tmp/build-$side" -j"$(nproc)" --target $targets >/dev/null
done
for b in $targets; do
    for k in $(seq "$rounds"); do
        for side in before after; do
            echo "== $b $side (round $k)"
            (cd "$([ $side = before ] && echo "$tmp/before" || pwd)" && "$tmp/build-$side/$b")
        done
    done
done
