#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End to end through the argo program: ingest the shipped real data,
# replay, stats; then bad input everywhere must give exit 1 (2 for
# usage) and exactly one line on stderr, and leave the store intact.
# With ARGO_TEST_STORE_URL (a URL prefix ending in "schema=", docs/TESTING.md)
# the stores are PostgreSQL schemas named by that prefix, each fresh;
# without it, SQLite files in a temporary folder.
set -u
argo=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
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
    if ! grep -qE "$pat" err.txt out.txt; then bad "$*: no '$pat' in: $(cat err.txt out.txt)"; return; fi
    ok
}

# store NAME: the URL of a fresh store called NAME
pg=false
case "${ARGO_TEST_STORE_URL:-}" in postgres://* | postgresql://*) pg=true ;; esac
store() {
    if [ -n "${ARGO_TEST_STORE_URL:-}" ]; then echo "${ARGO_TEST_STORE_URL}$1_$$"; else echo "$1.db"; fi
}
skip_pg() { # skip_pg WHY: true (and says so) on PostgreSQL
    $pg && echo "skipped on PostgreSQL: $*"
    $pg
}
export ARGO_DB
ARGO_DB=$(store e2e)
case "$ARGO_DB" in /* | *://* | sqlite:*) ;; *) ARGO_DB="$tmp/$ARGO_DB" ;; esac
expect 0 "5550 new bars" "$argo" ingest "$src/data/market/TTRC.csv"
expect 0 "249 new bars" "$argo" ingest "$src/data/market/MSFT.csv" --symbol MSFT
expect 0 "replay: 5799 bars" "$argo" replay
expect 0 "outcome coverage: ([0-9]+) of \\1 signals \\(100.0%\\)" "$argo" stats
expect 0 '"coverage": 1' "$argo" stats --json
expect 0 "macd" "$argo" stats --by strategy
expect 0 "2001-" "$argo" stats --by month
expect 0 "0.3-0.4" "$argo" stats --by bucket
expect 0 "^expiry " "$argo" stats --by exit
expect 0 '"by": "exit"' "$argo" stats --by exit --json
expect 0 "outcome coverage" "$argo" stats --symbol MSFT --strategy macd --since 2001-01-01 \
    --until 2030-01-01T00:00:00Z
expect 1 "no symbol 'NOPE'" "$argo" stats --symbol NOPE
expect 0 "track: 0 open|resolved" "$argo" track
expect 0 "generate: 2 symbols, 0 new bars, 0 signals" "$argo" generate
before=$("$argo" stats --json | md5sum)

# bad input: one clear line, non-zero exit, nothing changed
printf 'date,open,high,low,close,volume\n2030-01-02,10,11,9,10,1\n2030-01-03,10,9,9,10,1\n' >bad.csv
expect 1 "bad.csv:3: high 9 is below max" "$argo" ingest bad.csv --symbol TTRC
expect 1 "missing.csv: cannot open" "$argo" ingest missing.csv
expect 1 "unknown key 'colour'" env ARGO_CONFIG=x.conf sh -c 'printf "[signal]\ncolour = red\n" > x.conf; exec "$0" generate' "$argo"
expect 1 "cannot open" "$argo" generate --config nope.conf
# (a SQLite file given by path, whichever backend the other stores are on)
printf 'not a database, just text, long enough for the header check of sqlite......' >junk.db
expect 1 "corrupt or not a database" "$argo" stats --db junk.db
# a password in a store URL is never printed
expect 1 "postgresql://u:\*\*\*@" "$argo" stats --db "postgresql://u:s3cret@/argo?host=$tmp/nosuch&port=1"
grep -q s3cret err.txt out.txt && bad "the password of a store URL was printed" || ok
expect 2 "unknown or incomplete option '--frobnicate'" "$argo" stats --frobnicate
expect 2 "expected symbol, strategy, bucket, month or exit" "$argo" stats --by colour
expect 2 "expected trend, meanrev, macd or breakout" "$argo" stats --strategy colour
expect 2 "since 'yesterday' is" "$argo" stats --since yesterday
expect 2 "not an ISO date" "$argo" replay --from yesterday
expect 2 "unknown command" "$argo" frobnicate
expect 1 "unknown symbol 'NOPE'" "$argo" signals --symbol NOPE
expect 0 "MSFT +(BUY|SELL) +2001-" "$argo" signals --symbol MSFT
expect 0 '"status": "(WIN|LOSS|EXPIRED)"' "$argo" signals --json
after=$("$argo" stats --json | md5sum)
[ "$before" = "$after" ] && ok || bad "bad input changed the store"
[ "$("$argo" stats --db "$ARGO_DB" --json | grep -c '"signals"')" -gt 0 ] && ok || bad "stats json"

# calibration: refit, list, report, plot, fit and predict, and their bad input
expect 0 "calibrate: [0-9]+ models? fitted" "$argo" calibrate
expect 0 "global" "$argo" calibrate list
expect 0 "walk-forward: 5 folds" "$argo" calibrate report
expect 0 '"walk_forward"' "$argo" calibrate report --json --folds 3
expect 0 "wrote rel.svg" "$argo" calibrate plot --out rel.svg
head -c 5 rel.svg | grep -q '<?xml' && grep -q '</svg>' rel.svg && ok || bad "rel.svg is not a whole SVG"
# 0.4 (weight 2, won) and 0.6 (lost) pool to 2/3
printf 'confidence,label,weight\n0.2,0,1\n0.4,1,2\n0.6,0,1\n0.8,1,1\n' >fit.csv
expect 0 "model [0-9]+: 4 samples" "$argo" calibrate fit --csv fit.csv
v=$("$argo" calibrate fit --csv fit.csv --json | grep -oE '"version": ?[0-9]+' | grep -oE '[0-9]+$')
[ "$(printf '0.1\n0.5\n0.9\n' | "$argo" calibrate predict --model "$v" | tr '\n' ' ')" = "0 0.66666666666666663 1 " ] && ok || bad "predict on the fitted audit model"
printf 'confidence,label\n0.2,0\n1.5,1\n' >bad1.csv
expect 1 "bad1.csv:3: confidence '1.5' is not a number in \[0, 1\]" "$argo" calibrate fit --csv bad1.csv
printf 'confidence,label\n0.2,0\nnan,1\n' >bad2.csv
expect 1 "bad2.csv:3: confidence 'nan'" "$argo" calibrate fit --csv bad2.csv
printf 'confidence,label\n0.2,2\n' >bad3.csv
expect 1 "bad3.csv:2: label '2' is not 0 or 1" "$argo" calibrate fit --csv bad3.csv
printf 'confidence,label\n' >empty.csv
expect 1 "no rows: the training set is empty" "$argo" calibrate fit --csv empty.csv
expect 1 "stdin:2: 'abc' is not a confidence" sh -c 'printf "0.5\nabc\n" | "$0" calibrate predict --model 1' "$argo"
expect 1 "no calibration model version 99999" "$argo" calibrate predict --model 99999
empty=$(store empty)
# (PostgreSQL: "schema S is empty: no bars or signals to read yet")
expect 1 "database .*empty.* (does not exist|is empty)" "$argo" calibrate report --db "$empty"
if ! skip_pg "a read-only command created no SQLite file (checked on SQLite)"; then
    [ ! -e "${empty#sqlite:}" ] && ok || bad "a read-only command created $empty"
fi
few=$(store few)
expect 0 "synth: 1 symbols x 5 days" "$argo" synth --symbols 1 --days 5 --db "$few"
expect 1 "only 0 resolved signals" "$argo" calibrate report --db "$few"
expect 2 "plot needs --out" "$argo" calibrate plot
expect 2 "unknown subcommand 'frob'" "$argo" calibrate frob

# backups: write, rerun unchanged, verify, query (default range), cat, damage
expect 0 "backup 2001-03-14: 0 signals, 0 outcomes, version 1" "$argo" backup --date 2001-03-14 --dir bk
expect 0 "version 1 \(unchanged\)" "$argo" backup --date 2001-03-14 --dir bk
expect 0 "outcomes, version 1" "$argo" backup --all --dir bk
expect 0 "all match their manifests and the store" "$argo" backup verify --all --dir bk
expect 0 "TTRC +302 " "$argo" archive query --dir bk --by symbol
expect 0 "TTRC +10 " "$argo" archive query --dir bk --by symbol --csv --from 2001-01-01 --to 2001-12-31
expect 0 '"month": "2001-' "$argo" archive query --dir bk --by month --json
expect 0 "signal_id INT64" "$argo" archive cat bk/2006/12/21/outcomes-v1.parquet --schema
expect 0 '"status":"(WIN|LOSS|EXPIRED)"' "$argo" archive cat bk/2006/12/21/outcomes-v1.parquet
printf 'X' | dd of=bk/2006/12/21/outcomes-v1.csv bs=1 seek=40 conv=notrunc 2>/dev/null
expect 1 "outcomes-v1.csv: SHA-256 .* does not match" "$argo" backup verify --date 2006-12-21 --dir bk
expect 1 "no backup of 1999-01-01" "$argo" backup verify --date 1999-01-01 --dir bk
expect 1 "not a Parquet file" "$argo" archive cat bk/2006/12/21/outcomes-v1.csv
expect 2 "expected parquet, csv or both" "$argo" backup --format xml
expect 2 "expected snappy, zstd or none" "$argo" backup --codec lz4

# the archive's lifecycle policy
expect 0 "<StorageClass>DEEP_ARCHIVE</StorageClass>" "$argo" archive lifecycle show
expect 0 "all_storage_classes_128K" "$argo" archive lifecycle show
printf '[lifecycle]\ntransitions = STANDARD_IA:10\n' >lc.conf
expect 1 "STANDARD_IA at day 10: S3 allows it no earlier than day 30" "$argo" archive lifecycle show --config lc.conf

# the 7-year cost model: the real backups are tiny, so tiering saves nothing
expect 0 "tiering saves nothing" "$argo" archive cost --dir bk
expect 0 "never leave Standard" "$argo" archive cost --dir bk
expect 0 "tiering saves [0-9.]+%" "$argo" archive cost --signals-per-day 20000
expect 0 '"saving"' "$argo" archive cost --signals-per-day 20000 --json --bundle
expect 1 "no backups in nowhere" "$argo" archive cost --dir nowhere
expect 2 "expected 1..100" "$argo" archive cost --years 0

# local tier folders: the lifecycle policy applied by age, atomically
expect 0 "outcomes, version 1" "$argo" backup --all --dir tb
printf '[archive]\ndir = tb\n[tiers]\nstandard_ia = t_ia\nglacier = t_cold\ndeep_archive = t_deep\n' >tier.conf
"$argo" archive query --dir tb --by symbol >q_before.txt
nfiles=$(find tb -type f ! -name 'manifest*' | wc -l)
expect 0 "would move \(dry run\)" "$argo" archive tier --config tier.conf --now 2007-06-01 --dry-run
[ "$(find t_ia t_cold t_deep -type f 2>/dev/null | wc -l)" -eq 0 ] && ok || bad "dry run moved files"
expect 0 "archive tier: [0-9]+ files moved" "$argo" archive tier --config tier.conf --now 2007-06-01
# 2006-12-21 is 162 days old: Standard-IA; 2001-03-14, 2,270 days: Glacier;
# 1990-01-02: Deep Archive; the manifests stay in the root
[ -f t_ia/2006/12/21/outcomes-v1.parquet ] && [ ! -e tb/2006/12/21/outcomes-v1.parquet ] &&
    [ -f tb/2006/12/21/manifest.json ] && ok || bad "2006-12-21 not in the IA folder"
[ -n "$(find t_cold -path '*2001/*' -type f)" ] && [ -n "$(find t_deep -path '*1990/*' -type f)" ] &&
    [ -z "$(find t_deep -path '*2006/*' -type f)" ] && ok || bad "tiers by age wrong"
[ "$(find tb t_ia t_cold t_deep -type f ! -name 'manifest*' | wc -l)" -eq "$nfiles" ] && ok ||
    bad "files lost or duplicated by tiering"
grep -q '"tier": "STANDARD_IA"' tb/2006/12/21/manifest.json && ok || bad "manifest not updated"
expect 0 "all match their manifests and the store" "$argo" backup verify --all --dir tb
"$argo" archive query --dir tb --by symbol >q_after.txt
cmp -s q_before.txt q_after.txt && ok || bad "archive query differs after tiering"
expect 0 "archive tier: 0 files moved" "$argo" archive tier --config tier.conf --now 2007-06-01
expect 0 "archive tier: [1-9][0-9]* files moved" "$argo" archive tier --config tier.conf --now 2030-01-01
[ -z "$(find tb t_ia t_cold -type f ! -name 'manifest*')" ] && ok || bad "not all in deep archive"
expect 0 "all match their manifests and the store" "$argo" backup verify --all --dir tb
printf 'x' >>t_deep/2006/12/21/outcomes-v1.csv
printf '[tiers]\nglacier = t_x\n' >tier2.conf
expect 1 "does not match its manifest; not moved" "$argo" archive tier --config tier2.conf --now 2030-01-01 --dir tb
[ -f t_deep/2006/12/21/outcomes-v1.csv ] && ok || bad "a damaged file was moved"
expect 1 "no \[tiers\] folders" "$argo" archive tier --dir tb
expect 1 "no \[s3\] bucket" "$argo" archive push --dir tb
expect 2 "give --remote" "$argo" archive verify --dir tb

# --help on every subcommand
for c in ingest synth generate track replay stats signals calibrate backup; do
    expect 0 "usage: argo $c" "$argo" "$c" --help
done

# synth into CSV then ingest it
expect 0 "3 symbols x 300 days" "$argo" synth --symbols 3 --days 300 --seed 5 --csv syn
expect 0 "300 new bars" "$argo" ingest syn/SYN0002.csv --db "$(store syn)"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
