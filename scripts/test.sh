#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every test: set up, check style, then build and run the whole suite
# twice, plainly and under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/check-style.sh
jobs=$(nproc)
# with CI=true a reference test that cannot run (exit 77) fails (CMakeLists.txt)
[ "${CI:-}" = true ] && echo "== CI=true: a skipped reference test is a failure"
# the *_pg tests run in both builds against a throwaway PostgreSQL cluster
# that ctest starts and stops (pg_start/pg_stop, ports 55440 and 55441)
echo "== build (warnings are errors) and test, on SQLite and PostgreSQL (docs/TESTING.md)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
scripts/check-symbols.sh build/libargo.a
# the build of the README's first command (scripts/demo.sh): -O3 warns
# (maybe-uninitialized) where RelWithDebInfo does not, and warnings are errors
echo "== the Release build of the first command (scripts/demo.sh)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j"$jobs" --target argo_cli >/dev/null
(cd build && ctest --output-on-failure -j"$jobs")
echo "== build and test under ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DARGO_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$jobs")
echo "== allocation-failure injection under ASan, leaks on (tests/faultsim, about 4 minutes)"
cmake -S . -B build-faultsim -DCMAKE_BUILD_TYPE=Debug -DARGO_SANITIZE=ON -DARGO_FAULTSIM=ON \
    -DBUILD_TESTING=OFF >/dev/null
cmake --build build-faultsim -j"$jobs" --target argo_cli >/dev/null
/usr/bin/python3 tests/faultsim/run.py build-faultsim/argo . --per-command 120 --jobs "$jobs"
echo "== the same on a PostgreSQL store (tests/faultsim --db-prefix, about 3.5 minutes)"
# a cluster of its own on port 55442, stopped on exit, also on a failure
pgdir=$(mktemp -d /tmp/argo-faultpg-XXXXXX)
trap 'scripts/pg.sh stop "$pgdir"' EXIT
url=$(scripts/pg.sh start "$pgdir" 55442)
/usr/bin/python3 tests/faultsim/run.py build-faultsim/argo . --db-prefix "$url" \
    --per-command 8 --jobs "$jobs"
scripts/pg.sh stop "$pgdir"
trap - EXIT
echo "== fuzz every parser (fuzz/fuzz_*.c), 20 s each"
scripts/fuzz.sh 20
