/* SPDX-License-Identifier: MIT */
/*
 * app/query.c - the reads an API pages through (app/query.h): pages of
 * signals by filter after a cursor, one signal, the symbols, a symbol's
 * bars, and the event log. Each page is fetched with one row more than
 * asked, which tells whether there is a next page without counting.
 */
#include "app/query.h"

#include "app/app_int.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STOP 1 /* a collector's "enough" (never an ARGO_E* code) */

typedef struct sig_page {
    argo_signal_list *l;
    size_t want; /* limit + 1 */
} sig_page;

static int take_signal(void *ctx, const argo_signal *g)
{
    sig_page *p = ctx;
    p->l->v[p->l->n++] = *g;
    return p->l->n == p->want ? STOP : 0;
}

int argo_app_signals_page(argo_app *app, const argo_page_options *opt, argo_signal_list *out,
                          bool *more, argo_err *err)
{
    assert(app && app->store && opt && out && more);
    memset(out, 0, sizeof *out);
    *more = false;
    if (opt->limit < 1 || opt->limit > ARGO_PAGE_MAX)
        return argo_err_set(err, ARGO_EINVAL, "limit %zu is not 1 to %d", opt->limit,
                            ARGO_PAGE_MAX);
    if (opt->status < -2 || opt->status > ARGO_EXPIRED)
        return argo_err_set(err, ARGO_EINVAL, "status filter %d is not valid", opt->status);
    if (opt->published < -1 || opt->published > 1)
        return argo_err_set(err, ARGO_EINVAL, "published filter %d is not -1, 0 or 1",
                            opt->published);
    if (!isfinite(opt->min_confidence) ||
        (opt->min_confidence != -1 && (opt->min_confidence < 0 || opt->min_confidence > 1)))
        return argo_err_set(err, ARGO_EINVAL, "minimum confidence is not a number from 0 to 1");
    if (opt->after_id < 0)
        return argo_err_set(err, ARGO_EINVAL, "cursor %lld is not valid", (long long)opt->after_id);
    argo_signal_filter f = {.since = opt->since,
                            .until = opt->until,
                            .status = opt->status,
                            .published = opt->published,
                            .min_confidence = opt->min_confidence,
                            .after_id = opt->after_id};
    int rc;
    if (opt->symbol &&
        (rc = argo_store_symbol_id(app->store, opt->symbol, false, &f.symbol_id, err)))
        return rc;
    out->v = malloc((opt->limit + 1) * sizeof *out->v);
    if (!out->v)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a page of signals");
    sig_page p = {out, opt->limit + 1};
    rc = argo_store_signals_page(app->store, &f, opt->limit + 1, take_signal, &p, err);
    if (rc == STOP)
        rc = ARGO_OK;
    if (rc) {
        argo_signal_list_cleanup(out);
        return rc;
    }
    if (out->n > opt->limit) {
        out->n = opt->limit;
        *more = true;
    }
    return ARGO_OK;
}

int argo_app_signal(argo_app *app, int64_t id, argo_signal *out, argo_err *err)
{
    assert(app && app->store && out);
    return argo_store_signal_get(app->store, id, out, err);
}

int argo_app_symbols(argo_app *app, argo_symbol **v, size_t *n, argo_err *err)
{
    assert(app && app->store && v && n);
    return argo_store_symbols(app->store, v, n, err);
}

static int take_close(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    *(double *)ctx = b->close;
    return 0;
}

int argo_app_last_closes(argo_app *app, const argo_symbol *v, size_t n, double *closes,
                         argo_err *err)
{
    assert(app && app->store && (v || !n) && (closes || !n));
    for (size_t i = 0; i < n; i++) {
        closes[i] = NAN;
        if (v[i].last_ts == INT64_MIN)
            continue;
        int rc = argo_store_bars_scan(app->store, v[i].id, v[i].last_ts - 1, v[i].last_ts,
                                      take_close, &closes[i], err);
        if (rc)
            return rc;
    }
    return ARGO_OK;
}

typedef struct bar_page {
    argo_bar_list *l;
    size_t want;
} bar_page;

static int take_bar(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    bar_page *p = ctx;
    p->l->v[p->l->n++] = *b;
    return p->l->n == p->want ? STOP : 0;
}

int argo_app_bars(argo_app *app, const char *symbol, int64_t after, int64_t from, int64_t to,
                  size_t limit, argo_bar_list *out, bool *more, argo_err *err)
{
    assert(app && app->store && symbol && out && more);
    memset(out, 0, sizeof *out);
    *more = false;
    if (limit < 1 || limit > ARGO_PAGE_MAX)
        return argo_err_set(err, ARGO_EINVAL, "limit %zu is not 1 to %d", limit, ARGO_PAGE_MAX);
    int64_t sym;
    int rc = argo_store_symbol_id(app->store, symbol, false, &sym, err);
    if (rc)
        return rc;
    /* ts in [from, to) and after `after`: the store scans after < ts <= to */
    int64_t lo = from == INT64_MIN ? INT64_MIN : from - 1;
    if (after > lo)
        lo = after;
    if (to == INT64_MIN || lo >= to - 1)
        return ARGO_OK;
    out->v = malloc((limit + 1) * sizeof *out->v);
    if (!out->v)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory reading bars");
    bar_page p = {out, limit + 1};
    rc = argo_store_bars_scan(app->store, sym, lo, to - 1, take_bar, &p, err);
    if (rc == STOP)
        rc = ARGO_OK;
    if (rc) {
        argo_bar_list_cleanup(out);
        return rc;
    }
    if (out->n > limit) {
        out->n = limit;
        *more = true;
    }
    return ARGO_OK;
}

void argo_bar_list_cleanup(argo_bar_list *l)
{
    if (l) {
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
}

int argo_app_event_last(argo_app *app, int64_t *seq, argo_err *err)
{
    assert(app && app->store && seq);
    return argo_store_event_last(app->store, seq, err);
}

int argo_app_events_after(argo_app *app, int64_t after, size_t limit, argo_event_fn fn, void *ctx,
                          argo_err *err)
{
    assert(app && app->store && fn);
    return argo_store_events_after(app->store, after, limit, fn, ctx, err);
}

int argo_app_events_listen(argo_app *app, argo_err *err)
{
    assert(app && app->store);
    return argo_store_events_listen(app->store, err);
}

int argo_app_events_wait(argo_app *app, int wake_fd, int timeout_ms, bool *woken, argo_err *err)
{
    assert(app && app->store && woken);
    return argo_store_events_wait(app->store, wake_fd, timeout_ms, woken, err);
}

bool argo_app_store_concurrent(const argo_app *app)
{
    assert(app && app->store);
    return argo_store_concurrent(app->store);
}
