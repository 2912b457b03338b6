#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the shipped real data: set up, build, then ingest
# data/market/*.csv into demo/argo.db, replay history through the
# strategies, the calibrator and the tracker, and print the statistics
# and the calibration report (reliability diagram: demo/reliability.svg),
# back every day up and verify it, run the level-3 health checks, and
# start argo serve on the store for a few requests. It ends by making a
# read key for the dashboard and printing the command that serves the
# dashboard on the demo store, with its URL (the key in the fragment).
#
# Usage: scripts/demo.sh [--serve]
#   --serve  after the demo, serve the dashboard in the foreground until
#            Ctrl-C (SIGINT: argo serve stops and exits 0, and so does this)
# Env: ARGO_DEMO_LISTEN  the address the dashboard is served on
#                        (default 127.0.0.1:8080; HOST:0 lets the OS pick)
set -euo pipefail
serve=0
case "${1:-}" in
"") ;;
--serve) serve=1 ;;
*)
    echo "usage: scripts/demo.sh [--serve]" >&2
    exit 2
    ;;
esac
listen=${ARGO_DEMO_LISTEN:-127.0.0.1:8080}
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j"$(nproc)" --target argo_cli >/dev/null
mkdir -p demo
export ARGO_DB=demo/argo.db
rm -f demo/argo.db demo/argo.db-wal demo/argo.db-shm
for f in data/market/*.csv; do
    build-release/argo ingest "$f"
done
build-release/argo replay
build-release/argo stats
echo
build-release/argo stats --by strategy
echo
build-release/argo calibrate report
build-release/argo calibrate plot --out demo/reliability.svg
echo
build-release/argo backup --all --dir demo/backups | tail -3
build-release/argo backup verify --all --dir demo/backups
build-release/argo archive query --dir demo/backups --by symbol
echo
# the health checks, deep (level 3), against these backups
printf '[archive]\ndir = demo/backups\n' > demo/argo.conf
export ARGO_CONFIG=demo/argo.conf
build-release/argo health --level 3
echo
# argo serve on the store for a moment: a read key, a few requests, SIGTERM
key=$(build-release/argo keys add --role read --name "demo-$$" | grep -o 'argo_[A-Za-z0-9_-]*')
build-release/argo serve --listen 127.0.0.1:0 > demo/serve.out 2> demo/serve.err &
pid=$!
for _ in $(seq 50); do grep -q listening demo/serve.out && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' demo/serve.out)
echo "argo serve at $url (pid $pid)"
curl -s "$url/health?level=1" | tr -d "\n" | tr -s " " | head -c 200
echo
curl -s -H "Authorization: Bearer $key" "$url/api/v1/signals?limit=1&status=resolved" | head -c 300
echo
curl -s -H "Authorization: Bearer $key" "$url/metrics" | grep -E '^argo_(calibration_ece|backup_age_seconds) '
kill -TERM "$pid"
wait "$pid"
build-release/argo keys revoke "demo-$$" > /dev/null
echo "argo serve stopped (SIGTERM, exit 0)"
echo
echo "database: $ARGO_DB  (try: build-release/argo stats --db $ARGO_DB --by month --json)"
echo
# the dashboard: a read key of its own (a new name each run), kept in the store
dkey=$(build-release/argo keys add --role read --name "dashboard-$(date -u +%Y%m%dT%H%M%SZ)-$$" 2>/dev/null |
    grep -o 'argo_[A-Za-z0-9_-]*')
cmd=(build-release/argo serve --db demo/argo.db --config demo/argo.conf --listen "$listen")
echo "the dashboard on the demo store (from $(pwd)):"
echo "  ${cmd[*]}"
if [ "${listen##*:}" = 0 ]; then
    echo "  then open the address it prints, followed by /#key=$dkey"
else
    echo "  then open http://$listen/#key=$dkey"
fi
if [ "$serve" = 1 ]; then
    echo "serving until Ctrl-C"
    exec "${cmd[@]}"
fi
echo "(or run scripts/demo.sh --serve, which does all of this and then serves it)"
