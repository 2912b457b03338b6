#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the shipped real data: set up, build, then ingest
# data/market/*.csv into demo/argo.db, replay history through the
# strategies, the calibrator and the tracker, and print the statistics
# and the calibration report (reliability diagram: demo/reliability.svg).
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
echo "database: $ARGO_DB  (try: build-release/argo stats --db $ARGO_DB --by month --json)"
