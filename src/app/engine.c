/* SPDX-License-Identifier: MIT */
/*
 * app/engine.c - generate, track, replay, calibrate and coverage over a
 * store (app/flow.h, app/engine.h). Every store access goes through
 * app/flow_store.h; the engine parts (strategy/, track/, calibrate/) are
 * given what they need and return results. New rows are kept in an event
 * log and announced after the commit (app/events.h).
 */
#include "app/engine.h"

#include "app/app_int.h"
#include "app/flow_store.h"
#include "base/grow.h"
#include "base/timeutil.h"
#include "calibrate/calibrate.h"
#include "calibrate/isotonic.h"
#include "calibrate/report.h"
#include "strategy/strategy.h"
#include "track/track.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static argo_track_costs costs_of(const argo_config *cfg)
{
    return (argo_track_costs){cfg->fee_bps, cfg->slippage_bps};
}

/* ---- events ---------------------------------------------------------------
 * The rows an operation stored, in store order, kept only when a hook
 * wants them, and announced once the transaction has committed. */

typedef struct ev_item {
    bool outcome; /* else a new signal */
    argo_signal sig;
} ev_item;

typedef struct ev_log {
    const argo_events *ev; /* NULL: nothing is announced */
    argo_store *st;        /* where the events are logged */
    argo_app *app;         /* its notices; NULL: none */
    argo_flow_events fe;   /* the events logged */
    bool unlogged;         /* replay: announced, not logged (see replay()) */
    ev_item *v;
    size_t n, cap;
} ev_log;

static ev_log ev_log_of(argo_store *st, argo_app *app)
{
    return (ev_log){.ev = app ? &app->ev : NULL, .st = st, .app = app};
}

static bool ev_wants(const ev_log *l, bool outcome)
{
    return l && l->ev && (outcome ? l->ev->on_outcome : l->ev->on_signal);
}

/* A new signal or an outcome: logged in the store's event log (inside
 * the operation's transaction), and kept for on_signal/on_outcome. */
static int ev_keep(ev_log *l, const argo_signal *sig, bool outcome, argo_err *err)
{
    int rc = l->unlogged ? ARGO_OK : argo_flow_log_signal(l->st, &l->fe, sig, outcome, err);
    if (rc || !ev_wants(l, outcome))
        return rc;
    ev_item *v = argo_grow(l->v, &l->cap, l->n + 1, sizeof *v, 64);
    if (!v)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory keeping events");
    l->v = v;
    l->v[l->n++] = (ev_item){outcome, *sig};
    return ARGO_OK;
}

/* After the commit: every kept row, the logged events, then the cycle. */
static void ev_announce(const ev_log *l, const argo_cycle *cycle)
{
    if (!l || !l->ev)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].outcome)
            l->ev->on_outcome(l->ev->ctx, &l->v[i].sig);
        else
            l->ev->on_signal(l->ev->ctx, &l->v[i].sig);
    argo_flow_events_announce(l->st, &l->fe, l->ev, l->app ? l->app->notice : NULL,
                              l->app ? l->app->notice_ctx : NULL);
    if (l->ev->on_cycle)
        l->ev->on_cycle(l->ev->ctx, cycle);
}

static void ev_free(ev_log *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
    argo_flow_events_free(&l->fe);
}

/* Calibrates a new signal and decides whether it is published. The
 * points of the model it uses are loaded once, when first needed. */
static int calibrate_signal(argo_calibrator *cal, argo_store *st, const argo_config *cfg,
                            argo_signal *sig, argo_err *err)
{
    if (cal) {
        int64_t want = argo_calibrator_wants(cal, sig->symbol_id, false);
        int rc = argo_flow_load_model_points(st, cal, want, err);
        if (!rc)
            rc = argo_calibrator_apply(cal, sig->symbol_id, sig->raw_confidence, &sig->confidence,
                                       &sig->model_version, err);
        if (rc)
            return rc;
    }
    sig->published = sig->confidence >= cfg->min_confidence;
    return ARGO_OK;
}

/* The edge rule (docs/STRATEGIES.md): a signal whose target move does
 * not beat the round-trip cost by min_edge_bps is not made; it is
 * counted per symbol and day instead. Live and replay share this.
 * *made tells which. */
static int edge_or_suppress(argo_store *st, const argo_config *cfg, const argo_signal *sig,
                            bool *made, argo_err *err)
{
    argo_track_costs costs = costs_of(cfg);
    *made = argo_track_has_edge(sig, &costs, cfg->min_edge_bps);
    return *made ? ARGO_OK : argo_flow_save_suppressed(st, sig->symbol_id, sig->ts, err);
}

static int64_t newest_bar(const argo_symbol *syms, size_t n)
{
    int64_t newest = INT64_MIN;
    for (size_t i = 0; i < n; i++)
        newest = syms[i].last_ts > newest ? syms[i].last_ts : newest;
    return newest;
}

static int64_t max_symbol_id(const argo_symbol *syms, size_t n)
{
    int64_t maxid = 0;
    for (size_t i = 0; i < n; i++)
        maxid = syms[i].id > maxid ? syms[i].id : maxid;
    return maxid;
}

/* Refits the calibration models on every outcome resolved up to the
 * newest bar, as the policy asks (force: every model with new outcomes). */
static int refit(argo_store *st, const argo_config *cfg, bool force, int *fitted, argo_err *err)
{
    argo_symbol *syms;
    size_t n;
    argo_calibrator *cal;
    *fitted = 0;
    int rc = argo_flow_load_symbols(st, &syms, &n, err);
    if (rc)
        return rc;
    int64_t newest = newest_bar(syms, n), maxid = max_symbol_id(syms, n);
    free(syms);
    if (newest == INT64_MIN)
        return ARGO_OK;
    if ((rc = argo_flow_load_calibrator(st, cfg, newest + 1, maxid, true, &cal, err)))
        return rc;
    /* the outcomes and the blend's base model are loaded only for a due refit */
    if (argo_calibrator_due(cal, force)) {
        rc = argo_flow_load_outcomes(st, newest + 1, cal, err);
        if (!rc)
            rc = argo_flow_load_model_points(st, cal, argo_calibrator_wants(cal, 0, force), err);
        if (!rc)
            rc = argo_calibrator_refit_taken(cal, force, argo_flow_save_model, st, fitted, err);
    }
    argo_calibrator_free(cal);
    return rc;
}

int argo_engine_calibrate(argo_store *st, const argo_config *cfg, int *fitted, argo_err *err)
{
    assert(st && cfg && fitted);
    int rc = argo_flow_begin(st, "cycle", err);
    if (rc)
        return rc;
    if ((rc = refit(st, cfg, true, fitted, err)) || (rc = argo_flow_commit(st, err)))
        argo_flow_rollback(st);
    return rc;
}

int argo_app_calibrate(argo_app *app, int *fitted, argo_err *err)
{
    assert(app && app->store);
    return argo_engine_calibrate(app->store, &app->cfg, fitted, err);
}

/* ---- generate ---------------------------------------------------------- */

typedef struct gen_ctx {
    argo_strategy_state *state;
    argo_decision last;
    argo_bar last_bar;
    size_t fed;
} gen_ctx;

static int gen_feed(void *ctx, int64_t sym, const argo_bar *bar)
{
    (void)sym;
    gen_ctx *g = ctx;
    argo_strategy_step(g->state, bar, &g->last);
    g->last_bar = *bar;
    g->fed++;
    return 0;
}

static int load_state(argo_store *st, const argo_config *cfg, int64_t sym,
                      argo_strategy_state **out, bool *rebuilt, argo_err *err)
{
    unsigned char *blob;
    size_t len;
    *rebuilt = false;
    int rc = argo_flow_load_state(st, sym, &blob, &len, err);
    if (rc == ARGO_OK) {
        rc = argo_strategy_state_load(cfg, blob, len, out, err);
        free(blob);
        if (rc == ARGO_OK)
            return rc;
        if (rc != ARGO_EVERSION && rc != ARGO_ECORRUPT)
            return rc;
    } else if (rc != ARGO_ENOENT)
        return rc;
    /* No usable state: start over from the symbol's first bar. */
    *rebuilt = true;
    return argo_strategy_state_new(cfg, out, err);
}

static int save_state(argo_store *st, int64_t sym, argo_strategy_state *state, argo_err *err)
{
    unsigned char *blob;
    size_t len;
    int rc = argo_strategy_state_save(state, &blob, &len, err);
    if (rc)
        return rc;
    rc = argo_flow_save_state(st, sym, blob, len, err);
    free(blob);
    return rc;
}

static int generate(argo_store *st, const argo_config *cfg, argo_app *app,
                    argo_generate_report *rep, argo_err *err)
{
    argo_generate_report local = {0};
    argo_symbol *syms = NULL;
    argo_calibrator *cal = NULL;
    ev_log log = ev_log_of(st, app);
    argo_sig_vec made_v = {0};
    size_t n = 0;
    int rc = argo_flow_begin(st, "cycle", err);
    if (rc)
        return rc;
    if ((rc = argo_flow_load_symbols(st, &syms, &n, err)))
        goto fail;
    /* Signals at the newest time use the newest models trained on
     * outcomes resolved before it (refits happen in track). */
    int64_t newest = newest_bar(syms, n);
    if (cfg->calibrate && newest != INT64_MIN &&
        (rc = argo_flow_load_calibrator(st, cfg, newest, max_symbol_id(syms, n), false, &cal, err)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (syms[i].last_ts == INT64_MIN)
            continue; /* no bars yet */
        local.symbols++;
        gen_ctx g = {0};
        bool rebuilt;
        if ((rc = load_state(st, cfg, syms[i].id, &g.state, &rebuilt, err)))
            goto fail;
        local.rebuilt += rebuilt;
        rc = argo_flow_scan_bars(st, syms[i].id, argo_strategy_state_last_ts(g.state), INT64_MAX,
                                 gen_feed, &g, err);
        if (!rc && g.fed && g.last.edge) {
            argo_signal sig;
            argo_strategy_signal(cfg, &g.last_bar, &g.last, &sig);
            sig.symbol_id = syms[i].id;
            snprintf(sig.symbol, sizeof sig.symbol, "%s", syms[i].name);
            bool made;
            rc = edge_or_suppress(st, cfg, &sig, &made, err);
            if (!rc && made)
                rc = calibrate_signal(cal, st, cfg, &sig, err);
            if (!rc && made && argo_sig_vec_push(&made_v, &sig))
                rc = argo_err_set(err, ARGO_ENOMEM, "out of memory keeping new signals");
            local.signals += !rc && made;
            local.suppressed += !rc && !made;
        }
        if (!rc && g.fed)
            rc = save_state(st, syms[i].id, g.state, err);
        local.bars_fed += g.fed;
        argo_strategy_state_free(g.state);
        if (rc)
            goto fail;
    }
    /* the cycle's new signals in one batch, in symbol order */
    if ((rc = argo_flow_save_new_signals(st, made_v.v, made_v.n, err)))
        goto fail;
    for (size_t i = 0; i < made_v.n; i++)
        if ((rc = ev_keep(&log, &made_v.v[i], false, err)))
            goto fail;
    if ((rc = argo_flow_commit(st, err)))
        goto fail;
    free(made_v.v);
    argo_cycle cycle = {"generate", (int64_t)local.bars_fed, (int64_t)local.signals, 0, newest};
    ev_announce(&log, &cycle);
    ev_free(&log);
    free(syms);
    argo_calibrator_free(cal);
    if (rep)
        *rep = local;
    return ARGO_OK;
fail:
    argo_flow_rollback(st);
    ev_free(&log);
    free(made_v.v);
    free(syms);
    argo_calibrator_free(cal);
    return rc;
}

int argo_engine_generate(argo_store *st, const argo_config *cfg, argo_generate_report *rep,
                         argo_err *err)
{
    assert(st && cfg);
    return generate(st, cfg, NULL, rep, err);
}

int argo_app_generate(argo_app *app, argo_generate_report *rep, argo_err *err)
{
    assert(app && app->store);
    int rc = argo_app_check_not_served(app, err), attempt = 0;
    if (rc)
        return rc;
    do
        rc = generate(app->store, &app->cfg, app, rep, err);
    while (argo_app_retry(app, rc, &attempt, err));
    return rc;
}

/* ---- track --------------------------------------------------------------- */

typedef argo_sig_vec sig_vec;

static int vec_push(sig_vec *s, const argo_signal *g)
{
    return argo_sig_vec_push(s, g);
}

typedef struct track_ctx {
    argo_signal *first; /* the symbol's open signals */
    size_t n;
    argo_track_costs costs;
    argo_track_report *rep;
    int64_t newest; /* the newest bar scanned */
} track_ctx;

static int track_feed(void *ctx, int64_t sym, const argo_bar *bar)
{
    (void)sym;
    track_ctx *t = ctx;
    if (bar->ts > t->newest)
        t->newest = bar->ts;
    for (size_t i = 0; i < t->n; i++) {
        argo_signal *g = &t->first[i];
        if (g->status != ARGO_OPEN || bar->ts <= g->scanned_to)
            continue;
        t->rep->bars_scanned++;
        t->rep->resolved += argo_track_bar(g, bar, &t->costs);
    }
    return 0;
}

static int by_symbol_then_ts(const void *a, const void *b)
{
    const argo_signal *x = a, *y = b;
    if (x->symbol_id != y->symbol_id)
        return x->symbol_id < y->symbol_id ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int track(argo_store *st, const argo_config *cfg, argo_app *app, argo_track_report *rep,
                 argo_err *err)
{
    argo_track_report local = {0};
    sig_vec open = {0};
    ev_log log = ev_log_of(st, app);
    int64_t *seen = NULL; /* scanned_to before this run */
    int64_t newest = INT64_MIN;
    int rc = argo_flow_begin(st, "cycle", err);
    if (rc)
        return rc;
    if ((rc = argo_flow_load_open_signals(st, &open, err)))
        goto fail;
    local.open_before = open.n;
    if (open.n)
        qsort(open.v, open.n, sizeof *open.v, by_symbol_then_ts);
    seen = malloc((open.n + 1) * sizeof *seen);
    if (!seen) {
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory tracking signals");
        goto fail;
    }
    for (size_t i = 0; i < open.n; i++)
        seen[i] = open.v[i].scanned_to;
    /* One bar scan per symbol, from the least-scanned open signal on. */
    for (size_t i = 0; i < open.n;) {
        size_t j = i;
        int64_t after = open.v[i].scanned_to;
        for (; j < open.n && open.v[j].symbol_id == open.v[i].symbol_id; j++)
            if (open.v[j].scanned_to < after)
                after = open.v[j].scanned_to;
        track_ctx t = {&open.v[i], j - i, costs_of(cfg), &local, INT64_MIN};
        if ((rc = argo_flow_scan_bars(st, open.v[i].symbol_id, after, INT64_MAX, track_feed, &t,
                                      err)))
            goto fail;
        newest = t.newest > newest ? t.newest : newest;
        i = j;
    }
    for (size_t i = 0; i < open.n; i++) {
        local.open_after += open.v[i].status == ARGO_OPEN;
        if (open.v[i].scanned_to == seen[i])
            continue;
        if ((rc = argo_flow_save_tracking(st, &open.v[i], 1, err)))
            goto fail;
        if (open.v[i].status != ARGO_OPEN && (rc = ev_keep(&log, &open.v[i], true, err)))
            goto fail;
    }
    /* resolved outcomes -> calibrator (docs/DESIGN.md's flow) */
    if (cfg->calibrate && local.resolved && (rc = refit(st, cfg, false, &local.models, err)))
        goto fail;
    if ((rc = argo_flow_commit(st, err)))
        goto fail;
    argo_cycle cycle = {"track", 0, 0, (int64_t)local.resolved, newest};
    ev_announce(&log, &cycle);
    ev_free(&log);
    free(seen);
    free(open.v);
    if (rep)
        *rep = local;
    /* only resolved signals are aggregated: nothing else to refresh */
    return local.resolved ? argo_flow_refresh_aggregates(st, "track", err) : ARGO_OK;
fail:
    argo_flow_rollback(st);
    ev_free(&log);
    free(seen);
    free(open.v);
    return rc;
}

int argo_engine_track(argo_store *st, const argo_config *cfg, argo_track_report *rep, argo_err *err)
{
    assert(st && cfg);
    return track(st, cfg, NULL, rep, err);
}

int argo_app_track(argo_app *app, argo_track_report *rep, argo_err *err)
{
    assert(app && app->store);
    int rc = argo_app_check_not_served(app, err), attempt = 0;
    if (rc)
        return rc;
    do
        rc = track(app->store, &app->cfg, app, rep, err);
    while (argo_app_retry(app, rc, &attempt, err));
    return rc;
}

/* ---- replay -------------------------------------------------------------- */

typedef struct sym_run {
    argo_strategy_state *state;
    sig_vec open;
    char name[ARGO_SYMBOL_MAX];
} sym_run;

typedef struct replay_ctx {
    argo_store *st;
    const argo_config *cfg;
    const argo_replay_options *opt;
    argo_track_costs costs;
    sym_run *runs; /* indexed by symbol id */
    int64_t nruns;
    argo_replay_report *rep;
    int64_t total, next_progress;
    argo_calibrator *cal; /* NULL when calibration is off */
    int64_t now;          /* ts of the bars being replayed */
    ev_log *log;
    argo_err *err;
    /* The writes of the bars at now, sent to the store in one batch each
     * when time moves on (PostgreSQL: one round trip, not one a row). */
    sig_vec made;    /* new signals, in (ts, symbol) order */
    size_t *made_at; /* for each, its index in its symbol's open list */
    size_t made_cap;
    sig_vec resolved; /* signals resolved at now */
} replay_ctx;

/* Sends the writes of the bars at r->now: the new signals (their ids
 * then go to the copies in the open lists, which a later bar tracks:
 * a signal is never tracked on its own bar), then the outcomes. */
static int replay_flush(replay_ctx *r)
{
    int rc = ARGO_OK;
    if (r->made.n) {
        if ((rc = argo_flow_save_new_signals(r->st, r->made.v, r->made.n, r->err)))
            return rc;
        for (size_t i = 0; i < r->made.n; i++) {
            const argo_signal *g = &r->made.v[i];
            r->runs[g->symbol_id].open.v[r->made_at[i]].id = g->id;
            if ((rc = ev_keep(r->log, g, false, r->err)))
                return rc;
        }
        r->made.n = 0;
    }
    if (r->resolved.n) {
        if ((rc = argo_flow_save_tracking(r->st, r->resolved.v, r->resolved.n, r->err)))
            return rc;
        for (size_t i = 0; i < r->resolved.n && !rc; i++)
            rc = ev_keep(r->log, &r->resolved.v[i], true, r->err);
        r->resolved.n = 0;
    }
    return rc;
}

static int replay_bar(void *ctx, int64_t sym, const argo_bar *bar)
{
    replay_ctx *r = ctx;
    if (sym <= 0 || sym >= r->nruns || !r->runs[sym].state)
        return argo_err_set(r->err, ARGO_ECORRUPT, "bar of unknown symbol id %lld", (long long)sym);
    sym_run *run = &r->runs[sym];
    int rc;
    /* Track first: a signal made on this bar never scans this bar, so
     * the order is immaterial; tracking first keeps the list short. */
    size_t keep = 0;
    for (size_t i = 0; i < run->open.n; i++) {
        argo_signal *g = &run->open.v[i];
        if (argo_track_bar(g, bar, &r->costs)) {
            if (vec_push(&r->resolved, g))
                return argo_err_set(r->err, ARGO_ENOMEM, "out of memory in replay");
            if (r->cal && (rc = argo_calibrator_add(r->cal, sym, g->exit_ts, g->raw_confidence,
                                                    argo_track_label(g), r->err)))
                return rc;
            r->rep->resolved++;
        } else
            run->open.v[keep++] = *g;
    }
    run->open.n = keep;

    argo_decision d;
    argo_strategy_step(run->state, bar, &d);
    if (d.edge && bar->ts >= r->opt->from) {
        argo_signal g;
        argo_strategy_signal(r->cfg, bar, &d, &g);
        g.symbol_id = sym;
        memcpy(g.symbol, run->name, sizeof g.symbol);
        bool made;
        if ((rc = edge_or_suppress(r->st, r->cfg, &g, &made, r->err)))
            return rc;
        r->rep->suppressed += !made;
        if (made) {
            if ((rc = calibrate_signal(r->cal, r->st, r->cfg, &g, r->err)))
                return rc;
            size_t *at = argo_grow(r->made_at, &r->made_cap, r->made.n + 1, sizeof *at, 64);
            if (!at || vec_push(&r->made, &g) || vec_push(&run->open, &g))
                return argo_err_set(r->err, ARGO_ENOMEM, "out of memory in replay");
            r->made_at = at;
            at[r->made.n - 1] = run->open.n - 1;
            r->rep->signals++;
        }
    }
    if (++r->rep->bars >= r->next_progress && r->opt->progress) {
        r->opt->progress(r->opt->progress_ctx, r->rep->bars, r->total);
        r->next_progress = r->rep->bars + (r->total / 200 > 0 ? r->total / 200 : 1);
    }
    return 0;
}

/* Bars of one time chunk, from every symbol, merged by (ts, symbol). */
typedef struct chunk_bar {
    int64_t sym;
    argo_bar bar;
} chunk_bar;

typedef struct chunk {
    chunk_bar *v;
    size_t n, cap;
} chunk;

static int chunk_add(void *ctx, int64_t sym, const argo_bar *bar)
{
    chunk *c = ctx;
    chunk_bar *v = argo_grow(c->v, &c->cap, c->n + 1, sizeof *v, 4096);
    if (!v)
        return ARGO_ENOMEM;
    c->v = v;
    c->v[c->n++] = (chunk_bar){sym, *bar};
    return 0;
}

static int by_ts_then_symbol(const void *a, const void *b)
{
    const chunk_bar *x = a, *y = b;
    if (x->bar.ts != y->bar.ts)
        return x->bar.ts < y->bar.ts ? -1 : 1;
    return (x->sym > y->sym) - (x->sym < y->sym);
}

/* All bars at r->now are done: refit on what resolved up to now, as
 * track does after a live day (trained_through = now + 1). */
static int replay_time_passes(replay_ctx *r)
{
    int rc = replay_flush(r);
    if (rc || !r->cal || r->now == INT64_MIN)
        return rc;
    int fitted;
    rc = argo_calibrator_advance(r->cal, r->now + 1, false, argo_flow_save_model, r->st, &fitted,
                                 r->err);
    r->rep->models += (size_t)fitted;
    return rc;
}

/* Default bars per chunk: this many per symbol on average (1.8 KB of
 * each symbol's memory budget), and at least REPLAY_CHUNK_MIN. */
#define REPLAY_CHUNK_PER_SYMBOL 32
#define REPLAY_CHUNK_MIN 4096

/* Feeds every bar up to opt->to to replay_bar in (ts, symbol) order.
 * Time is cut into chunks of about chunk_bars bars, each read with one
 * store query in the backend's cheapest order (SQLite: along each
 * symbol's key, which is sequential, unlike a scan in time order that
 * looks every row up through an index) and sorted here, so the memory
 * held does not grow with history. The default chunk grows with the
 * universe, not with history: about REPLAY_CHUNK_PER_SYMBOL bars of
 * each symbol, so the memory it holds is bounded per symbol, and the
 * number of queries per bar is fixed whatever the number of symbols. */
static int replay_chunks(replay_ctx *r, const argo_symbol *syms, size_t n)
{
    int64_t first = INT64_MAX, last = INT64_MIN, with_bars = 0;
    for (size_t i = 0; i < n; i++)
        if (syms[i].last_ts != INT64_MIN) {
            first = syms[i].first_ts < first ? syms[i].first_ts : first;
            last = syms[i].last_ts > last ? syms[i].last_ts : last;
            with_bars++;
        }
    if (last > r->opt->to)
        last = r->opt->to;
    if (first > last || r->total == 0)
        return 0;
    double span = (double)(last - first) + 1;
    int64_t per = r->opt->chunk_bars > 0 ? r->opt->chunk_bars
                  : with_bars * REPLAY_CHUNK_PER_SYMBOL > REPLAY_CHUNK_MIN
                      ? with_bars * REPLAY_CHUNK_PER_SYMBOL
                      : REPLAY_CHUNK_MIN;
    double width = span * (double)per / (double)r->total;
    int64_t w = width > (double)(INT64_MAX / 4) ? INT64_MAX / 4 : (int64_t)width;
    if (w < ARGO_DAY_SECONDS)
        w = ARGO_DAY_SECONDS;
    /* room for a chunk and a quarter: growing by doubling from a small
     * start would leave up to half of it unused */
    chunk c = {0};
    size_t want = (size_t)per + (size_t)per / 4;
    if ((c.v = malloc(want * sizeof *c.v)) != NULL)
        c.cap = want;
    int rc = 0;
    for (int64_t from = first; from <= last && !rc; from = from > last - w ? last + 1 : from + w) {
        int64_t to = from > last - w ? last : from + w - 1;
        c.n = 0;
        rc = argo_flow_scan_window(r->st, from - 1, to, chunk_add, &c, r->err);
        if (rc == ARGO_ENOMEM)
            rc = argo_err_set(r->err, rc, "out of memory in replay");
        if (rc)
            break;
        if (c.n)
            qsort(c.v, c.n, sizeof *c.v, by_ts_then_symbol);
        for (size_t i = 0; i < c.n && !rc; i++) {
            /* a new point in time: refit on what resolved before it */
            if (c.v[i].bar.ts != r->now) {
                if ((rc = replay_time_passes(r)))
                    break;
                r->now = c.v[i].bar.ts;
            }
            rc = replay_bar(r, c.v[i].sym, &c.v[i].bar);
        }
    }
    free(c.v);
    return rc ? rc : replay_time_passes(r);
}

static int replay(argo_store *st, const argo_config *cfg, argo_app *app,
                  const argo_replay_options *opt, argo_replay_report *rep, argo_err *err)
{
    argo_replay_report local = {0};
    argo_symbol *syms = NULL;
    size_t n = 0;
    /* A replay discards every signal and makes history again: that is a
     * rebuild, not a publication, so nothing goes into the event log (it
     * would log every signal of history again on each replay, under ids
     * the next replay discards). on_signal/on_outcome still see the rows. */
    ev_log log = ev_log_of(st, app);
    log.unlogged = true;
    replay_ctx r = {.st = st,
                    .cfg = cfg,
                    .opt = opt,
                    .costs = costs_of(cfg),
                    .rep = &local,
                    .log = &log,
                    .err = err};
    int rc = argo_flow_begin(st, "cycle", err);
    if (rc)
        return rc;
    if ((rc = argo_flow_load_symbols(st, &syms, &n, err)))
        goto out;
    /* A window without bars would only discard every signal: refuse it. */
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; i < n; i++)
        if (syms[i].last_ts != INT64_MIN) {
            first = syms[i].first_ts < first ? syms[i].first_ts : first;
            last = syms[i].last_ts > last ? syms[i].last_ts : last;
        }
    if (opt->from > opt->to) {
        rc = argo_err_set(err, ARGO_EINVAL, "replay: from is later than to");
        goto out;
    }
    if (last != INT64_MIN && (opt->from > last || opt->to < first)) {
        char a[32], b[32];
        rc =
            argo_err_set(err, ARGO_EDATA,
                         "no bars in the replay window: the stored bars run from %s to %s"
                         " (nothing changed)",
                         argo_time_format(first, a, sizeof a), argo_time_format(last, b, sizeof b));
        goto out;
    }
    if ((rc = argo_flow_reset_signals(st, err)) ||
        (rc = argo_flow_count_bars(st, opt->to, &r.total, err)))
        goto out;
    for (size_t i = 0; i < n; i++)
        if (syms[i].id >= r.nruns)
            r.nruns = syms[i].id + 1;
    r.runs = calloc((size_t)r.nruns + 1, sizeof *r.runs);
    if (!r.runs) {
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory in replay");
        goto out;
    }
    r.now = INT64_MIN;
    if (cfg->calibrate && (rc = argo_calibrator_new(cfg, r.nruns, &r.cal, err)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        sym_run *run = &r.runs[syms[i].id];
        memcpy(run->name, syms[i].name, sizeof run->name);
        if ((rc = argo_strategy_state_new(cfg, &run->state, err)))
            goto out;
    }
    if ((rc = replay_chunks(&r, syms, n)))
        goto out;
    if (opt->progress)
        opt->progress(opt->progress_ctx, local.bars, r.total);
    for (size_t i = 0; i < n && !rc; i++) {
        sym_run *run = &r.runs[syms[i].id];
        rc = argo_flow_save_tracking(st, run->open.v, run->open.n, err);
        local.open += run->open.n;
        if (!rc && argo_strategy_state_last_ts(run->state) != INT64_MIN)
            rc = save_state(st, syms[i].id, run->state, err);
    }
    if (!rc)
        rc = argo_flow_commit(st, err);
    if (!rc) {
        argo_cycle cycle = {"replay", local.bars, (int64_t)local.signals, (int64_t)local.resolved,
                            r.now};
        ev_announce(&log, &cycle);
    }
out:
    if (rc)
        argo_flow_rollback(st);
    ev_free(&log);
    if (r.runs)
        for (int64_t i = 0; i < r.nruns; i++) {
            argo_strategy_state_free(r.runs[i].state);
            free(r.runs[i].open.v);
        }
    free(r.runs);
    free(r.made.v);
    free(r.made_at);
    free(r.resolved.v);
    free(syms);
    argo_calibrator_free(r.cal);
    if (!rc && rep)
        *rep = local;
    return rc ? rc : argo_flow_refresh_aggregates(st, "replay", err);
}

int argo_engine_replay(argo_store *st, const argo_config *cfg, const argo_replay_options *opt,
                       argo_replay_report *rep, argo_err *err)
{
    assert(st && cfg && opt);
    return replay(st, cfg, NULL, opt, rep, err);
}

int argo_app_replay(argo_app *app, const argo_replay_options *opt, argo_replay_report *rep,
                    argo_err *err)
{
    assert(app && app->store && opt);
    int rc = argo_app_check_not_served(app, err);
    return rc ? rc : replay(app->store, &app->cfg, app, opt, rep, err);
}

/* ---- the live cycle ----------------------------------------------------- */

int argo_app_cycle(argo_app *app, argo_cycle_report *rep, argo_err *err)
{
    assert(app && app->store);
    argo_cycle_report local = {0};
    int rc = argo_app_check_not_served(app, err), attempt = 0;
    /* each half is one transaction, run again whole when the connection
     * to the store is lost (argo_app_retry); a generate that committed
     * is not run again for a track that failed */
    if (!rc) {
        do
            rc = generate(app->store, &app->cfg, app, &local.gen, err);
        while (argo_app_retry(app, rc, &attempt, err));
    }
    if (!rc) {
        attempt = 0;
        do
            rc = track(app->store, &app->cfg, app, &local.track, err);
        while (argo_app_retry(app, rc, &attempt, err));
    }
    if (rep)
        *rep = local;
    return rc;
}

/* ---- coverage ------------------------------------------------------------ */

typedef struct cov_ctx {
    int64_t *last; /* last bar ts, indexed by symbol id */
    int64_t nlast;
    argo_coverage *out;
} cov_ctx;

static int cov_one(void *ctx, const argo_signal *g)
{
    cov_ctx *c = ctx;
    c->out->signals++;
    if (g->status != ARGO_OPEN) {
        c->out->covered++;
        return 0;
    }
    if (g->symbol_id > 0 && g->symbol_id < c->nlast) {
        int64_t last = c->last[g->symbol_id];
        c->out->covered += g->expires_at > last && g->scanned_to == last;
    }
    return 0;
}

int argo_engine_coverage(argo_store *st, argo_coverage *out, argo_err *err)
{
    assert(st && out);
    argo_symbol *syms;
    size_t n;
    *out = (argo_coverage){0};
    int rc = argo_flow_load_symbols(st, &syms, &n, err);
    if (rc)
        return rc;
    cov_ctx c = {.out = out};
    for (size_t i = 0; i < n; i++)
        if (syms[i].id >= c.nlast)
            c.nlast = syms[i].id + 1;
    c.last = calloc((size_t)c.nlast + 1, sizeof *c.last);
    if (!c.last) {
        free(syms);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory computing coverage");
    }
    for (size_t i = 0; i < n; i++)
        c.last[syms[i].id] = syms[i].last_ts;
    rc = argo_flow_scan_signals(st, cov_one, &c, err);
    free(c.last);
    free(syms);
    return rc;
}

int argo_app_coverage(argo_app *app, argo_coverage *out, argo_err *err)
{
    assert(app && app->store);
    return argo_engine_coverage(app->store, out, err);
}

/* ---- calibration report -------------------------------------------------- */

int argo_app_calibration_ece(argo_app *app, double *ece, argo_err *err)
{
    assert(app && app->store && ece);
    *ece = NAN;
    argo_calib_item *v;
    size_t n;
    int rc = argo_flow_load_report_items(app->store, &v, &n, err);
    if (rc || n == 0) {
        if (!rc)
            free(v);
        return rc;
    }
    double *p = malloc(2 * n * sizeof *p);
    if (!p) {
        free(v);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory measuring the calibration");
    }
    for (size_t i = 0; i < n; i++) {
        double c = v[i].stored;
        p[i] = c < 0 ? 0 : c > 1 ? 1 : c;
        p[n + i] = v[i].label;
    }
    argo_calib_metrics m;
    argo_calib_metrics_compute(p, p + n, n, ARGO_REPORT_BINS, &m, NULL);
    *ece = m.ece;
    free(p);
    free(v);
    return ARGO_OK;
}

int argo_app_calibration_report(argo_app *app, double train_fraction, int folds,
                                argo_calib_report **out, argo_err *err)
{
    assert(app && app->store && out);
    *out = NULL;
    int rc = argo_calib_report_check(train_fraction, folds, err);
    if (rc)
        return rc;
    argo_calib_item *v;
    size_t n;
    if ((rc = argo_flow_load_report_items(app->store, &v, &n, err)))
        return rc;
    rc = argo_calib_report_compute(v, n, &app->cfg, train_fraction, folds, out, err);
    free(v);
    return rc;
}
