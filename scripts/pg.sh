#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL 15 cluster for the tests (the *_pg tests of
# ctest start one per build folder; docs/TESTING.md).
#
#   scripts/pg.sh start DIR PORT   initdb + pg_ctl start; prints the URL prefix
#                                  (ARGO_TEST_STORE_URL) on stdout
#   scripts/pg.sh stop DIR         pg_ctl stop -m immediate; removes DIR
#
# DIR holds the data (DIR/data), the log (DIR/log) and the Unix socket;
# the server listens on no TCP address (listen_addresses=''), only on
# the socket, with PORT in its name. Trust authentication, fsync off:
# a test cluster, never one for data. Run as root, the server runs as
# the postgres user (runuser -u postgres; initdb refuses root) and DIR
# is given to it; otherwise as the current user. When pg_partman is
# installed (Debian postgresql-15-partman) the database gets it in the
# schema partman, so the tests exercise the backend's partman mode.
# Every step is bounded: start waits at most 30 s for the server.
set -euo pipefail
PGBIN=${ARGO_PGBIN:-/usr/lib/postgresql/15/bin}
die() {
    echo "pg.sh: $*" >&2
    exit 1
}
as_owner=()
[ "$(id -u)" -eq 0 ] && as_owner=(runuser -u postgres --)

stop_cluster() { # DIR: stops a server running there, if any (bounded)
    local dir=$1
    if [ -f "$dir/data/postmaster.pid" ]; then
        "${as_owner[@]}" "$PGBIN/pg_ctl" stop -D "$dir/data" -m immediate -t 30 >/dev/null 2>&1 ||
            true
    fi
}

cmd=${1:-}
case "$cmd" in
start)
    [ $# -eq 3 ] || die "usage: pg.sh start DIR PORT"
    dir=$2
    port=$3
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ] ||
        die "start: port '$port' is not a number in 1024-65535"
    [ -x "$PGBIN/initdb" ] ||
        die "start: $PGBIN/initdb not found: install postgresql-15 (scripts/setup.sh --test)"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # a Unix socket path holds at most 107 bytes
    [ ${#dir} -le 90 ] || die "start: $dir is too long for a Unix socket path (at most 90 bytes)"
    stop_cluster "$dir" # a cluster left by an interrupted run
    rm -rf "${dir:?}"/data "$dir"/log
    if [ ${#as_owner[@]} -gt 0 ]; then
        chown postgres: "$dir"
        # the server must reach DIR through its parents
        runuser -u postgres -- test -x "$dir" ||
            die "start: the postgres user cannot enter $dir (a parent folder is not searchable)"
    fi
    "${as_owner[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync \
        >"$dir/initdb.log" 2>&1 || die "start: initdb failed ($dir/initdb.log): $(tail -n 1 "$dir/initdb.log")"
    opts="-p $port -k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off"
    opts+=" -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
    if ! "${as_owner[@]}" "$PGBIN/pg_ctl" start -D "$dir/data" -l "$dir/log" -w -t 30 -o "$opts" \
        >/dev/null 2>&1; then
        msg=$(tail -n 3 "$dir/log" 2>/dev/null | tr '\n' ' ')
        stop_cluster "$dir"
        die "start: the server did not start on port $port within 30 s ($dir/log): $msg"
    fi
    psql=("${as_owner[@]}" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres
          -d postgres)
    if [ -f /usr/share/postgresql/15/extension/pg_partman.control ]; then
        "${psql[@]}" -c "CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman" \
            >/dev/null 2>&1 || {
            stop_cluster "$dir"
            die "start: CREATE EXTENSION pg_partman failed"
        }
    fi
    echo "postgresql:///postgres?host=$dir&port=$port&user=postgres&schema="
    ;;
stop)
    [ $# -eq 2 ] || die "usage: pg.sh stop DIR"
    dir=$2
    [ -d "$dir" ] || exit 0
    stop_cluster "$dir"
    rm -rf "${dir:?}"
    ;;
*)
    die "usage: pg.sh start DIR PORT | pg.sh stop DIR"
    ;;
esac
