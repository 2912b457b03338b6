#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the shipped real data: set up, build, then ingest
# data/market/*.csv into demo/argo.db, replay history through the
# strategies, the calibrator and the tracker, and print the statistics
# and the calibration report (reliability diagram: demo/reliability.svg),
# back every day up and verify it, run the level-3 health checks, and
# start argo serve on the store for a few requests.
set -euo pipefail
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
