#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_pg_replay.sh - the same work on the two store backends, one run:
# a synthetic universe of SYMBOLS x DAYS daily bars (argo synth, the
# bulk write), then argo replay (every bar walked: generate, track,
# calibrate, signals and outcomes stored), then argo stats, and a live
# cycle (ingest, generate, track) of one new day's bars, each on SQLite (a file in /dev/shm
# or /tmp) and on PostgreSQL 15 (a throwaway cluster on a Unix socket,
# fsync off like the SQLite side's tmpfs; scripts/pg.sh). Prints wall
# times, peak RSS of the argo process, and the PostgreSQL/SQLite ratio.
#
# Usage: bench/bench_pg_replay.sh [BUILD_DIR] [SYMBOLS] [DAYS]
#        (defaults: build-release, 500, 2520: ten years)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
build=$(cd "${1:-$root/build-release}" && pwd)
syms=${2:-500}
days=${3:-2520}
argo=$build/argo
base=/tmp
[ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/bench_pg_replay.XXXXXX")
pgdir=$(mktemp -d /tmp/bench_pg_replay_pg.XXXXXX)
port=${PGPORT_BENCH:-55491}
cleanup() {
    "$root/scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
"$root/scripts/pg.sh" start "$pgdir" "$port" >/dev/null
sq="$tmp/bench.db"
pg="postgresql:///postgres?host=$pgdir&port=$port&user=postgres&schema=bench"

# run LABEL DB ARGS...: wall seconds and peak RSS (MB) of one argo command
declare -A wall rss
run() {
    local label=$1 db=$2
    shift 2
    local out
    out=$( { /usr/bin/time -f "%e %M" "$argo" "$@" --db "$db" >/dev/null 2>"$tmp/err"; } 2>&1 ) || {
        echo "bench: argo $* on $label failed:" >&2
        cat "$tmp/err" >&2
        exit 1
    }
    out=$(tail -1 "$tmp/err")
    wall[$label]=${out% *}
    rss[$label]=$(( ${out#* } / 1024 ))
}
echo "== $syms symbols x $days days ($((syms * days)) bars), $(nproc) cores"
printf "%-22s %12s %12s %8s %10s %10s\n" step "SQLite s" "PostgreSQL s" ratio "SQLite MB" "PG MB"
step() {
    local name=$1
    shift
    run sq "$sq" "$@"
    local ws=${wall[sq]} rs=${rss[sq]}
    run pg "$pg" "$@"
    printf "%-22s %12.2f %12.2f %7.2fx %10s %10s\n" "$name" "$ws" "${wall[pg]}" \
        "$(echo "${wall[pg]} / $ws" | bc -l)" "$rs" "${rss[pg]}"
}
step "synth (bulk write)" synth --symbols "$syms" --days "$((days - 1))"
step "replay" replay --quiet
step "stats" stats
# one more day for every symbol, then one live cycle (generate + track)
"$argo" synth --symbols "$syms" --days "$days" --csv "$tmp/csv" >/dev/null
mkdir "$tmp/day"
files=()
for f in "$tmp"/csv/*.csv; do
    d="$tmp/day/$(basename "$f")"
    { head -1 "$f"; tail -1 "$f"; } >"$d"
    files+=("$d")
done
step "ingest one day" ingest "${files[@]}"
step "generate (one day)" generate
step "track (one day)" track
sqsize=$(du -sm "$sq" | cut -f1)
pgsize=$(psql -X -At -h "$pgdir" -p "$port" -U postgres -d postgres \
    -c "SELECT pg_database_size('postgres') / 1048576")
echo "store size: SQLite ${sqsize} MB, PostgreSQL ${pgsize} MB (whole database)"
echo "(ratio = PostgreSQL / SQLite: below 1, PostgreSQL is faster)"
