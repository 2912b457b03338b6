/* SPDX-License-Identifier: MIT */
/* app/flow_store.c - see flow_store.h. */
#include "app/flow_store.h"

#include "app/json.h"
#include "base/grow.h"
#include "base/jsonmem.h"
#include "track/track.h"

#include <assert.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

int argo_sig_vec_push(argo_sig_vec *s, const argo_signal *g)
{
    argo_signal *v = argo_grow(s->v, &s->cap, s->n + 1, sizeof *v, 4);
    if (!v)
        return ARGO_ENOMEM;
    s->v = v;
    s->v[s->n++] = *g;
    return 0;
}

int argo_flow_begin(argo_store *st, const char *lock, argo_err *err)
{
    int rc = argo_store_begin(st, err);
    if (!rc && (rc = argo_store_lock(st, lock, err)))
        argo_store_rollback(st);
    return rc;
}

int argo_flow_commit(argo_store *st, argo_err *err)
{
    return argo_store_commit(st, err);
}

void argo_flow_rollback(argo_store *st)
{
    argo_store_rollback(st);
}

int argo_flow_refresh_aggregates(argo_store *st, const char *op, argo_err *err)
{
    argo_err e = {0};
    int rc = argo_store_refresh_aggregates(st, &e);
    if (rc)
        argo_err_set(err, rc,
                     "%s committed, but the aggregates argo stats reads were not refreshed"
                     " (they stay as of the previous refresh): %s",
                     op, e.msg);
    return rc;
}

int argo_flow_load_symbols(argo_store *st, argo_symbol **list, size_t *n, argo_err *err)
{
    return argo_store_symbols(st, list, n, err);
}

int argo_flow_scan_bars(argo_store *st, int64_t symbol_id, int64_t after, int64_t to,
                        argo_bar_fn fn, void *ctx, argo_err *err)
{
    return argo_store_bars_scan(st, symbol_id, after, to, fn, ctx, err);
}

int argo_flow_scan_window(argo_store *st, int64_t after, int64_t to, argo_bar_fn fn, void *ctx,
                          argo_err *err)
{
    return argo_store_bars_scan_window(st, after, to, fn, ctx, err);
}

int argo_flow_count_bars(argo_store *st, int64_t to, int64_t *n, argo_err *err)
{
    return argo_store_bars_count(st, to, n, err);
}

int argo_flow_save_bars(argo_store *st, const char *path, const char *symbol,
                        const argo_bar_line *rows, size_t n, bool skip_invalid, bool *inserted,
                        argo_ingest_report *rep, argo_err *err)
{
    assert(st && path && symbol && (rows || !n) && (inserted || !n) && rep);
    int64_t sym;
    int rc = argo_store_symbol_id(st, symbol, true, &sym, err);
    if (rc)
        return rc;
    /* the rows' bars, contiguous, stored in batches; a refused bar is
     * named by its line, or skipped and the rest stored after it */
    argo_bar *bars = malloc((n ? n : 1) * sizeof *bars);
    if (!bars)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        bars[i] = rows[i].bar;
        inserted[i] = false;
    }
    for (size_t i = 0; i < n;) {
        argo_bars_put_result put = {0};
        argo_err why;
        rc = argo_store_bars_put_flags(st, sym, bars + i, n - i, inserted + i, &put, &why);
        rep->inserted += put.inserted;
        rep->duplicates += put.repeats;
        if (rc && rc != ARGO_ECONFLICT && rc != ARGO_EDATA) {
            if (err)
                *err = why;
            break;
        }
        size_t k = i + put.done; /* the refused bar, or n */
        if (!rc)
            break;
        if (!skip_invalid) {
            rc = argo_err_set(err, rc, "%s:%zu: %s", path, rows[k].line, why.msg);
            break;
        }
        argo_ingest_skip(rep, path, rows[k].line,
                         rc == ARGO_ECONFLICT ? ARGO_FAULT_CONFLICT : ARGO_FAULT_ORDER, why.msg);
        rc = ARGO_OK;
        i = k + 1;
    }
    free(bars);
    return rc;
}

int argo_flow_save_posted(argo_store *st, const char *where, size_t series, const char *symbol,
                          const argo_bar_line *rows, size_t n, bool *inserted,
                          argo_ingest_report *rep, argo_err *err)
{
    assert(st && where && symbol && (rows || !n) && (inserted || !n) && rep);
    int64_t sym;
    int rc = argo_store_symbol_id(st, symbol, true, &sym, err);
    if (rc || n == 0)
        return rc;
    argo_bar *bars = malloc(n * sizeof *bars);
    if (!bars)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        bars[i] = rows[i].bar;
    argo_bars_put_result put = {0};
    argo_err why;
    rc = argo_store_bars_put_flags(st, sym, bars, n, inserted, &put, &why);
    free(bars);
    rep->inserted += put.inserted;
    rep->duplicates += put.repeats;
    if (rc == ARGO_ECONFLICT || rc == ARGO_EDATA)
        return argo_err_set(err, rc, "%s[%zu]: bar %zu: %s", where, series, rows[put.done].line,
                            why.msg);
    if (rc && err)
        *err = why;
    return rc;
}

int argo_flow_save_series(argo_store *st, const char *symbol, const argo_bar *bars, size_t n,
                          bool *inserted, size_t *stored, argo_err *err)
{
    int64_t id;
    argo_bars_put_result put = {0};
    int rc = argo_store_symbol_id(st, symbol, true, &id, err);
    if (!rc)
        rc = argo_store_bars_put_flags(st, id, bars, n, inserted, &put, err);
    *stored += put.inserted;
    return rc;
}

int argo_flow_load_state(argo_store *st, int64_t symbol_id, unsigned char **blob, size_t *len,
                         argo_err *err)
{
    return argo_store_state_get(st, symbol_id, blob, len, err);
}

int argo_flow_save_state(argo_store *st, int64_t symbol_id, const void *blob, size_t len,
                         argo_err *err)
{
    return argo_store_state_put(st, symbol_id, blob, len, err);
}

static int collect_signal(void *ctx, const argo_signal *g)
{
    return argo_sig_vec_push(ctx, g);
}

int argo_flow_load_open_signals(argo_store *st, argo_sig_vec *out, argo_err *err)
{
    int rc = argo_store_signals_open(st, 0, collect_signal, out, err);
    if (rc == ARGO_ENOMEM)
        argo_err_set(err, rc, "out of memory loading open signals");
    return rc;
}

int argo_flow_scan_signals(argo_store *st, argo_signal_fn fn, void *ctx, argo_err *err)
{
    return argo_store_signals_all(st, 0, fn, ctx, err);
}

int argo_flow_reset_signals(argo_store *st, argo_err *err)
{
    return argo_store_signals_reset(st, err);
}

int argo_flow_save_new_signals(argo_store *st, argo_signal *sigs, size_t n, argo_err *err)
{
    return argo_store_signals_insert(st, sigs, n, err);
}

int argo_flow_save_tracking(argo_store *st, const argo_signal *sigs, size_t n, argo_err *err)
{
    return argo_store_signals_update(st, sigs, n, err);
}

int argo_flow_save_suppressed(argo_store *st, int64_t symbol_id, int64_t ts, argo_err *err)
{
    return argo_store_suppressed_add(st, symbol_id, ts, 1, err);
}

typedef struct items {
    argo_calib_item *v;
    size_t n, cap;
} items;

static int take_item(void *ctx, const argo_resolved_item *r)
{
    items *it = ctx;
    argo_calib_item *v = argo_grow(it->v, &it->cap, it->n + 1, sizeof *v, 1024);
    if (!v)
        return ARGO_ENOMEM;
    it->v = v;
    it->v[it->n++] = (argo_calib_item){r->ts, r->exit_ts, r->raw_confidence, r->confidence,
                                       argo_track_label_of(r->status, r->pnl_pct)};
    return 0;
}

/* The resolved signals in (ts, id) order, five columns each, no join
 * (argo_store_resolved_scan): what argo_track_label reads of a signal is
 * its status and pnl_pct, hence argo_track_label_of. */
int argo_flow_load_report_items(argo_store *st, argo_calib_item **v, size_t *n, argo_err *err)
{
    items it = {0};
    int rc = argo_store_resolved_scan(st, take_item, &it, err);
    if (rc == ARGO_ENOMEM)
        argo_err_set(err, rc, "out of memory reading signals");
    if (rc) {
        free(it.v);
        it.v = NULL;
        it.n = 0;
    }
    *v = it.v;
    *n = it.n;
    return rc;
}

typedef struct note_ctx {
    argo_calibrator *cal;
    argo_err *err;
} note_ctx;

static int note_model(void *ctx, const argo_model_row *m)
{
    note_ctx *nc = ctx;
    return argo_calibrator_note(nc->cal, m, nc->err); /* no points: no store call, no failure */
}

int argo_flow_load_calibrator(argo_store *st, const argo_config *cfg, int64_t t, int64_t maxid,
                              bool with_counts, argo_calibrator **out, argo_err *err)
{
    argo_symbol_count *counts = NULL;
    size_t n = 0;
    int64_t total = 0;
    *out = NULL;
    int rc = with_counts ? argo_store_outcome_counts(st, t, &counts, &n, &total, err) : 0;
    if (rc)
        return rc;
    argo_calibrator *c;
    if ((rc = argo_calibrator_at(cfg, maxid, t, &c, err))) {
        free(counts);
        return rc;
    }
    argo_calibrator_count(c, 0, total);
    for (size_t i = 0; i < n; i++)
        if (counts[i].symbol_id > 0)
            argo_calibrator_count(c, counts[i].symbol_id, counts[i].count);
    free(counts);
    note_ctx nc = {c, err};
    if ((rc = argo_store_models_scan(st, note_model, &nc, err))) {
        argo_calibrator_free(c);
        return rc;
    }
    *out = c;
    return ARGO_OK;
}

int argo_flow_load_model_points(argo_store *st, argo_calibrator *cal, int64_t version,
                                argo_err *err)
{
    if (!version)
        return ARGO_OK;
    argo_model_row row;
    int rc = argo_store_model_get(st, version, &row, err);
    if (rc)
        return rc;
    rc = argo_calibrator_give(cal, &row, err);
    argo_model_row_cleanup(&row);
    return rc;
}

static int take_outcome(void *ctx, const argo_outcome *o)
{
    return argo_calibrator_take(ctx, o);
}

int argo_flow_load_outcomes(argo_store *st, int64_t before, argo_calibrator *cal, argo_err *err)
{
    int rc = argo_store_outcomes_scan(st, before, take_outcome, cal, err);
    if (rc == ARGO_ENOMEM)
        argo_err_set(err, rc, "out of memory loading outcomes");
    return rc;
}

int argo_flow_save_model(void *ctx, argo_model_row *m, argo_err *err)
{
    return argo_store_model_insert(ctx, m, err);
}

/* ---- the event log ------------------------------------------------------- */

static int log_event(argo_store *st, argo_flow_events *fe, const char *channel, const char *symbol,
                     double confidence, bool published, const char *data, argo_err *err)
{
    argo_event ev = {.channel = channel,
                     .symbol = symbol,
                     .confidence = confidence,
                     .published = published,
                     .data = data};
    int64_t seq;
    int rc = argo_store_event_append(st, &ev, &seq, err);
    if (rc)
        return rc;
    if (!fe->first)
        fe->first = seq;
    fe->n++;
    return ARGO_OK;
}

/* doc (stolen) as compact JSON in fe->buf, grown as needed. */
static int dump(argo_flow_events *fe, json_t *doc, unsigned long jf, argo_err *err)
{
    size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(17);
    size_t need = doc ? json_dumpb(doc, fe->buf, fe->cap, flags) : 0;
    if (doc && need >= fe->cap) {
        size_t cap = need + 1 > 1024 ? need + 1 : 1024;
        char *b = realloc(fe->buf, cap);
        if (!b) {
            json_decref(doc);
            return argo_err_set(err, ARGO_ENOMEM, "out of memory logging an event");
        }
        fe->buf = b;
        fe->cap = cap;
        need = json_dumpb(doc, fe->buf, fe->cap, flags);
    }
    json_decref(doc);
    if (!doc || need == 0 || need >= fe->cap || argo_json_failures() != jf)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory logging an event");
    fe->buf[need] = 0;
    return ARGO_OK;
}

int argo_flow_log_signal(argo_store *st, argo_flow_events *fe, const argo_signal *g, bool outcome,
                         argo_err *err)
{
    assert(st && fe && g);
    int rc = ARGO_OK;
    if (fe->cap < 4096) {
        char *b = realloc(fe->buf, 4096);
        if (!b)
            return argo_err_set(err, ARGO_ENOMEM, "out of memory logging an event");
        fe->buf = b;
        fe->cap = 4096;
    }
    /* the document written directly (one per signal and outcome of a
     * cycle; test_app checks it against jansson); jansson only when it cannot */
    if (!argo_json_signal_compact(g, fe->buf, fe->cap)) {
        unsigned long jf = argo_json_failures();
        rc = dump(fe, argo_json_signal(g), jf, err);
    }
    return rc ? rc
              : log_event(st, fe, outcome ? "outcomes" : "signals", g->symbol, g->confidence,
                          g->published, fe->buf, err);
}

int argo_flow_log_bar(argo_store *st, argo_flow_events *fe, const char *symbol, const argo_bar *b,
                      argo_err *err)
{
    assert(st && fe && symbol && b);
    unsigned long jf = argo_json_failures();
    json_t *doc = json_object();
    json_object_set_new(doc, "symbol", json_string(symbol));
    json_object_set_new(doc, "bar", argo_json_bar(b));
    int rc = dump(fe, doc, jf, err);
    return rc ? rc : log_event(st, fe, "bars", symbol, 0, true, fe->buf, err);
}

int argo_flow_log_raw(argo_store *st, argo_flow_events *fe, const char *channel, const char *symbol,
                      double confidence, bool published, const char *data, argo_err *err)
{
    assert(st && fe && channel && symbol && data);
    return log_event(st, fe, channel, symbol, confidence, published, data, err);
}

typedef struct announce_ctx {
    const argo_events *ev;
    size_t left;
} announce_ctx;

static int announce_one(void *ctx, const argo_event *e)
{
    announce_ctx *a = ctx;
    a->ev->on_event(a->ev->ctx, e);
    a->left--;
    return 0;
}

void argo_flow_events_announce(argo_store *st, const argo_flow_events *fe, const argo_events *ev,
                               void (*notice)(void *ctx, const char *line), void *notice_ctx)
{
    assert(st && fe);
    if (!ev || !ev->on_event || !fe->n)
        return;
    announce_ctx a = {ev, fe->n};
    argo_err e;
    int rc = argo_store_events_after(st, fe->first - 1, fe->n, announce_one, &a, &e);
    if (rc && notice) {
        char line[sizeof e.msg + 96];
        snprintf(line, sizeof line, "%zu events after %lld not announced (in the log): %s", a.left,
                 (long long)(fe->first - 1 + (int64_t)(fe->n - a.left)), e.msg);
        notice(notice_ctx, line);
    }
}

void argo_flow_events_free(argo_flow_events *fe)
{
    free(fe->buf);
    memset(fe, 0, sizeof *fe);
}
