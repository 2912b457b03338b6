#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_scale.sh - how replay's cost and memory grow with the universe
# (issue 15): for each size, a synthetic universe of SYMBOLS x DAYS daily
# bars (argo synth, not timed), then, in a fresh process
# (bench_replay --replay-child), argo's replay with calibration on and a
# bare scan of the same bars in time order on the same backend (the
# peer). Prints per size: bars, replay wall, time per bar, the scan in
# time order (scan s: the issue's peer) and in the store's own order
# (raw s: the cheapest read of every bar), replay's ratio to each, and
# peak RSS (MB) against the budget of 8 KB per symbol + 64 MB,
# and at the end the spread of time per bar over the sizes
# (max / min; the target is within +-25% of the smallest universe's).
# The store is read without a memory map (see bench_replay.c).
#
# Usage: bench/bench_scale.sh [BUILD_DIR] ["SIZES"] [DAYS] ["BACKENDS"]
#   defaults: build-release, "100 500 2000 5000", 2520 (ten years),
#   "sqlite pg" (pg: a throwaway PostgreSQL 15 on a Unix socket,
#   scripts/pg.sh, fsync off like the SQLite side's tmpfs).
#   CALIBRATE=0 replays with calibration off.
# One run at 5,000 symbols x 10 years on both backends takes about
# half an hour on a 2-core machine (most of it PostgreSQL).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
build=$(cd "${1:-$root/build-release}" && pwd)
sizes=${2:-100 500 2000 5000}
days=${3:-2520}
backends=${4:-sqlite pg}
argo=$build/argo
child=$build/bench_replay
for b in "$argo" "$child"; do
    [ -x "$b" ] || { echo "bench_scale: $b not built (cmake --build $build)" >&2; exit 1; }
done
base=/tmp
[ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/bench_scale.XXXXXX")
pgdir=
port=${PGPORT_BENCH:-55493}
cleanup() {
    [ -n "$pgdir" ] && "$root/scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
export ARGO_BENCH_CALIBRATE=${CALIBRATE:-1}

echo "== replay at scale: ${days} days per symbol, calibration $([ "$ARGO_BENCH_CALIBRATE" = 0 ] && echo off || echo on), $(nproc) cores"
for backend in $backends; do
    if [ "$backend" = pg ] && [ -z "$pgdir" ]; then
        pgdir=$(mktemp -d /tmp/bench_scale_pg.XXXXXX)
        "$root/scripts/pg.sh" start "$pgdir" "$port" >/dev/null
    fi
    echo
    echo "-- $backend"
    printf "%7s %9s %9s %7s %7s %6s %7s %6s %7s %7s %6s\n" symbols bars "replay s" "us/bar" \
        "scan s" "/scan" "raw s" "/raw" "RSS MB" "budget" "/budg"
    per_bar=()
    for n in $sizes; do
        if [ "$backend" = sqlite ]; then
            db=$tmp/s$n.db
        else
            db="postgresql:///postgres?host=$pgdir&port=$port&user=postgres&schema=s$n"
        fi
        "$argo" synth --symbols "$n" --days "$days" --db "$db" >/dev/null 2>"$tmp/err" || {
            echo "bench_scale: argo synth failed:" >&2
            cat "$tmp/err" >&2
            exit 1
        }
        out=$("$child" --replay-child "$db")
        read -r wall rss scan sigs bars raw <<<"$out"
        us=$(echo "$wall * 1000000 / $bars" | bc -l)
        per_bar+=("$us")
        budget=$(echo "$n * 8 / 1024 + 64" | bc -l)
        printf "%7d %9d %9.2f %7.3f %7.2f %6.2f %7.2f %6.2f %7.1f %7.1f %6.2f\n" "$n" "$bars" \
            "$wall" "$us" "$scan" "$(echo "$wall / $scan" | bc -l)" "$raw" \
            "$(echo "$wall / $raw" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$budget" \
            "$(echo "$rss / 1024 / $budget" | bc -l)"
        if [ "$backend" = sqlite ]; then
            rm -f "$db" "$db-wal" "$db-shm"
        else
            psql -X -q -h "$pgdir" -p "$port" -U postgres -d postgres \
                -c "DROP SCHEMA s$n CASCADE" >/dev/null 2>&1 || true
        fi
    done
    lo=${per_bar[0]} hi=${per_bar[0]}
    for v in "${per_bar[@]}"; do
        lo=$(echo "if ($v < $lo) $v else $lo" | bc -l)
        hi=$(echo "if ($v > $hi) $v else $hi" | bc -l)
    done
    printf "time per bar: %.3f to %.3f us, max/min %.2f, largest/smallest universe %.2f\n" \
        "$lo" "$hi" "$(echo "$hi / $lo" | bc -l)" \
        "$(echo "${per_bar[-1]} / ${per_bar[0]}" | bc -l)"
done
