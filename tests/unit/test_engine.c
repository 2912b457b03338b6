/* SPDX-License-Identifier: MIT */
/*
 * The engine over a real store and the shipped real series:
 *  - replay gives the same signals and outcomes as running the live
 *    cycle (ingest the day's bars, generate, track) day by day;
 *  - replay up to a date then live cycles equals one full replay;
 *  - tracking is idempotent and coverage is 100%;
 *  - no look-ahead: cutting the future off changes no earlier signal;
 *  - the app operations announce, after the commit, exactly the rows
 *    they stored (app/events.h), and nothing when they fail.
 */
#include "helpers.h"

#include "app/app_int.h"
#include "app/engine.h"
#include "base/timeutil.h"
#include "market/market.h"
#include "track/track.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct day_bar {
    int sym; /* 0 = MSFT, 1 = TTRC */
    argo_bar bar;
} day_bar;

static day_bar *all_bars; /* every shipped bar, ordered by (ts, sym) */
static size_t nall;
static const char *const syms[2] = {"MSFT", "TTRC"};

static int cmp_day_bar(const void *a, const void *b)
{
    const day_bar *x = a, *y = b;
    if (x->bar.ts != y->bar.ts)
        return x->bar.ts < y->bar.ts ? -1 : 1;
    return x->sym - y->sym;
}

static int load_all(void **state)
{
    (void)state;
    size_t n0, n1;
    argo_bar *b0 = th_market_bars("MSFT", &n0), *b1 = th_market_bars("TTRC", &n1);
    nall = n0 + n1;
    all_bars = malloc(nall * sizeof *all_bars);
    for (size_t i = 0; i < n0; i++)
        all_bars[i] = (day_bar){0, b0[i]};
    for (size_t i = 0; i < n1; i++)
        all_bars[n0 + i] = (day_bar){1, b1[i]};
    qsort(all_bars, nall, sizeof *all_bars, cmp_day_bar);
    free(b0);
    free(b1);
    return 0;
}

static int free_all(void **state)
{
    (void)state;
    free(all_bars);
    return 0;
}

static argo_store *open_fresh(const char *name, int64_t ids[2])
{
    char p[512];
    th_store_url(name, p, sizeof p);
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(argo_store_symbol_id(st, syms[i], true, &ids[i], NULL), 0);
    return st;
}

/* Stores bars [from, to) of all_bars. */
static void put_bars(argo_store *st, const int64_t ids[2], size_t from, size_t to)
{
    assert_int_equal(argo_store_begin(st, NULL), 0);
    for (size_t i = from; i < to; i++)
        assert_int_equal(
            argo_store_bars_put(st, ids[all_bars[i].sym], &all_bars[i].bar, 1, NULL, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
}

typedef struct dump {
    argo_signal *v;
    size_t n, cap;
} dump;

static int dump_one(void *ctx, const argo_signal *g)
{
    dump *d = ctx;
    if (d->n == d->cap)
        d->v = realloc(d->v, (d->cap = d->cap ? d->cap * 2 : 256) * sizeof *d->v);
    d->v[d->n++] = *g;
    return 0;
}

static int cmp_sig(const void *a, const void *b)
{
    const argo_signal *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return strcmp(x->symbol, y->symbol);
}

typedef struct versions {
    int64_t v[4096];
    size_t n;
} versions;

static int note_version(void *ctx, const argo_model_row *m)
{
    versions *vs = ctx;
    assert_true(vs->n < sizeof vs->v / sizeof vs->v[0]);
    vs->v[vs->n++] = m->version;
    return 0;
}

/* Every stored signal, in (ts, symbol) order, each model_version given
 * as its rank among the store's models (1 the first fitted): a replay
 * deletes the models it fits again, and where SQLite then hands out the
 * same numbers again a PostgreSQL sequence goes on, so the same model
 * has another number in a replay of the same store. */
static dump dump_signals(argo_store *st)
{
    dump d = {0};
    assert_int_equal(argo_store_signals_all(st, 0, dump_one, &d, NULL), 0);
    if (d.n)
        qsort(d.v, d.n, sizeof *d.v, cmp_sig);
    versions *vs = calloc(1, sizeof *vs);
    assert_non_null(vs);
    assert_int_equal(argo_store_models_scan(st, note_version, vs, NULL), 0);
    for (size_t i = 0; i < d.n; i++) {
        if (d.v[i].model_version == 0)
            continue;
        size_t k = 0;
        while (k < vs->n && vs->v[k] != d.v[i].model_version)
            k++;
        assert_true(k < vs->n); /* a signal's model is stored */
        d.v[i].model_version = (int64_t)k + 1;
    }
    free(vs);
    return d;
}

/* The name of the first field but the row id where x and y differ, or
 * NULL. Field by field, not memcmp: the bytes after the symbol's NUL and
 * the struct's padding are whatever the backend's buffer held (they
 * differed on PostgreSQL). Doubles compare bit for bit. */
static const char *signal_diff(const argo_signal *x, const argo_signal *y)
{
#define SAME(f) (memcmp(&x->f, &y->f, sizeof x->f) == 0)
    if (!SAME(symbol_id) || strcmp(x->symbol, y->symbol))
        return "symbol";
    if (!SAME(action) || !SAME(ts) || !SAME(entry) || !SAME(target) || !SAME(stop))
        return "action, ts, entry, target or stop";
    if (!SAME(raw_confidence) || !SAME(confidence) || !SAME(published))
        return "confidence or published";
    if (!SAME(model_version))
        return "model_version";
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        if (!SAME(votes[k].dir) || !SAME(votes[k].strength))
            return "votes";
    if (!SAME(expires_at) || !SAME(status) || !SAME(exit_reason) || !SAME(gap) || !SAME(exit_ts) ||
        !SAME(exit_price) || !SAME(pnl_pct))
        return "outcome";
    if (!SAME(bars_held) || !SAME(mfe_pct) || !SAME(mae_pct) || !SAME(scanned_to))
        return "bars held, excursions or scanned_to";
#undef SAME
    return NULL;
}

/* Every field but the row id must agree. */
static void expect_same_signals(const dump *a, const dump *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const argo_signal x = a->v[i], y = b->v[i];
        const char *what = signal_diff(&x, &y);
        if (what) {
            char t[32];
            argo_time_format(x.ts, t, sizeof t);
            fail_msg("signal %zu (%s %s) differs in %s: status %d/%d exit %lld/%lld pnl %g/%g"
                     " confidence %.17g/%.17g model %lld/%lld",
                     i, x.symbol, t, what, x.status, y.status, (long long)x.exit_ts,
                     (long long)y.exit_ts, x.pnl_pct, y.pnl_pct, x.confidence, y.confidence,
                     (long long)x.model_version, (long long)y.model_version);
        }
    }
}

static void replay_all(argo_store *st, const argo_config *cfg, int64_t to)
{
    argo_replay_options o = {.from = INT64_MIN, .to = to};
    argo_replay_report r;
    argo_err e;
    if (argo_engine_replay(st, cfg, &o, &r, &e))
        fail_msg("%s", e.msg);
}

/* Runs the live cycle day by day over all_bars[from..]. */
static void live_days(argo_store *st, const int64_t ids[2], const argo_config *cfg, size_t from)
{
    for (size_t i = from; i < nall;) {
        size_t j = i;
        while (j < nall && all_bars[j].bar.ts == all_bars[i].bar.ts)
            j++;
        put_bars(st, ids, i, j);
        argo_err e;
        if (argo_engine_generate(st, cfg, NULL, &e) || argo_engine_track(st, cfg, NULL, &e))
            fail_msg("%s", e.msg);
        i = j;
    }
}

static void replay_equals_the_live_cycle_day_by_day(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t ra[2], la[2];
    argo_store *rs = open_fresh("replay.db", ra), *ls = open_fresh("live.db", la);
    put_bars(rs, ra, 0, nall);
    replay_all(rs, &cfg, INT64_MAX);
    live_days(ls, la, &cfg, 0);
    dump a = dump_signals(rs), b = dump_signals(ls);
    assert_true(a.n > 100);
    expect_same_signals(&a, &b);
    free(a.v);
    free(b.v);
    argo_store_close(rs);
    argo_store_close(ls);
}

static void replay_to_a_date_then_live_equals_a_full_replay(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t ra[2], ha[2];
    argo_store *rs = open_fresh("full.db", ra), *hs = open_fresh("half.db", ha);
    put_bars(rs, ra, 0, nall);
    replay_all(rs, &cfg, INT64_MAX);
    size_t cut = nall - 400;
    while (all_bars[cut].bar.ts == all_bars[cut - 1].bar.ts)
        cut++;
    put_bars(hs, ha, 0, cut);
    replay_all(hs, &cfg, all_bars[cut - 1].bar.ts);
    live_days(hs, ha, &cfg, cut);
    dump a = dump_signals(rs), b = dump_signals(hs);
    expect_same_signals(&a, &b);
    free(a.v);
    free(b.v);
    argo_store_close(rs);
    argo_store_close(hs);
}

static void tracking_twice_changes_nothing_and_covers_every_signal(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t ids[2];
    argo_store *st = open_fresh("idem.db", ids);
    size_t cut = nall - 30;
    put_bars(st, ids, 0, cut);
    replay_all(st, &cfg, INT64_MAX);
    /* new bars arrive: generate and track them, then track again */
    put_bars(st, ids, cut, nall);
    argo_track_report r1, r2;
    assert_int_equal(argo_engine_track(st, &cfg, &r1, NULL), 0);
    dump a = dump_signals(st);
    assert_int_equal(argo_engine_track(st, &cfg, &r2, NULL), 0);
    dump b = dump_signals(st);
    expect_same_signals(&a, &b);
    assert_int_equal(r2.resolved, 0);
    assert_int_equal(r2.bars_scanned, 0);
    argo_coverage cov;
    assert_int_equal(argo_engine_coverage(st, &cov, NULL), 0);
    assert_int_equal(cov.covered, cov.signals);
    assert_true(cov.signals > 100);
    /* a generate with no new bars makes nothing */
    argo_generate_report g;
    assert_int_equal(argo_engine_generate(st, &cfg, &g, NULL), 0);
    assert_int_equal(argo_engine_generate(st, &cfg, &g, NULL), 0);
    assert_int_equal(g.signals, 0);
    assert_int_equal(g.bars_fed, 0);
    free(a.v);
    free(b.v);
    argo_store_close(st);
}

static void signals_do_not_depend_on_future_bars(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t fa[2], ca[2];
    argo_store *full = open_fresh("future.db", fa), *cut = open_fresh("cut.db", ca);
    put_bars(full, fa, 0, nall);
    size_t k = nall / 2;
    put_bars(cut, ca, 0, k);
    replay_all(full, &cfg, INT64_MAX);
    replay_all(cut, &cfg, INT64_MAX);
    dump a = dump_signals(full), b = dump_signals(cut);
    assert_true(b.n > 50);
    for (size_t i = 0; i < b.n; i++) {
        /* creation fields agree; outcomes may differ (less future seen) */
        const argo_signal *x = &a.v[i], *y = &b.v[i];
        assert_string_equal(x->symbol, y->symbol);
        assert_int_equal(x->ts, y->ts);
        assert_int_equal(x->action, y->action);
        assert_true(x->entry == y->entry && x->target == y->target && x->stop == y->stop);
        assert_true(x->raw_confidence == y->raw_confidence);
        assert_memory_equal(x->votes, y->votes, sizeof x->votes);
    }
    free(a.v);
    free(b.v);
    argo_store_close(full);
    argo_store_close(cut);
}

/* Replay reads history in time chunks; chunk edges must not show. */
static void replay_in_small_chunks_equals_one_chunk(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t ids[2];
    argo_store *st = open_fresh("chunks.db", ids);
    put_bars(st, ids, 0, nall);
    replay_all(st, &cfg, INT64_MAX);
    dump a = dump_signals(st);
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX, .chunk_bars = 97};
    argo_replay_report r;
    assert_int_equal(argo_engine_replay(st, &cfg, &o, &r, NULL), 0);
    assert_int_equal(r.bars, (int64_t)nall);
    dump b = dump_signals(st);
    expect_same_signals(&a, &b);
    free(a.v);
    free(b.v);
    argo_store_close(st);
}

/* No look-ahead in calibration: the model a signal used was trained
 * only on outcomes resolved before the signal's bar. */
static void each_signal_used_a_model_trained_before_it(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t ids[2];
    argo_store *st = open_fresh("lookahead.db", ids);
    put_bars(st, ids, 0, nall);
    replay_all(st, &cfg, INT64_MAX);
    dump d = dump_signals(st);
    size_t calibrated = 0;
    for (size_t i = 0; i < d.n; i++) {
        const argo_signal *g = &d.v[i];
        if (!g->model_version) {
            assert_true(g->confidence == g->raw_confidence);
            continue;
        }
        argo_model_row m;
        assert_int_equal(argo_store_model_get(st, g->model_version, &m, NULL), 0);
        assert_true(m.trained_through <= g->ts);
        assert_true(m.window_to < g->ts);
        assert_true(g->confidence >= 0 && g->confidence <= 1);
        assert_int_equal(g->published, g->confidence >= cfg.min_confidence);
        argo_model_row_cleanup(&m);
        calibrated++;
    }
    assert_true(calibrated > d.n / 2);
    free(d.v);
    argo_store_close(st);
}

static int64_t suppressed_of(argo_store *st, int64_t id)
{
    argo_symbol_count *v;
    size_t n;
    int64_t total, found = 0;
    assert_int_equal(argo_store_suppressed_counts(st, &v, &n, &total, NULL), 0);
    for (size_t i = 0; i < n; i++)
        if (v[i].symbol_id == id)
            found = v[i].count;
    free(v);
    return found;
}

/* The edge rule counts the same suppressed signals live and in replay. */
static void replay_and_live_suppress_the_same_signals(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    cfg.min_edge_bps = 600; /* 6%: many daily targets fall short of it */
    int64_t ra[2], la[2];
    argo_store *rs = open_fresh("supp-replay.db", ra), *ls = open_fresh("supp-live.db", la);
    put_bars(rs, ra, 0, nall);
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    argo_replay_report r;
    assert_int_equal(argo_engine_replay(rs, &cfg, &o, &r, NULL), 0);
    live_days(ls, la, &cfg, 0);
    assert_true(r.suppressed > 10 && r.signals > 10);
    for (int k = 0; k < 2; k++)
        assert_int_equal(suppressed_of(rs, ra[k]), suppressed_of(ls, la[k]));
    assert_int_equal(suppressed_of(rs, ra[0]) + suppressed_of(rs, ra[1]), (int64_t)r.suppressed);
    dump a = dump_signals(rs), b = dump_signals(ls);
    expect_same_signals(&a, &b);
    argo_track_costs costs = {cfg.fee_bps, cfg.slippage_bps};
    for (size_t i = 0; i < a.n; i++)
        assert_true(argo_track_target_pnl(&a.v[i], &costs) * 100 > cfg.min_edge_bps);
    free(a.v);
    free(b.v);
    /* a second replay starts the counts from scratch */
    assert_int_equal(argo_engine_replay(rs, &cfg, &o, &r, NULL), 0);
    assert_int_equal(suppressed_of(rs, ra[0]) + suppressed_of(rs, ra[1]), (int64_t)r.suppressed);
    argo_store_close(rs);
    argo_store_close(ls);
}

/* 30-minute-like bars: quiet stretches where 2 ATR is below the
 * round-trip cost, and livelier ones. */
static argo_store *half_hour_universe(const char *name, int64_t *ids, int nsym)
{
    char p[512];
    th_store_url(name, p, sizeof p);
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    uint64_t seed = 42;
    for (int s = 0; s < nsym; s++) {
        char sym[8];
        snprintf(sym, sizeof sym, "FX%d", s);
        assert_int_equal(argo_store_symbol_id(st, sym, true, &ids[s], NULL), 0);
        double px = 1.1 + 0.1 * s;
        for (int i = 0; i < 6000; i++) {
            double sigma = (i / 400) % 3 == 2 ? 0.003 : 0.0006; /* per bar */
            double u[4];
            for (int k = 0; k < 4; k++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                u[k] = (double)(seed >> 11) / 9007199254740992.0 - 0.5;
            }
            double open = px, close = px * (1 + sigma * 3.4 * u[0]);
            double hi = fmax(open, close) * (1 + sigma * fabs(u[1])),
                   lo = fmin(open, close) * (1 - sigma * fabs(u[2]));
            argo_bar b = {1262563200 + (int64_t)i * 1800, open, hi, lo, close, 1000};
            assert_int_equal(argo_store_bars_put(st, ids[s], &b, 1, NULL, NULL), 0);
            px = close;
        }
    }
    assert_int_equal(argo_store_commit(st, NULL), 0);
    return st;
}

static void on_quiet_half_hour_bars_every_target_exit_makes_money(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg); /* fees 5 + slippage 5 bp a side, min_edge_bps 10 */
    cfg.expiry_days = 2;
    int64_t ids[3];
    argo_store *st = half_hour_universe("halfhour.db", ids, 3);
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    argo_replay_report r;
    assert_int_equal(argo_engine_replay(st, &cfg, &o, &r, NULL), 0);
    assert_true(r.suppressed > 0);
    assert_true(r.signals > 0);
    dump a = dump_signals(st);
    size_t targets = 0;
    for (size_t i = 0; i < a.n; i++)
        if (a.v[i].status != ARGO_OPEN && a.v[i].exit_reason == ARGO_EXIT_TARGET) {
            targets++;
            assert_true(a.v[i].pnl_pct > 0);
        }
    assert_true(targets > 0);
    free(a.v);
    /* the same universe without the rule: target exits that lose money */
    cfg.min_edge_bps = -1e9; /* not reachable from a config file: off */
    assert_int_equal(argo_engine_replay(st, &cfg, &o, &r, NULL), 0);
    assert_int_equal(r.suppressed, 0);
    a = dump_signals(st);
    size_t losing = 0;
    for (size_t i = 0; i < a.n; i++)
        losing += a.v[i].status != ARGO_OPEN && a.v[i].exit_reason == ARGO_EXIT_TARGET &&
                  a.v[i].pnl_pct <= 0;
    assert_true(losing > 0);
    free(a.v);
    argo_store_close(st);
}

static void a_replay_window_after_a_window_without_bars_changes_nothing(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t ids[2];
    argo_store *st = open_fresh("window.db", ids);
    put_bars(st, ids, 0, nall);
    replay_all(st, &cfg, INT64_MAX);
    dump before = dump_signals(st);
    argo_err e;
    argo_replay_options late = {.from = all_bars[nall - 1].bar.ts + 1, .to = INT64_MAX};
    assert_int_equal(argo_engine_replay(st, &cfg, &late, NULL, &e), ARGO_EDATA);
    assert_non_null(strstr(e.msg, "no bars in the replay window"));
    argo_replay_options early = {.from = INT64_MIN, .to = all_bars[0].bar.ts - 1};
    assert_int_equal(argo_engine_replay(st, &cfg, &early, NULL, &e), ARGO_EDATA);
    argo_replay_options crossed = {.from = all_bars[nall - 1].bar.ts, .to = all_bars[0].bar.ts};
    assert_int_equal(argo_engine_replay(st, &cfg, &crossed, NULL, &e), ARGO_EINVAL);
    dump after = dump_signals(st);
    assert_true(before.n > 100);
    expect_same_signals(&before, &after);
    free(before.v);
    free(after.v);
    argo_store_close(st);
}

static void a_changed_strategy_config_rebuilds_state_from_history(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    int64_t ids[2];
    argo_store *st = open_fresh("rebuild.db", ids);
    put_bars(st, ids, 0, nall - 10);
    replay_all(st, &cfg, INT64_MAX);
    put_bars(st, ids, nall - 10, nall);
    cfg.trend_fast = 10;
    argo_generate_report g;
    assert_int_equal(argo_engine_generate(st, &cfg, &g, NULL), 0);
    assert_int_equal(g.rebuilt, 2);
    assert_int_equal(g.bars_fed, nall); /* every bar of both symbols again */
    argo_store_close(st);
}

/* ---- event hooks ------------------------------------------------------- */

typedef struct recorder {
    dump signals, outcomes; /* as announced, in order */
    size_t bars, cycles;
    int64_t bar_ts_sum;
    char bar_syms[2][8]; /* first and last symbol announced */
    argo_cycle last;
    char op[16];
    bool cycle_last; /* on_cycle came after every row */
} recorder;

static void on_bar(void *ctx, const char *symbol, const argo_bar *bar)
{
    recorder *r = ctx;
    if (!r->bars)
        snprintf(r->bar_syms[0], sizeof r->bar_syms[0], "%s", symbol);
    snprintf(r->bar_syms[1], sizeof r->bar_syms[1], "%s", symbol);
    r->bars++;
    r->bar_ts_sum += bar->ts / 86400;
    r->cycle_last = false;
}

static void on_signal(void *ctx, const argo_signal *sig)
{
    recorder *r = ctx;
    dump_one(&r->signals, sig);
    r->cycle_last = false;
}

static void on_outcome(void *ctx, const argo_signal *sig)
{
    recorder *r = ctx;
    dump_one(&r->outcomes, sig);
    r->cycle_last = false;
}

static void on_cycle(void *ctx, const argo_cycle *c)
{
    recorder *r = ctx;
    r->cycles++;
    r->last = *c;
    snprintf(r->op, sizeof r->op, "%s", c->op);
    r->last.op = r->op;
    r->cycle_last = true;
}

static void recorder_reset(recorder *r)
{
    free(r->signals.v);
    free(r->outcomes.v);
    memset(r, 0, sizeof *r);
}

static argo_app *open_app(const char *name, recorder *rec)
{
    char p[512];
    th_store_url(name, p, sizeof p);
    argo_app_options o = {.db_path = p, .store = ARGO_APP_STORE_RW};
    argo_app *app;
    argo_err e;
    if (argo_app_open(&o, &app, &e))
        fail_msg("%s", e.msg);
    argo_events ev = {rec, on_bar, on_signal, on_outcome, on_cycle, NULL};
    argo_app_set_events(app, &ev);
    return app;
}

/* The stored signals in id order (the order they were stored). */
static dump stored_by_id(argo_store *st)
{
    dump d = {0};
    assert_int_equal(argo_store_signals_all(st, 0, dump_one, &d, NULL), 0);
    for (size_t i = 1; i < d.n; i++) /* insertion sort: already nearly in id order */
        for (size_t j = i; j > 0 && d.v[j - 1].id > d.v[j].id; j--) {
            argo_signal t = d.v[j];
            d.v[j] = d.v[j - 1];
            d.v[j - 1] = t;
        }
    return d;
}

static const argo_signal *by_id(const dump *d, int64_t id)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].id == id)
            return &d->v[i];
    return NULL;
}

/* The announced outcome is the stored row (field by field: the symbol
 * array past its NUL and the padding are not data). */
static void expect_same_outcome(const argo_signal *s, const argo_signal *a)
{
    assert_int_equal(s->id, a->id);
    assert_int_equal(s->symbol_id, a->symbol_id);
    assert_string_equal(s->symbol, a->symbol);
    assert_int_equal(s->ts, a->ts);
    assert_int_equal(s->status, a->status);
    assert_int_equal(s->exit_reason, a->exit_reason);
    assert_int_equal(s->gap, a->gap);
    assert_int_equal(s->exit_ts, a->exit_ts);
    assert_true(s->exit_price == a->exit_price && s->pnl_pct == a->pnl_pct);
    assert_true(s->mfe_pct == a->mfe_pct && s->mae_pct == a->mae_pct);
    assert_int_equal(s->bars_held, a->bars_held);
    assert_int_equal(s->scanned_to, a->scanned_to);
    assert_true(s->confidence == a->confidence);
}

static void ingest_announces_each_stored_bar_once(void **state)
{
    (void)state;
    recorder rec = {0};
    argo_app *app = open_app("ev-ingest.db", &rec);
    char a[512], b[512];
    const char *paths[2] = {th_src("data/market/MSFT.csv", a, sizeof a),
                            th_src("data/market/TTRC.csv", b, sizeof b)};
    const char *names[2] = {"MSFT", "TTRC"};
    argo_ingest_report reps[2];
    argo_err e;
    if (argo_app_ingest(app, 2, paths, names, false, reps, &e))
        fail_msg("%s", e.msg);
    int64_t stored;
    assert_int_equal(argo_store_bars_count(app->store, INT64_MAX, &stored, NULL), 0);
    assert_int_equal(rec.bars, (size_t)stored);
    assert_int_equal(rec.bars, reps[0].inserted + reps[1].inserted);
    int64_t sum = 0;
    for (size_t i = 0; i < nall; i++)
        sum += all_bars[i].bar.ts / 86400;
    assert_int_equal(rec.bar_ts_sum, sum); /* the very bars stored */
    assert_string_equal(rec.bar_syms[0], "MSFT");
    assert_string_equal(rec.bar_syms[1], "TTRC"); /* in store order: file by file */
    assert_int_equal(rec.cycles, 1);
    assert_true(rec.cycle_last);
    assert_string_equal(rec.op, "ingest");
    assert_int_equal(rec.last.bars, stored);
    assert_int_equal(rec.last.newest_ts, all_bars[nall - 1].bar.ts);
    /* again: every bar is an identical repeat, none is announced */
    recorder_reset(&rec);
    assert_int_equal(argo_app_ingest(app, 2, paths, names, false, reps, NULL), 0);
    assert_int_equal(rec.bars, 0);
    assert_int_equal(rec.cycles, 1);
    assert_int_equal(rec.last.bars, 0);
    /* a failed ingest (the second file is bad) announces nothing, though
     * the first file's bars were stored before the rollback */
    char bad[512], good[512];
    th_tmpfile("ev-good.csv", good, sizeof good);
    th_tmpfile("ev-bad.csv", bad, sizeof bad);
    th_write(good, "date,open,high,low,close,volume\n2020-01-02,1,2,1,1.5,10\n");
    th_write(bad, "date,open,high,low,close,volume\n2020-01-02,1,2,1,x,10\n");
    const char *mixed[2] = {good, bad};
    const char *syms2[2] = {"NEW", "NEW2"};
    recorder_reset(&rec);
    assert_int_equal(argo_app_ingest(app, 2, mixed, syms2, false, reps, &e), ARGO_EPARSE);
    assert_int_equal(rec.bars, 0);
    assert_int_equal(rec.cycles, 0);
    int64_t after;
    assert_int_equal(argo_store_bars_count(app->store, INT64_MAX, &after, NULL), 0);
    assert_int_equal(after, stored);
    recorder_reset(&rec);
    argo_app_close(app, false);
}

static void synth_announces_each_stored_bar(void **state)
{
    (void)state;
    recorder rec = {0};
    argo_app *app = open_app("ev-synth.db", &rec);
    argo_synth_options so = {.symbols = 3, .days = 40, .seed = 7};
    size_t bars;
    assert_int_equal(argo_app_synth(app, &so, &bars, NULL), 0);
    assert_int_equal(bars, 120);
    assert_int_equal(rec.bars, 120);
    assert_string_equal(rec.bar_syms[0], "SYN0001");
    assert_string_equal(rec.bar_syms[1], "SYN0003");
    assert_int_equal(rec.cycles, 1);
    assert_string_equal(rec.op, "synth");
    recorder_reset(&rec);
    assert_int_equal(argo_app_synth(app, &so, &bars, NULL), 0); /* all repeats */
    assert_int_equal(bars, 0);
    assert_int_equal(rec.bars, 0);
    recorder_reset(&rec);
    argo_app_close(app, false);
}

/* Replay, then live days (bars, generate, track): every signal the
 * store holds was announced once by on_signal, in id order, as stored;
 * every resolved one once by on_outcome, with its stored outcome. */
static void the_flow_announces_exactly_the_signals_and_outcomes_it_stored(void **state)
{
    (void)state;
    recorder rec = {0};
    argo_app *app = open_app("ev-flow.db", &rec);
    argo_store *st = app->store;
    int64_t ids[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(argo_store_symbol_id(st, syms[i], true, &ids[i], NULL), 0);
    size_t cut = nall - 300;
    while (all_bars[cut].bar.ts == all_bars[cut - 1].bar.ts)
        cut++;
    put_bars(st, ids, 0, cut);
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    argo_replay_report r;
    argo_err e;
    if (argo_app_replay(app, &o, &r, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(rec.cycles, 1);
    assert_true(rec.cycle_last);
    assert_string_equal(rec.op, "replay");
    assert_int_equal(rec.last.signals, (int64_t)r.signals);
    assert_int_equal(rec.last.outcomes, (int64_t)r.resolved);
    assert_int_equal(rec.last.newest_ts, all_bars[cut - 1].bar.ts);
    dump d = stored_by_id(st);
    assert_true(d.n > 100);
    assert_int_equal(rec.signals.n, d.n);
    assert_int_equal(rec.outcomes.n, r.resolved);
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(rec.signals.v[i].id, d.v[i].id);
        assert_int_equal(rec.signals.v[i].status, ARGO_OPEN); /* as it was made */
        assert_true(rec.signals.v[i].confidence == d.v[i].confidence);
        assert_int_equal(rec.signals.v[i].model_version, d.v[i].model_version);
    }
    for (size_t i = 0; i < rec.outcomes.n; i++) {
        const argo_signal *s = by_id(&d, rec.outcomes.v[i].id);
        assert_non_null(s);
        assert_true(s->status != ARGO_OPEN);
        expect_same_outcome(s, &rec.outcomes.v[i]);
        if (i) /* resolved in time order */
            assert_true(rec.outcomes.v[i - 1].exit_ts <= rec.outcomes.v[i].exit_ts);
    }
    size_t resolved = 0;
    for (size_t i = 0; i < d.n; i++)
        resolved += d.v[i].status != ARGO_OPEN;
    assert_int_equal(resolved, rec.outcomes.n);
    int64_t last_id = d.v[d.n - 1].id;
    free(d.v);

    /* live days: the announced rows are the ones added or resolved */
    recorder_reset(&rec);
    size_t gen_cycles = 0, track_cycles = 0;
    for (size_t i = cut; i < nall;) {
        size_t j = i;
        while (j < nall && all_bars[j].bar.ts == all_bars[i].bar.ts)
            j++;
        put_bars(st, ids, i, j);
        size_t before = rec.cycles;
        if (argo_app_generate(app, NULL, &e))
            fail_msg("%s", e.msg);
        gen_cycles += rec.cycles - before && !strcmp(rec.op, "generate");
        assert_int_equal(rec.last.newest_ts, all_bars[i].bar.ts);
        before = rec.cycles;
        if (argo_app_track(app, NULL, &e))
            fail_msg("%s", e.msg);
        track_cycles += rec.cycles - before && !strcmp(rec.op, "track");
        assert_true(rec.cycle_last);
        i = j;
    }
    assert_true(gen_cycles > 100); /* one on_cycle per operation */
    assert_int_equal(gen_cycles, track_cycles);
    d = stored_by_id(st);
    size_t fresh = 0;
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i].id > last_id) {
            assert_true(fresh < rec.signals.n);
            assert_int_equal(rec.signals.v[fresh].id, d.v[i].id);
            fresh++;
        }
    assert_true(fresh > 0);
    assert_int_equal(rec.signals.n, fresh);
    size_t newly = 0;
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i].status != ARGO_OPEN && d.v[i].exit_ts > all_bars[cut - 1].bar.ts)
            newly++;
    assert_true(newly > 0);
    assert_int_equal(rec.outcomes.n, newly);
    for (size_t i = 0; i < rec.outcomes.n; i++) {
        const argo_signal *s = by_id(&d, rec.outcomes.v[i].id);
        assert_non_null(s);
        expect_same_outcome(s, &rec.outcomes.v[i]);
        for (size_t k = 0; k < i; k++) /* each once */
            assert_true(rec.outcomes.v[k].id != rec.outcomes.v[i].id);
    }
    free(d.v);

    /* a failed replay (a window without bars) announces nothing */
    recorder_reset(&rec);
    argo_replay_options late = {.from = all_bars[nall - 1].bar.ts + 1, .to = INT64_MAX};
    assert_int_equal(argo_app_replay(app, &late, NULL, &e), ARGO_EDATA);
    assert_int_equal(rec.cycles + rec.signals.n + rec.outcomes.n, 0);
    recorder_reset(&rec);
    argo_app_close(app, false);
}

/* An operation whose transaction cannot start announces nothing. */
static void an_operation_that_fails_announces_nothing(void **state)
{
    (void)state;
    recorder rec = {0};
    argo_app *app = open_app("ev-fail.db", &rec);
    argo_synth_options so = {.symbols = 2, .days = 300, .seed = 3};
    size_t bars;
    assert_int_equal(argo_app_synth(app, &so, &bars, NULL), 0);
    char p[512];
    snprintf(p, sizeof p, "%s", argo_app_db_path(app));
    argo_app_close(app, false);
    recorder_reset(&rec);
    argo_app_options o = {.db_path = p, .store = ARGO_APP_STORE_RO};
    assert_int_equal(argo_app_open(&o, &app, NULL), 0);
    argo_events ev = {&rec, on_bar, on_signal, on_outcome, on_cycle, NULL};
    argo_app_set_events(app, &ev);
    argo_replay_options ro = {.from = INT64_MIN, .to = INT64_MAX};
    assert_int_equal(argo_app_replay(app, &ro, NULL, NULL), ARGO_EINVAL);
    assert_int_equal(argo_app_generate(app, NULL, NULL), ARGO_EINVAL);
    assert_int_equal(argo_app_track(app, NULL, NULL), ARGO_EINVAL);
    assert_int_equal(argo_app_synth(app, &so, &bars, NULL), ARGO_EINVAL);
    assert_int_equal(rec.cycles + rec.bars + rec.signals.n + rec.outcomes.n, 0);
    argo_app_close(app, false);
}

/* ---- the event log --------------------------------------------------------- */

#define EVMAX 20000

/* on_signal, on_outcome, on_event and on_cycle in the order called. */
typedef struct ev_rec {
    recorder rows;
    size_t n;
    int64_t seq[EVMAX];
    char kind[EVMAX]; /* 's' signals, 'o' outcomes, 'b' bars, 'h' health */
    int64_t id[EVMAX];
    bool after_cycle; /* an event came after on_cycle */
    size_t cycles;
} ev_rec;

static void er_signal(void *ctx, const argo_signal *g)
{
    on_signal(&((ev_rec *)ctx)->rows, g);
}

static void er_outcome(void *ctx, const argo_signal *g)
{
    on_outcome(&((ev_rec *)ctx)->rows, g);
}

static void er_bar(void *ctx, const char *symbol, const argo_bar *b)
{
    on_bar(&((ev_rec *)ctx)->rows, symbol, b);
}

static void er_cycle(void *ctx, const argo_cycle *c)
{
    ev_rec *r = ctx;
    on_cycle(&r->rows, c);
    r->cycles++;
}

static void er_event(void *ctx, const argo_event *ev)
{
    ev_rec *r = ctx;
    assert_true(r->n < EVMAX);
    r->seq[r->n] = ev->seq;
    r->kind[r->n] = ev->channel[0];
    json_error_t je;
    json_t *d = json_loads(ev->data, 0, &je);
    assert_non_null(d);
    json_t *id = json_object_get(d, "id");
    r->id[r->n] = id ? json_integer_value(id) : 0;
    if (r->kind[r->n] == 's' || r->kind[r->n] == 'o') {
        assert_non_null(id);
        assert_string_equal(json_string_value(json_object_get(d, "symbol")), ev->symbol);
        assert_true(json_is_true(json_object_get(d, "published")) == ev->published);
        assert_true(json_real_value(json_object_get(d, "confidence")) == ev->confidence);
    }
    if (r->kind[r->n] == 'b') {
        assert_string_equal(json_string_value(json_object_get(d, "symbol")), ev->symbol);
        assert_non_null(json_object_get(json_object_get(d, "bar"), "close"));
    }
    json_decref(d);
    r->after_cycle |= r->rows.cycle_last; /* on_cycle comes last */
    r->n++;
}

static int64_t last_seq(argo_app *app)
{
    int64_t seq = -1;
    assert_int_equal(argo_store_event_last(app->store, &seq, NULL), 0);
    return seq;
}

typedef struct stored_events {
    size_t n;
    int64_t seq[EVMAX];
} stored_events;

static int note_stored(void *ctx, const argo_event *ev)
{
    stored_events *s = ctx;
    if (s->n < EVMAX)
        s->seq[s->n] = ev->seq;
    s->n++;
    return 0;
}

/* The events announced since from: what the store logged after seq
 * before, in seq order, contiguous; one per row announced, in order. */
static void expect_logged(argo_app *app, const ev_rec *r, size_t from, int64_t before)
{
    stored_events *s = calloc(1, sizeof *s);
    assert_int_equal(argo_store_events_after(app->store, before, 0, note_stored, s, NULL), 0);
    assert_int_equal(s->n, r->n - from);
    for (size_t i = from; i < r->n; i++) {
        assert_int_equal(r->seq[i], s->seq[i - from]);
        if (i > from)
            assert_int_equal(r->seq[i], r->seq[i - 1] + 1);
    }
    free(s);
    assert_false(r->after_cycle);
}

static void the_event_log_holds_every_row_announced_in_order(void **state)
{
    (void)state;
    ev_rec *r = calloc(1, sizeof *r);
    argo_app *app = open_app("ev-log.db", &r->rows);
    argo_events ev = {r, er_bar, er_signal, er_outcome, er_cycle, er_event};
    argo_app_set_events(app, &ev);
    argo_store *st = app->store;
    int64_t ids[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(argo_store_symbol_id(st, syms[i], true, &ids[i], NULL), 0);
    size_t cut = nall - 40;
    while (all_bars[cut].bar.ts == all_bars[cut - 1].bar.ts)
        cut++;
    put_bars(st, ids, 0, cut);
    assert_int_equal(last_seq(app), 0); /* bars stored: no events while the bar log is off */

    /* replay rebuilds history: its rows are announced (on_signal,
     * on_outcome) but nothing is logged, so no event is announced */
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    argo_replay_report rr;
    argo_err e;
    if (argo_app_replay(app, &o, &rr, &e))
        fail_msg("%s", e.msg);
    assert_true(rr.signals > 0 && rr.resolved > 0);
    assert_int_equal(r->rows.signals.n, rr.signals);
    assert_int_equal(r->rows.outcomes.n, rr.resolved);
    assert_int_equal(r->n, 0);
    assert_int_equal(last_seq(app), 0);

    /* the live cycle over the rest, a day at a time, and posted bars with the bar log on */
    argo_app_set_event_log(app, true);
    for (size_t i = cut; i < nall;) {
        size_t j = i;
        while (j < nall && all_bars[j].bar.ts == all_bars[i].bar.ts)
            j++;
        const char *names[2];
        const argo_bar *bars[2];
        size_t counts[2], n = 0;
        for (size_t k = i; k < j; k++) {
            names[n] = syms[all_bars[k].sym];
            bars[n] = &all_bars[k].bar;
            counts[n++] = 1;
        }
        argo_ingest_report reps[2];
        int64_t before = last_seq(app);
        size_t from = r->n;
        r->after_cycle = false;
        r->rows.cycle_last = false;
        if (argo_app_ingest_bars(app, n, names, bars, counts, "test", reps, &e))
            fail_msg("%s", e.msg);
        assert_int_equal(r->n - from, n);
        for (size_t k = from; k < r->n; k++)
            assert_int_equal(r->kind[k], 'b');
        expect_logged(app, r, from, before);
        before = last_seq(app);
        from = r->n;
        size_t sig0 = r->rows.signals.n, out0 = r->rows.outcomes.n;
        argo_cycle_report cr;
        if (argo_app_cycle(app, &cr, &e))
            fail_msg("%s", e.msg);
        assert_int_equal(r->n - from, cr.gen.signals + cr.track.resolved);
        assert_int_equal(r->rows.signals.n - sig0, cr.gen.signals);
        assert_int_equal(r->rows.outcomes.n - out0, cr.track.resolved);
        stored_events *s = calloc(1, sizeof *s);
        assert_int_equal(argo_store_events_after(st, before, 0, note_stored, s, NULL), 0);
        assert_int_equal(s->n, r->n - from);
        for (size_t k = from; k < r->n; k++)
            assert_int_equal(r->seq[k], s->seq[k - from]);
        free(s);
        i = j;
    }
    assert_true(r->n > 40);

    /* a rolled-back operation logs and announces nothing: series 1
     * conflicts with a stored bar after series 0's new bar was logged */
    int64_t before = last_seq(app);
    size_t from = r->n, cycles = r->cycles;
    argo_bar fresh = all_bars[nall - 1].bar, clash = all_bars[nall - 1].bar;
    fresh.ts += 86400;
    clash.close = clash.close == clash.high ? clash.low : clash.high; /* same time, other values */
    const char *names[2] = {syms[0], syms[1]};
    const argo_bar *bars[2] = {&fresh, &clash};
    size_t counts[2] = {1, 1};
    argo_ingest_report reps[2];
    assert_int_equal(argo_app_ingest_bars(app, 2, names, bars, counts, "body", reps, &e),
                     ARGO_ECONFLICT);
    assert_non_null(strstr(e.msg, "body[1]: bar 0:"));
    assert_int_equal(last_seq(app), before);
    assert_int_equal(r->n, from);
    assert_int_equal(r->cycles, cycles);
    assert_int_equal(reps[0].inserted, 0);

    /* a health event: its own transaction, announced */
    assert_int_equal(argo_app_log_health(app, "{\"status\":\"ok\"}", NULL), 0);
    assert_int_equal(r->n, from + 1);
    assert_int_equal(r->kind[from], 'h');
    /* the one event logged after before, announced with its seq (after
     * the rolled-back ingest: SQLite gives before + 1 again, while a
     * PostgreSQL sequence skips the numbers a rolled-back insert took;
     * resuming after a seq needs order, not contiguity) */
    stored_events *h = calloc(1, sizeof *h);
    assert_int_equal(argo_store_events_after(st, before, 0, note_stored, h, NULL), 0);
    assert_int_equal(h->n, 1);
    assert_int_equal(r->seq[from], h->seq[0]);
    assert_true(r->seq[from] > before);
    if (!th_store_is_pg())
        assert_int_equal(r->seq[from], before + 1);
    free(h);
    recorder_reset(&r->rows);
    argo_app_close(app, false);
    free(r);
}

/* Posted bars are checked as a CSV file's rows are, all or nothing. */
static void posted_bars_are_checked_like_csv_rows(void **state)
{
    (void)state;
    recorder rec = {0};
    argo_app *app = open_app("posted.db", &rec);
    argo_bar ok[3] = {{86400, 10, 11, 9, 10.5, 100},
                      {86400, 10, 11, 9, 10.5, 100},
                      {2 * 86400, 10.5, 12, 10, 11, 50}};
    argo_bar bad_range = {3 * 86400, 10, 11, 9, 12, 1}; /* close above high */
    argo_bar late = {86400 / 2, 10, 11, 9, 10.5, 1};
    const char *names[2] = {"AAA", "BBB"};
    const argo_bar *bars[2] = {ok, &bad_range};
    size_t counts[2] = {3, 1};
    argo_ingest_report reps[2];
    argo_err e;
    assert_int_equal(argo_app_ingest_bars(app, 2, names, bars, counts, "request body", reps, &e),
                     ARGO_EDATA);
    assert_non_null(strstr(e.msg, "request body[1]: bar 0: high"));
    int64_t id;
    assert_int_equal(argo_store_symbol_id(app->store, "AAA", false, &id, NULL), ARGO_ENOENT);
    const char *bad_names[1] = {"no spaces"};
    assert_int_equal(argo_app_ingest_bars(app, 1, bad_names, bars, counts, "body", reps, &e),
                     ARGO_EDATA);
    assert_non_null(strstr(e.msg, "body[0]: symbol"));
    argo_bar order[2] = {ok[2], late};
    const argo_bar *ob[1] = {order};
    size_t oc[1] = {2};
    assert_int_equal(argo_app_ingest_bars(app, 1, names, ob, oc, "body", reps, &e), ARGO_EDATA);
    assert_non_null(strstr(e.msg, "body[0]: bar 1:"));
    counts[1] = 0;
    assert_int_equal(argo_app_ingest_bars(app, 1, names, bars, counts, "body", reps, &e), 0);
    assert_int_equal(reps[0].rows, 3);
    assert_int_equal(reps[0].inserted, 2);
    assert_int_equal(reps[0].duplicates, 1);
    assert_int_equal(rec.bars, 2);
    /* again: repeats of stored bars, nothing new */
    assert_int_equal(argo_app_ingest_bars(app, 1, names, bars, counts, "body", reps, &e), 0);
    assert_int_equal(reps[0].inserted, 0);
    assert_int_equal(reps[0].duplicates, 3);
    recorder_reset(&rec);
    argo_app_close(app, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_equals_the_live_cycle_day_by_day),
        cmocka_unit_test(replay_to_a_date_then_live_equals_a_full_replay),
        cmocka_unit_test(tracking_twice_changes_nothing_and_covers_every_signal),
        cmocka_unit_test(signals_do_not_depend_on_future_bars),
        cmocka_unit_test(replay_in_small_chunks_equals_one_chunk),
        cmocka_unit_test(each_signal_used_a_model_trained_before_it),
        cmocka_unit_test(a_changed_strategy_config_rebuilds_state_from_history),
        cmocka_unit_test(replay_and_live_suppress_the_same_signals),
        cmocka_unit_test(on_quiet_half_hour_bars_every_target_exit_makes_money),
        cmocka_unit_test(a_replay_window_after_a_window_without_bars_changes_nothing),
        cmocka_unit_test(ingest_announces_each_stored_bar_once),
        cmocka_unit_test(synth_announces_each_stored_bar),
        cmocka_unit_test(the_flow_announces_exactly_the_signals_and_outcomes_it_stored),
        cmocka_unit_test(an_operation_that_fails_announces_nothing),
        cmocka_unit_test(the_event_log_holds_every_row_announced_in_order),
        cmocka_unit_test(posted_bars_are_checked_like_csv_rows),
    };
    /* ARGO_TEST_FILTER=NAME (a glob) runs the matching cases only */
    if (getenv("ARGO_TEST_FILTER"))
        cmocka_set_test_filter(getenv("ARGO_TEST_FILTER"));
    return cmocka_run_group_tests(tests, load_all, free_all);
}
