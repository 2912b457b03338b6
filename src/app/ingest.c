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
#include "base/timeutil.h"

#include <assert.h>
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
} keep_log;

static void keep_free(keep_log *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->v[i].bars);
        free(k->v[i].inserted);
    }
    free(k->v);
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

/* After the commit: on_bar for every stored bar, then on_cycle. */
static void keep_announce(const keep_log *k, const argo_events *ev, const char *op)
{
    if (!ev)
        return;
    for (size_t i = 0; i < k->n && ev->on_bar; i++)
        for (size_t j = 0; j < k->v[i].n; j++)
            if (k->v[i].inserted[j])
                ev->on_bar(ev->ctx, k->v[i].symbol, &k->v[i].bars[j]);
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
 * own). keep (may be NULL) receives its stored bars. */
static int ingest_one(argo_store *st, const char *path, const char *symbol, bool skip_invalid,
                      argo_ingest_report *rep, bool own_txn, keep_log *keep, argo_err *err)
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
    return ingest_one(st, path, symbol, skip_invalid, rep, true, NULL, err);
}

int argo_app_ingest(argo_app *app, size_t n, const char *const *paths, const char *const *symbols,
                    bool skip_invalid, argo_ingest_report *reps, argo_err *err)
{
    assert(app && app->store && n > 0 && paths && symbols && reps);
    argo_store *st = app->store;
    keep_log keep = {.newest = INT64_MIN};
    bool announce = app->ev.on_bar || app->ev.on_cycle;
    int rc = argo_flow_begin(st, "ingest", err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = ingest_one(st, paths[i], symbols[i], skip_invalid, &reps[i], false,
                        announce ? &keep : NULL, err);
    if (!rc)
        rc = argo_flow_commit(st, err);
    if (rc) {
        argo_flow_rollback(st);
        for (size_t i = 0; i < n; i++)
            reps[i].inserted = 0;
    } else if (announce)
        keep_announce(&keep, &app->ev, "ingest");
    keep_free(&keep);
    return rc;
}

/* ---- synth ---------------------------------------------------------------- */

typedef struct synth_sink {
    argo_store *st;
    const char *dir;
    keep_log *keep; /* NULL: no events wanted */
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
    }
    return rc;
}

int argo_app_synth(argo_app *app, const argo_synth_options *opt, size_t *bars, argo_err *err)
{
    assert(app && app->store && opt && bars);
    keep_log keep = {.newest = INT64_MIN};
    bool announce = app->ev.on_bar || app->ev.on_cycle;
    synth_sink sink = {.st = app->store, .keep = announce ? &keep : NULL, .err = err};
    *bars = 0;
    int rc = argo_flow_begin(app->store, "ingest", err);
    if (rc)
        return rc;
    if ((rc = argo_market_synth(opt, synth_to_store, &sink, err)) ||
        (rc = argo_flow_commit(app->store, err)))
        argo_flow_rollback(app->store);
    else {
        *bars = sink.bars;
        if (announce)
            keep_announce(&keep, &app->ev, "synth");
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
