#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds with optimisation and runs the benchmarks under bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j"$(nproc)" --target bench_replay bench_isotonic bench_isoinc bench_parquet argo_cli >/dev/null
# the S3 bench needs the s3_put tool from the test build
cmake -S . -B build-release-tools -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release-tools -j"$(nproc)" --target s3_put >/dev/null
echo "== bench_replay"
build-release/bench_replay
echo "== bench_isotonic"
build-release/bench_isotonic
echo "== bench_isoinc"
build-release/bench_isoinc
echo "== bench_parquet"
build-release/bench_parquet
echo "== bench_s3"
/usr/bin/python3 bench/bench_s3.py build-release/argo build-release-tools/s3_put .
# replay over 100 to 5,000 symbols on both backends takes about half an
# hour: only when asked (SCALE=1)
if [ "${SCALE:-0}" = 1 ]; then
    echo "== bench_scale"
    bench/bench_scale.sh build-release
fi
