/* SPDX-License-Identifier: MIT */
/* app/engine.c - generate, track and replay over a store. */
#include "app/engine.h"

#include "base/grow.h"
#include "base/timeutil.h"
#include "calibrate/calibrate.h"
#include "strategy/strategy.h"
#include "track/track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static argo_track_costs costs_of(const argo_config *cfg)
{
    return (argo_track_costs){cfg->fee_bps, cfg->slippage_bps};
}

/* Calibrates a new signal and decides whether it is published. */
static int calibrate_signal(argo_calibrator *cal, argo_store *st, const argo_config *cfg,
                            argo_signal *sig, argo_err *err)
{
    if (cal) {
        int rc = argo_calibrator_apply(cal, st, sig->symbol_id, sig->raw_confidence,
                                       &sig->confidence, &sig->model_version, err);
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
    return *made ? ARGO_OK : argo_store_suppressed_add(st, sig->symbol_id, sig->ts, 1, err);
}

static int64_t newest_bar(const argo_symbol *syms, size_t n)
{
    int64_t newest = INT64_MIN;
    for (size_t i = 0; i < n; i++)
        newest = syms[i].last_ts > newest ? syms[i].last_ts : newest;
    return newest;
}

/* Refits the calibration models on every outcome resolved up to the
 * newest bar, as the policy asks (force: every model with new outcomes). */
static int refit(argo_store *st, const argo_config *cfg, bool force, int *fitted, argo_err *err)
{
    argo_symbol *syms;
    size_t n;
    argo_calibrator *cal;
    *fitted = 0;
    int rc = argo_store_symbols(st, &syms, &n, err);
    if (rc)
        return rc;
    int64_t newest = newest_bar(syms, n);
    free(syms);
    if (newest == INT64_MIN)
        return ARGO_OK;
    if ((rc = argo_calibrator_open(st, cfg, newest + 1, true, &cal, err)))
        return rc;
    rc = argo_calibrator_advance(cal, st, newest + 1, force, fitted, err);
    argo_calibrator_free(cal);
    return rc;
}

int argo_engine_calibrate(argo_store *st, const argo_config *cfg, int *fitted, argo_err *err)
{
    int rc = argo_store_begin(st, err);
    if (rc)
        return rc;
    if ((rc = argo_store_lock(st, "cycle", err)) || (rc = refit(st, cfg, true, fitted, err)) ||
        (rc = argo_store_commit(st, err)))
        argo_store_rollback(st);
    return rc;
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
    int rc = argo_store_state_get(st, sym, &blob, &len, err);
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
    rc = argo_store_state_put(st, sym, blob, len, err);
    free(blob);
    return rc;
}

int argo_engine_generate(argo_store *st, const argo_config *cfg, argo_generate_report *rep,
                         argo_err *err)
{
    argo_generate_report local = {0};
    argo_symbol *syms = NULL;
    argo_calibrator *cal = NULL;
    size_t n = 0;
    int rc = argo_store_begin(st, err);
    if (rc)
        return rc;
    if ((rc = argo_store_lock(st, "cycle", err)) || (rc = argo_store_symbols(st, &syms, &n, err)))
        goto fail;
    /* Signals at the newest time use the newest models trained on
     * outcomes resolved before it (refits happen in track). */
    int64_t newest = newest_bar(syms, n);
    if (cfg->calibrate && newest != INT64_MIN &&
        (rc = argo_calibrator_open(st, cfg, newest, false, &cal, err)))
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
        rc = argo_store_bars_scan(st, syms[i].id, argo_strategy_state_last_ts(g.state), INT64_MAX,
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
            if (!rc && made)
                rc = argo_store_signals_insert(st, &sig, 1, err);
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
    if ((rc = argo_store_commit(st, err)))
        goto fail;
    free(syms);
    argo_calibrator_free(cal);
    if (rep)
        *rep = local;
    return ARGO_OK;
fail:
    argo_store_rollback(st);
    free(syms);
    argo_calibrator_free(cal);
    return rc;
}

/* ---- track --------------------------------------------------------------- */

typedef struct sig_vec {
    argo_signal *v;
    size_t n, cap;
} sig_vec;

static int vec_push(sig_vec *s, const argo_signal *g)
{
    argo_signal *v = argo_grow(s->v, &s->cap, s->n + 1, sizeof *v, 64);
    if (!v)
        return ARGO_ENOMEM;
    s->v = v;
    s->v[s->n++] = *g;
    return 0;
}

static int collect(void *ctx, const argo_signal *g)
{
    return vec_push(ctx, g);
}

typedef struct track_ctx {
    argo_signal *first; /* the symbol's open signals */
    size_t n;
    argo_track_costs costs;
    argo_track_report *rep;
} track_ctx;

static int track_feed(void *ctx, int64_t sym, const argo_bar *bar)
{
    (void)sym;
    track_ctx *t = ctx;
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

int argo_engine_track(argo_store *st, const argo_config *cfg, argo_track_report *rep, argo_err *err)
{
    argo_track_report local = {0};
    sig_vec open = {0};
    int64_t *seen = NULL; /* scanned_to before this run */
    int rc = argo_store_begin(st, err);
    if (rc)
        return rc;
    if (!(rc = argo_store_lock(st, "cycle", err)))
        rc = argo_store_signals_open(st, 0, collect, &open, err);
    if (rc == ARGO_ENOMEM)
        argo_err_set(err, rc, "out of memory loading open signals");
    if (rc)
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
        track_ctx t = {&open.v[i], j - i, costs_of(cfg), &local};
        if ((rc = argo_store_bars_scan(st, open.v[i].symbol_id, after, INT64_MAX, track_feed, &t,
                                       err)))
            goto fail;
        i = j;
    }
    for (size_t i = 0; i < open.n; i++) {
        local.open_after += open.v[i].status == ARGO_OPEN;
        if (open.v[i].scanned_to != seen[i] &&
            (rc = argo_store_signals_update(st, &open.v[i], 1, err)))
            goto fail;
    }
    /* resolved outcomes -> calibrator (docs/DESIGN.md's flow) */
    if (cfg->calibrate && local.resolved && (rc = refit(st, cfg, false, &local.models, err)))
        goto fail;
    if ((rc = argo_store_commit(st, err)))
        goto fail;
    free(seen);
    free(open.v);
    if (rep)
        *rep = local;
    return ARGO_OK;
fail:
    argo_store_rollback(st);
    free(seen);
    free(open.v);
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
    argo_err *err;
} replay_ctx;

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
            if ((rc = argo_store_signals_update(r->st, g, 1, r->err)))
                return rc;
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
            if ((rc = calibrate_signal(r->cal, r->st, r->cfg, &g, r->err)) ||
                (rc = argo_store_signals_insert(r->st, &g, 1, r->err)))
                return rc;
            if (vec_push(&run->open, &g))
                return argo_err_set(r->err, ARGO_ENOMEM, "out of memory in replay");
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
    if (!r->cal || r->now == INT64_MIN)
        return ARGO_OK;
    int fitted;
    int rc = argo_calibrator_advance(r->cal, r->st, r->now + 1, false, &fitted, r->err);
    r->rep->models += (size_t)fitted;
    return rc;
}

#define REPLAY_CHUNK_BARS 262144 /* default bars per chunk, on average */

/* Feeds every bar up to opt->to to replay_bar in (ts, symbol) order.
 * Reading a symbol's bars by its own key is sequential in the store,
 * unlike one scan in time order, which looks every row up through an
 * index; time is cut into chunks of about chunk_bars bars so the memory
 * held does not grow with history. */
static int replay_chunks(replay_ctx *r, const argo_symbol *syms, size_t n)
{
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; i < n; i++)
        if (syms[i].last_ts != INT64_MIN) {
            first = syms[i].first_ts < first ? syms[i].first_ts : first;
            last = syms[i].last_ts > last ? syms[i].last_ts : last;
        }
    if (last > r->opt->to)
        last = r->opt->to;
    if (first > last || r->total == 0)
        return 0;
    double span = (double)(last - first) + 1;
    int64_t per = r->opt->chunk_bars > 0 ? r->opt->chunk_bars : REPLAY_CHUNK_BARS;
    double width = span * (double)per / (double)r->total;
    int64_t w = width > (double)(INT64_MAX / 4) ? INT64_MAX / 4 : (int64_t)width;
    if (w < ARGO_DAY_SECONDS)
        w = ARGO_DAY_SECONDS;
    chunk c = {0};
    int rc = 0;
    for (int64_t from = first; from <= last && !rc; from = from > last - w ? last + 1 : from + w) {
        int64_t to = from > last - w ? last : from + w - 1;
        c.n = 0;
        for (size_t i = 0; i < n && !rc; i++)
            if (syms[i].last_ts >= from && syms[i].first_ts <= to)
                rc = argo_store_bars_scan(r->st, syms[i].id, from - 1, to, chunk_add, &c, r->err);
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

int argo_engine_replay(argo_store *st, const argo_config *cfg, const argo_replay_options *opt,
                       argo_replay_report *rep, argo_err *err)
{
    argo_replay_report local = {0};
    argo_symbol *syms = NULL;
    size_t n = 0;
    replay_ctx r = {
        .st = st, .cfg = cfg, .opt = opt, .costs = costs_of(cfg), .rep = &local, .err = err};
    int rc = argo_store_begin(st, err);
    if (rc)
        return rc;
    if ((rc = argo_store_lock(st, "cycle", err)) || (rc = argo_store_symbols(st, &syms, &n, err)))
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
    if ((rc = argo_store_signals_reset(st, err)) ||
        (rc = argo_store_bars_count(st, opt->to, &r.total, err)))
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
        rc = argo_store_signals_update(st, run->open.v, run->open.n, err);
        local.open += run->open.n;
        if (!rc && argo_strategy_state_last_ts(run->state) != INT64_MIN)
            rc = save_state(st, syms[i].id, run->state, err);
    }
    if (!rc)
        rc = argo_store_commit(st, err);
out:
    if (rc)
        argo_store_rollback(st);
    if (r.runs)
        for (int64_t i = 0; i < r.nruns; i++) {
            argo_strategy_state_free(r.runs[i].state);
            free(r.runs[i].open.v);
        }
    free(r.runs);
    free(syms);
    argo_calibrator_free(r.cal);
    if (!rc && rep)
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
    argo_symbol *syms;
    size_t n;
    *out = (argo_coverage){0};
    int rc = argo_store_symbols(st, &syms, &n, err);
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
    rc = argo_store_signals_all(st, 0, cov_one, &c, err);
    free(c.last);
    free(syms);
    return rc;
}
