#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# argo store copy end to end: a store with rows in every table argo's
# commands fill (bars, signals, outcomes, models, states, suppressed
# counts, events, API keys, and the provider's cache, revised bars and
# calls) copied to a target and back, verified by the
# per-table checksums; stats and signals the same on the copy; a target
# with rows refused, --replace, a copy failing midway leaves the target
# as it was, bad usage.
#
# The target is a SQLite file, or, when ARGO_TEST_STORE_URL is set (a
# URL prefix, docs/POSTGRES.md), that prefix and a name of this run:
# the PostgreSQL twin runs SQLite -> PostgreSQL -> SQLite.
set -u
argo=$(realpath "$1") src=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
unset ARGO_DB ARGO_CONFIG
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE PATTERN CMD...: exit code, and one stderr line matching PATTERN
expect() {
    local code=$1 pat=$2
    shift 2
    "$@" >out.txt 2>err.txt
    local rc=$?
    local lines
    lines=$(wc -l <err.txt)
    if [ "$rc" -ne "$code" ]; then bad "$* exited $rc, wanted $code: $(cat err.txt)"; return; fi
    if [ "$code" -ne 0 ] && [ "$lines" -ne 1 ]; then bad "$*: $lines stderr lines"; return; fi
    if ! grep -qE -- "$pat" err.txt out.txt; then bad "$*: no '$pat' in: $(cat err.txt out.txt)"; return; fi
    ok
}

# sums FILE.json: the tables' names, rows and checksums of a copy's --json
sums() { grep -E '"(name|rows|sha256)"' "$1" | tr -d ' \n'; }

# content URL: the checksums of a store, read by copying it into a new file
content() {
    rm -f probe.db*
    "$argo" store copy --from "$1" --to probe.db --json >probe.json 2>probe.err ||
        { echo "content of $1: $(cat probe.err)"; return; }
    sums probe.json
}

# --- a store with rows in every table the commands fill ----------------
export ARGO_DB="$tmp/src.db"
"$argo" synth --symbols 60 --days 250 >/dev/null || bad "synth"
"$argo" replay --quiet >/dev/null || bad "replay"
for d in 255 260 265; do # live cycles: signals and outcomes with their events
    "$argo" synth --symbols 60 --days $d >/dev/null && "$argo" generate >/dev/null &&
        "$argo" track >/dev/null || bad "live cycle to day $d"
done
printf '[signal]\nmin_edge_bps = 400\n' >hi.conf # suppressed signals
"$argo" synth --symbols 60 --days 270 >/dev/null && "$argo" generate --config hi.conf >/dev/null ||
    bad "generate with a high edge"
"$argo" calibrate >/dev/null || bad "calibrate"
"$argo" keys add --role read --name reader >/dev/null 2>&1 || bad "keys add"
"$argo" keys add --role admin >/dev/null 2>&1 || bad "keys add"
unset ARGO_DB
# the provider's tables (the HTTP cache, a revised bar, calls per day),
# written as argo's store writes them, until argo fetch fills them here
/usr/bin/python3 - "$tmp/src.db" <<'PY' || bad "provider rows"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
with db:
    db.executemany("INSERT INTO http_cache VALUES (?, ?, ?, ?)", [
        ("https://h/v2/stocks/bars?symbols=S0001,S0002", 'W/"1"', "", 1700000000),
        ("https://h/csv/\u00e9.csv", "", "Wed, 21 Oct 2015 07:28:00 GMT", 1700000001)])
    sym, ts, o, h, l, c, v = db.execute(
        "SELECT symbol_id, ts, open, high, low, close, volume FROM bars LIMIT 1").fetchone()
    db.execute("INSERT INTO bar_corrections(symbol_id, ts, stored_open, stored_high, stored_low,"
               " stored_close, stored_volume, revised_open, revised_high, revised_low,"
               " revised_close, revised_volume, source, seen_at)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'alpaca', 1700000002)",
               (sym, ts, o, h, l, c, v, o, h, l, c + 0.1 + 0.2, 1e-300))
    db.executemany("INSERT INTO fetch_calls VALUES (?, ?)",
                   [(19000 * 86400, 12), (19001 * 86400, 3)])
PY

if [ -n "${ARGO_TEST_STORE_URL:-}" ]; then
    target="${ARGO_TEST_STORE_URL}copy_$$"
    other="${ARGO_TEST_STORE_URL}copy2_$$"
else
    target="sqlite:$tmp/target.db"
    other="sqlite:$tmp/other.db"
fi

# --- copy there and back -------------------------------------------------
expect 0 "12 tables, verified" "$argo" store copy --from src.db --to "$target"
for t in symbols bars calibration_models signals strategy_state suppressed_signals events api_keys \
    http_cache bar_corrections fetch_calls; do
    grep -qE "^  $t +[1-9][0-9]* rows? +sha256 [0-9a-f]{16}  verified$" out.txt && ok ||
        bad "table $t: not copied with rows: $(grep " $t " out.txt)"
done
"$argo" store copy --from src.db --to first.db --json >first.json 2>err.txt || bad "copy to first.db: $(cat err.txt)"
expect 0 '"verified": true' "$argo" store copy --from "$target" --to back.db --json
cp out.txt back.json
[ -n "$(sums first.json)" ] && [ "$(sums first.json)" = "$(sums back.json)" ] && ok ||
    bad "the round trip's checksums differ from the source's"
for cmd in "stats --json" "signals" "signals --json" "calibrate list" "keys list"; do
    # shellcheck disable=SC2086
    [ "$("$argo" $cmd --db src.db)" = "$("$argo" $cmd --db back.db)" ] && ok ||
        bad "argo $cmd differs between the source and the round trip"
done
# new rows of the copy are numbered above the copied ones
"$argo" keys add --role stream --db back.db >/dev/null 2>err.txt && grep -q "key 3 " err.txt && ok ||
    bad "a key added to the copy: $(cat err.txt)"
before=$(content "$target")

# --- a target with rows, --replace, a failure midway ---------------------
expect 1 "^argo store copy: target .* is not empty \(table symbols has 60 rows\)" \
    "$argo" store copy --from src.db --to "$target"
[ "$(content "$target")" = "$before" ] && ok || bad "a refused copy changed the target"
export ARGO_DB="$tmp/small.db"
"$argo" synth --symbols 3 --days 120 >/dev/null && "$argo" replay --quiet >/dev/null || bad "small store"
unset ARGO_DB
ARGO_TEST_COPY_FAIL_AFTER=50 expect 1 "^argo store copy: table bars: failure injected" \
    "$argo" store copy --from small.db --to "$target" --replace
[ "$(content "$target")" = "$before" ] && ok || bad "a copy that failed midway changed the target"
ARGO_TEST_COPY_FAIL_AFTER=50 expect 1 "injected" "$argo" store copy --from small.db --to new.db
[ ! -e new.db ] && ok || bad "a failed copy left the new target new.db behind"
expect 0 "its rows replaced" "$argo" store copy --from small.db --to "$target" --replace
[ "$(content "$target")" = "$(content small.db)" ] && ok || bad "--replace: the target is not the small store"
expect 0 "12 tables, verified" "$argo" store copy --from src.db --to "$target" --replace
[ "$(content "$target")" = "$before" ] && ok || bad "--replace back: the target is not the source"
expect 0 "12 tables, verified" "$argo" store copy --from "$target" --to "$other"
[ "$(content "$other")" = "$before" ] && ok || bad "a copy of the copy differs"

# --- refused -------------------------------------------------------------
expect 1 "same store" "$argo" store copy --from src.db --to "sqlite:$tmp/src.db"
expect 1 "same store" "$argo" store copy --from "$target" --to "$target"
expect 1 "^argo store copy: source: database missing.db does not exist" \
    "$argo" store copy --from missing.db --to x.db
[ ! -e x.db ] && ok || bad "a copy from a missing store created its target"
expect 2 "needs --to" "$argo" store copy --from src.db
expect 2 "needs --from" "$argo" store copy --to x.db
expect 2 "unknown or incomplete option '--frobnicate'" "$argo" store copy --frobnicate
expect 2 "expected: argo store copy" "$argo" store
expect 2 "expected: argo store copy" "$argo" store move
expect 0 "usage: argo store copy" "$argo" store copy --help
expect 0 "store copy" "$argo" --help

echo "store copy: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
