/* SPDX-License-Identifier: MIT */
/*
 * app/fetch.c - argo fetch: bars from the provider into the store,
 * incremental, batched, through the HTTP cache and inside the call
 * budget (app/fetch.h says the rules).
 */
#include "app/fetch.h"

#include "app/app_int.h"
#include "app/flow_store.h"
#include "base/fileio.h"
#include "base/grow.h"
#include "base/text.h"
#include "base/timeutil.h"
#include "market/market.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WEEK (7 * (int64_t)ARGO_DAY_SECONDS)
#define HISTORY_DEFAULT_DAYS 3650
#define SYMBOLS_FILE_MAX ((size_t)4 << 20)

void argo_app_provider_config(argo_provider_config *out, const argo_config *cfg)
{
    assert(out && cfg);
    argo_provider_kind kind = !strcmp(cfg->pv_kind, "alpaca") ? ARGO_PROVIDER_ALPACA
                              : !strcmp(cfg->pv_kind, "csv")  ? ARGO_PROVIDER_CSV
                                                              : ARGO_PROVIDER_NONE;
    argo_provider_config_init(out, kind);
    if (cfg->pv_rest_url[0])
        snprintf(out->rest_url, sizeof out->rest_url, "%s", cfg->pv_rest_url);
    if (cfg->pv_stream_url[0])
        snprintf(out->stream_url, sizeof out->stream_url, "%s", cfg->pv_stream_url);
    snprintf(out->feed, sizeof out->feed, "%s", cfg->pv_feed);
    snprintf(out->adjustment, sizeof out->adjustment, "%s", cfg->pv_adjustment);
    if (cfg->pv_batch_symbols > 0)
        out->batch_symbols = cfg->pv_batch_symbols;
    out->page_limit = cfg->pv_page_limit;
    int64_t bs = argo_config_bar_seconds(cfg->pv_bar_size);
    out->bar_seconds = bs > 0 ? bs : ARGO_DAY_SECONDS;
    snprintf(out->credentials_file, sizeof out->credentials_file, "%s", cfg->pv_credentials_file);
    out->http.retries = cfg->pv_retries;
    out->http.base_ms = cfg->pv_retry_base_ms;
    out->http.cap_ms = cfg->pv_retry_cap_ms;
    out->http.timeout_s = cfg->pv_timeout_s;
    out->http.retry_after_max_s = cfg->pv_retry_after_max_s;
}

static void provider_retry(void *ctx, const char *what)
{
    argo_app *app = ctx;
    if (app->notice)
        app->notice(app->notice_ctx, what);
}

int argo_app_provider(argo_app *app, argo_provider **out, argo_err *err)
{
    assert(app && out);
    *out = NULL;
    if (!app->cfg.pv_kind[0])
        return argo_err_set(err, ARGO_ECONFIG,
                            "no market-data provider: set [provider] kind (alpaca or csv) in the "
                            "config");
    argo_provider_config pc;
    argo_app_provider_config(&pc, &app->cfg);
    int rc = argo_provider_open(&pc, out, err);
    if (!rc)
        argo_provider_set_hooks(*out, provider_retry, NULL, app);
    return rc;
}

/* ---- the symbols ---- */

typedef struct sym_list {
    char (*v)[ARGO_SYMBOL_MAX];
    size_t n, cap;
} sym_list;

static int sym_add(sym_list *l, const char *s, size_t n, const char *where, argo_err *err)
{
    if (!argo_app_symbol_ok(s, n)) {
        char q[ARGO_TEXT_QUOTE_MAX];
        argo_text_quote(s, n, q, sizeof q);
        return argo_err_set(err, ARGO_EDATA,
                            "%s: symbol '%s' is not 1 to %d letters, digits or . _ - ^ =", where, q,
                            ARGO_SYMBOL_MAX - 1);
    }
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == n && !memcmp(l->v[i], s, n))
            return ARGO_OK; /* named twice: fetched once */
    if (l->n >= ARGO_SYMBOLS_MAX)
        return argo_err_set(err, ARGO_ELIMIT, "%s: more than %d symbols", where, ARGO_SYMBOLS_MAX);
    void *v = argo_grow(l->v, &l->cap, l->n + 1, sizeof *l->v, 64);
    if (!v)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", where);
    l->v = v;
    memcpy(l->v[l->n], s, n);
    l->v[l->n][n] = '\0';
    l->n++;
    return ARGO_OK;
}

/* Symbols separated by commas, blanks or line ends. */
static int sym_parse(sym_list *l, const char *text, size_t len, const char *where, argo_err *err)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (text[i] == ',' || isspace((unsigned char)text[i])))
            i++;
        size_t j = i;
        while (j < len && text[j] != ',' && !isspace((unsigned char)text[j]))
            j++;
        if (j > i) {
            int rc = sym_add(l, text + i, j - i, where, err);
            if (rc)
                return rc;
        }
        i = j;
    }
    return ARGO_OK;
}

int argo_app_fetch_symbols(argo_app *app, char (**list)[ARGO_SYMBOL_MAX], size_t *n, argo_err *err)
{
    assert(app && list && n);
    *list = NULL;
    *n = 0;
    sym_list l = {0};
    int rc = ARGO_OK;
    const argo_config *cfg = &app->cfg;
    if (cfg->pv_symbols[0]) {
        rc = sym_parse(&l, cfg->pv_symbols, strlen(cfg->pv_symbols), "[provider] symbols", err);
    } else if (cfg->pv_symbols_file[0]) {
        uint8_t *data = NULL;
        size_t len = 0;
        rc = argo_file_read(cfg->pv_symbols_file, SYMBOLS_FILE_MAX, &data, &len, err);
        if (!rc)
            rc = sym_parse(&l, (const char *)data, len, cfg->pv_symbols_file, err);
        free(data);
    } else if (app->store) {
        argo_symbol *syms = NULL;
        size_t ns = 0;
        rc = argo_store_symbols(app->store, &syms, &ns, err);
        for (size_t i = 0; i < ns && !rc; i++)
            rc = sym_add(&l, syms[i].name, strlen(syms[i].name), "the store", err);
        free(syms);
    }
    if (!rc && l.n == 0)
        rc = argo_err_set(err, ARGO_EDATA,
                          "no symbols to fetch: name them (--symbols, [provider] symbols or "
                          "symbols_file) or ingest some first");
    if (rc) {
        free(l.v);
        return rc;
    }
    *list = l.v;
    *n = l.n;
    return ARGO_OK;
}

/* ---- planning ---- */

typedef struct item {
    char symbol[ARGO_SYMBOL_MAX];
    size_t idx;      /* in the report's symbols */
    int64_t id;      /* store id, 0 when the symbol is new */
    int64_t last_ts; /* INT64_MIN: no bars */
    int64_t from;    /* the first time asked */
    argo_bar *got;   /* bars fetched for it in the current batch */
    size_t ngot, capgot;
} item;

static int cmp_item_from(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct oldest_ctx {
    int64_t keep; /* how many of the newest ts to keep */
    int64_t *ring;
    int64_t seen;
} oldest_ctx;

static int ring_bar(void *ctx, int64_t symbol_id, const argo_bar *bar)
{
    (void)symbol_id;
    oldest_ctx *c = ctx;
    c->ring[c->seen % c->keep] = bar->ts;
    c->seen++;
    return 0;
}

/* The time of the overlap-th newest stored bar of the symbol (its last
 * bar for overlap 1), or last_ts + 1 for overlap 0. */
static int overlap_start(argo_store *st, const item *it, int overlap, int64_t bar_s, int64_t *out,
                         argo_err *err)
{
    if (overlap <= 0) {
        *out = it->last_ts + 1;
        return ARGO_OK;
    }
    if (overlap == 1) {
        *out = it->last_ts;
        return ARGO_OK;
    }
    int64_t span =
        (int64_t)(overlap * 2 + 14) * (bar_s < ARGO_DAY_SECONDS ? bar_s : ARGO_DAY_SECONDS);
    int64_t ring[1000];
    oldest_ctx c = {.keep = overlap, .ring = ring};
    int rc = argo_store_bars_scan(st, it->id, it->last_ts - span, it->last_ts, ring_bar, &c, err);
    if (rc)
        return rc;
    if (c.seen == 0)
        *out = it->last_ts;
    else if (c.seen < overlap)
        *out = ring[0];
    else
        *out = ring[c.seen % overlap];
    return ARGO_OK;
}

/* An incremental request starts at the Monday (UTC) of the week of its
 * overlap's start (daily bars), or at the day's start (intraday bars):
 * the same request, so the same URL and cache key, all week, whatever
 * was stored since. An unchanged answer is then a 304 at every poll but
 * the first after new data, and symbols updated on different days of the
 * week still share a request. The cost: up to a week of stored bars
 * asked for again, compared and counted as duplicates. */
static int64_t stable_start(int64_t from, int64_t bar_s)
{
    int64_t day = argo_time_day_start(from);
    if (bar_s < ARGO_DAY_SECONDS)
        return day;
    int64_t days = day / ARGO_DAY_SECONDS;  /* 1970-01-01 was a Thursday */
    int64_t dow = ((days + 3) % 7 + 7) % 7; /* 0: Monday */
    return day - dow * ARGO_DAY_SECONDS;
}

/* Bars a request covering nsym symbols from `from` to `to` may return. */
static int64_t estimate_calls(const argo_provider_config *pc, size_t nsym, int64_t from, int64_t to)
{
    if (pc->kind == ARGO_PROVIDER_CSV)
        return 1;
    if (to < from)
        return 1;
    double days = (double)(to - from) / ARGO_DAY_SECONDS + 1;
    double per_day = pc->bar_seconds >= ARGO_DAY_SECONDS
                         ? 5.0 / 7.0
                         : 5.0 / 7.0 * (16.0 * 3600 / pc->bar_seconds);
    double bars = ceil(days * per_day) * (double)nsym;
    double pages = ceil(bars / (pc->page_limit > 0 ? pc->page_limit : 10000));
    return pages < 1 ? 1 : pages > 1e9 ? 1000000000 : (int64_t)pages;
}

/* ---- one batch ---- */

typedef struct batch_ctx {
    item *items;
    size_t first, count; /* the batch's items */
    const argo_fetch_report *rep;
    argo_err *err;
} batch_ctx;

static int on_bars(void *ctx, const char *symbol, const argo_bar *bars, size_t n, const char *where)
{
    batch_ctx *c = ctx;
    item *it = NULL;
    for (size_t i = c->first; i < c->first + c->count && !it; i++)
        if (!strcmp(c->rep->symbols[c->items[i].idx].symbol, symbol))
            it = &c->items[i];
    if (!it)
        return argo_err_set(c->err, ARGO_EDATA, "%s: bars of %s, a symbol not asked for", where,
                            symbol);
    if (n && it->ngot && bars[0].ts <= it->got[it->ngot - 1].ts)
        return argo_err_set(c->err, ARGO_EDATA, "%s: %s's bars are not after those before them",
                            where, symbol);
    if (it->ngot + n > ARGO_GROW_MAX)
        return argo_err_set(c->err, ARGO_ELIMIT, "%s: too many bars", where);
    void *v = argo_grow(it->got, &it->capgot, it->ngot + n, sizeof *it->got, 64);
    if (!v)
        return argo_err_set(c->err, ARGO_ENOMEM, "%s: out of memory", where);
    it->got = v;
    memcpy(it->got + it->ngot, bars, n * sizeof *bars);
    it->ngot += n;
    return 0;
}

typedef struct stored_ctx {
    argo_bar *v;
    size_t n, cap;
} stored_ctx;

static int keep_stored(void *ctx, int64_t symbol_id, const argo_bar *bar)
{
    (void)symbol_id;
    stored_ctx *c = ctx;
    void *v = argo_grow(c->v, &c->cap, c->n + 1, sizeof *c->v, 64);
    if (!v)
        return ARGO_ENOMEM;
    c->v = v;
    c->v[c->n++] = *bar;
    return 0;
}

static bool same_values(const argo_bar *a, const argo_bar *b)
{
    return a->open == b->open && a->high == b->high && a->low == b->low && a->close == b->close &&
           a->volume == b->volume;
}

/* After the commit: what the batch stored, for on_bar and on_cycle. */
typedef struct announced {
    argo_flow_events fe;
    int64_t stored, newest;
} announced;

/* Stores one symbol's fetched bars inside the batch's transaction. */
static int store_symbol(argo_app *app, item *it, argo_fetch_symbol *fs, const char *source,
                        const char *where, announced *an, argo_err *err)
{
    argo_store *st = app->store;
    size_t split = 0; /* got[0, split) are at or before the last stored bar */
    while (split < it->ngot && it->last_ts != INT64_MIN && it->got[split].ts <= it->last_ts)
        split++;
    int rc = ARGO_OK;
    if (split) {
        stored_ctx sc = {0};
        rc =
            argo_store_bars_scan(st, it->id, it->got[0].ts - 1, it->last_ts, keep_stored, &sc, err);
        size_t j = 0;
        for (size_t i = 0; i < split && !rc; i++) {
            const argo_bar *g = &it->got[i];
            while (j < sc.n && sc.v[j].ts < g->ts)
                j++;
            if (j == sc.n || sc.v[j].ts != g->ts) {
                fs->gaps++;
                continue;
            }
            if (same_values(&sc.v[j], g)) {
                fs->duplicates++;
                continue;
            }
            argo_correction c = {.symbol_id = it->id,
                                 .ts = g->ts,
                                 .stored = sc.v[j],
                                 .revised = *g,
                                 .seen_at = (int64_t)time(NULL)};
            snprintf(c.source, sizeof c.source, "%s", source);
            bool added = false;
            rc = argo_store_correction_add(st, &c, &added, err);
            if (!rc && added) {
                fs->corrections++;
                if (app->notice) {
                    char t[32], line[ARGO_ERR_MSG_MAX];
                    argo_time_format(g->ts, t, sizeof t);
                    snprintf(line, sizeof line,
                             "%s: %s %s revised by the provider (close %.17g, stored %.17g): "
                             "recorded as correction %lld, the stored bar kept",
                             where, fs->symbol, t, g->close, sc.v[j].close, (long long)c.id);
                    app->notice(app->notice_ctx, line);
                }
            }
        }
        free(sc.v);
    }
    size_t nnew = it->ngot - split;
    if (rc || nnew == 0)
        return rc;
    if (!it->id && (rc = argo_store_symbol_id(st, fs->symbol, true, &it->id, err)))
        return rc;
    bool *ins = calloc(nnew, sizeof *ins);
    if (!ins)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", where);
    argo_bars_put_result put = {0};
    argo_err why;
    rc = argo_store_bars_put_flags(st, it->id, it->got + split, nnew, ins, &put, &why);
    if (rc == ARGO_ECONFLICT || rc == ARGO_EDATA)
        rc = argo_err_set(err, rc, "%s: %s: %s", where, fs->symbol, why.msg);
    else if (rc && err)
        *err = why;
    for (size_t i = 0; i < nnew && !rc; i++) {
        if (!ins[i]) {
            fs->duplicates++;
            continue;
        }
        fs->bars++;
        an->stored++;
        if (it->got[split + i].ts > an->newest)
            an->newest = it->got[split + i].ts;
        if (app->log_bars)
            rc = argo_flow_log_bar(st, &an->fe, fs->symbol, &it->got[split + i], err);
    }
    free(ins);
    return rc;
}

static void batch_reset(item *items, size_t first, size_t count)
{
    for (size_t i = first; i < first + count; i++) {
        free(items[i].got);
        items[i].got = NULL;
        items[i].ngot = items[i].capgot = 0;
    }
}

/* Counts calls made (in a transaction of its own when the batch stored
 * nothing). */
static int count_calls(argo_store *st, int64_t day, int64_t calls, argo_err *err)
{
    if (calls <= 0)
        return ARGO_OK;
    int rc = argo_store_begin(st, err);
    if (!rc)
        rc = argo_store_calls_add(st, day, calls, err);
    if (!rc)
        rc = argo_store_commit(st, err);
    if (rc)
        argo_store_rollback(st);
    return rc;
}

const char *argo_fetch_status_name(argo_fetch_status s)
{
    switch (s) {
    case ARGO_FETCH_UPDATED:
        return "updated";
    case ARGO_FETCH_UNCHANGED:
        return "unchanged";
    case ARGO_FETCH_NOT_FETCHED:
        return "not fetched";
    case ARGO_FETCH_FAILED:
        return "failed";
    }
    return "?";
}

void argo_fetch_report_free(argo_fetch_report *r)
{
    if (!r)
        return;
    free(r->symbols);
    free(r);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_sym_name(const void *a, const void *b)
{
    return strcmp(((const argo_symbol *)a)->name, ((const argo_symbol *)b)->name);
}

/* Item i (and its report entry) for symbol name, with its id and last
 * bar from stored (sorted by name; the symbol may be new). */
static void item_init(item *it, argo_fetch_symbol *fs, size_t i, const char *name,
                      const argo_symbol *stored, size_t nstored)
{
    argo_symbol key = {0};
    snprintf(key.name, sizeof key.name, "%s", name);
    const argo_symbol *s =
        nstored ? bsearch(&key, stored, nstored, sizeof *stored, cmp_sym_name) : NULL;
    snprintf(fs->symbol, sizeof fs->symbol, "%s", name);
    snprintf(it->symbol, sizeof it->symbol, "%s", name);
    it->idx = i;
    it->id = s ? s->id : 0;
    it->last_ts = s ? s->last_ts : INT64_MIN;
    fs->last_ts = it->last_ts;
}

/* After the commit: on_bar for each new bar, the logged events, then
 * on_cycle, in store order. */
static void announce_batch(argo_app *app, const item *items, size_t first, size_t count,
                           announced *an)
{
    const argo_events *ev = &app->ev;
    for (size_t i = first; i < first + count && ev->on_bar; i++) {
        const item *it = &items[i];
        for (size_t j = 0; j < it->ngot; j++)
            if (it->last_ts == INT64_MIN || it->got[j].ts > it->last_ts)
                ev->on_bar(ev->ctx, it->symbol, &it->got[j]);
    }
    argo_flow_events_announce(app->store, &an->fe, ev, app->notice, app->notice_ctx);
    argo_flow_events_free(&an->fe);
    if (an->stored && ev->on_cycle) {
        argo_cycle cycle = {"fetch", an->stored, 0, 0, an->newest};
        ev->on_cycle(ev->ctx, &cycle);
    }
}

/* Runs batch [first, first + count) of items. Returns 0 or the batch's
 * failure (already recorded in rep); fatal store errors too. */
static int run_batch(argo_app *app, argo_provider *p, const argo_provider_config *pc,
                     const argo_fetch_options *opt, item *items, size_t first, size_t count,
                     argo_fetch_report *rep, int64_t day, int64_t allowance, argo_err *err)
{
    argo_store *st = app->store;
    const char *syms[count];
    for (size_t i = 0; i < count; i++)
        syms[i] = rep->symbols[items[first + i].idx].symbol;
    argo_provider_batch b = {.symbols = syms,
                             .nsymbols = count,
                             .start = items[first].from,
                             .end = opt->end,
                             .max_calls = allowance > INT_MAX ? INT_MAX : (int)allowance};
    int rc = argo_provider_cache_key(p, &b, err);
    if (rc)
        return rc;
    argo_http_cache_row cached;
    bool found = false;
    if ((rc = argo_store_cache_get(st, b.cache_key, &cached, &found, err)))
        return rc;
    if (found) {
        snprintf(b.etag, sizeof b.etag, "%s", cached.etag);
        snprintf(b.last_modified, sizeof b.last_modified, "%s", cached.last_modified);
    }
    batch_ctx bc = {.items = items, .first = first, .count = count, .rep = rep, .err = err};
    rc = argo_provider_fetch(p, &b, on_bars, &bc, err);
    int64_t calls = (int64_t)b.calls + b.retries;
    rep->calls += calls;
    rep->retries += b.retries;
    rep->bytes += b.bytes;
    if (b.ratelimit_remaining >= 0)
        rep->ratelimit_remaining = b.ratelimit_remaining;
    if (b.not_modified)
        rep->not_modified++;
    const char *source = pc->kind == ARGO_PROVIDER_CSV ? "csv" : "alpaca";
    char where[2200];
    snprintf(where, sizeof where, "GET %s", b.cache_key);
    announced an = {.newest = INT64_MIN};
    if (rc)
        goto failed;
    if ((rc = argo_flow_begin(st, "ingest", err)))
        goto failed;
    for (size_t i = first; i < first + count && !rc; i++) {
        argo_fetch_symbol *fs = &rep->symbols[items[i].idx];
        if (!b.not_modified)
            rc = store_symbol(app, &items[i], fs, source, where, &an, err);
    }
    if (!rc)
        rc = argo_store_calls_add(st, day, calls, err);
    if (!rc && (b.etag[0] || b.last_modified[0] || found)) {
        argo_http_cache_row row = {.stored_at = (int64_t)time(NULL)};
        snprintf(row.key, sizeof row.key, "%s", b.cache_key);
        snprintf(row.etag, sizeof row.etag, "%s", b.etag);
        snprintf(row.last_modified, sizeof row.last_modified, "%s", b.last_modified);
        rc = argo_store_cache_put(st, &row, err);
    }
    if (!rc)
        rc = argo_flow_commit(st, err);
    if (rc) {
        argo_flow_rollback(st);
        for (size_t i = first; i < first + count; i++) {
            argo_fetch_symbol *fs = &rep->symbols[items[i].idx];
            fs->bars = fs->duplicates = fs->corrections = fs->gaps = 0;
        }
        argo_flow_events_free(&an.fe);
        goto failed;
    }
    for (size_t i = first; i < first + count; i++) {
        argo_fetch_symbol *fs = &rep->symbols[items[i].idx];
        fs->status = fs->bars ? ARGO_FETCH_UPDATED : ARGO_FETCH_UNCHANGED;
        if (fs->bars)
            fs->last_ts = items[i].got[items[i].ngot - 1].ts;
        rep->bars += fs->bars;
        rep->duplicates += fs->duplicates;
        rep->corrections += fs->corrections;
        rep->gaps += fs->gaps;
    }
    announce_batch(app, items, first, count, &an);
    for (size_t i = first; i < first + count; i++)
        if (rep->symbols[items[i].idx].bars)
            items[i].last_ts = rep->symbols[items[i].idx].last_ts;
    batch_reset(items, first, count);
    return ARGO_OK;

failed:
    batch_reset(items, first, count);
    rep->batches_failed++;
    for (size_t i = first; i < first + count; i++)
        rep->symbols[items[i].idx].status = ARGO_FETCH_FAILED;
    if (!rep->first_error[0])
        snprintf(rep->first_error, sizeof rep->first_error, "%s", err ? err->msg : "failed");
    argo_err cerr;
    int crc = count_calls(st, day, calls, &cerr);
    if (crc && err)
        *err = cerr;
    return crc ? crc : rc;
}

int argo_app_fetch_store(argo_app *app, size_t n, const char *const *symbols,
                         const argo_bar *const *bars, const size_t *counts, const char *source,
                         argo_fetch_symbol *fs, argo_err *err)
{
    assert(app && app->store && (n == 0 || (symbols && bars && counts && fs)) && source);
    argo_store *st = app->store;
    int rc = argo_app_check_not_served(app, err);
    if (rc || n == 0)
        return rc;
    argo_symbol *stored = NULL;
    size_t nstored = 0;
    item *items = calloc(n, sizeof *items);
    if (!items)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", source);
    if ((rc = argo_store_symbols(st, &stored, &nstored, err)))
        goto out;
    if (nstored)
        qsort(stored, nstored, sizeof *stored, cmp_sym_name);
    for (size_t i = 0; i < n && !rc; i++) {
        memset(&fs[i], 0, sizeof fs[i]);
        if (!argo_app_symbol_ok(symbols[i], strnlen(symbols[i], ARGO_SYMBOL_MAX))) {
            rc = argo_err_set(err, ARGO_EDATA, "%s: symbol %zu is not a symbol", source, i);
            break;
        }
        item *it = &items[i];
        item_init(it, &fs[i], i, symbols[i], stored, nstored);
        fs[i].from = counts[i] ? bars[i][0].ts : INT64_MIN;
        for (size_t j = 0; j < counts[i] && !rc; j++) {
            argo_bar_fault fault;
            argo_err why;
            if (argo_bar_validate(&bars[i][j], &fault, &why))
                rc = argo_err_set(err, ARGO_EDATA, "%s: %s bar %zu: %s", source, symbols[i], j,
                                  why.msg);
            else if (j && bars[i][j].ts <= bars[i][j - 1].ts)
                rc = argo_err_set(err, ARGO_EDATA, "%s: %s bar %zu: not after the bar before it",
                                  source, symbols[i], j);
        }
        if (!rc && counts[i]) {
            if (!(it->got = malloc(counts[i] * sizeof *it->got))) {
                rc = argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", source);
                break;
            }
            memcpy(it->got, bars[i], counts[i] * sizeof *it->got);
            it->ngot = it->capgot = counts[i];
        }
    }
    if (rc)
        goto out;
    announced an = {.newest = INT64_MIN};
    if ((rc = argo_flow_begin(st, "ingest", err)))
        goto out;
    for (size_t i = 0; i < n && !rc; i++)
        rc = store_symbol(app, &items[i], &fs[i], source, source, &an, err);
    if (!rc)
        rc = argo_flow_commit(st, err);
    if (rc) {
        argo_flow_rollback(st);
        argo_flow_events_free(&an.fe);
        for (size_t i = 0; i < n; i++) {
            fs[i].bars = fs[i].duplicates = fs[i].corrections = fs[i].gaps = 0;
            fs[i].status = ARGO_FETCH_FAILED;
        }
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        fs[i].status = fs[i].bars ? ARGO_FETCH_UPDATED : ARGO_FETCH_UNCHANGED;
        if (fs[i].bars)
            fs[i].last_ts = items[i].got[items[i].ngot - 1].ts;
    }
    announce_batch(app, items, 0, n, &an);
out:
    batch_reset(items, 0, n);
    free(items);
    free(stored);
    if (rc)
        argo_app_err_mask(app, err);
    return rc;
}

int argo_app_fetch(argo_app *app, const argo_fetch_options *opt, argo_fetch_report **out,
                   argo_err *err)
{
    assert(app && opt && out);
    *out = NULL;
    if (!app->store)
        return argo_err_set(err, ARGO_EINVAL, "fetch needs a store");
    double t0 = now_s();
    argo_store *st = app->store;
    argo_provider *p = opt->provider;
    bool own = false;
    char(*names)[ARGO_SYMBOL_MAX] = NULL;
    size_t n = 0;
    argo_symbol *stored = NULL;
    size_t nstored = 0;
    item *items = NULL;
    argo_fetch_report *rep = NULL;
    int rc = argo_app_check_not_served(app, err);
    if (rc)
        return rc;
    if (opt->symbols) {
        sym_list l = {0};
        for (size_t i = 0; i < opt->nsymbols && !rc; i++)
            rc = sym_add(&l, opt->symbols[i], strlen(opt->symbols[i]), "--symbols", err);
        if (!rc && l.n == 0)
            rc = argo_err_set(err, ARGO_EDATA, "--symbols: no symbol named");
        names = l.v;
        n = l.n;
    } else {
        rc = argo_app_fetch_symbols(app, &names, &n, err);
    }
    if (rc)
        goto out;
    if (!p) {
        if ((rc = argo_app_provider(app, &p, err)))
            goto out;
        own = true;
    }
    argo_provider_config pc;
    argo_app_provider_config(&pc, &app->cfg);
    if ((rc = argo_store_symbols(st, &stored, &nstored, err)))
        goto out;
    if (nstored)
        qsort(stored, nstored, sizeof *stored, cmp_sym_name);
    rep = calloc(1, sizeof *rep);
    items = calloc(n, sizeof *items);
    if (!rep || !(rep->symbols = calloc(n, sizeof *rep->symbols)) || !items) {
        rc = argo_err_set(err, ARGO_ENOMEM, "fetch: out of memory");
        goto out;
    }
    rep->nsymbols = n;
    rep->ratelimit_remaining = -1;
    rep->budget_cycle = app->cfg.pv_calls_per_cycle;
    rep->budget_day = app->cfg.pv_calls_per_day;
    int64_t now = (int64_t)time(NULL);
    int64_t history = now - (int64_t)HISTORY_DEFAULT_DAYS * ARGO_DAY_SECONDS;
    if (app->cfg.pv_history_start[0])
        argo_time_parse(app->cfg.pv_history_start, &history);
    history = argo_time_day_start(history);
    for (size_t i = 0; i < n && !rc; i++) {
        argo_fetch_symbol *fs = &rep->symbols[i];
        item *it = &items[i];
        item_init(it, fs, i, names[i], stored, nstored);
        if (opt->since != INT64_MIN)
            it->from = opt->since;
        else if (it->last_ts == INT64_MIN)
            it->from = history;
        else if (!(rc = overlap_start(st, it, app->cfg.pv_overlap_bars, pc.bar_seconds, &it->from,
                                      err)))
            it->from = stable_start(it->from, pc.bar_seconds);
        fs->from = it->from;
        fs->status = ARGO_FETCH_NOT_FETCHED;
    }
    if (rc)
        goto out;
    qsort(items, n, sizeof *items, cmp_item_from);
    int64_t day = argo_time_day_start(now);
    int64_t today = 0;
    if ((rc = argo_store_calls_get(st, day, &today, err)))
        goto out;
    int64_t used_cycle = 0;
    int64_t window = pc.bar_seconds >= ARGO_DAY_SECONDS ? WEEK : ARGO_DAY_SECONDS;
    size_t per =
        pc.kind == ARGO_PROVIDER_CSV ? 1 : (size_t)(pc.batch_symbols > 0 ? pc.batch_symbols : 100);
    int64_t end = opt->end == INT64_MAX ? now : opt->end;
    int first_rc = ARGO_OK;
    argo_err first_err = {0};
    for (size_t at = 0; at < n;) {
        size_t count = 1;
        while (at + count < n && count < per && items[at + count].from - items[at].from <= window)
            count++;
        rep->batches++;
        int64_t allowance = INT64_MAX;
        if (app->cfg.pv_calls_per_cycle > 0)
            allowance = app->cfg.pv_calls_per_cycle - used_cycle;
        if (app->cfg.pv_calls_per_day > 0 && app->cfg.pv_calls_per_day - today < allowance)
            allowance = app->cfg.pv_calls_per_day - today;
        int64_t est = estimate_calls(&pc, count, items[at].from, end);
        if (est > allowance) {
            rep->batches_not_sent++;
            at += count;
            continue;
        }
        int64_t calls_before = rep->calls;
        argo_err berr = {0};
        int brc = run_batch(app, p, &pc, opt, items, at, count, rep, day, allowance, &berr);
        used_cycle += rep->calls - calls_before;
        today += rep->calls - calls_before;
        if (brc && !first_rc) {
            first_rc = brc;
            first_err = berr;
        }
        if (brc == ARGO_ECANCELED || brc == ARGO_ESTORE || brc == ARGO_EBUSY ||
            brc == ARGO_ECORRUPT || brc == ARGO_ENOMEM)
            break; /* not the batch's fault: the next one would fail alike */
        at += count;
    }
    rep->calls_today = today;
    for (size_t i = 0; i < n; i++) {
        switch (rep->symbols[i].status) {
        case ARGO_FETCH_UPDATED:
            rep->updated++;
            break;
        case ARGO_FETCH_UNCHANGED:
            rep->unchanged++;
            break;
        case ARGO_FETCH_NOT_FETCHED:
            rep->not_fetched++;
            break;
        case ARGO_FETCH_FAILED:
            rep->failed++;
            break;
        }
    }
    size_t sent = rep->batches - rep->batches_not_sent;
    rep->hit_rate = sent ? (double)rep->not_modified / (double)sent : NAN;
    rep->seconds = now_s() - t0;
    if (first_rc) {
        rc = first_rc;
        if (err)
            *err = first_err;
    }
out:
    if (items)
        batch_reset(items, 0, n);
    free(items);
    free(stored);
    free(names);
    if (own)
        argo_provider_free(p);
    if (rep && (!rc || rep->batches)) {
        *out = rep;
    } else {
        argo_fetch_report_free(rep);
    }
    if (rc)
        argo_app_err_mask(app, err);
    return rc;
}
