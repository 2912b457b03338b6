/* SPDX-License-Identifier: MIT */
/*
 * app/ingest.c - bars into the store: CSV files read by market/ and the
 * synthetic universe of market/synth.c, stored in one transaction each
 * (all-or-nothing); the stored bars announced through on_bar after the
 * commit (app/events.h).
 */
#include "app/app_int.h"
#include "app/engine.h"
#include "app/flow_store.h"
#include "base/grow.h"
#include "base/limits.h"
#include "base/text.h"
#include "base/timeutil.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One series read or generated, kept until the commit when on_bar wants it. */
typedef struct kept {
    char symbol[ARGO_SYMBOL_MAX];
    argo_bar *bars;
    bool *inserted;
    size_t n;
} kept;

typedef struct keep_log {
    kept *v;
    size_t n, cap;
    int64_t newest;
    int64_t stored;
    argo_flow_events fe; /* the "bars" events logged (argo_app_set_event_log) */
} keep_log;

static void keep_free(keep_log *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->v[i].bars);
        free(k->v[i].inserted);
    }
    free(k->v);
    argo_flow_events_free(&k->fe);
    memset(k, 0, sizeof *k);
}

/* A new entry of n bars (copied by the caller) for symbol. */
static kept *keep_new(keep_log *k, const char *symbol, size_t n, argo_err *err)
{
    kept *v = argo_grow(k->v, &k->cap, k->n + 1, sizeof *v, 8);
    if (!v) {
        argo_err_set(err, ARGO_ENOMEM, "out of memory keeping events");
        return NULL;
    }
    k->v = v;
    kept *e = &k->v[k->n];
    memset(e, 0, sizeof *e);
    snprintf(e->symbol, sizeof e->symbol, "%s", symbol);
    e->bars = malloc((n ? n : 1) * sizeof *e->bars);
    e->inserted = calloc(n ? n : 1, sizeof *e->inserted);
    if (!e->bars || !e->inserted) {
        free(e->bars);
        free(e->inserted);
        argo_err_set(err, ARGO_ENOMEM, "out of memory keeping events");
        return NULL;
    }
    e->n = n;
    k->n++;
    return e;
}

/* Logs the new bars of series (inside the transaction). */
static int log_bars(argo_store *st, keep_log *k, const char *symbol, const argo_bar *bars,
                    const bool *inserted, size_t n, argo_err *err)
{
    int rc = ARGO_OK;
    for (size_t i = 0; i < n && !rc; i++)
        if (inserted[i])
            rc = argo_flow_log_bar(st, &k->fe, symbol, &bars[i], err);
    return rc;
}

/* After the commit: on_bar for every stored bar, on_event for each
 * logged one, then on_cycle. */
static void keep_announce(const keep_log *k, argo_app *app, const char *op)
{
    const argo_events *ev = &app->ev;
    for (size_t i = 0; i < k->n && ev->on_bar; i++)
        for (size_t j = 0; j < k->v[i].n; j++)
            if (k->v[i].inserted[j])
                ev->on_bar(ev->ctx, k->v[i].symbol, &k->v[i].bars[j]);
    argo_flow_events_announce(app->store, &k->fe, ev, app->notice, app->notice_ctx);
    argo_cycle cycle = {op, k->stored, 0, 0, k->newest};
    if (ev->on_cycle)
        ev->on_cycle(ev->ctx, &cycle);
}

static void keep_count(keep_log *k, const argo_bar *bars, const bool *inserted, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (inserted[i]) {
            k->stored++;
            k->newest = bars[i].ts > k->newest ? bars[i].ts : k->newest;
        }
}

/* One file, inside the caller's transaction (own_txn: in one of its
 * own). keep (may be NULL) receives its stored bars; with bar_log, they
 * are logged as events in keep (not NULL then). */
static int ingest_one(argo_store *st, const char *path, const char *symbol, bool skip_invalid,
                      argo_ingest_report *rep, bool own_txn, keep_log *keep, bool bar_log,
                      argo_err *err)
{
    argo_ingest_report local;
    if (!rep)
        rep = &local;
    argo_bar_line *rows = NULL;
    bool *ins = NULL;
    size_t n = 0;
    int rc = argo_market_csv_read(path, symbol, skip_invalid, &rows, &n, rep, err);
    if (rc || n == 0) /* every row skipped or a repeat: nothing to store */
        goto out;
    if (!(ins = calloc(n, sizeof *ins))) {
        rc = argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (own_txn && (rc = argo_flow_begin(st, "ingest", err)))
        goto out;
    if ((rc = argo_flow_save_bars(st, path, symbol, rows, n, skip_invalid, ins, rep, err)))
        goto fail;
    if (keep) {
        kept *e = keep_new(keep, symbol, n, err);
        if (!e) {
            rc = ARGO_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            e->bars[i] = rows[i].bar;
            e->inserted[i] = ins[i];
        }
        keep_count(keep, e->bars, e->inserted, n);
        if (bar_log && (rc = log_bars(st, keep, symbol, e->bars, e->inserted, n, err)))
            goto fail;
    }
    if (own_txn && (rc = argo_flow_commit(st, err)))
        goto fail;
    goto out;
fail:
    if (own_txn)
        argo_flow_rollback(st);
    rep->inserted = 0;
out:
    free(ins);
    free(rows);
    return rc;
}

int argo_engine_ingest_csv(argo_store *st, const char *path, const char *symbol, bool skip_invalid,
                           argo_ingest_report *rep, argo_err *err)
{
    assert(st && path && symbol);
    return ingest_one(st, path, symbol, skip_invalid, rep, true, NULL, false, err);
}

int argo_app_ingest(argo_app *app, size_t n, const char *const *paths, const char *const *symbols,
                    bool skip_invalid, argo_ingest_report *reps, argo_err *err)
{
    assert(app && app->store && n > 0 && paths && symbols && reps);
    argo_store *st = app->store;
    keep_log keep = {.newest = INT64_MIN};
    bool announce = app->ev.on_bar || app->ev.on_cycle || app->log_bars;
    int rc = argo_app_check_not_served(app, err);
    if (!rc)
        rc = argo_flow_begin(st, "ingest", err);
    else
        memset(reps, 0, n * sizeof *reps);
    for (size_t i = 0; i < n && !rc; i++)
        rc = ingest_one(st, paths[i], symbols[i], skip_invalid, &reps[i], false,
                        announce ? &keep : NULL, app->log_bars, err);
    if (!rc)
        rc = argo_flow_commit(st, err);
    if (rc) {
        argo_flow_rollback(st);
        for (size_t i = 0; i < n; i++)
            reps[i].inserted = 0;
    } else if (announce)
        keep_announce(&keep, app, "ingest");
    keep_free(&keep);
    return rc;
}

/* ---- posted bars -------------------------------------------------------- */

bool argo_app_symbol_ok(const char *s, size_t n)
{
    bool ok = n > 0 && n < ARGO_SYMBOL_MAX;
    for (size_t i = 0; i < n && ok; i++)
        ok = isalnum((unsigned char)s[i]) || strchr("._-^=", s[i]);
    return ok;
}

static bool same_bar(const argo_bar *a, const argo_bar *b)
{
    return a->ts == b->ts && a->open == b->open && a->high == b->high && a->low == b->low &&
           a->close == b->close && a->volume == b->volume;
}

/* Series i checked as a CSV file's rows are: into rows (the bars kept,
 * each with its index as its line), duplicates of the row before counted. */
static int check_series(const char *where, size_t i, const char *symbol, const argo_bar *bars,
                        size_t count, argo_bar_line *rows, size_t *nkept, argo_ingest_report *rep,
                        argo_err *err)
{
    *nkept = 0;
    if (!argo_app_symbol_ok(symbol, strnlen(symbol, ARGO_SYMBOL_MAX))) {
        char q[ARGO_TEXT_QUOTE_MAX];
        argo_text_quote(symbol, strnlen(symbol, 256), q, sizeof q);
        return argo_err_set(err, ARGO_EDATA,
                            "%s[%zu]: symbol '%s' is not 1 to %d letters, digits or . _ - ^ =",
                            where, i, q, ARGO_SYMBOL_MAX - 1);
    }
    if (count == 0)
        return argo_err_set(err, ARGO_EDATA, "%s[%zu]: no bars", where, i);
    for (size_t j = 0; j < count; j++) {
        argo_bar b = bars[j];
        argo_bar_fault fault;
        argo_err why;
        rep->rows++;
        if (b.volume == 0)
            b.volume = 0; /* -0 is 0 */
        if (argo_bar_validate(&b, &fault, &why))
            return argo_err_set(err, ARGO_EDATA, "%s[%zu]: bar %zu: %s", where, i, j, why.msg);
        if (*nkept) {
            const argo_bar_line *prev = &rows[*nkept - 1];
            if (same_bar(&prev->bar, &b)) {
                rep->duplicates++;
                continue;
            }
            if (b.ts <= prev->bar.ts) {
                char t[32], pt[32];
                argo_time_format(b.ts, t, sizeof t);
                argo_time_format(prev->bar.ts, pt, sizeof pt);
                return b.ts == prev->bar.ts
                           ? argo_err_set(err, ARGO_EDATA,
                                          "%s[%zu]: bar %zu: %s repeats bar %zu's time with "
                                          "other values",
                                          where, i, j, t, prev->line)
                           : argo_err_set(err, ARGO_EDATA,
                                          "%s[%zu]: bar %zu: %s is not after bar %zu's time %s",
                                          where, i, j, t, prev->line, pt);
            }
        }
        rows[(*nkept)++] = (argo_bar_line){b, j};
    }
    return ARGO_OK;
}

int argo_app_ingest_bars(argo_app *app, size_t n, const char *const *symbols,
                         const argo_bar *const *bars, const size_t *counts, const char *where,
                         argo_ingest_report *reps, argo_err *err)
{
    assert(app && app->store && (n == 0 || (symbols && bars && counts && reps)) && where);
    if (n == 0)
        return argo_err_set(err, ARGO_EDATA, "%s: no series of bars", where);
    memset(reps, 0, n * sizeof *reps);
    argo_store *st = app->store;
    keep_log keep = {.newest = INT64_MIN};
    bool announce = app->ev.on_bar || app->ev.on_cycle || app->log_bars;
    argo_bar_line *rows = NULL;
    bool *ins = NULL;
    size_t most = 0;
    for (size_t i = 0; i < n; i++)
        most = counts[i] > most ? counts[i] : most;
    if (most > ARGO_GROW_MAX)
        return argo_err_set(err, ARGO_ELIMIT, "%s: %zu bars in one series is too many", where,
                            most);
    int rc = argo_app_check_not_served(app, err);
    if (rc)
        return rc;
    if (!(rows = malloc((most ? most : 1) * sizeof *rows)) ||
        !(ins = calloc(most ? most : 1, sizeof *ins))) {
        free(rows);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", where);
    }
    /* every series checked before the store is touched */
    for (size_t i = 0; i < n && !rc; i++) {
        size_t nk;
        argo_ingest_report scratch = {0};
        rc = check_series(where, i, symbols[i], bars[i], counts[i], rows, &nk, &scratch, err);
    }
    if (!rc)
        rc = argo_flow_begin(st, "ingest", err);
    else
        goto out;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t nk;
        rc = check_series(where, i, symbols[i], bars[i], counts[i], rows, &nk, &reps[i], err);
        if (!rc)
            rc = argo_flow_save_posted(st, where, i, symbols[i], rows, nk, ins, &reps[i], err);
        if (!rc && announce) {
            kept *e = keep_new(&keep, symbols[i], nk, err);
            if (!e) {
                rc = ARGO_ENOMEM;
                break;
            }
            for (size_t j = 0; j < nk; j++) {
                e->bars[j] = rows[j].bar;
                e->inserted[j] = ins[j];
            }
            keep_count(&keep, e->bars, e->inserted, nk);
            if (app->log_bars)
                rc = log_bars(st, &keep, symbols[i], e->bars, e->inserted, nk, err);
        }
    }
    if (!rc)
        rc = argo_flow_commit(st, err);
    if (rc) {
        argo_flow_rollback(st);
        memset(reps, 0, n * sizeof *reps);
    } else if (announce)
        keep_announce(&keep, app, "ingest");
out:
    if (rc)
        memset(reps, 0, n * sizeof *reps);
    keep_free(&keep);
    free(rows);
    free(ins);
    return rc;
}

/* ---- synth ---------------------------------------------------------------- */

typedef struct synth_sink {
    argo_store *st;
    const char *dir;
    keep_log *keep; /* NULL: no events wanted */
    bool bar_log;   /* log the stored bars as events in keep */
    argo_err *err;
    size_t bars;
} synth_sink;

static int synth_to_store(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    synth_sink *s = ctx;
    kept *e = NULL;
    if (s->keep && !(e = keep_new(s->keep, symbol, n, s->err)))
        return ARGO_ENOMEM;
    int rc =
        argo_flow_save_series(s->st, symbol, bars, n, e ? e->inserted : NULL, &s->bars, s->err);
    if (rc)
        argo_err_prefix(s->err, "%s: ", symbol);
    else if (e) {
        memcpy(e->bars, bars, n * sizeof *bars);
        keep_count(s->keep, e->bars, e->inserted, n);
        if (s->bar_log)
            rc = log_bars(s->st, s->keep, symbol, e->bars, e->inserted, n, s->err);
    }
    return rc;
}

int argo_app_synth(argo_app *app, const argo_synth_options *opt, size_t *bars, argo_err *err)
{
    assert(app && app->store && opt && bars);
    keep_log keep = {.newest = INT64_MIN};
    bool announce = app->ev.on_bar || app->ev.on_cycle || app->log_bars;
    synth_sink sink = {
        .st = app->store, .keep = announce ? &keep : NULL, .bar_log = app->log_bars, .err = err};
    *bars = 0;
    int rc = argo_app_check_not_served(app, err);
    if (rc || (rc = argo_flow_begin(app->store, "ingest", err)))
        return rc;
    if ((rc = argo_market_synth(opt, synth_to_store, &sink, err)) ||
        (rc = argo_flow_commit(app->store, err)))
        argo_flow_rollback(app->store);
    else {
        *bars = sink.bars;
        if (announce)
            keep_announce(&keep, app, "synth");
    }
    keep_free(&keep);
    return rc;
}

static int synth_to_csv(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    synth_sink *s = ctx;
    char path[ARGO_PATH_MAX], tmp[ARGO_PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/%s.csv", s->dir, symbol);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return argo_err_set(s->err, ARGO_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    fprintf(f, "date,open,high,low,close,volume\n");
    for (size_t i = 0; i < n; i++) {
        char d[32];
        fprintf(f, "%s,%.4f,%.4f,%.4f,%.4f,%.0f\n", argo_time_format(bars[i].ts, d, sizeof d),
                bars[i].open, bars[i].high, bars[i].low, bars[i].close, bars[i].volume);
    }
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return argo_err_set(s->err, ARGO_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    s->bars += n;
    return 0;
}

int argo_app_synth_csv(argo_app *app, const argo_synth_options *opt, const char *dir, size_t *bars,
                       argo_err *err)
{
    assert(app && opt && dir && bars);
    (void)app; /* no store: the config is not needed either */
    synth_sink sink = {.dir = dir, .err = err};
    *bars = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return argo_err_set(err, ARGO_EIO, "%s: cannot create: %s", dir, strerror(errno));
    int rc = argo_market_synth(opt, synth_to_csv, &sink, err);
    if (!rc)
        *bars = sink.bars;
    return rc;
}
