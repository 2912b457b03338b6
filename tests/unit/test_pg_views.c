/* SPDX-License-Identifier: MIT */
/* The materialized views of PostgreSQL (src/store/pg_views.c) against
 * SQLite's GROUP BY of the same rows (sqlite.c), on a real server: the
 * rows of a synthetic universe and of the shipped data, replayed in a
 * SQLite store, are copied into tables of the same columns in a fresh
 * schema of ARGO_TEST_STORE_URL's database; every view's cells must
 * equal SQLite's, before and after a track and the concurrent refresh.
 * Without ARGO_TEST_STORE_URL the test says so and exits 77 (skipped).
 * The tables here are plain copies of sqlite.c's columns: once pg.c
 * exists, test_stats runs argo stats itself on PostgreSQL (cells = rows),
 * with its partitioned tables. */
#include "helpers.h"

#include "app/engine.h"
#include "market/market.h"
#include "store/pg_views.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY 86400

static PGconn *pg;
static char schema[64];

static void run(const char *sql)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

/* The URL prefix without argo's own schema= parameter (it ends in it). */
static PGconn *connect_to(const char *prefix)
{
    char url[1024];
    snprintf(url, sizeof url, "%s", prefix);
    char *p = strstr(url, "schema=");
    if (p && p > url && (p[-1] == '&' || p[-1] == '?'))
        p[p[-1] == '&' ? -1 : 0] = 0;
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect: %s", PQerrorMessage(c));
    return c;
}

static int setup(void **state)
{
    (void)state;
    pg = connect_to(getenv("ARGO_TEST_STORE_URL"));
    snprintf(schema, sizeof schema, "views_test_%ld", (long)getpid());
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s; SET search_path = %s", schema, schema);
    run(sql);
    run("CREATE TABLE bars(symbol_id bigint NOT NULL, ts bigint NOT NULL,"
        " PRIMARY KEY(symbol_id, ts));"
        "CREATE INDEX bars_by_ts ON bars(ts, symbol_id);"
        "CREATE TABLE signals(id bigint PRIMARY KEY, symbol_id bigint NOT NULL,"
        " action integer NOT NULL, ts bigint NOT NULL, confidence double precision NOT NULL,"
        " v_trend double precision NOT NULL, v_meanrev double precision NOT NULL,"
        " v_macd double precision NOT NULL, v_breakout double precision NOT NULL,"
        " status integer NOT NULL, exit_reason integer NOT NULL, exit_ts bigint,"
        " pnl_pct double precision)");
    assert_int_equal(argo_pg_views_create(pg, "test", NULL), 0);
    run(argo_pg_views_strategy_one_scan); /* migration 4: as every store has it now */
    run(argo_pg_views_exit);              /* migration 6 */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char sql[128];
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    run(sql);
    PQfinish(pg);
    return 0;
}

/* ---- copying a SQLite store's rows into the tables ---------------------- */

typedef struct copy_ctx {
    char *buf;
    size_t len, cap;
} copy_ctx;

static void put(copy_ctx *c, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof line);
    if (c->len + (size_t)n + 1 > c->cap) {
        c->cap = (c->len + (size_t)n + 1) * 2;
        c->buf = realloc(c->buf, c->cap);
        assert_non_null(c->buf);
    }
    memcpy(c->buf + c->len, line, (size_t)n + 1);
    c->len += (size_t)n;
}

static void copy_in(const char *sql, copy_ctx *c)
{
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    assert_int_equal(PQputCopyData(pg, c->buf ? c->buf : "", (int)c->len), 1);
    assert_int_equal(PQputCopyEnd(pg, NULL), 1);
    r = PQgetResult(pg);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(pg)))
        PQclear(r);
    free(c->buf);
    *c = (copy_ctx){0};
}

static int bar_row(void *ctx, int64_t sym, const argo_bar *b)
{
    put(ctx, "%lld\t%lld\n", (long long)sym, (long long)b->ts);
    return 0;
}

static double vote(const argo_vote *v)
{
    return v->dir * v->strength;
}

static int signal_row(void *ctx, const argo_signal *g)
{
    char exit_ts[32] = "\\N", pnl[40] = "\\N";
    if (g->status != ARGO_OPEN) {
        snprintf(exit_ts, sizeof exit_ts, "%lld", (long long)g->exit_ts);
        snprintf(pnl, sizeof pnl, "%.17g", g->pnl_pct);
    }
    put(ctx, "%lld\t%lld\t%d\t%lld\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%d\t%d\t%s\t%s\n",
        (long long)g->id, (long long)g->symbol_id, g->action, (long long)g->ts, g->confidence,
        vote(&g->votes[0]), vote(&g->votes[1]), vote(&g->votes[2]), vote(&g->votes[3]),
        (int)g->status, (int)g->exit_reason, exit_ts, pnl);
    return 0;
}

/* The tables hold exactly st's bars and signals. */
static void copy_store(argo_store *st)
{
    copy_ctx c = {0};
    run("TRUNCATE bars, signals");
    assert_int_equal(argo_store_bars_scan_all(st, INT64_MAX, bar_row, &c, NULL), 0);
    copy_in("COPY bars(symbol_id, ts) FROM STDIN", &c);
    assert_int_equal(argo_store_signals_all(st, 0, signal_row, &c, NULL), 0);
    copy_in("COPY signals(id, symbol_id, action, ts, confidence, v_trend, v_meanrev, v_macd,"
            " v_breakout, status, exit_reason, exit_ts, pnl_pct) FROM STDIN",
            &c);
}

/* ---- comparing ----------------------------------------------------------- */

typedef struct cells {
    argo_outcome_cell *v;
    size_t n, cap;
} cells;

static int take(void *ctx, const argo_outcome_cell *x)
{
    cells *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 256;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        assert_non_null(c->v);
    }
    c->v[c->n++] = *x;
    return 0;
}

static bool near(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= 1e-9 * (m > 1 ? m : 1);
}

/* Whether PostgreSQL's cells of grouping by through filter f (the
 * views, or the raw rows when no view answers: argo_pg_views_cells)
 * equal SQLite's GROUP BY (all of them when must, else reports only). */
static bool cells_equal(argo_store *st, int by, const argo_agg_filter *f, const char *what,
                        bool must)
{
    cells a = {0}, b = {0};
    argo_err e = {0};
    assert_int_equal(argo_store_outcome_cells(st, (argo_agg_by)by, f, take, &a, NULL), 0);
    if (argo_pg_views_cells(pg, "test", (argo_agg_by)by, f, take, &b, &e))
        fail_msg("views: %s", e.msg);
    bool same = a.n == b.n;
    if (!same && must)
        fail_msg("%s by %d: %zu cells in SQLite, %zu in PostgreSQL", what, by, a.n, b.n);
    for (size_t i = 0; i < a.n && same; i++) {
        const argo_outcome_cell *x = &a.v[i], *y = &b.v[i];
        same = x->group == y->group && x->exit_day == y->exit_day && x->first_ts == y->first_ts &&
               x->resolved == y->resolved && x->wins == y->wins && x->losses == y->losses &&
               x->expired == y->expired && !memcmp(x->by_exit, y->by_exit, sizeof x->by_exit) &&
               x->npos == y->npos && x->nneg == y->nneg && near(x->pnl_sum, y->pnl_sum) &&
               near(x->pos_sum, y->pos_sum) && near(x->neg_sum, y->neg_sum);
        if (!same && must)
            fail_msg("%s by %d: cell %zu (group %lld, day %lld) differs", what, by, i,
                     (long long)x->group, (long long)x->exit_day);
    }
    if (must && f && !a.n)
        fail_msg("%s by %d: no cell (the filter tests nothing)", what, by);
    free(a.v);
    free(b.v);
    return same;
}

/* Whether the views' cells and trading days equal SQLite's (all of them
 * when must, else reports only): every grouping, unfiltered and through
 * filters that read each path of argo_pg_views_cells (a view bounded by
 * exit day, one group of the symbol or strategy view, the raw rows). */
static bool views_equal(argo_store *st, bool must)
{
    bool same = true;
    for (int by = ARGO_AGG_NONE; by <= ARGO_AGG_EXIT && same; by++)
        same = cells_equal(st, by, NULL, "unfiltered", must);
    int64_t *da, *db;
    size_t na, nb;
    assert_int_equal(argo_store_trading_days(st, &da, &na, NULL), 0);
    int64_t d1 = da[na / 3], d2 = da[2 * na / 3];
    free(da);
    const struct {
        const char *what;
        argo_agg_filter f;
    } cases[] = {
        {"since-until", {0, -1, d1, d2}},
        {"symbol 1", {1, -1, INT64_MIN, INT64_MAX}},
        {"symbol 2, since", {2, -1, d1, INT64_MAX}},
        {"macd", {0, ARGO_STRAT_MACD, INT64_MIN, INT64_MAX}},
        {"trend, until", {0, ARGO_STRAT_TREND, INT64_MIN, d2}},
        {"symbol 1, breakout", {1, ARGO_STRAT_BREAKOUT, INT64_MIN, INT64_MAX}},
        {"symbol 2, macd, since-until", {2, ARGO_STRAT_MACD, d1, d2}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && same; i++)
        for (int by = ARGO_AGG_NONE; by <= ARGO_AGG_EXIT && same; by++)
            same = cells_equal(st, by, &cases[i].f, cases[i].what, must);
    argo_err e = {0};
    assert_int_equal(argo_store_trading_days(st, &da, &na, NULL), 0);
    if (argo_pg_views_trading_days(pg, "test", &db, &nb, &e))
        fail_msg("trading days: %s", e.msg);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na * sizeof *da);
    free(da);
    free(db);
    return same;
}

static void put_series(argo_store *s, const char *name, const argo_bar *bars, size_t n)
{
    int64_t id;
    assert_int_equal(argo_store_begin(s, NULL), 0);
    assert_int_equal(argo_store_symbol_id(s, name, true, &id, NULL), 0);
    assert_int_equal(argo_store_bars_put(s, id, bars, n, NULL, NULL), 0);
    assert_int_equal(argo_store_commit(s, NULL), 0);
}

static int put_synth(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    put_series(ctx, symbol, bars, n);
    return 0;
}

/* Replays st up to some weeks before its end (leaving signals open),
 * copies it, refreshes; the views equal SQLite's. Then a track resolves
 * more: the views are stale until the concurrent refresh, then equal. */
static void replay_copy_track(argo_store *st)
{
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t *days;
    size_t n;
    assert_int_equal(argo_store_trading_days(st, &days, &n, NULL), 0);
    int64_t last = days[n - 1];
    free(days);
    argo_replay_report r = {0};
    for (int k = 0; k < 40 && !r.open; k++) {
        argo_replay_options o = {.from = INT64_MIN, .to = last - (60 + 17 * k) * DAY};
        assert_int_equal(argo_engine_replay(st, &cfg, &o, &r, NULL), 0);
    }
    assert_true(r.resolved > 0 && r.open > 0);
    copy_store(st);
    argo_err e = {0};
    if (argo_pg_views_refresh(pg, "test", 1000, &e))
        fail_msg("refresh: %s", e.msg);
    views_equal(st, true);
    argo_track_report t;
    assert_int_equal(argo_engine_track(st, &cfg, &t, NULL), 0);
    assert_true(t.resolved > 0);
    copy_store(st);
    assert_false(views_equal(st, false)); /* stale: the rows changed, the views not yet */
    if (argo_pg_views_refresh(pg, "test", 1000, &e))
        fail_msg("refresh: %s", e.msg);
    views_equal(st, true);
}

static argo_store *sqlite_store(const char *name)
{
    char p[512];
    th_tmpfile(name, p, sizeof p);
    th_rm_db(p);
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    return st;
}

static void the_views_equal_sqlites_cells_on_a_synthetic_universe(void **state)
{
    (void)state;
    argo_store *st = sqlite_store("pgv_synth.db");
    argo_synth_options o = {.symbols = 30, .days = 800, .seed = 7};
    assert_int_equal(argo_market_synth(&o, put_synth, st, NULL), 0);
    replay_copy_track(st);
    argo_store_close(st);
}

static void the_views_equal_sqlites_cells_on_the_shipped_data(void **state)
{
    (void)state;
    argo_store *st = sqlite_store("pgv_shipped.db");
    const char *syms[] = {"MSFT", "TTRC"};
    for (int i = 0; i < 2; i++) {
        size_t n;
        argo_bar *b = th_market_bars(syms[i], &n);
        put_series(st, syms[i], b, n);
        free(b);
    }
    replay_copy_track(st);
    argo_store_close(st);
}

static void a_new_days_bars_count_before_the_refresh(void **state)
{
    (void)state;
    int64_t *d;
    size_t n, m;
    assert_int_equal(argo_pg_views_trading_days(pg, "test", &d, &n, NULL), 0);
    assert_true(n > 0);
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO bars VALUES (1, %lld), (2, %lld)",
             (long long)(d[n - 1] + 3 * DAY + 3600), (long long)(d[n - 1] + 3 * DAY + 7200));
    free(d);
    run(sql);
    assert_int_equal(argo_pg_views_trading_days(pg, "test", &d, &m, NULL), 0);
    assert_int_equal(m, n + 1);
    free(d);
}

static void a_refresh_inside_a_transaction_is_refused(void **state)
{
    (void)state;
    argo_err e = {0};
    run("BEGIN");
    assert_int_equal(argo_pg_views_refresh(pg, "test", 100, &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "inside a transaction"));
    run("ROLLBACK");
}

static void a_refresh_waits_for_another_then_says_busy(void **state)
{
    (void)state;
    PGconn *other = connect_to(getenv("ARGO_TEST_STORE_URL"));
    char sql[256];
    snprintf(sql, sizeof sql,
             "SET search_path = %s; SELECT pg_advisory_lock("
             "hashtextextended(current_schema() || '/argo aggregates', 0))",
             schema);
    PGresult *r = PQexec(other, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    argo_err e = {0};
    assert_int_equal(argo_pg_views_refresh(pg, "test", 200, &e), ARGO_EBUSY);
    assert_non_null(strstr(e.msg, "another process is refreshing"));
    PQfinish(other); /* its session lock goes with it */
    assert_int_equal(argo_pg_views_refresh(pg, "test", 2000, NULL), 0);
}

int main(void)
{
    const char *url = getenv("ARGO_TEST_STORE_URL");
    if (!url || !*url) {
        printf("pg_views: skipped, ARGO_TEST_STORE_URL (a PostgreSQL URL prefix ending in"
               " schema=) is not set\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_views_equal_sqlites_cells_on_a_synthetic_universe),
        cmocka_unit_test(the_views_equal_sqlites_cells_on_the_shipped_data),
        cmocka_unit_test(a_new_days_bars_count_before_the_refresh),
        cmocka_unit_test(a_refresh_inside_a_transaction_is_refused),
        cmocka_unit_test(a_refresh_waits_for_another_then_says_busy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
