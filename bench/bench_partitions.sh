#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_partitions.sh - the partitioning claim ("database partitioning:
# 10x faster historical queries") measured on PostgreSQL, in one run:
# the same ROWS signals (argo's signals columns, ts spread evenly over
# ten years) in a table range-partitioned by month on ts (as argo's
# PostgreSQL store keeps them: docs/POSTGRES.md) and in a plain table,
# each with the same indexes (id, ts, and the open-signals partial
# index). Measured, warm (each query run REPS times, median): a
# one-month historical query in three shapes argo and its dashboard
# run: the month's aggregate (count, wins, mean P&L), the month's rows
# in (ts, id) order (argo_store_signals_made), and one symbol's month
# (symbol + time). Prints medians and the plain/partitioned ratio.
#
# Usage: bench/bench_partitions.sh [ROWS] [REPS]   (defaults 20000000 7)
# Starts and stops its own throwaway cluster (scripts/pg.sh); takes
# about 5 minutes on a 2-core machine for 20 M rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rows=${1:-20000000}
reps=${2:-7}
pgdir=$(mktemp -d /tmp/bench_partitions.XXXXXX)
port=${PGPORT_BENCH:-55490}
trap '"$here/../scripts/pg.sh" stop "$pgdir" >/dev/null 2>&1 || true' EXIT
"$here/../scripts/pg.sh" start "$pgdir" "$port" >/dev/null
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$pgdir" -p "$port" -U postgres -d postgres "$@"; }

cols="id bigint NOT NULL, symbol_id bigint NOT NULL, action bigint NOT NULL, ts bigint NOT NULL,
 entry double precision NOT NULL, target double precision NOT NULL, stop double precision NOT NULL,
 raw_confidence double precision NOT NULL, confidence double precision NOT NULL,
 model_version bigint, published bigint NOT NULL, v_trend double precision NOT NULL,
 v_meanrev double precision NOT NULL, v_macd double precision NOT NULL,
 v_breakout double precision NOT NULL, expires_at bigint NOT NULL, status bigint NOT NULL,
 exit_reason bigint NOT NULL, gap bigint NOT NULL, exit_ts bigint, exit_price double precision,
 pnl_pct double precision, bars_held bigint NOT NULL, mfe_pct double precision NOT NULL,
 mae_pct double precision NOT NULL, scanned_to bigint NOT NULL"
t0=946684800            # 2000-01-01
span=$((3653 * 86400))  # ten years
echo "== $rows signals over ten years, 2000-01 .. 2009-12 (120 months)"
start=$(date +%s.%N)
psql_ <<SQL
SET client_min_messages = warning;
CREATE TABLE flat ($cols);
CREATE TABLE part ($cols) PARTITION BY RANGE (ts);
DO \$\$
DECLARE m date := '2000-01-01';
BEGIN
  WHILE m < '2010-01-01' LOOP
    EXECUTE format('CREATE TABLE part_%s PARTITION OF part FOR VALUES FROM (%s) TO (%s)',
                   to_char(m, 'YYYYMM'), extract(epoch FROM m)::bigint,
                   extract(epoch FROM m + interval '1 month')::bigint);
    m := m + interval '1 month';
  END LOOP;
END \$\$;
INSERT INTO flat
SELECT i + 1, 1 + i % 5000, CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END,
       $t0 + (i * $span::numeric / $rows)::bigint,
       100, 104, 98, (i % 97) / 97.0, (i % 89) / 89.0, NULL, (i % 3 > 0)::int,
       0.5, -0.5, 0.25, 0, $t0 + (i * $span::numeric / $rows)::bigint + 20 * 86400,
       1 + i % 3, i % 4, 0, $t0 + (i * $span::numeric / $rows)::bigint + 5 * 86400, 101,
       ((i % 200) - 95) / 50.0, 5, 1.5, 0.7, $t0 + (i * $span::numeric / $rows)::bigint
FROM generate_series(0, $rows - 1) i;
INSERT INTO part SELECT * FROM flat;
CREATE INDEX ON flat (id); CREATE INDEX ON flat (ts, id); CREATE INDEX ON flat (symbol_id, ts);
CREATE INDEX ON flat (symbol_id, ts) WHERE status = 0;
CREATE INDEX ON part (id); CREATE INDEX ON part (ts, id); CREATE INDEX ON part (symbol_id, ts);
CREATE INDEX ON part (symbol_id, ts) WHERE status = 0;
VACUUM ANALYZE flat; VACUUM ANALYZE part;
SQL
printf "set-up: %.0f s\n" "$(echo "$(date +%s.%N) - $start" | bc)"
psql_ -At -c "SELECT 'flat: ' || pg_size_pretty(pg_total_relation_size('flat')) || ', partitioned: ' || pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'part'::regclass"

# the month: 2007-03 (a historical month deep in the table)
m0=1172707200 m1=1175385600
declare -A q=(
    [aggregate]="SELECT count(*), count(*) FILTER (WHERE pnl_pct > 0), avg(pnl_pct) FROM %s WHERE ts >= $m0 AND ts < $m1"
    [rows]="SELECT * FROM %s WHERE ts >= $m0 AND ts < $m1 ORDER BY ts, id"
    [symbol]="SELECT * FROM %s WHERE symbol_id = 42 AND ts >= $m0 AND ts < $m1 ORDER BY ts"
)
# median of REPS runs of a query, in ms, measured by the server (EXPLAIN ANALYZE's execution time)
median_ms() {
    local sql=$1
    for _ in $(seq "$reps"); do
        psql_ -At -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" |
            /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])'
    done | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
printf "%-10s %12s %12s %8s\n" query "plain ms" "partit. ms" ratio
for k in aggregate rows symbol; do
    f=$(printf "${q[$k]}" flat)
    p=$(printf "${q[$k]}" part)
    psql_ -At -c "$f" >/dev/null; psql_ -At -c "$p" >/dev/null   # warm
    mf=$(median_ms "$f")
    mp=$(median_ms "$p")
    printf "%-10s %12.2f %12.2f %7.2fx\n" "$k" "$mf" "$mp" "$(echo "$mf / $mp" | bc -l)"
done
echo "(ratio = plain / partitioned: above 1, the partitioned table is faster)"
