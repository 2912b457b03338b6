/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_views.c - the materialized-view claim of the PostgreSQL
 * issue, measured (bench/bench_views.sh runs it on a throwaway cluster):
 *   a SQLite store holds a synthetic universe (SYMBOLS x DAYS) replayed
 *   up to its second-last day; its bars and signals are copied (COPY) to
 *   PostgreSQL tables of the same columns, partitioned by month on ts
 *   (signals SCALE times, ids shifted, for a bigger table), and the
 *   views of src/store/pg_views.c are created on them.
 *   (a) the dashboard's aggregate (daily P&L, resolved and wins per exit
 *       day) read from mv_outcomes_day vs the same GROUP BY over the raw
 *       signals (median of RUNS);
 *   (b) what argo stats --by symbol reads on PostgreSQL (the cells of
 *       three views, the trading days, the open signals) vs what the raw
 *       computation reads (every signal row, every bar's ts); and on
 *       SQLite, argo_stats_compute (GROUP BY in SQL) vs
 *       argo_stats_compute_rows (every row into C);
 *   (c) one more day: track on SQLite, the changed signals updated in
 *       PostgreSQL, then REFRESH MATERIALIZED VIEW CONCURRENTLY of every
 *       view (argo_pg_views_refresh), and for scale a plain REFRESH.
 *   then argo itself on its PostgreSQL store (pg.c), PG_SYMBOLS x DAYS
 *   (replay on PostgreSQL is slower: fewer symbols): (b) argo stats
 *   --by symbol from the views vs from every row, (c) the track of the
 *   last day, which refreshes the views, and a refresh alone.
 * Usage: bench_views SQLITE_PATH PG_URL [SYMBOLS DAYS SCALE PG_SYMBOLS]
 * (PG_URL a libpq URL; the schemas bench_views and bench_views_store are
 * dropped and made).
 */
#include "bench_util.h"
#include "app/engine.h"
#include "app/stats.h"
#include "domain/config.h"
#include "market/market.h"
#include "store/pg_views.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS 7
#define DAY 86400

static PGconn *pg;

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_views: %s: %s\n", what, msg);
    exit(1);
}

static void run(const char *sql)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        die(sql, PQresultErrorMessage(r));
    PQclear(r);
}

static double timed(const char *sql)
{
    double t0 = bench_now();
    run(sql);
    return bench_now() - t0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_sql(const char *sql)
{
    double t[RUNS];
    for (int i = 0; i < RUNS; i++)
        t[i] = timed(sql);
    qsort(t, RUNS, sizeof t[0], cmp_d);
    return t[RUNS / 2];
}

/* Reads the rows of query (COPY ... TO STDOUT: every byte crosses the
 * connection, memory stays bounded), discarding them. */
static void read_all(const char *query)
{
    char sql[512];
    snprintf(sql, sizeof sql, "COPY (%s) TO STDOUT", query);
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT)
        die(sql, PQresultErrorMessage(r));
    PQclear(r);
    char *line;
    int n;
    while ((n = PQgetCopyData(pg, &line, 0)) > 0)
        PQfreemem(line);
    while ((r = PQgetResult(pg))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            die(sql, PQresultErrorMessage(r));
        PQclear(r);
    }
}

/* ---- COPY ---------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    int scale;
} buf;

static void put(buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        if (!(b->p = realloc(b->p, b->cap)))
            die("copy", "out of memory");
    }
    memcpy(b->p + b->len, line, (size_t)n + 1);
    b->len += (size_t)n;
}

static void flush(const char *sql, buf *b)
{
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        die(sql, PQresultErrorMessage(r));
    PQclear(r);
    if (PQputCopyData(pg, b->p ? b->p : "", (int)b->len) != 1 || PQputCopyEnd(pg, NULL) != 1)
        die(sql, PQerrorMessage(pg));
    while ((r = PQgetResult(pg))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            die(sql, PQresultErrorMessage(r));
        PQclear(r);
    }
    b->len = 0;
}

static int bar_row(void *ctx, int64_t sym, const argo_bar *b)
{
    put(ctx, "%lld\t%lld\t%.17g\n", (long long)sym, (long long)b->ts, b->close);
    return 0;
}

#define COPY_SIGNALS                                                                               \
    "COPY signals(id, symbol_id, action, ts, confidence, v_trend, v_meanrev, v_macd,"              \
    " v_breakout, status, exit_reason, exit_ts, pnl_pct, expires_at, scanned_to) FROM STDIN"

static void signal_line(buf *b, const argo_signal *g, int64_t id)
{
    char exit_ts[32] = "\\N", pnl[40] = "\\N";
    if (g->status != ARGO_OPEN) {
        snprintf(exit_ts, sizeof exit_ts, "%lld", (long long)g->exit_ts);
        snprintf(pnl, sizeof pnl, "%.17g", g->pnl_pct);
    }
    double v[ARGO_STRAT_COUNT];
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        v[k] = g->votes[k].dir * g->votes[k].strength;
    put(b, "%lld\t%lld\t%d\t%lld\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%d\t%d\t%s\t%s\t%lld\t%lld\n",
        (long long)id, (long long)g->symbol_id, g->action, (long long)g->ts, g->confidence, v[0],
        v[1], v[2], v[3], (int)g->status, (int)g->exit_reason, exit_ts, pnl,
        (long long)g->expires_at, (long long)g->scanned_to);
}

static int signal_row(void *ctx, const argo_signal *g)
{
    buf *b = ctx;
    for (int k = 0; k < b->scale; k++)
        signal_line(b, g, g->id + (int64_t)k * 1000000000);
    if (b->len > (64u << 20))
        flush(COPY_SIGNALS, b);
    return 0;
}

/* ---- the SQLite store ---------------------------------------------------- */

static int put_synth(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    argo_store *st = ctx;
    int64_t id;
    argo_err e = {0};
    if (argo_store_begin(st, &e) || argo_store_symbol_id(st, symbol, true, &id, &e) ||
        argo_store_bars_put(st, id, bars, n, NULL, &e) || argo_store_commit(st, &e))
        die("synth", e.msg);
    return 0;
}

typedef struct ids {
    int64_t *v;
    size_t n, cap;
} ids;

static int take_open(void *ctx, const argo_signal *g)
{
    ids *o = ctx;
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 4096;
        if (!(o->v = realloc(o->v, o->cap * sizeof *o->v)))
            die("open", "out of memory");
    }
    o->v[o->n++] = g->id;
    return 0;
}

static int count_cell(void *ctx, const argo_outcome_cell *x)
{
    (void)x;
    ++*(size_t *)ctx;
    return 0;
}

/* argo itself on its PostgreSQL store (pg.c): a universe of symbols x
 * days made with synth and replayed up to its second-last day, then
 * argo stats --by symbol from the views vs from every row, and the
 * track of the last day (which refreshes the views) and a refresh alone. */
static void on_pg_store(const char *url, int symbols, int days, const argo_config *cfg)
{
    char u[1024];
    snprintf(u, sizeof u, "%s%sschema=bench_views_store", url, strchr(url, '?') ? "&" : "?");
    run("SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench_views_store CASCADE");
    argo_store *st;
    argo_err e = {0};
    if (argo_store_open(u, NULL, &st, &e))
        die("pg store", e.msg);
    double t0 = bench_now();
    argo_synth_options so = {.symbols = symbols, .days = days, .seed = 1};
    if (argo_market_synth(&so, put_synth, st, &e))
        die("synth", e.msg);
    int64_t *tdays;
    size_t nd;
    if (argo_store_trading_days(st, &tdays, &nd, &e) || nd < 3)
        die("trading days", e.msg);
    int64_t last_day = tdays[nd - 1];
    free(tdays);
    argo_replay_options ro = {.from = INT64_MIN, .to = last_day - 1};
    argo_replay_report rr;
    if (argo_engine_replay(st, cfg, &ro, &rr, &e))
        die("replay", e.msg);
    printf("argo's PostgreSQL store: %d symbols x %d days, synth + replay %.1f s, %zu signals\n",
           symbols, days, bench_now() - t0, rr.signals);
    double sc[3], sr[3];
    for (int i = 0; i < 3; i++) {
        argo_stats *s;
        double s0 = bench_now();
        if (argo_stats_compute(st, cfg, ARGO_BY_SYMBOL, &s, &e))
            die("stats", e.msg);
        sc[i] = bench_now() - s0;
        argo_stats_free(s);
        s0 = bench_now();
        if (argo_stats_compute_rows(st, cfg, ARGO_BY_SYMBOL, &s, &e))
            die("stats rows", e.msg);
        sr[i] = bench_now() - s0;
        argo_stats_free(s);
    }
    qsort(sc, 3, sizeof sc[0], cmp_d);
    qsort(sr, 3, sizeof sr[0], cmp_d);
    printf("(b) PostgreSQL, argo stats --by symbol: from the views %.0f ms, from every row %.0f ms"
           " (rows / views = %.1f)\n",
           sc[1] * 1e3, sr[1] * 1e3, sr[1] / sc[1]);
    argo_track_report tk;
    t0 = bench_now();
    if (argo_engine_track(st, cfg, &tk, &e))
        die("track", e.msg);
    double t_track = bench_now() - t0;
    t0 = bench_now();
    if (argo_store_refresh_aggregates(st, &e))
        die("refresh", e.msg);
    printf("(c) PostgreSQL, argo track of the last day: %.0f ms (%zu resolved), of which the"
           " concurrent refresh of the views about %.0f ms (a refresh alone, after it)\n",
           t_track * 1e3, tk.resolved, (bench_now() - t0) * 1e3);
    argo_store_close(st);
    run("SET client_min_messages = warning; DROP SCHEMA bench_views_store CASCADE");
}

int main(int argc, char **argv)
{
    if (argc < 3)
        die("usage", "bench_views SQLITE_PATH PG_URL [SYMBOLS DAYS SCALE]");
    int symbols = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 500;
    int days = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 2520;
    int scale = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 1;
    int pg_symbols = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 100;
    argo_err e = {0};
    argo_config cfg;
    argo_config_init(&cfg);
    argo_store *st;
    remove(argv[1]);
    if (argo_store_open(argv[1], NULL, &st, &e))
        die("sqlite", e.msg);

    double t0 = bench_now();
    argo_synth_options so = {.symbols = symbols, .days = days, .seed = 1};
    if (argo_market_synth(&so, put_synth, st, &e))
        die("synth", e.msg);
    int64_t *tdays;
    size_t nd;
    if (argo_store_trading_days(st, &tdays, &nd, &e) || nd < 3)
        die("trading days", e.msg);
    int64_t last_day = tdays[nd - 1];
    free(tdays);
    argo_replay_options ro = {.from = INT64_MIN, .to = last_day - 1};
    argo_replay_report rr;
    if (argo_engine_replay(st, &cfg, &ro, &rr, &e))
        die("replay", e.msg);
    double t_build = bench_now() - t0;

    pg = PQconnectdb(argv[2]);
    if (PQstatus(pg) != CONNECTION_OK)
        die("connect", PQerrorMessage(pg));
    run("SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench_views CASCADE;"
        " CREATE SCHEMA bench_views; SET search_path = bench_views");
    run("CREATE TABLE bars(symbol_id bigint NOT NULL, ts bigint NOT NULL, close double precision,"
        " PRIMARY KEY(symbol_id, ts)) PARTITION BY RANGE (ts);"
        "CREATE TABLE signals(id bigint NOT NULL, symbol_id bigint NOT NULL,"
        " action integer NOT NULL, ts bigint NOT NULL, confidence double precision NOT NULL,"
        " v_trend double precision NOT NULL, v_meanrev double precision NOT NULL,"
        " v_macd double precision NOT NULL, v_breakout double precision NOT NULL,"
        " status integer NOT NULL, exit_reason integer NOT NULL, exit_ts bigint,"
        " pnl_pct double precision, expires_at bigint NOT NULL, scanned_to bigint NOT NULL,"
        " PRIMARY KEY(id, ts)) PARTITION BY RANGE (ts)");
    /* monthly partitions over the universe's span (2010-01 on) */
    for (int m = 0; m < (days / 21 + 3); m++) {
        int y = 2010 + m / 12, mo = m % 12 + 1, y2 = 2010 + (m + 1) / 12, mo2 = (m + 1) % 12 + 1;
        char sql[512];
        for (int t = 0; t < 2; t++) {
            const char *tab = t ? "signals" : "bars";
            snprintf(sql, sizeof sql,
                     "CREATE TABLE %s_%04d_%02d PARTITION OF %s FOR VALUES FROM"
                     " (extract(epoch FROM timestamp '%04d-%02d-01')::bigint) TO"
                     " (extract(epoch FROM timestamp '%04d-%02d-01')::bigint)",
                     tab, y, mo, tab, y, mo, y2, mo2);
            run(sql);
        }
    }
    run("CREATE TABLE bars_rest PARTITION OF bars DEFAULT;"
        "CREATE TABLE signals_rest PARTITION OF signals DEFAULT;"
        "CREATE INDEX bars_by_ts ON bars(ts, symbol_id);"
        "CREATE INDEX signals_open ON signals(symbol_id, ts) WHERE status = 0;"
        "CREATE INDEX signals_by_exit ON signals(exit_ts) WHERE status <> 0;");
    t0 = bench_now();
    buf b = {.scale = scale};
    if (argo_store_bars_scan_all(st, INT64_MAX, bar_row, &b, &e))
        die("bars", e.msg);
    flush("COPY bars(symbol_id, ts, close) FROM STDIN", &b);
    if (argo_store_signals_all(st, 0, signal_row, &b, &e))
        die("signals", e.msg);
    flush(COPY_SIGNALS, &b);
    run("ANALYZE bars; ANALYZE signals");
    double t_copy = bench_now() - t0;
    t0 = bench_now();
    if (argo_pg_views_create(pg, "bench", &e))
        die("views", e.msg);
    run(argo_pg_views_exit); /* migration 6 */
    run("ANALYZE");
    double t_create = bench_now() - t0;
    PGresult *cr = PQexec(pg, "SELECT (SELECT count(*) FROM signals), (SELECT count(*) FROM bars),"
                              " (SELECT count(*) FROM signals WHERE status <> 0),"
                              " (SELECT count(*) FROM mv_outcomes_day),"
                              " (SELECT count(*) FROM mv_outcomes_symbol)");
    if (PQresultStatus(cr) != PGRES_TUPLES_OK)
        die("count", PQresultErrorMessage(cr));
    printf("universe: %d symbols x %d days, signals copied x%d; build (synth + replay on SQLite)"
           " %.1f s, copy to PostgreSQL %.1f s, views created WITH DATA %.2f s\n",
           symbols, days, scale, t_build, t_copy, t_create);
    printf("PostgreSQL: %s signals (%s resolved), %s bars, %s day cells, %s symbol-day cells\n",
           PQgetvalue(cr, 0, 0), PQgetvalue(cr, 0, 2), PQgetvalue(cr, 0, 1), PQgetvalue(cr, 0, 3),
           PQgetvalue(cr, 0, 4));
    PQclear(cr);

    /* (a) the dashboard's aggregate */
    double a_view = median_sql("SELECT exit_day, pnl_sum, resolved, wins FROM mv_outcomes_day"
                               " ORDER BY exit_day");
    double a_raw = median_sql(
        "SELECT exit_ts - ((exit_ts % 86400) + 86400) % 86400 AS d, coalesce(sum(pnl_pct), 0),"
        " count(*), count(*) FILTER (WHERE status IN (1, 2, 3) AND pnl_pct > 0)"
        " FROM signals WHERE status <> 0 GROUP BY 1 ORDER BY 1");
    printf("(a) dashboard daily aggregate: view %.2f ms, raw rows %.2f ms (raw / view = %.0f)\n",
           a_view * 1e3, a_raw * 1e3, a_raw / a_view);

    /* (b) what argo stats --by symbol reads */
    double tb[RUNS], tr[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double s0 = bench_now();
        size_t ncell = 0;
        for (int by = ARGO_AGG_NONE; by <= ARGO_AGG_STRATEGY; by++)
            if (argo_pg_views_cells(pg, "bench", (argo_agg_by)by, NULL, count_cell, &ncell, &e))
                die("cells", e.msg);
        int64_t *dd;
        size_t ndd;
        if (argo_pg_views_trading_days(pg, "bench", &dd, &ndd, &e))
            die("days", e.msg);
        free(dd);
        read_all("SELECT * FROM signals WHERE status = 0");
        tb[i] = bench_now() - s0;
        s0 = bench_now();
        read_all("SELECT * FROM signals ORDER BY ts, id");
        read_all("SELECT ts FROM bars ORDER BY ts, symbol_id");
        tr[i] = bench_now() - s0;
    }
    qsort(tb, RUNS, sizeof tb[0], cmp_d);
    qsort(tr, RUNS, sizeof tr[0], cmp_d);
    printf("(b) PostgreSQL, the reads of argo stats --by symbol: views %.1f ms, raw rows %.1f ms"
           " (raw / views = %.1f)\n",
           tb[RUNS / 2] * 1e3, tr[RUNS / 2] * 1e3, tr[RUNS / 2] / tb[RUNS / 2]);
    double sc[RUNS], sr[RUNS];
    for (int i = 0; i < RUNS; i++) {
        argo_stats *s;
        double s0 = bench_now();
        if (argo_stats_compute(st, &cfg, ARGO_BY_SYMBOL, &s, &e))
            die("stats", e.msg);
        sc[i] = bench_now() - s0;
        argo_stats_free(s);
        s0 = bench_now();
        if (argo_stats_compute_rows(st, &cfg, ARGO_BY_SYMBOL, &s, &e))
            die("stats rows", e.msg);
        sr[i] = bench_now() - s0;
        argo_stats_free(s);
    }
    qsort(sc, RUNS, sizeof sc[0], cmp_d);
    qsort(sr, RUNS, sizeof sr[0], cmp_d);
    printf("(b) SQLite, argo stats --by symbol (%zu signals): cells %.1f ms, rows %.1f ms"
           " (rows / cells = %.1f)\n",
           rr.signals, sc[RUNS / 2] * 1e3, sr[RUNS / 2] * 1e3, sr[RUNS / 2] / sc[RUNS / 2]);

    /* (c) one more day: track, update, refresh */
    ids open = {0};
    if (argo_store_signals_open(st, 0, take_open, &open, &e))
        die("open", e.msg);
    argo_track_report tk;
    if (argo_engine_track(st, &cfg, &tk, &e))
        die("track", e.msg);
    buf u = {.scale = scale};
    run("CREATE TEMP TABLE changed (LIKE signals)");
    for (size_t i = 0; i < open.n; i++) {
        argo_signal g;
        if (argo_store_signal_get(st, open.v[i], &g, &e))
            die("signal", e.msg);
        for (int k = 0; k < scale; k++)
            signal_line(&u, &g, g.id + (int64_t)k * 1000000000);
    }
    flush("COPY changed(id, symbol_id, action, ts, confidence, v_trend, v_meanrev, v_macd,"
          " v_breakout, status, exit_reason, exit_ts, pnl_pct, expires_at, scanned_to) FROM STDIN",
          &u);
    double t_upd = timed("UPDATE signals s SET status = c.status, exit_reason = c.exit_reason,"
                         " exit_ts = c.exit_ts, pnl_pct = c.pnl_pct, scanned_to = c.scanned_to"
                         " FROM changed c WHERE s.id = c.id AND s.ts = c.ts");
    run("INSERT INTO bars SELECT symbol_id, ts, 0 FROM (SELECT DISTINCT symbol_id FROM bars) y,"
        " (SELECT max(ts) + 86400 AS ts FROM bars) t");
    double r0 = bench_now();
    if (argo_pg_views_refresh(pg, "bench", 60000, &e))
        die("refresh", e.msg);
    double t_conc = bench_now() - r0;
    double t_plain = 0;
    static const char *const names[] = {
        "mv_outcomes_day",   "mv_outcomes_symbol", "mv_outcomes_strategy", "mv_outcomes_bucket",
        "mv_outcomes_month", "mv_outcomes_exit",   "mv_trading_days"};
    char per[512] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "REFRESH MATERIALIZED VIEW CONCURRENTLY %s", names[i]);
        double t = timed(sql);
        snprintf(sql, sizeof sql, "REFRESH MATERIALIZED VIEW %s", names[i]);
        t_plain += timed(sql);
        size_t l = strlen(per);
        snprintf(per + l, sizeof per - l, "%s%s %.0f ms", i ? ", " : "", names[i] + 3, t * 1e3);
    }
    printf("(c) one more day: track resolved %zu of %zu open signals (x%d in PostgreSQL), their"
           " UPDATE %.1f ms; REFRESH CONCURRENTLY of the 6 views %.0f ms (%s); plain REFRESH"
           " %.0f ms; the raw daily aggregate %.0f ms\n",
           tk.resolved, open.n, scale, t_upd * 1e3, t_conc * 1e3, per, t_plain * 1e3, a_raw * 1e3);
    free(open.v);
    free(b.p);
    free(u.p);
    run("SET client_min_messages = warning; DROP SCHEMA bench_views CASCADE");
    if (pg_symbols > 0)
        on_pg_store(argv[2], pg_symbols, days, &cfg);
    PQfinish(pg);
    argo_store_close(st);
    return 0;
}
