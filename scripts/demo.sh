#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the shipped real data: set up, build, then ingest
# data/market/*.csv into demo/argo.db, replay history through the
# strategies and the tracker, and print the statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target argo_cli >/dev/null
mkdir -p demo
export ARGO_DB=demo/argo.db
rm -f demo/argo.db demo/argo.db-wal demo/argo.db-shm
for f in data/market/*.csv; do
    build/argo ingest "$f"
done
build/argo replay
build/argo stats
echo
build/argo stats --by strategy
echo
echo "database: $ARGO_DB  (try: build/argo stats --db $ARGO_DB --by month --json)"
