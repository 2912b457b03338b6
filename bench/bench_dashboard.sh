#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_dashboard.sh - what the dashboard costs to load on a large store,
# on both backends in one run. A synthetic universe of SYMBOLS x DAYS
# daily bars (argo synth, argo replay on SQLite), copied into a throwaway
# PostgreSQL 15 cluster (scripts/pg.sh; argo store copy, which refreshes
# the materialized views), and backups of the last BACKUP_DAYS days in an
# [archive] dir, so the archive panel has data. Then, for PostgreSQL and
# for SQLite (the peer), argo serve on the store, and:
#  (a) each API call the page makes, ROUNDS times: curl's time_total,
#      the first request, the median and the max. argo serve keeps a 200
#      answer for 1 s and refuses unknown query parameters, so the same
#      URL is never asked twice within 1.1 s: each round asks every URL
#      once, then sleeps out the rest of 1.1 s. Every request reaches the
#      store (warm: the store's pages are in memory after the first).
#      /api/v1/signals?status=open is every page of it (limit=1000, by
#      next_cursor), summed. A route or parameter the server does not have
#      (404, or a 400 naming it) is printed as "missing", not a failure;
#  (b) the page's load time until every panel is drawn: LOADS loads in
#      chromium (bench/bench_dashboard_page.cjs: a fresh context, cache
#      off, 1.1 s apart), window.argoLoadMs; the median and the max.
#      No page at / (404) prints "missing"; a page that does not load
#      prints why, and the script exits 1 after the tables.
# Prints a table per backend and the PostgreSQL/SQLite ratios. Every
# wait is bounded; the PostgreSQL cluster and the servers are stopped at
# the end, also on failure.
#
# Usage: bench/bench_dashboard.sh [SYMBOLS [DAYS]]   (defaults 500 2520: ten years)
# Env: BUILD (default build; the folder with argo), PORT (the cluster's,
#      default 56103), ROUNDS (default 7), LOADS (default 5),
#      BACKUP_DAYS (default 5).
# Needs: curl, sqlite3, node, chromium (/usr/bin/chromium, or CHROMIUM),
#        PostgreSQL 15, puppeteer-core from tests/dashboard/node_modules
#        or else installed in bench/ (npm ci, PUPPETEER_SKIP_DOWNLOAD=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${BUILD:-$root/build}" && pwd)
argo=$build/argo
syms=${1:-500}
days=${2:-2520}
port=${PORT:-56103}
rounds=${ROUNDS:-7}
loads=${LOADS:-5}
backup_days=${BACKUP_DAYS:-5}
[ -x "$argo" ] || { echo "bench_dashboard: build $argo first" >&2; exit 1; }
for t in curl sqlite3 node; do
    command -v "$t" >/dev/null || { echo "bench_dashboard: $t not found" >&2; exit 1; }
done
start_all=$(date +%s.%N)
base=/tmp
[ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/bench_dashboard.XXXXXX")
pgdir=$(mktemp -d /tmp/bench_dashboard_pg.XXXXXX)
spid=""
stop_serve() { # SIGTERM, at most 15 s, then SIGKILL
    [ -n "$spid" ] || return 0
    kill -TERM "$spid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    spid=""
}
cleanup() {
    stop_serve
    "$root/scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l | xargs printf '%.1f'; }

# ---- puppeteer-core: the page tests' copy, else bench/'s own
moddir=""
if [ -d "$root/tests/dashboard/node_modules/puppeteer-core" ]; then
    moddir=$root/tests/dashboard
else
    if [ ! -d "$here/node_modules/puppeteer-core" ]; then
        (cd "$here" && PUPPETEER_SKIP_DOWNLOAD=1 timeout 300 npm ci --no-audit --no-fund --loglevel=error) ||
            { echo "bench_dashboard: npm ci in bench/ failed" >&2; exit 1; }
    fi
    moddir=$here
fi

# ---- the store: synth + replay on SQLite, backups, a read key; copied to PostgreSQL
sq=$tmp/store.db
echo "== $syms symbols x $days days ($((syms * days)) bars), $(nproc) cores, $(/usr/lib/postgresql/15/bin/postgres --version)"
t=$(now)
"$argo" synth --symbols "$syms" --days "$days" --db "$sq" >/dev/null
"$argo" replay --quiet --db "$sq" >"$tmp/replay.out"
echo "setup: synth + replay on SQLite $(since "$t") s: $(tail -1 "$tmp/replay.out")"
t=$(now)
mkdir "$tmp/backups"
for d in $(sqlite3 "$sq" "SELECT DISTINCT date(ts, 'unixepoch') FROM bars ORDER BY ts DESC LIMIT $backup_days"); do
    "$argo" backup --date "$d" --dir "$tmp/backups" --db "$sq" >/dev/null
done
echo "setup: $backup_days days of backups $(since "$t") s"
key=$("$argo" keys add --role read --name "dbench-$$" --db "$sq" 2>/dev/null | grep -o 'argo_[A-Za-z0-9_-]\{43\}')
printf '[archive]\ndir = %s\n[serve]\nrate_limit = 1000000\nburst = 1000000\n' "$tmp/backups" >"$tmp/argo.conf"
t=$(now)
prefix=$("$root/scripts/pg.sh" start "$pgdir" "$port")
pg="${prefix}dbench"
echo "setup: PostgreSQL cluster started $(since "$t") s"
t=$(now)
"$argo" store copy --from "sqlite:$sq" --to "$pg" >"$tmp/copy.out"
echo "setup: argo store copy to PostgreSQL (views refreshed) $(since "$t") s: $(tail -1 "$tmp/copy.out")"

# ---- the calls the page makes (the dashboard contract)
names=(stats_none stats_strategy stats_bucket stats_exit stats_daily symbols signals_open
       calib_report calib_global calib_latest backups_verify archive archive_cost health2)
paths=("/api/v1/stats?by=none" "/api/v1/stats?by=strategy" "/api/v1/stats?by=bucket"
       "/api/v1/stats?by=exit" "/api/v1/stats/daily" "/api/v1/symbols"
       "/api/v1/signals?status=open&limit=1000" "/api/v1/calibration/report"
       "/api/v1/calibration/models?scope=global" "/api/v1/calibration/models?latest=true"
       "/api/v1/backups?verify=true&limit=30" "/api/v1/archive"
       "/api/v1/archive/cost?years=7" "/health?level=2")

declare -A med max first status bytes pagemed pagemax
page_failed=0
# get URL -> "CODE SECONDS" (body in $tmp/body); every request bounded to 120 s
get() {
    curl -s -m 120 -H "X-API-Key: $key" -o "$tmp/body" -w '%{http_code} %{time_total}\n' "$1" ||
        echo "000 0"
}
# call I URL_BASE -> "CODE MS BYTES" of one measurement of call I
call() {
    local i=$1 u=$2 code secs total=0 nbytes=0 cursor="" pages=0
    while :; do
        local p=${paths[$i]}
        [ -n "$cursor" ] && p="$p&cursor=$cursor"
        read -r code secs < <(get "$u$p")
        total=$(echo "$total + $secs" | bc -l)
        nbytes=$((nbytes + $(stat -c %s "$tmp/body")))
        pages=$((pages + 1))
        [ "${names[$i]}" = signals_open ] && [ "$code" = 200 ] || break
        cursor=$(grep -o '"next_cursor":"[0-9]*"' "$tmp/body" | grep -o '[0-9]\+' || true)
        [ -n "$cursor" ] && [ "$pages" -lt 100 ] || break
    done
    if [ "$code" = 404 ] || { [ "$code" = 400 ] && grep -q 'unknown query parameter\|is not one of' "$tmp/body"; }; then
        echo "missing$code 0 0"
    else
        printf '%s %.3f %s\n' "$code" "$(echo "$total * 1000" | bc -l)" "$nbytes"
    fi
}
stats_of() { # numbers on stdin -> "median max"
    sort -n | awk '{v[NR] = $1} END {
        if (NR == 0) { print "- -"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f\n", m, v[NR] }'
}

bench_backend() { # LABEL DB
    local label=$1 db=$2
    "$argo" serve --db "$db" --config "$tmp/argo.conf" --listen 127.0.0.1:0 \
        >"$tmp/serve.out" 2>"$tmp/serve.err" &
    spid=$!
    for _ in $(seq 300); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
    grep -q listening "$tmp/serve.out" ||
        { echo "bench_dashboard: argo serve on $label did not start in 30 s: $(cat "$tmp/serve.err")" >&2; exit 1; }
    local u
    u=$(grep -o 'http://[0-9.:]*' "$tmp/serve.out")
    # (a) the API calls, ROUNDS rounds, each URL at most once per 1.1 s
    local r i code ms nb
    for i in "${!names[@]}"; do : >"$tmp/t.$i"; done
    for r in $(seq "$rounds"); do
        local t0
        t0=$(now)
        for i in "${!names[@]}"; do
            read -r code ms nb < <(call "$i" "$u")
            [ "$r" = 1 ] && { first[$label,$i]=$ms; status[$label,$i]=$code; bytes[$label,$i]=$nb; }
            case "$code" in
            missing*) ;;
            200 | 409) echo "$ms" >>"$tmp/t.$i" ;;
            *) echo "bench_dashboard: ${paths[$i]} on $label answered $code: $(head -c 300 "$tmp/body")" >&2
               exit 1 ;;
            esac
        done
        local left
        left=$(echo "1.1 - ($(now) - $t0)" | bc -l)
        if [ "$(echo "$left > 0" | bc -l)" = 1 ]; then sleep "$left"; fi
    done
    for i in "${!names[@]}"; do read -r "med[$label,$i]" "max[$label,$i]" < <(stats_of <"$tmp/t.$i"); done
    # (b) the page
    local pcode
    pcode=$(curl -s -m 30 -o /dev/null -w '%{http_code}' "$u/" || echo 000)
    if [ "$pcode" = 200 ]; then
        timeout $((loads * 70 + 30)) node "$here/bench_dashboard_page.cjs" "$moddir" "$u/#key=$key" \
            "$loads" 60000 1100 >"$tmp/page.json" || true
        if grep -q '"loads_ms"' "$tmp/page.json"; then
            read -r pagemed[$label] pagemax[$label] < <(/usr/bin/python3 -c 'import json,sys
for v in json.load(open(sys.argv[1]))["loads_ms"]: print(v)' "$tmp/page.json" | stats_of)
            pagepanels=$(/usr/bin/python3 -c 'import json,sys
print(" ".join(k + "=" + v for k, v in json.load(open(sys.argv[1]))["panels"].items()))' "$tmp/page.json")
        else
            pagemed[$label]=failed
            pagemax[$label]=-
            pagepanels=$(cat "$tmp/page.json")
            page_failed=1
        fi
    else
        pagemed[$label]=missing
        pagemax[$label]=-
        pagepanels="GET / answered $pcode"
    fi
    stop_serve
    echo
    echo "== $label: each call, $rounds requests 1.1 s apart (ms, curl time_total)"
    printf '%-42s %-8s %10s %10s %10s %10s\n' call status bytes first median max
    for i in "${!names[@]}"; do
        if [[ ${status[$label,$i]} == missing* ]]; then
            printf '%-42s %-8s\n' "${paths[$i]}" "missing (${status[$label,$i]#missing})"
        else
            printf '%-42s %-8s %10s %10s %10s %10s\n' "${paths[$i]}" "${status[$label,$i]}" \
                "${bytes[$label,$i]}" "${first[$label,$i]}" "${med[$label,$i]}" "${max[$label,$i]}"
        fi
    done
    echo "page load (window.argoLoadMs, $loads loads): median ${pagemed[$label]} ms, max ${pagemax[$label]} ms; panels: $pagepanels"
}

t=$(now)
bench_backend PostgreSQL "$pg"
echo "(PostgreSQL: $(since "$t") s)"
t=$(now)
bench_backend SQLite "$sq"
echo "(SQLite: $(since "$t") s)"

echo
echo "== PostgreSQL / SQLite, medians (below 1: PostgreSQL is faster)"
printf '%-42s %10s %10s %8s\n' call "PG ms" "SQLite ms" ratio
ratio() { if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then
    printf '%.2f' "$(echo "$1 / $2" | bc -l)"; else echo -; fi; }
for i in "${!names[@]}"; do
    a=${med[PostgreSQL,$i]} b=${med[SQLite,$i]}
    [[ ${status[PostgreSQL,$i]} == missing* ]] && a=missing
    [[ ${status[SQLite,$i]} == missing* ]] && b=missing
    printf '%-42s %10s %10s %8s\n' "${paths[$i]}" "$a" "$b" "$(ratio "$a" "$b")"
done
printf '%-42s %10s %10s %8s\n' "page load (median)" "${pagemed[PostgreSQL]}" "${pagemed[SQLite]}" \
    "$(ratio "${pagemed[PostgreSQL]}" "${pagemed[SQLite]}")"
echo "total: $(since "$start_all") s"
if [ "$page_failed" = 1 ]; then
    echo "bench_dashboard: the page was served but did not load (above)" >&2
    exit 1
fi
