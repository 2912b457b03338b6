/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_parquet.c - the backup figures of the compliance issue:
 *   1. writing 1,000,000 signal rows (the backup's signal schema) to
 *      Parquet/Snappy from memory, against DuckDB's COPY ... TO (FORMAT
 *      parquet, COMPRESSION snappy) of the same rows from its own
 *      in-memory table (bench/parquet_peer.mjs; best of 3 each; neither
 *      side fsyncs here): time ratio and file size ratio;
 *   2. the CSV of the same rows: size, and CSV size / Parquet size;
 *   3. `argo archive query` (win rate and P&L by symbol) over a year of
 *      daily backups (252 days, 1,000,000 outcomes) from Parquet vs from
 *      CSV, in this process, best of 3.
 * Usage: bench_parquet [ROWS]   (default 1,000,000)
 */
#include "archive/archive.h"
#include "bench_util.h"
#include "base/timeutil.h"
#include "store/store.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bench_rng rng = {88172645463325252ull};

static void die(const char *what, const argo_err *e)
{
    fprintf(stderr, "bench: %s: %s\n", what, e->msg);
    exit(1);
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    if (n < 1000)
        return fprintf(stderr, "usage: bench_parquet [ROWS >= 1000]\n"), 2;
    char dir[] = "/tmp/argo-bench-pq-XXXXXX";
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    argo_err e;

    /* ---- 1 + 2: the same rows, written by argo and by DuckDB ---- */
    size_t ncols;
    const argo_pq_column_def *cols = argo_backup_columns(ARGO_BACKUP_SIGNALS, &ncols);
    static char names[500][8];
    for (int s = 0; s < 500; s++)
        snprintf(names[s], sizeof names[s], "SYM%03d", s);
    int64_t *id = malloc(n * 8), *ts = malloc(n * 8), *mv = malloc(n * 8), *exp = malloc(n * 8);
    double *f[9];
    for (int k = 0; k < 9; k++)
        f[k] = malloc(n * 8);
    const char **sym = malloc(n * sizeof *sym), **act = malloc(n * sizeof *act);
    uint8_t *pub = malloc(n), *mvv = malloc(n);
    int64_t t0ms = argo_days_from_civil(2025, 1, 2) * 86400000LL;
    for (size_t i = 0; i < n; i++) {
        int s = (int)(bench_uniform(&rng) * 500);
        double entry = round((10 + 190 * bench_uniform(&rng)) * 100) / 100,
               atr = entry * (0.01 + 0.02 * bench_uniform(&rng));
        int dir1 = bench_uniform(&rng) < 0.5 ? 1 : -1;
        id[i] = (int64_t)i + 1;
        sym[i] = names[s];
        act[i] = dir1 > 0 ? "BUY" : "SELL";
        ts[i] = t0ms + (int64_t)(i * (252LL * 86400000 / (int64_t)n));
        f[0][i] = entry;
        f[1][i] = entry + dir1 * 2 * atr;
        f[2][i] = entry - dir1 * atr;
        f[3][i] = 0.25 + 0.75 * bench_uniform(&rng);
        f[4][i] = 0.2 + 0.3 * bench_uniform(&rng);
        mv[i] = 1 + (int64_t)(i / 5000);
        mvv[i] = i > 20000;
        pub[i] = f[4][i] >= 0.3;
        for (int k = 0; k < 4; k++)
            f[5 + k][i] = bench_uniform(&rng) < 0.3
                              ? 0
                              : (bench_uniform(&rng) < 0.5 ? -1 : 1) * bench_uniform(&rng);
        exp[i] = ts[i] + 30LL * 86400000;
    }
    argo_pq_column_data d[16] = {
        {.i64 = id},   {.str = sym},  {.str = act},  {.i64 = ts},   {.f64 = f[0]},
        {.f64 = f[1]}, {.f64 = f[2]}, {.f64 = f[3]}, {.f64 = f[4]}, {.i64 = mv, .valid = mvv},
        {.b = pub},    {.f64 = f[5]}, {.f64 = f[6]}, {.f64 = f[7]}, {.f64 = f[8]},
        {.i64 = exp}};
    if (ncols != 16)
        return fprintf(stderr, "bench: schema changed\n"), 1;
    char pq[128], csv[128], duck[128];
    snprintf(pq, sizeof pq, "%s/argo.parquet", dir);
    snprintf(csv, sizeof csv, "%s/argo.csv", dir);
    snprintf(duck, sizeof duck, "%s/duckdb.parquet", dir);
    double best = 1e9;
    size_t plen = 0;
    for (int rep = 0; rep < 3; rep++) {
        uint8_t *buf;
        double t0 = bench_now();
        argo_pq_write_options o = {.codec = ARGO_PQ_SNAPPY};
        if (argo_pq_encode(cols, ncols, d, n, &o, &buf, &plen, &e))
            die("encode", &e);
        if (write_file(pq, buf, plen))
            return perror("write"), 1;
        double t = bench_now() - t0;
        best = t < best ? t : best;
        free(buf);
    }
    uint8_t *cbuf;
    size_t clen;
    double t0 = bench_now();
    if (argo_backup_csv(cols, d, ncols, n, &cbuf, &clen, &e) || write_file(csv, cbuf, clen))
        die("csv", &e);
    double csv_t = bench_now() - t0;
    free(cbuf);
    printf("write %zu signal rows (16 columns):\n", n);
    printf("  argo Parquet/Snappy:   %7.1f ms  %10zu bytes\n", best * 1e3, plen);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "node %s/bench/parquet_peer.mjs %s %s %s 2>&1", ARGO_SOURCE_DIR,
             ARGO_SOURCE_DIR, pq, duck);
    FILE *p = popen(cmd, "r");
    char line[512] = "";
    double dms = -1;
    size_t dlen = 0, drows = 0;
    if (p && fgets(line, sizeof line, p) && sscanf(line, "%lf %zu %zu", &dms, &dlen, &drows) == 3)
        printf("  DuckDB COPY (snappy):  %7.1f ms  %10zu bytes  (%zu rows)\n"
               "  ratio argo / DuckDB:   time %.2f, size %.2f\n",
               dms, dlen, drows, best * 1e3 / dms, (double)plen / (double)dlen);
    else
        printf("  DuckDB: unavailable (%s)\n", line[0] ? line : "node or @duckdb/node-api missing");
    if (p)
        pclose(p);
    printf("  argo CSV:              %7.1f ms  %10zu bytes; CSV / Parquet size = %.2f\n",
           csv_t * 1e3, clen, (double)clen / (double)plen);

    /* ---- 3: a year of daily backups, queried ---- */
    char dbp[128], root[128];
    snprintf(dbp, sizeof dbp, "%s/year.db", dir);
    snprintf(root, sizeof root, "%s/backups", dir);
    argo_store *st;
    if (argo_store_open(dbp, NULL, &st, &e) || argo_store_begin(st, &e))
        die("store", &e);
    int64_t sid[500];
    for (int s = 0; s < 500; s++)
        if (argo_store_symbol_id(st, names[s], true, &sid[s], &e))
            die("symbol", &e);
    int64_t day0 = argo_days_from_civil(2025, 1, 2) * 86400;
    t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        argo_signal g = {0};
        int s = (int)(bench_uniform(&rng) * 500);
        int64_t dayn = (int64_t)(i * 252 / n);
        g.symbol_id = sid[s];
        g.action = bench_uniform(&rng) < 0.5 ? ARGO_BUY : ARGO_SELL;
        g.ts = day0 + dayn * 86400;
        g.entry = 100;
        g.target = 100 + g.action * 4;
        g.stop = 100 - g.action * 2;
        g.raw_confidence = g.confidence = 0.25 + 0.5 * bench_uniform(&rng);
        g.expires_at = g.ts + 30 * 86400;
        double u = bench_uniform(&rng);
        g.status = u < 0.35 ? ARGO_WIN : u < 0.9 ? ARGO_LOSS : ARGO_EXPIRED;
        g.exit_reason = g.status == ARGO_WIN    ? ARGO_EXIT_TARGET
                        : g.status == ARGO_LOSS ? ARGO_EXIT_STOP
                                                : ARGO_EXIT_EXPIRY;
        g.exit_ts = g.ts + 3600; /* resolved the same day */
        g.exit_price = g.status == ARGO_WIN ? g.target : g.status == ARGO_LOSS ? g.stop : 100.5;
        g.pnl_pct = g.action * (g.exit_price - 100) - 0.2;
        g.bars_held = 1 + (int)(bench_uniform(&rng) * 20);
        g.scanned_to = g.exit_ts;
        if (argo_store_signals_insert(st, &g, 1, &e))
            die("insert", &e);
    }
    if (argo_store_commit(st, &e))
        die("commit", &e);
    double ins = bench_now() - t0;
    t0 = bench_now();
    argo_backup_options bo = {.root = root, .codec = ARGO_PQ_SNAPPY};
    for (int64_t k = 0; k < 252; k++) {
        argo_backup_result r;
        if (argo_backup_day(st, day0 + k * 86400, &bo, &r, &e))
            die("backup", &e);
    }
    double bk = bench_now() - t0;
    argo_store_close(st);
    printf("a year of daily backups: 252 days, %zu outcomes (store %.1f s, backups %.1f s)\n", n,
           ins, bk);
    double q[2] = {1e9, 1e9};
    argo_query_result res[2];
    for (int mode = 0; mode < 2; mode++)
        for (int rep = 0; rep < 3; rep++) {
            t0 = bench_now();
            if (argo_archive_query(root, day0, day0 + 400 * 86400, false, mode == 1, &res[mode],
                                   &e))
                die("query", &e);
            double t = bench_now() - t0;
            q[mode] = t < q[mode] ? t : q[mode];
            if (rep < 2)
                argo_query_result_cleanup(&res[mode]);
        }
    bool same = res[0].n == res[1].n;
    for (size_t i = 0; same && i < res[0].n; i++)
        same = res[0].rows[i].resolved == res[1].rows[i].resolved &&
               res[0].rows[i].wins == res[1].rows[i].wins &&
               fabs(res[0].rows[i].pnl_sum - res[1].rows[i].pnl_sum) < 1e-6;
    printf("query win rate and P&L by symbol over the year:\n"
           "  from Parquet: %7.1f ms (%zu files)\n  from CSV:     %7.1f ms (%zu files)\n"
           "  CSV / Parquet time = %.1fx; answers %s\n",
           q[0] * 1e3, res[0].files, q[1] * 1e3, res[1].files, q[1] / q[0],
           same ? "identical" : "DIFFER");
    argo_query_result_cleanup(&res[0]);
    argo_query_result_cleanup(&res[1]);
    if (getenv("ARGO_BENCH_KEEP")) {
        printf("kept %s\n", dir);
        return same ? 0 : 1;
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return same ? 0 : 1;
}
