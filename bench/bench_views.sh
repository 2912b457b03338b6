#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The materialized-view claim (bench/bench_views.c says what is timed):
# a throwaway PostgreSQL 15 cluster (initdb + pg_ctl as the postgres
# user, socket in a temporary folder, port PORT, stopped at the end, also
# on failure), or the server of ARGO_BENCH_PG_URL (a libpq URL; the
# schema bench_views is dropped and made there).
# Usage: bench/bench_views.sh [SYMBOLS DAYS SCALE PG_SYMBOLS]   (default 500 2520 1 100)
# Env: BUILD (default build), PORT (default 55434), ARGO_BENCH_PG_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PORT=${PORT:-55434}
[ -x "$BUILD/bench_views" ] || { echo "bench_views.sh: build $BUILD/bench_views first (libpq-dev)"; exit 1; }
tmp=$(mktemp -d /tmp/argo-bench-views-XXXXXX)
chmod 711 "$tmp" # the postgres user reaches its folder inside
cleanup() {
    if [ -f "$tmp/pg/data/postmaster.pid" ]; then
        runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$tmp/pg/data" -m fast stop >/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
url=${ARGO_BENCH_PG_URL:-}
if [ -z "$url" ]; then
    mkdir "$tmp/pg"
    chown postgres "$tmp/pg"
    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$tmp/pg/data" -A trust -U postgres >/dev/null
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$tmp/pg/data" \
        -o "-p $PORT -k $tmp/pg -c listen_addresses=''" -l "$tmp/pg/log" -w start >/dev/null
    url="postgresql:///postgres?host=$tmp/pg&port=$PORT&user=postgres"
fi
echo "bench_views: $(nproc) cores, $(/usr/lib/postgresql/15/bin/postgres --version), default settings"
"$BUILD/bench_views" "$tmp/store.db" "$url" "${1:-500}" "${2:-2520}" "${3:-1}" "${4:-100}"
