#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds with optimisation and runs the benchmarks under bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j"$(nproc)" --target bench_replay bench_isotonic bench_parquet >/dev/null
echo "== bench_replay"
build-release/bench_replay
echo "== bench_isotonic"
build-release/bench_isotonic
echo "== bench_parquet"
build-release/bench_parquet
