/* SPDX-License-Identifier: MIT */
/*
 * calibrate/calibrate.c - see calibrate.h for the policy. The global
 * training set of a replay is an incremental one (isoinc.h): a refit
 * re-solves only the parts of it that new outcomes touched, and gives
 * the bits of a full refit. Nothing here touches a store: models come
 * in through argo_calibrator_note/give and go out through the caller's
 * sink.
 */
#include "calibrate/calibrate.h"

#include "base/grow.h"
#include "calibrate/isoinc.h"
#include "track/track.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct samples {
    double *x, *y;
    int64_t *t; /* exit_ts, in arrival order (unsorted sets only) */
    size_t n, cap;
} samples;

/* Raw-confidence metrics, accumulated one outcome at a time. */
typedef struct raw_acc {
    double n, brier, log_loss, sp[10], sl[10], cnt[10];
} raw_acc;

static void raw_add(raw_acc *a, double x, double y)
{
    double p = x < 0 ? 0 : x > 1 ? 1 : x, c = p < 1e-15 ? 1e-15 : p > 1 - 1e-15 ? 1 - 1e-15 : p;
    int b = (int)(p * 10);
    b = b > 9 ? 9 : b;
    a->n += 1;
    a->brier += (p - y) * (p - y);
    a->log_loss -= y * log(c) + (1 - y) * log(1 - c);
    a->sp[b] += p;
    a->sl[b] += y;
    a->cnt[b] += 1;
}

static void raw_finish(const raw_acc *a, argo_model_row *row)
{
    double ece = 0;
    for (int b = 0; b < 10; b++)
        ece += fabs(a->sp[b] - a->sl[b]) / a->n;
    row->brier_raw = a->brier / a->n;
    row->log_loss_raw = a->log_loss / a->n;
    row->ece_raw = ece;
}

typedef struct scope {
    int64_t count;         /* outcomes with exit_ts < now */
    int64_t fitted_count;  /* count at the last stored fit; -1: never */
    int64_t version;       /* newest stored model; 0: none */
    argo_iso_model *model; /* its points, when loaded */
    samples own;           /* a symbol's outcomes (memory mode) */
    raw_acc raw;           /* metrics of the raw confidences (memory mode) */
} scope;

struct argo_calibrator {
    argo_config cfg;
    bool memory; /* fed by argo_calibrator_add */
    int64_t now;
    scope global;
    scope *sym; /* indexed by symbol id */
    int64_t nsym;
    argo_isoinc *all; /* the global set (memory mode) */
    int64_t first_exit, last_exit;
    samples taken;      /* live: the outcomes given by argo_calibrator_take */
    int64_t *taken_sym; /* their symbols, parallel to taken */
};

/* Room for need samples in the parallel arrays (t too when with_t). */
static int samples_reserve(samples *s, size_t need, bool with_t)
{
    if (need <= s->cap)
        return 0;
    size_t cx = s->cap, cy = s->cap, ct = s->cap; /* each grows to the same size */
    double *x = argo_grow(s->x, &cx, need, sizeof *x, 64);
    if (!x)
        return ARGO_ENOMEM;
    s->x = x;
    double *y = argo_grow(s->y, &cy, need, sizeof *y, 64);
    if (!y)
        return ARGO_ENOMEM;
    s->y = y;
    if (with_t) {
        int64_t *t = argo_grow(s->t, &ct, need, sizeof *t, 64);
        if (!t)
            return ARGO_ENOMEM;
        s->t = t;
    }
    s->cap = cx;
    return 0;
}

static int push(samples *s, double x, double y, int64_t t)
{
    if (samples_reserve(s, s->n + 1, true))
        return ARGO_ENOMEM;
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->t[s->n] = t;
    s->n++;
    return 0;
}

static void samples_free(samples *s)
{
    free(s->x);
    free(s->y);
    free(s->t);
    memset(s, 0, sizeof *s);
}

static int alloc(const argo_config *cfg, int64_t nsym, argo_calibrator **out, argo_err *err)
{
    argo_calibrator *c = calloc(1, sizeof *c);
    if (c)
        c->sym = calloc((size_t)nsym + 1, sizeof *c->sym);
    if (!c || !c->sym) {
        free(c);
        *out = NULL;
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for the calibrator");
    }
    c->cfg = *cfg;
    c->nsym = nsym + 1;
    c->now = INT64_MIN;
    c->global.fitted_count = -1;
    for (int64_t i = 0; i < c->nsym; i++)
        c->sym[i].fitted_count = -1;
    c->first_exit = INT64_MAX;
    c->last_exit = INT64_MIN;
    *out = c;
    return ARGO_OK;
}

int argo_calibrator_new(const argo_config *cfg, int64_t nsymbols, argo_calibrator **out,
                        argo_err *err)
{
    assert(cfg && out && nsymbols >= 0);
    int rc = alloc(cfg, nsymbols, out, err);
    if (!rc && (rc = argo_isoinc_new(0, 0, &(*out)->all, err))) {
        argo_calibrator_free(*out);
        *out = NULL;
    }
    if (!rc)
        (*out)->memory = true;
    return rc;
}

void argo_calibrator_free(argo_calibrator *c)
{
    if (!c)
        return;
    argo_iso_model_free(c->global.model);
    for (int64_t i = 0; i < c->nsym; i++) {
        argo_iso_model_free(c->sym[i].model);
        samples_free(&c->sym[i].own);
    }
    argo_isoinc_free(c->all);
    samples_free(&c->taken);
    free(c->taken_sym);
    free(c->sym);
    free(c);
}

int argo_calibrator_at(const argo_config *cfg, int64_t nsymbols, int64_t t, argo_calibrator **out,
                       argo_err *err)
{
    assert(cfg && out && nsymbols >= 0);
    int rc = alloc(cfg, nsymbols, out, err);
    if (!rc)
        (*out)->now = t;
    return rc;
}

/* The scope a stored model belongs to; NULL when it is of no use here. */
static scope *scope_of(argo_calibrator *c, const char *kind, int64_t symbol_id)
{
    if (!strcmp(kind, "global"))
        return &c->global;
    if (!strcmp(kind, "symbol") && symbol_id > 0 && symbol_id < c->nsym)
        return &c->sym[symbol_id];
    return NULL;
}

int argo_calibrator_note(argo_calibrator *c, const argo_model_row *m, argo_err *err)
{
    assert(c && m && !c->memory);
    scope *s = scope_of(c, m->scope, m->symbol_id);
    if (!s || m->trained_through > c->now) /* models come in version order */
        return ARGO_OK;
    argo_iso_model_free(s->model);
    s->model = NULL;
    s->version = m->version;
    s->fitted_count = m->samples;
    return m->n ? argo_iso_model_from_points(m->x, m->y, m->n, &s->model, err) : ARGO_OK;
}

void argo_calibrator_count(argo_calibrator *c, int64_t symbol_id, int64_t count)
{
    assert(c && !c->memory);
    if (symbol_id == 0)
        c->global.count = count;
    else if (symbol_id > 0 && symbol_id < c->nsym)
        c->sym[symbol_id].count = count;
}

int argo_calibrator_give(argo_calibrator *c, const argo_model_row *m, argo_err *err)
{
    assert(c && m);
    scope *s = NULL;
    if (c->global.version == m->version)
        s = &c->global;
    for (int64_t i = 1; i < c->nsym && !s; i++)
        if (c->sym[i].version == m->version)
            s = &c->sym[i];
    if (!s || s->model || !m->version)
        return ARGO_OK;
    return argo_iso_model_from_points(m->x, m->y, m->n, &s->model, err);
}

int argo_calibrator_add(argo_calibrator *c, int64_t symbol_id, int64_t exit_ts, double raw,
                        int label, argo_err *err)
{
    assert(c && c->memory);
    if (symbol_id <= 0 || symbol_id >= c->nsym)
        return argo_err_set(err, ARGO_EINVAL, "calibrator: unknown symbol id %lld",
                            (long long)symbol_id);
    int rc = argo_isoinc_add(c->all, raw, label, 1, err);
    if (rc)
        return rc;
    if (push(&c->sym[symbol_id].own, raw, label, exit_ts))
        return argo_err_set(err, ARGO_ENOMEM, "out of memory recording an outcome");
    c->global.count++;
    c->sym[symbol_id].count++;
    raw_add(&c->global.raw, raw, label);
    raw_add(&c->sym[symbol_id].raw, raw, label);
    if (exit_ts < c->first_exit)
        c->first_exit = exit_ts;
    if (exit_ts > c->last_exit)
        c->last_exit = exit_ts;
    return ARGO_OK;
}

/* In-sample metrics of model m as stored (after a blend changed it). */
static int stored_metrics(const argo_iso_model *m, const double *x, const double *y, size_t n,
                          argo_iso_fit_stats *fs, argo_err *err)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory calibrating");
    for (size_t i = 0; i < n; i++)
        p[i] = argo_iso_predict(m, x[i]);
    argo_calib_metrics cm;
    argo_calib_metrics_compute(p, y, n, 10, &cm, NULL);
    free(p);
    *fs = (argo_iso_fit_stats){(double)n, cm.brier, cm.log_loss, cm.ece};
    return ARGO_OK;
}

/* w * a + (1 - w) * b as a model on the union of their knots: both are
 * linear between consecutive union knots and constant beyond their
 * ends, so the blend is exact there too, and non-decreasing. */
static int blend(const argo_iso_model *a, const argo_iso_model *b, double w, argo_iso_model **out,
                 argo_err *err)
{
    size_t n = a->n + b->n, k = 0, i = 0, j = 0;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    *out = NULL;
    int rc;
    if (x && y) {
        while (i < a->n || j < b->n) {
            double v = j >= b->n || (i < a->n && a->x[i] < b->x[j]) ? a->x[i] : b->x[j];
            while (i < a->n && a->x[i] == v)
                i++;
            while (j < b->n && b->x[j] == v)
                j++;
            x[k] = v;
            y[k] = w * argo_iso_predict(a, v) + (1 - w) * argo_iso_predict(b, v);
            if (k && y[k] < y[k - 1])
                y[k] = y[k - 1]; /* rounding must not break monotonicity */
            k++;
        }
        if (!(rc = argo_iso_model_from_points(x, y, k, out, err)))
            (*out)->distinct = a->distinct;
    } else
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory blending models");
    free(x);
    free(y);
    return rc;
}

/* The sink and what it counts, for one advance or refit. */
typedef struct sink {
    argo_model_sink fn;
    void *ctx;
    int *fitted;
} sink;

/* Hands model m (fitted on n outcomes x, y, with in-sample stats fs;
 * taken over) to the sink; a model of < 2 distinct x is dropped. x and
 * y may be NULL for the global scope in memory mode (nothing reads
 * them there). */
static int store_fit(argo_calibrator *c, const sink *out, scope *s, const char *kind,
                     int64_t symbol_id, argo_iso_model *m, argo_iso_fit_stats fs, const double *x,
                     const double *y, size_t n, int64_t from, int64_t to, argo_err *err)
{
    int rc;
    if (m->distinct < 2) {
        argo_iso_model_free(m);
        return ARGO_OK;
    }
    /* A symbol's model is shrunk toward the global one by its sample size. */
    int64_t base = 0;
    double base_w = 0;
    if (symbol_id && c->cfg.symbol_shrinkage > 0 && c->global.version) {
        if (!c->global.model) { /* the caller did not give its points */
            argo_iso_model_free(m);
            return argo_err_set(err, ARGO_ENOENT,
                                "calibrator: the points of global model %lld were not given",
                                (long long)c->global.version);
        }
        double w = (double)n / ((double)n + c->cfg.symbol_shrinkage);
        argo_iso_model *b;
        rc = blend(m, c->global.model, w, &b, err);
        argo_iso_model_free(m);
        if (rc)
            return rc;
        m = b;
        base = c->global.version;
        base_w = 1 - w;
        /* in-sample metrics of what is stored, not of the unblended fit */
        if ((rc = stored_metrics(m, x, y, n, &fs, err))) {
            argo_iso_model_free(m);
            return rc;
        }
    }
    argo_model_row row = {
        .symbol_id = symbol_id,
        .trained_through = c->now,
        .window_from = from,
        .window_to = to,
        .samples = (int64_t)n,
        .n = m->n,
        .x = m->x,
        .y = m->y,
        .created_at = (int64_t)time(NULL),
        .base_version = base,
        .base_weight = base_w,
    };
    snprintf(row.scope, sizeof row.scope, "%s", kind);
    row.brier = fs.brier;
    row.log_loss = fs.log_loss;
    row.ece = fs.ece;
    if (c->memory)
        raw_finish(&s->raw, &row);
    else {
        raw_acc acc = {0};
        for (size_t i = 0; i < n; i++)
            raw_add(&acc, x[i], y[i]);
        raw_finish(&acc, &row);
    }
    if ((rc = out->fn(out->ctx, &row, err))) {
        argo_iso_model_free(m);
        return rc;
    }
    argo_iso_model_free(s->model);
    s->model = m;
    s->version = row.version;
    s->fitted_count = (int64_t)n;
    if (out->fitted)
        (*out->fitted)++;
    return ARGO_OK;
}

/* Fits one model over n outcomes x, y and stores it (store_fit). */
static int fit_store(argo_calibrator *c, const sink *out, scope *s, const char *kind,
                     int64_t symbol_id, const double *x, const double *y, size_t n, int64_t from,
                     int64_t to, argo_err *err)
{
    argo_iso_model *m;
    argo_iso_fit_stats fs;
    /* a global model is shrunk toward the base rate inside the fit */
    double k = symbol_id ? 0 : c->cfg.global_shrinkage;
    /* no block of fewer than min_block_outcomes outcomes (pooled) */
    int rc = argo_iso_fit_shrunk(x, y, NULL, n, false, k, c->cfg.min_block_outcomes, &m, &fs, err);
    return rc ? rc : store_fit(c, out, s, kind, symbol_id, m, fs, x, y, n, from, to, err);
}

static bool due(const argo_calibrator *c, const scope *s, int64_t min_count, bool force)
{
    if (s->count < min_count || s->count == 0)
        return false;
    if (s->fitted_count < 0)
        return force || s->count >= c->cfg.retrain_every;
    return s->count > s->fitted_count &&
           (force || s->count - s->fitted_count >= c->cfg.retrain_every);
}

static bool any_due(const argo_calibrator *c, bool force)
{
    bool any = due(c, &c->global, 1, force);
    for (int64_t i = 1; i < c->nsym && !any; i++)
        any = due(c, &c->sym[i], c->cfg.symbol_min_outcomes, force);
    return any;
}

bool argo_calibrator_due(const argo_calibrator *c, bool force)
{
    assert(c && !c->memory);
    return any_due(c, force);
}

int64_t argo_calibrator_wants(const argo_calibrator *c, int64_t symbol_id, bool force)
{
    assert(c && symbol_id >= 0);
    const scope *s;
    if (symbol_id == 0) { /* the base of a refit's blends */
        s = &c->global;
        bool blend = false;
        for (int64_t i = 1; i < c->nsym && !blend; i++)
            blend = due(c, &c->sym[i], c->cfg.symbol_min_outcomes, force);
        if (!blend || c->cfg.symbol_shrinkage <= 0)
            return 0;
    } else {
        s = symbol_id < c->nsym ? &c->sym[symbol_id] : NULL;
        if (!s || !s->version) /* a symbol model exists only past symbol_min_outcomes */
            s = &c->global;
    }
    return s->version && !s->model ? s->version : 0;
}

int argo_calibrator_advance(argo_calibrator *c, int64_t t, bool force, argo_model_sink fn,
                            void *sink_ctx, int *fitted, argo_err *err)
{
    assert(c && c->memory && fn);
    if (fitted)
        *fitted = 0;
    c->now = t;
    if (!any_due(c, force))
        return ARGO_OK;
    sink out = {fn, sink_ctx, fitted};
    int64_t min_sym = c->cfg.symbol_min_outcomes;
    int rc;
    if (due(c, &c->global, 1, force)) {
        argo_iso_model *m;
        argo_iso_fit_stats fs;
        /* the same fit as fit_store's, on the incremental set */
        rc = argo_isoinc_fit(c->all, c->cfg.global_shrinkage, c->cfg.min_block_outcomes, &m, &fs,
                             NULL, err);
        if (!rc)
            rc = store_fit(c, &out, &c->global, "global", 0, m, fs, NULL, NULL,
                           argo_isoinc_count(c->all), c->first_exit, c->last_exit, err);
        if (rc)
            return rc;
    }
    for (int64_t i = 1; i < c->nsym; i++) {
        scope *s = &c->sym[i];
        if (!due(c, s, min_sym, force))
            continue;
        rc = fit_store(c, &out, s, "symbol", i, s->own.x, s->own.y, s->own.n, s->own.t[0],
                       s->own.t[s->own.n - 1], err);
        if (rc)
            return rc;
    }
    return ARGO_OK;
}

int argo_calibrator_take(argo_calibrator *c, const argo_outcome *o)
{
    assert(c && !c->memory && o);
    size_t cap = c->taken.cap;
    if (push(&c->taken, o->raw_confidence, argo_track_label_of(o->status, o->pnl_pct), o->exit_ts))
        return ARGO_ENOMEM;
    if (c->taken.cap != cap || !c->taken_sym) {
        int64_t *ns = realloc(c->taken_sym, c->taken.cap * sizeof *ns);
        if (!ns) {
            c->taken.n--;
            return ARGO_ENOMEM;
        }
        c->taken_sym = ns;
    }
    c->taken_sym[c->taken.n - 1] = o->symbol_id;
    return ARGO_OK;
}

int argo_calibrator_refit_taken(argo_calibrator *c, bool force, argo_model_sink fn, void *sink_ctx,
                                int *fitted, argo_err *err)
{
    assert(c && !c->memory && fn);
    if (fitted)
        *fitted = 0;
    samples all = c->taken; /* the taken outcomes are used up by this refit */
    int64_t *sym = c->taken_sym;
    c->taken = (samples){0};
    c->taken_sym = NULL;
    int rc = ARGO_OK;
    if (!any_due(c, force))
        goto out;
    if ((size_t)c->global.count != all.n) {
        rc = argo_err_set(err, ARGO_ESTORE, "outcome count changed while calibrating");
        goto out;
    }
    sink out = {fn, sink_ctx, fitted};
    int64_t min_sym = c->cfg.symbol_min_outcomes;
    if (due(c, &c->global, 1, force) && all.n)
        rc = fit_store(c, &out, &c->global, "global", 0, all.x, all.y, all.n, all.t[0],
                       all.t[all.n - 1], err);
    for (int64_t i = 1; i < c->nsym && !rc; i++) {
        scope *s = &c->sym[i];
        if (!due(c, s, min_sym, force))
            continue;
        samples own = {0};
        for (size_t k = 0; k < all.n && !rc; k++)
            if (sym[k] == i && push(&own, all.x[k], all.y[k], all.t[k]))
                rc = argo_err_set(err, ARGO_ENOMEM, "out of memory calibrating");
        if (!rc && own.n)
            rc = fit_store(c, &out, s, "symbol", i, own.x, own.y, own.n, own.t[0], own.t[own.n - 1],
                           err);
        samples_free(&own);
    }
out:
    samples_free(&all);
    free(sym);
    return rc;
}

int argo_calibrator_refit(argo_calibrator *c, bool force, const argo_outcome *outs, size_t n,
                          argo_model_sink fn, void *sink_ctx, int *fitted, argo_err *err)
{
    assert(c && !c->memory && fn && (outs || !n));
    if (fitted)
        *fitted = 0;
    if (!any_due(c, force))
        return ARGO_OK;
    for (size_t k = 0; k < n; k++)
        if (argo_calibrator_take(c, &outs[k]))
            return argo_err_set(err, ARGO_ENOMEM, "out of memory loading outcomes");
    return argo_calibrator_refit_taken(c, force, fn, sink_ctx, fitted, err);
}

int argo_calibrator_apply(argo_calibrator *c, int64_t symbol_id, double raw, double *confidence,
                          int64_t *version, argo_err *err)
{
    assert(c && confidence && version);
    scope *s = symbol_id > 0 && symbol_id < c->nsym ? &c->sym[symbol_id] : NULL;
    if (!s || !s->version) /* a symbol model exists only past symbol_min_outcomes */
        s = &c->global;
    *confidence = raw;
    *version = 0;
    if (!s->version)
        return ARGO_OK;
    if (!s->model)
        return argo_err_set(err, ARGO_ENOENT, "calibrator: the points of model %lld were not given",
                            (long long)s->version);
    *confidence = argo_iso_predict(s->model, raw);
    *version = s->version;
    return ARGO_OK;
}
