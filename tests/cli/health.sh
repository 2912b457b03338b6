#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# argo health through the program: its exit statuses (0 ok, 1 degraded,
# 2 failing, 3 usage mistake or no report), one stderr line whenever it
# is not 0, --json, and that it creates and changes nothing.
# Usage: health.sh ARGO SRC
# With ARGO_TEST_STORE_URL (a URL prefix ending in "schema=", docs/TESTING.md)
# the store is a fresh PostgreSQL schema ($ARGO_DB); the checks of the
# SQLite file itself are skipped then, each saying why.
set -u
argo=$1 src=$2
tmp=$(mktemp -d)
holder=
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    chattr -i "$tmp/argo.db" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
unset ARGO_DB ARGO_CONFIG
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
pg=false
case "${ARGO_TEST_STORE_URL:-}" in
postgres://* | postgresql://*)
    pg=true
    export ARGO_DB="${ARGO_TEST_STORE_URL}health_$$"
    ;;
esac
skip_pg() { # skip_pg WHY: true (and says so) on PostgreSQL
    $pg && echo "skipped on PostgreSQL: $*"
    $pg
}

# expect CODE PATTERN ARGS...: argo ARGS exits CODE, one stderr line
# unless 0 (none when 0), and PATTERN (ERE) in stdout or stderr
expect() {
    local code=$1 pat=$2
    shift 2
    "$argo" "$@" >out.txt 2>err.txt
    local rc=$? lines
    lines=$(wc -l <err.txt)
    if [ "$rc" -ne "$code" ]; then bad "argo $* exited $rc, wanted $code: $(cat err.txt)"; return; fi
    if [ "$code" -ne 0 ] && [ "$lines" -ne 1 ]; then bad "argo $*: $lines stderr lines"; return; fi
    if [ "$code" -eq 0 ] && [ "$lines" -ne 0 ]; then bad "argo $*: stderr: $(cat err.txt)"; return; fi
    if ! grep -qE "$pat" err.txt out.txt; then bad "argo $*: no '$pat' in: $(cat err.txt out.txt)"; return; fi
    ok
}

# usage mistakes: 3, nothing on stdout
expect 3 "^argo health: --level '4': expected 1, 2 or 3" health --level 4
expect 3 "^argo health: --level '0'" health --level 0
expect 3 "^argo health: --level '2x'" health --level 2x
expect 3 "^argo health: --level ''" health --level ''
expect 3 "^argo health: unknown or incomplete option '--deep'" health --deep
expect 3 "^argo health: unexpected argument 'now'" health now
expect 3 "^argo health: --db '': the database path is empty" health --db ''
[ -s out.txt ] && bad "a usage mistake printed on stdout: $(cat out.txt)" || ok
expect 0 "^usage: argo health" health --help

# level 1 needs no store and creates none
expect 0 "^process +ok" health --level 1
[ -e argo.db ] && bad "argo health --level 1 created argo.db" || ok
# no store: failing, with the check named on stderr; still nothing created
if $pg; then
    expect 2 "^argo health: failing: store_open: .*(does not exist|is empty)" health
else
    expect 2 "^argo health: failing: store_open: database argo.db does not exist" health
fi
expect 2 "^argo health: failing: store_open:" health --level 3
[ -e argo.db ] && bad "argo health created argo.db" || ok
# a config that cannot be read is the installation failing
expect 2 "^argo health: failing: config: " health --config missing.conf
grep -qE "^config +failing" out.txt && ok || bad "no config line in: $(cat out.txt)"

# the shipped data, replayed and backed up: healthy at every level
"$argo" ingest "$src/data/market/MSFT.csv" --symbol MSFT >/dev/null &&
    "$argo" replay >/dev/null && "$argo" backup --all >/dev/null || bad "could not build the store"
# the store's file on SQLite; on PostgreSQL (no file) what it holds
if $pg; then
    sum() { { "$argo" signals --json; "$argo" stats --json; sha256sum backups/*/*/*/*; } 2>/dev/null | sha256sum; }
else
    sum() { sha256sum argo.db backups/*/*/*/* 2>/dev/null | sha256sum; }
fi
before=$(sum)
for level in 1 2 3; do
    expect 0 "^health +ok \(level $level\)" health --level "$level"
done
[ "$(sum)" = "$before" ] && ok || bad "argo health changed the store or the backups"
expect 0 '"status": "ok"' health --level 3 --json
/usr/bin/python3 - out.txt <<'PY' && ok || bad "--json: $(cat out.txt)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["level"] == 3 and d["status"] == "ok", d
names = [c["name"] for c in d["checks"]]
assert names == ["process", "store_open", "schema", "store_writable", "last_cycle",
                 "backup_age", "disk_store", "disk_archive", "s3", "coverage", "backup_verify",
                 "calibration_age", "look_ahead", "remote_sample", "cycle_budget"], names
for c in d["checks"]:
    assert set(c) == {"name", "status", "detail", "duration_ms"}, c
    assert c["status"] == "ok" and c["detail"] and c["duration_ms"] >= 0, c
PY
# the output cannot be written: no report, 3
"$argo" health --level 1 >/dev/full 2>err.txt
rc=$?
[ "$rc" -eq 3 ] && grep -q "^argo health: cannot write the output" err.txt && ok ||
    bad "stdout /dev/full: exit $rc, $(cat err.txt)"

# degraded: another process holds the write lock past the probe's wait
if ! skip_pg "SQLite's one write lock held by another process (sqlite3 module) makes the probe wait"; then
    printf '[store]\nbusy_timeout_ms = 100\n' >argo.conf
    /usr/bin/python3 -c "
import sqlite3, time
c = sqlite3.connect('argo.db', isolation_level=None)
c.execute('BEGIN IMMEDIATE'); c.execute(\"INSERT INTO symbols(name) VALUES ('LOCK')\")
open('locked', 'w').close()
time.sleep(20)" &
    holder=$!
    for _ in $(seq 100); do [ -e locked ] && break; sleep 0.1; done
    expect 1 "^argo health: degraded: store_writable: busy" health
    expect 1 '"status": "degraded"' health --json
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    holder=
    rm -f argo.conf locked
fi

# failing: the store file cannot be written (chattr +i; root ignores modes)
if skip_pg "the SQLite store file made immutable (chattr +i)"; then
    :
elif chattr +i argo.db 2>/dev/null; then
    expect 2 "^argo health: failing: store_writable: cannot write" health
    expect 2 '"status": "failing"' health --level 2 --json
    chattr -i argo.db
else
    echo "skip: chattr +i unavailable (not root, or a file system without it)"
fi

# [s3]: reachable, a sample of what was pushed, a deleted object, a
# server that is gone (s3rver from tests/s3, as the S3 test runs it)
s3rver=$src/tests/s3/node_modules/.bin/s3rver
if [ -x "$s3rver" ] && command -v node >/dev/null && command -v aws >/dev/null; then
    port=$(/usr/bin/python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    "$s3rver" -d "$tmp/s3rver" -a 127.0.0.1 -p "$port" -s --service-endpoint localhost \
        --configure-bucket argo-health >/dev/null 2>&1 &
    s3pid=$!
    holder=$s3pid
    for _ in $(seq 100); do
        /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" \
            2>/dev/null && break
        sleep 0.1
    done
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
    export AWS_EC2_METADATA_DISABLED=true
    unset AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE
    printf '[s3]\nendpoint = http://127.0.0.1:%s\nbucket = argo-health\ntimeout_s = 5\n' "$port" >argo.conf
    # check LINE-PATTERN ARGS...: argo health's stdout has a line matching it
    check() {
        local pat=$1
        shift
        "$argo" health "$@" >out.txt 2>err.txt
        grep -qE "$pat" out.txt && ok || bad "argo health $*: no '$pat' in: $(cat out.txt)"
    }
    check "^s3 +ok .*argo-health answered a signed request" --level 2
    check "^remote_sample +ok .*nothing pushed" --level 3
    "$argo" archive push >/dev/null 2>err.txt || bad "archive push: $(cat err.txt)"
    check "^remote_sample +ok .*objects of 2 day\(s\) checked .* 0 do not match" --level 3
    key=$(aws --endpoint-url "http://127.0.0.1:$port" s3api list-objects-v2 --bucket argo-health \
        --query 'Contents[-1].Key' --output text 2>/dev/null)
    aws --endpoint-url "http://127.0.0.1:$port" s3api delete-object --bucket argo-health \
        --key "$key" >/dev/null 2>&1 || bad "could not delete $key"
    check "^remote_sample +failing .* 1 do not match" --level 3
    kill "$s3pid" 2>/dev/null
    wait "$s3pid" 2>/dev/null
    holder=
    check "^s3 +failing .*(connect|Connect)" --level 2
    rm -f argo.conf
else
    echo "skip: s3rver (npm install in tests/s3), node or awscli missing: no [s3] checks"
fi

echo "health CLI: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
