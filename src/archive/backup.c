/* SPDX-License-Identifier: MIT */
/*
 * archive/backup.c - see archive.h. One table (column definitions and
 * arrays) per file kind feeds both the Parquet encoder and the CSV
 * writer, and verification compares decoded files with a table rebuilt
 * from the store, so the three cannot drift apart.
 */
#include "archive/archive.h"

#include "archive/archive_int.h"
#include "parquet/thrift.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/grow.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"
#include "track/track.h"

#include <assert.h>
#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef ARGO_VERSION
#define ARGO_VERSION "0.1.0"
#endif

enum { KIND_SIGNALS, KIND_OUTCOMES, KINDS };
static const char *const kind_name[KINDS] = {"signals", "outcomes"};

/* The writer's layouts (docs/BACKUPS.md): each column named by its
 * index, so table_fill sets a column by name, never by a number. */
enum signal_col {
    SIG_SIGNAL_ID,
    SIG_SYMBOL,
    SIG_ACTION,
    SIG_TS,
    SIG_ENTRY,
    SIG_TARGET,
    SIG_STOP,
    SIG_RAW_CONFIDENCE,
    SIG_CONFIDENCE,
    SIG_MODEL_VERSION,
    SIG_PUBLISHED,
    SIG_VOTE_TREND, /* one vote column per strategy, in ARGO_STRAT_* order */
    SIG_VOTE_MEANREV,
    SIG_VOTE_MACD,
    SIG_VOTE_BREAKOUT,
    SIG_EXPIRES_AT,
    SIG_COLS
};

enum outcome_col {
    OUT_SIGNAL_ID,
    OUT_SYMBOL,
    OUT_ACTION,
    OUT_TS,
    OUT_STATUS,
    OUT_EXIT_REASON,
    OUT_GAP,
    OUT_EXIT_TS,
    OUT_EXIT_PRICE,
    OUT_PNL_PCT,
    OUT_BARS_HELD,
    OUT_MFE_PCT,
    OUT_MAE_PCT,
    OUT_RAW_CONFIDENCE,
    OUT_CONFIDENCE,
    OUT_COLS
};

static const argo_pq_column_def signal_cols[] = {
    [SIG_SIGNAL_ID] = {"signal_id", ARGO_PQ_INT64, false, false},
    [SIG_SYMBOL] = {"symbol", ARGO_PQ_STRING, false, true},
    [SIG_ACTION] = {"action", ARGO_PQ_STRING, false, true},
    [SIG_TS] = {"ts", ARGO_PQ_TIMESTAMP_MS, false, false},
    [SIG_ENTRY] = {"entry", ARGO_PQ_DOUBLE, false, false},
    [SIG_TARGET] = {"target", ARGO_PQ_DOUBLE, false, false},
    [SIG_STOP] = {"stop", ARGO_PQ_DOUBLE, false, false},
    [SIG_RAW_CONFIDENCE] = {"raw_confidence", ARGO_PQ_DOUBLE, false, false},
    [SIG_CONFIDENCE] = {"confidence", ARGO_PQ_DOUBLE, false, false},
    [SIG_MODEL_VERSION] = {"model_version", ARGO_PQ_INT64, true, false},
    [SIG_PUBLISHED] = {"published", ARGO_PQ_BOOLEAN, false, false},
    [SIG_VOTE_TREND] = {"vote_trend", ARGO_PQ_DOUBLE, false, false},
    [SIG_VOTE_MEANREV] = {"vote_meanrev", ARGO_PQ_DOUBLE, false, false},
    [SIG_VOTE_MACD] = {"vote_macd", ARGO_PQ_DOUBLE, false, false},
    [SIG_VOTE_BREAKOUT] = {"vote_breakout", ARGO_PQ_DOUBLE, false, false},
    [SIG_EXPIRES_AT] = {"expires_at", ARGO_PQ_TIMESTAMP_MS, false, false},
};

static const argo_pq_column_def outcome_cols[] = {
    [OUT_SIGNAL_ID] = {"signal_id", ARGO_PQ_INT64, false, false},
    [OUT_SYMBOL] = {"symbol", ARGO_PQ_STRING, false, true},
    [OUT_ACTION] = {"action", ARGO_PQ_STRING, false, true},
    [OUT_TS] = {"ts", ARGO_PQ_TIMESTAMP_MS, false, false},
    [OUT_STATUS] = {"status", ARGO_PQ_STRING, false, true},
    [OUT_EXIT_REASON] = {"exit_reason", ARGO_PQ_STRING, false, true},
    [OUT_GAP] = {"gap", ARGO_PQ_BOOLEAN, false, false},
    [OUT_EXIT_TS] = {"exit_ts", ARGO_PQ_TIMESTAMP_MS, false, false},
    [OUT_EXIT_PRICE] = {"exit_price", ARGO_PQ_DOUBLE, false, false},
    [OUT_PNL_PCT] = {"pnl_pct", ARGO_PQ_DOUBLE, false, false},
    [OUT_BARS_HELD] = {"bars_held", ARGO_PQ_INT32, false, false},
    [OUT_MFE_PCT] = {"mfe_pct", ARGO_PQ_DOUBLE, false, false},
    [OUT_MAE_PCT] = {"mae_pct", ARGO_PQ_DOUBLE, false, false},
    [OUT_RAW_CONFIDENCE] = {"raw_confidence", ARGO_PQ_DOUBLE, false, false},
    [OUT_CONFIDENCE] = {"confidence", ARGO_PQ_DOUBLE, false, false},
};

#define COLS_MAX 16 /* the widest layout */

/* The layouts are fixed tables, every entry named (a gap or an extra
 * entry changes the count). */
static_assert(sizeof signal_cols / sizeof signal_cols[0] == SIG_COLS && SIG_COLS == 16,
              "signals: 16 columns");
static_assert(sizeof outcome_cols / sizeof outcome_cols[0] == OUT_COLS && OUT_COLS == 15,
              "outcomes: 15 columns");
static_assert(SIG_COLS <= COLS_MAX && OUT_COLS <= COLS_MAX, "a backup table holds every column");
static_assert(ARGO_STRAT_COUNT == 4 && SIG_VOTE_BREAKOUT - SIG_VOTE_TREND + 1 == ARGO_STRAT_COUNT &&
                  SIG_VOTE_MEANREV - SIG_VOTE_TREND == ARGO_STRAT_MEANREV &&
                  SIG_VOTE_MACD - SIG_VOTE_TREND == ARGO_STRAT_MACD &&
                  SIG_VOTE_BREAKOUT - SIG_VOTE_TREND == ARGO_STRAT_BREAKOUT &&
                  ARGO_STRAT_TREND == 0,
              "signals: one vote column per strategy, in strategy order");
static_assert((int)KIND_SIGNALS == (int)ARGO_BACKUP_SIGNALS &&
                  (int)KIND_OUTCOMES == (int)ARGO_BACKUP_OUTCOMES,
              "kinds");

/* One value of a row, as the independent layout below reads it. */
typedef struct cell {
    int64_t i; /* INT64, TIMESTAMP_MS (ms), INT32 */
    double f;
    const char *s;
    bool b;
    bool null;
} cell;

static int64_t ms(int64_t s)
{
    return s * 1000;
}

/* The schema of docs/BACKUPS.md written out a second time, not derived
 * from the writer's tables above: each column's name, type and
 * nullability, and which field of a signal it holds. verify checks
 * every Parquet file and every CSV header against this, and the files'
 * values against the store through it, so a writer that drifts (a
 * column renamed, retyped, moved, or filled from the wrong field) is
 * caught. */
typedef struct expect_col {
    argo_pq_column_def def;
    void (*get)(const argo_signal *g, cell *v);
} expect_col;

#define GETTER(fn, body)                                                                           \
    static void fn(const argo_signal *g, cell *v)                                                  \
    {                                                                                              \
        body;                                                                                      \
    }
GETTER(g_id, v->i = g->id)
GETTER(g_symbol, v->s = g->symbol)
GETTER(g_action, v->s = argo_action_name(g->action))
GETTER(g_ts, v->i = ms(g->ts))
GETTER(g_entry, v->f = g->entry)
GETTER(g_target, v->f = g->target)
GETTER(g_stop, v->f = g->stop)
GETTER(g_raw, v->f = g->raw_confidence)
GETTER(g_conf, v->f = g->confidence)
GETTER(g_model, v->i = g->model_version; v->null = g->model_version == 0)
GETTER(g_published, v->b = g->published)
GETTER(g_v_trend, v->f = g->votes[ARGO_STRAT_TREND].dir * g->votes[ARGO_STRAT_TREND].strength)
GETTER(g_v_meanrev, v->f = g->votes[ARGO_STRAT_MEANREV].dir * g->votes[ARGO_STRAT_MEANREV].strength)
GETTER(g_v_macd, v->f = g->votes[ARGO_STRAT_MACD].dir * g->votes[ARGO_STRAT_MACD].strength)
GETTER(g_v_breakout,
       v->f = g->votes[ARGO_STRAT_BREAKOUT].dir * g->votes[ARGO_STRAT_BREAKOUT].strength)
GETTER(g_expires, v->i = ms(g->expires_at))
GETTER(g_status, v->s = argo_status_name(g->status))
GETTER(g_reason, v->s = argo_exit_reason_name(g->exit_reason))
GETTER(g_gap, v->b = g->gap)
GETTER(g_exit_ts, v->i = ms(g->exit_ts))
GETTER(g_exit_price, v->f = g->exit_price)
GETTER(g_pnl, v->f = g->pnl_pct)
GETTER(g_bars, v->i = g->bars_held)
GETTER(g_mfe, v->f = g->mfe_pct)
GETTER(g_mae, v->f = g->mae_pct)
#undef GETTER

static const expect_col expect_signals[] = {
    {{"signal_id", ARGO_PQ_INT64, false, false}, g_id},
    {{"symbol", ARGO_PQ_STRING, false, false}, g_symbol},
    {{"action", ARGO_PQ_STRING, false, false}, g_action},
    {{"ts", ARGO_PQ_TIMESTAMP_MS, false, false}, g_ts},
    {{"entry", ARGO_PQ_DOUBLE, false, false}, g_entry},
    {{"target", ARGO_PQ_DOUBLE, false, false}, g_target},
    {{"stop", ARGO_PQ_DOUBLE, false, false}, g_stop},
    {{"raw_confidence", ARGO_PQ_DOUBLE, false, false}, g_raw},
    {{"confidence", ARGO_PQ_DOUBLE, false, false}, g_conf},
    {{"model_version", ARGO_PQ_INT64, true, false}, g_model},
    {{"published", ARGO_PQ_BOOLEAN, false, false}, g_published},
    {{"vote_trend", ARGO_PQ_DOUBLE, false, false}, g_v_trend},
    {{"vote_meanrev", ARGO_PQ_DOUBLE, false, false}, g_v_meanrev},
    {{"vote_macd", ARGO_PQ_DOUBLE, false, false}, g_v_macd},
    {{"vote_breakout", ARGO_PQ_DOUBLE, false, false}, g_v_breakout},
    {{"expires_at", ARGO_PQ_TIMESTAMP_MS, false, false}, g_expires},
};
static const char expect_signals_csv[] =
    "signal_id,symbol,action,ts,entry,target,stop,raw_confidence,confidence,model_version,"
    "published,vote_trend,vote_meanrev,vote_macd,vote_breakout,expires_at\r\n";

static const expect_col expect_outcomes[] = {
    {{"signal_id", ARGO_PQ_INT64, false, false}, g_id},
    {{"symbol", ARGO_PQ_STRING, false, false}, g_symbol},
    {{"action", ARGO_PQ_STRING, false, false}, g_action},
    {{"ts", ARGO_PQ_TIMESTAMP_MS, false, false}, g_ts},
    {{"status", ARGO_PQ_STRING, false, false}, g_status},
    {{"exit_reason", ARGO_PQ_STRING, false, false}, g_reason},
    {{"gap", ARGO_PQ_BOOLEAN, false, false}, g_gap},
    {{"exit_ts", ARGO_PQ_TIMESTAMP_MS, false, false}, g_exit_ts},
    {{"exit_price", ARGO_PQ_DOUBLE, false, false}, g_exit_price},
    {{"pnl_pct", ARGO_PQ_DOUBLE, false, false}, g_pnl},
    {{"bars_held", ARGO_PQ_INT32, false, false}, g_bars},
    {{"mfe_pct", ARGO_PQ_DOUBLE, false, false}, g_mfe},
    {{"mae_pct", ARGO_PQ_DOUBLE, false, false}, g_mae},
    {{"raw_confidence", ARGO_PQ_DOUBLE, false, false}, g_raw},
    {{"confidence", ARGO_PQ_DOUBLE, false, false}, g_conf},
};
static const char expect_outcomes_csv[] =
    "signal_id,symbol,action,ts,status,exit_reason,gap,exit_ts,exit_price,pnl_pct,bars_held,"
    "mfe_pct,mae_pct,raw_confidence,confidence\r\n";

static_assert(sizeof expect_signals / sizeof expect_signals[0] == 16, "signals: 16 columns");
static_assert(sizeof expect_outcomes / sizeof expect_outcomes[0] == 15, "outcomes: 15 columns");

typedef struct table {
    const argo_pq_column_def *defs;
    argo_pq_column_def own_defs[COLS_MAX]; /* defs of a table laid out by expect_* */
    size_t ncols, n;
    argo_pq_column_data data[COLS_MAX];
    void *mem[COLS_MAX];
    uint8_t *valid[COLS_MAX];
    argo_signal *sig; /* the rows; strings point into it */
    size_t cap;
} table;

static void table_free(table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        free(t->mem[c]);
        free(t->valid[c]);
    }
    free(t->sig);
    memset(t, 0, sizeof *t);
}

static int collect(void *ctx, const argo_signal *g)
{
    table *t = ctx;
    argo_signal *v = argo_grow(t->sig, &t->cap, t->n + 1, sizeof *v, 256);
    if (!v)
        return ARGO_ENOMEM;
    t->sig = v;
    t->sig[t->n++] = *g;
    return 0;
}

/* Allocates the columns of t (t->defs, t->ncols, t->n set). */
static int table_alloc(table *t, argo_err *err)
{
    size_t n = t->n ? t->n : 1;
    for (size_t c = 0; c < t->ncols; c++) {
        argo_pq_type ty = t->defs[c].type;
        size_t w = ty == ARGO_PQ_BOOLEAN  ? 1
                   : ty == ARGO_PQ_INT32  ? 4
                   : ty == ARGO_PQ_STRING ? sizeof(char *)
                                          : 8;
        t->mem[c] = calloc(n, w);
        if (t->defs[c].optional)
            t->valid[c] = calloc(n, 1);
        if (!t->mem[c] || (t->defs[c].optional && !t->valid[c]))
            return argo_err_set(err, ARGO_ENOMEM, "out of memory building a backup");
        argo_pq_column_data *d = &t->data[c];
        d->valid = t->valid[c];
        if (ty == ARGO_PQ_BOOLEAN)
            d->b = t->mem[c];
        else if (ty == ARGO_PQ_INT32)
            d->i32 = t->mem[c];
        else if (ty == ARGO_PQ_DOUBLE)
            d->f64 = t->mem[c];
        else if (ty == ARGO_PQ_STRING)
            d->str = t->mem[c];
        else
            d->i64 = t->mem[c];
    }
    return ARGO_OK;
}

/* Reads the day's rows of one kind from the store into t->sig. */
static int table_scan(argo_store *st, int kind, int64_t day, table *t, argo_err *err)
{
    int rc = kind == KIND_SIGNALS
                 ? argo_store_signals_made(st, day, day + ARGO_DAY_SECONDS, collect, t, err)
                 : argo_store_signals_resolved(st, day, day + ARGO_DAY_SECONDS, collect, t, err);
    if (rc == ARGO_ENOMEM)
        argo_err_set(err, rc, "out of memory reading signals");
    return rc;
}

/* The writer's table: the day's rows of one kind from the store, each
 * column set by its name in signal_cols / outcome_cols. */
static int table_load(argo_store *st, int kind, int64_t day, table *t, argo_err *err)
{
    assert(kind == KIND_SIGNALS || kind == KIND_OUTCOMES);
    memset(t, 0, sizeof *t);
    t->defs = kind == KIND_SIGNALS ? signal_cols : outcome_cols;
    t->ncols = kind == KIND_SIGNALS ? SIG_COLS : OUT_COLS;
    int rc = table_scan(st, kind, day, t, err);
    if (!rc)
        rc = table_alloc(t, err);
    if (rc)
        return rc;
#define I64(c) ((int64_t *)t->mem[c])
#define I32(c) ((int32_t *)t->mem[c])
#define F64(c) ((double *)t->mem[c])
#define STR(c) ((const char **)t->mem[c])
#define B(c) ((uint8_t *)t->mem[c])
    for (size_t r = 0; r < t->n; r++) {
        const argo_signal *g = &t->sig[r];
        if (kind == KIND_SIGNALS) {
            I64(SIG_SIGNAL_ID)[r] = g->id;
            STR(SIG_SYMBOL)[r] = g->symbol;
            STR(SIG_ACTION)[r] = argo_action_name(g->action);
            I64(SIG_TS)[r] = ms(g->ts);
            F64(SIG_ENTRY)[r] = g->entry;
            F64(SIG_TARGET)[r] = g->target;
            F64(SIG_STOP)[r] = g->stop;
#ifdef ARGO_BACKUP_DRIFT
            /* tests/unit/test_backup_drift.c builds this file with a
             * writer that fills two columns from each other's field (a
             * wrong index): verify must refuse what it writes */
            F64(SIG_TARGET)[r] = g->stop;
            F64(SIG_STOP)[r] = g->target;
#endif
            F64(SIG_RAW_CONFIDENCE)[r] = g->raw_confidence;
            F64(SIG_CONFIDENCE)[r] = g->confidence;
            I64(SIG_MODEL_VERSION)[r] = g->model_version;
            t->valid[SIG_MODEL_VERSION][r] = g->model_version != 0;
            B(SIG_PUBLISHED)[r] = g->published;
            for (int k = 0; k < ARGO_STRAT_COUNT; k++)
                F64(SIG_VOTE_TREND + k)[r] = g->votes[k].dir * g->votes[k].strength;
            I64(SIG_EXPIRES_AT)[r] = ms(g->expires_at);
        } else {
            I64(OUT_SIGNAL_ID)[r] = g->id;
            STR(OUT_SYMBOL)[r] = g->symbol;
            STR(OUT_ACTION)[r] = argo_action_name(g->action);
            I64(OUT_TS)[r] = ms(g->ts);
            STR(OUT_STATUS)[r] = argo_status_name(g->status);
            STR(OUT_EXIT_REASON)[r] = argo_exit_reason_name(g->exit_reason);
            B(OUT_GAP)[r] = g->gap;
            I64(OUT_EXIT_TS)[r] = ms(g->exit_ts);
            F64(OUT_EXIT_PRICE)[r] = g->exit_price;
            F64(OUT_PNL_PCT)[r] = g->pnl_pct;
            I32(OUT_BARS_HELD)[r] = g->bars_held;
            F64(OUT_MFE_PCT)[r] = g->mfe_pct;
            F64(OUT_MAE_PCT)[r] = g->mae_pct;
            F64(OUT_RAW_CONFIDENCE)[r] = g->raw_confidence;
            F64(OUT_CONFIDENCE)[r] = g->confidence;
        }
    }
#undef I64
#undef I32
#undef F64
#undef STR
#undef B
    return ARGO_OK;
}

/* What verify expects: the same rows, laid out by the independent
 * description (expect_signals / expect_outcomes), never by the
 * writer's table, so a writer that fills a column from the wrong
 * field does not verify. */
static int table_expect(argo_store *st, int kind, int64_t day, table *t, argo_err *err)
{
    assert(kind == KIND_SIGNALS || kind == KIND_OUTCOMES);
    const expect_col *ex = kind == KIND_SIGNALS ? expect_signals : expect_outcomes;
    size_t nex = kind == KIND_SIGNALS ? sizeof expect_signals / sizeof expect_signals[0]
                                      : sizeof expect_outcomes / sizeof expect_outcomes[0];
    assert(nex <= COLS_MAX);
    memset(t, 0, sizeof *t);
    for (size_t c = 0; c < nex; c++)
        t->own_defs[c] = ex[c].def;
    t->defs = t->own_defs;
    t->ncols = nex;
    int rc = table_scan(st, kind, day, t, err);
    if (!rc)
        rc = table_alloc(t, err);
    if (rc)
        return rc;
    for (size_t c = 0; c < nex; c++) {
        void *mem = t->mem[c];
        for (size_t r = 0; r < t->n; r++) {
            cell v = {0};
            ex[c].get(&t->sig[r], &v);
            if (t->valid[c])
                t->valid[c][r] = !v.null;
            switch (ex[c].def.type) {
            case ARGO_PQ_BOOLEAN:
                ((uint8_t *)mem)[r] = v.b;
                break;
            case ARGO_PQ_INT32:
                ((int32_t *)mem)[r] = (int32_t)v.i;
                break;
            case ARGO_PQ_DOUBLE:
                ((double *)mem)[r] = v.f;
                break;
            case ARGO_PQ_STRING:
                ((const char **)mem)[r] = v.s;
                break;
            default:
                ((int64_t *)mem)[r] = v.i;
            }
        }
    }
    return ARGO_OK;
}

static void csv_field_str(argo_tc_out *o, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        argo_tc_bytes(o, s, strlen(s));
        return;
    }
    argo_tc_bytes(o, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            argo_tc_bytes(o, "\"", 1);
        argo_tc_bytes(o, p, 1);
    }
    argo_tc_bytes(o, "\"", 1);
}

static void csv_ts(argo_tc_out *o, int64_t msv)
{
    char b[48];
    int64_t s = msv >= 0 ? msv / 1000 : -((-msv + 999) / 1000);
    int frac = (int)(msv - s * 1000);
    argo_time_format_full(s, b, sizeof b);
    if (frac) { /* "...:SSZ" -> "...:SS.mmmZ" */
        size_t l = strlen(b);
        snprintf(b + l - 1, sizeof b - (l - 1), ".%03dZ", frac);
    }
    argo_tc_bytes(o, b, strlen(b));
}

/* RFC 4180: a header, CRLF line ends, quotes where needed; ISO-8601 UTC
 * timestamps; doubles with 17 significant digits (they read back to the
 * same double); an absent value is an empty field. */
static void csv_render(const argo_pq_column_def *defs, const argo_pq_column_data *data,
                       size_t ncols, size_t nrows, argo_tc_out *o)
{
    for (size_t c = 0; c < ncols; c++) {
        if (c)
            argo_tc_bytes(o, ",", 1);
        csv_field_str(o, defs[c].name);
    }
    argo_tc_bytes(o, "\r\n", 2);
    char b[64];
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            const argo_pq_column_data *d = &data[c];
            if (c)
                argo_tc_bytes(o, ",", 1);
            if (d->valid && !d->valid[r])
                continue;
            switch (defs[c].type) {
            case ARGO_PQ_BOOLEAN:
                argo_tc_bytes(o, d->b[r] ? "true" : "false", d->b[r] ? 4 : 5);
                break;
            case ARGO_PQ_INT32:
                argo_tc_bytes(o, b, (size_t)snprintf(b, sizeof b, "%d", d->i32[r]));
                break;
            case ARGO_PQ_DOUBLE:
                argo_tc_bytes(o, b, (size_t)snprintf(b, sizeof b, "%.17g", d->f64[r]));
                break;
            case ARGO_PQ_STRING:
            case ARGO_PQ_BYTES:
                csv_field_str(o, d->str[r]);
                break;
            case ARGO_PQ_TIMESTAMP_MS:
                csv_ts(o, d->i64[r]);
                break;
            default:
                argo_tc_bytes(o, b, (size_t)snprintf(b, sizeof b, "%lld", (long long)d->i64[r]));
            }
        }
        argo_tc_bytes(o, "\r\n", 2);
    }
}

static void table_csv(const table *t, argo_tc_out *o)
{
    csv_render(t->defs, t->data, t->ncols, t->n, o);
}

const argo_pq_column_def *argo_backup_columns(int kind, size_t *ncols)
{
    assert((kind == ARGO_BACKUP_SIGNALS || kind == ARGO_BACKUP_OUTCOMES) && ncols);
    if (kind == ARGO_BACKUP_SIGNALS) {
        *ncols = sizeof signal_cols / sizeof signal_cols[0];
        return signal_cols;
    }
    *ncols = sizeof outcome_cols / sizeof outcome_cols[0];
    return outcome_cols;
}

int argo_backup_csv(const argo_pq_column_def *defs, const argo_pq_column_data *data, size_t ncols,
                    size_t nrows, uint8_t **out, size_t *len, argo_err *err)
{
    argo_tc_out o = {0};
    csv_render(defs, data, ncols, nrows, &o);
    if (o.bad) {
        free(o.p);
        *out = NULL;
        return argo_err_set(err, ARGO_ENOMEM, "out of memory writing CSV");
    }
    *out = o.p;
    *len = o.len;
    return ARGO_OK;
}

typedef struct out_file {
    char name[64];
    int kind, format;
    uint8_t *data;
    size_t len, rows;
    char sha[65];
} out_file;

static void day_dir(const char *root, int64_t day, char *buf, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(buf, n, "%s/%04d/%02d/%02d", root, y, m, d);
}

/* Encodes one kind in the asked formats. */
static int render(const table *t, int kind, int64_t day, const argo_backup_options *opt,
                  out_file *files, size_t *nf, argo_err *err)
{
    char date[16];
    argo_time_format(day, date, sizeof date);
    char sv[8];
    snprintf(sv, sizeof sv, "%d", ARGO_BACKUP_SCHEMA_VERSION);
    argo_pq_kv kv[] = {
        {"argo.schema_version", sv}, {"argo.backup_date", date}, {"argo.kind", kind_name[kind]}};
    if (opt->formats & ARGO_BACKUP_PARQUET) {
        out_file *f = &files[(*nf)++];
        *f = (out_file){.kind = kind, .format = ARGO_BACKUP_PARQUET, .rows = t->n};
        argo_pq_write_options po = {.codec = opt->codec,
                                    .row_group_rows = opt->row_group_rows,
                                    .kv = kv,
                                    .nkv = 3,
                                    .created_by = "argo " ARGO_VERSION};
        int rc = argo_pq_encode(t->defs, t->ncols, t->data, t->n, &po, &f->data, &f->len, err);
        if (rc)
            return rc;
    }
    if (opt->formats & ARGO_BACKUP_CSV) {
        out_file *f = &files[(*nf)++];
        *f = (out_file){.kind = kind, .format = ARGO_BACKUP_CSV, .rows = t->n};
        argo_tc_out o = {0};
        table_csv(t, &o);
        if (o.bad) {
            free(o.p);
            return argo_err_set(err, ARGO_ENOMEM, "out of memory writing CSV");
        }
        f->data = o.p;
        f->len = o.len;
    }
    return ARGO_OK;
}

static json_t *manifest_json(int64_t day, int version, const argo_backup_options *opt,
                             const out_file *files, size_t nf)
{
    char date[16], now[32];
    argo_time_format(day, date, sizeof date);
    argo_time_format_full((int64_t)time(NULL), now, sizeof now);
    json_t *m = json_object(), *arr = json_array();
    json_object_set_new(m, "format", json_string("argo-backup"));
    json_object_set_new(m, "date", json_string(date));
    json_object_set_new(m, "version", json_integer(version));
    json_object_set_new(m, "schema_version", json_integer(ARGO_BACKUP_SCHEMA_VERSION));
    json_object_set_new(m, "codec", json_string(argo_pq_codec_name(opt->codec)));
    json_object_set_new(m, "argo_version", json_string(ARGO_VERSION));
    json_object_set_new(m, "created_at", json_string(now));
    json_t *rows = json_object();
    for (size_t i = 0; i < nf; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(files[i].name));
        json_object_set_new(f, "kind", json_string(kind_name[files[i].kind]));
        json_object_set_new(
            f, "format", json_string(files[i].format == ARGO_BACKUP_PARQUET ? "parquet" : "csv"));
        json_object_set_new(f, "rows", json_integer((json_int_t)files[i].rows));
        json_object_set_new(f, "bytes", json_integer((json_int_t)files[i].len));
        json_object_set_new(f, "sha256", json_string(files[i].sha));
        json_array_append_new(arr, f);
        json_object_set_new(rows, kind_name[files[i].kind],
                            json_integer((json_int_t)files[i].rows));
    }
    json_object_set_new(m, "rows", rows);
    json_object_set_new(m, "files", arr);
    return m;
}

/* ---- manifests: one bounded loader, every field checked ---- */

static const char *const format_name[] = {"", "parquet", "csv"};

/* A JSON string value of at most max bytes without a NUL, or NULL. */
static const char *jstr(json_t *o, const char *key, size_t max)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    return n <= max && strlen(s) == n ? s : NULL;
}

/* A JSON integer in [lo, hi], or false. */
static bool jint(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return false;
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return false;
    *out = (int64_t)x;
    return true;
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* An absolute folder path with no empty, "." or ".." component and no
 * control characters: what archive tier records, and nothing that could
 * lead a reader or a delete out of it. */
static bool location_ok(const char *s)
{
    if (s[0] != '/' || !s[1])
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    const char *c = s + 1;
    while (*c) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += n + (e ? 1 : 0);
        if (e && !*c)
            return false; /* trailing slash */
    }
    return true;
}

static int tier_class_ok(const char *s)
{
    static const char *const cls[] = {"STANDARD_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"};
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++)
        if (!strcmp(s, cls[i]))
            return 1;
    return 0;
}

static int bad_manifest(argo_err *err, const char *where, const char *what)
{
    return argo_err_set(err, ARGO_ECORRUPT, "%s: not a valid manifest: %s", where, what);
}

static int manifest_from_json(const char *where, json_t *j, argo_manifest *m, argo_err *err)
{
    memset(m, 0, sizeof *m);
    if (!json_is_object(j))
        return bad_manifest(err, where, "not a JSON object");
    const char *fmt = jstr(j, "format", 32);
    if (!fmt || strcmp(fmt, "argo-backup"))
        return bad_manifest(err, where, "\"format\" is not \"argo-backup\"");
    const char *date = jstr(j, "date", 10);
    int64_t day;
    if (!date || strlen(date) != 10 || argo_time_parse(date, &day) ||
        day != argo_time_day_start(day))
        return bad_manifest(err, where, "\"date\" is not a YYYY-MM-DD date");
    snprintf(m->date, sizeof m->date, "%s", date);
    m->day = day;
    int64_t v;
    if (!jint(j, "version", 1, ARGO_BACKUP_VERSIONS_MAX, &v))
        return bad_manifest(err, where, "\"version\" is not an integer from 1 to the limit");
    m->version = (int)v;
    if (!jint(j, "schema_version", ARGO_BACKUP_SCHEMA_VERSION, ARGO_BACKUP_SCHEMA_VERSION, &v))
        return bad_manifest(err, where, "\"schema_version\" is not 1");
    m->schema_version = (int)v;
    const char *codec = jstr(j, "codec", 16);
    int ck = codec ? argo_pq_codec_parse(codec) : -1;
    if (ck < 0)
        return bad_manifest(err, where, "\"codec\" is not snappy, zstd or none");
    m->codec = (argo_pq_codec)ck;
    const char *av = jstr(j, "argo_version", 64), *ca = jstr(j, "created_at", 32);
    int64_t cats;
    if (!av || !*av)
        return bad_manifest(err, where, "\"argo_version\" is not a short string");
    if (!ca || argo_time_parse(ca, &cats))
        return bad_manifest(err, where, "\"created_at\" is not an ISO-8601 time");
    json_t *rows = json_object_get(j, "rows");
    if (!json_is_object(rows) || json_object_size(rows) != KINDS ||
        !jint(rows, "signals", 0, ARGO_BACKUP_ROWS_MAX, &m->rows[KIND_SIGNALS]) ||
        !jint(rows, "outcomes", 0, ARGO_BACKUP_ROWS_MAX, &m->rows[KIND_OUTCOMES]))
        return bad_manifest(err, where, "\"rows\" is not {\"signals\": N, \"outcomes\": N}");
    json_t *files = json_object_get(j, "files");
    if (!json_is_array(files) || json_array_size(files) < KINDS ||
        json_array_size(files) > ARGO_MANIFEST_FILES)
        return bad_manifest(err, where, "\"files\" is not an array of 2 to 4 entries");
    bool seen[KINDS][3] = {{0}};
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *e = json_array_get(files, i);
        argo_manifest_file *f = &m->files[m->nfiles];
        char what[96];
        snprintf(what, sizeof what, "file entry %zu ", i + 1);
        size_t wl = strlen(what);
#define BAD(text)                                                                                  \
    (snprintf(what + wl, sizeof what - wl, "%s", text), bad_manifest(err, where, what))
        if (!json_is_object(e))
            return BAD("is not an object");
        const char *kind = jstr(e, "kind", 16), *ff = jstr(e, "format", 16);
        f->kind = kind && !strcmp(kind, "signals")    ? KIND_SIGNALS
                  : kind && !strcmp(kind, "outcomes") ? KIND_OUTCOMES
                                                      : -1;
        f->format = ff && !strcmp(ff, "parquet") ? ARGO_BACKUP_PARQUET
                    : ff && !strcmp(ff, "csv")   ? ARGO_BACKUP_CSV
                                                 : -1;
        if (f->kind < 0)
            return BAD("has no kind signals or outcomes");
        if (f->format < 0)
            return BAD("has no format parquet or csv");
        if (seen[f->kind][f->format])
            return BAD("repeats a kind and format");
        seen[f->kind][f->format] = true;
        const char *name = jstr(e, "name", sizeof f->name - 1);
        snprintf(f->name, sizeof f->name, "%s-v%d.%s", kind_name[f->kind], m->version,
                 format_name[f->format]);
        if (!name || strcmp(name, f->name))
            return BAD("has a name that is not KIND-vVERSION.FORMAT of its entry");
        if (!jint(e, "rows", 0, ARGO_BACKUP_ROWS_MAX, &f->rows) || f->rows != m->rows[f->kind])
            return BAD("has rows that are not the manifest's rows of its kind");
        if (!jint(e, "bytes", 0, ARGO_BACKUP_FILE_MAX, &f->bytes))
            return BAD("has bytes that are not an integer within the limit");
        const char *sha = jstr(e, "sha256", 64);
        if (!is_hex64(sha))
            return BAD("has a sha256 that is not 64 lowercase hex digits");
        snprintf(f->sha256, sizeof f->sha256, "%s", sha);
        json_t *jl = json_object_get(e, "location"), *jt = json_object_get(e, "tier");
        if (jl || jt) {
            const char *loc = jstr(e, "location", sizeof f->location - 1);
            const char *tier = jstr(e, "tier", sizeof f->tier - 1);
            if (!loc || !location_ok(loc))
                return BAD("has a location that is not an absolute folder without . or ..");
            if (!tier || !tier_class_ok(tier))
                return BAD("has a tier that is not a storage class");
            snprintf(f->location, sizeof f->location, "%s", loc);
            snprintf(f->tier, sizeof f->tier, "%s", tier);
        }
#undef BAD
        m->nfiles++;
    }
    for (int k = 0; k < KINDS; k++)
        if (!seen[k][ARGO_BACKUP_PARQUET] && !seen[k][ARGO_BACKUP_CSV])
            return argo_err_set(err, ARGO_ECORRUPT, "%s: not a valid manifest: no %s file", where,
                                kind_name[k]);
    for (int fmt2 = 1; fmt2 <= 2; fmt2++)
        if (seen[KIND_SIGNALS][fmt2] != seen[KIND_OUTCOMES][fmt2])
            return argo_err_set(err, ARGO_ECORRUPT,
                                "%s: not a valid manifest: a %s file for only one of signals and "
                                "outcomes",
                                where, format_name[fmt2]);
    return ARGO_OK;
}

/* Parses bytes into JSON (no duplicate keys) and checks them; *j is the
 * JSON on success (for a rewrite), else NULL. */
static int manifest_parse_json(const char *where, const uint8_t *data, size_t len, json_t **j,
                               argo_manifest *m, argo_err *err)
{
    *j = NULL;
    if (len > (size_t)ARGO_MANIFEST_MAX)
        return argo_err_set(err, ARGO_ELIMIT, "%s: a manifest is at most %d bytes", where,
                            ARGO_MANIFEST_MAX);
    json_error_t je;
    json_t *x = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
    if (!x)
        return argo_err_set(err, ARGO_ECORRUPT, "%s: not a valid manifest: line %d: %s", where,
                            je.line, je.text);
    int rc = manifest_from_json(where, x, m, err);
    if (rc)
        json_decref(x);
    else
        *j = x;
    return rc;
}

int argo_manifest_parse(const char *where, const uint8_t *data, size_t len, argo_manifest *m,
                        argo_err *err)
{
    assert(where && (data || len == 0) && m);
    json_t *j;
    int rc = manifest_parse_json(where, data, len, &j, m, err);
    json_decref(j);
    return rc;
}

int argo_manifest_json_load(const char *path, json_t **j, argo_manifest *m, argo_err *err)
{
    uint8_t *data;
    size_t len;
    *j = NULL;
    int rc = argo_file_read(path, (size_t)ARGO_MANIFEST_MAX, &data, &len, err);
    if (rc == ARGO_ELIMIT)
        return argo_err_set(err, ARGO_ELIMIT, "%s: a manifest is at most %d bytes", path,
                            ARGO_MANIFEST_MAX);
    if (rc)
        return rc;
    rc = manifest_parse_json(path, data, len, j, m, err);
    free(data);
    return rc;
}

int argo_manifest_load(const char *path, argo_manifest *m, argo_err *err)
{
    assert(path && m);
    json_t *j;
    int rc = argo_manifest_json_load(path, &j, m, err);
    json_decref(j);
    return rc;
}

/* True when the manifest lists exactly these contents (by kind, format
 * and SHA-256), whatever the version in the file names. */
static bool same_content(const argo_manifest *m, const out_file *files, size_t nf)
{
    if (m->nfiles != nf)
        return false;
    for (size_t i = 0; i < nf; i++) {
        bool found = false;
        for (size_t k = 0; k < nf && !found; k++) {
            const argo_manifest_file *f = &m->files[k];
            found = f->kind == files[i].kind && f->format == files[i].format &&
                    !strcmp(f->sha256, files[i].sha);
        }
        if (!found)
            return false;
    }
    return true;
}

/* ---- the folders argo writes to ---- */

int argo_backup_dir_check(const char *what, const char *path, bool write, argo_err *err)
{
    if (!path || !*path)
        return argo_err_set(err, ARGO_ECONFIG, "%s is empty: give a folder for the backups", what);
    if (strlen(path) >= ARGO_PATH_MAX - 64)
        return argo_err_set(err, ARGO_ECONFIG, "%s: path too long", what);
    /* "/", "//", "/.", "/..", "/./..": every component empty, . or .. */
    bool only_root = path[0] == '/';
    for (const char *p = path; *p && only_root;) {
        size_t n = strcspn(p, "/");
        only_root = n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
        p += n + (p[n] == '/');
    }
    char real[PATH_MAX];
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return argo_err_set(err, ARGO_ECONFIG, "%s '%s' is not a folder", what, path);
        if (only_root || (realpath(path, real) && !strcmp(real, "/")))
            return argo_err_set(err, ARGO_ECONFIG,
                                "%s '%s' is the filesystem root: give a folder for the backups",
                                what, path);
        if (write && access(path, W_OK | X_OK) != 0)
            return argo_err_set(err, ARGO_ECONFIG, "%s '%s' is not writable: %s", what, path,
                                strerror(errno));
        return ARGO_OK;
    }
    if (errno != ENOENT)
        return argo_err_set(err, ARGO_ECONFIG, "%s '%s': %s", what, path, strerror(errno));
    if (!write)
        return ARGO_OK; /* the reader says "no backups" */
    /* the nearest existing parent must be a writable folder */
    char parent[ARGO_PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    for (;;) {
        char *slash = strrchr(parent, '/');
        while (slash && slash > parent && slash[1] == '\0') { /* trailing slashes */
            *slash = '\0';
            slash = strrchr(parent, '/');
        }
        if (!slash)
            snprintf(parent, sizeof parent, ".");
        else if (slash == parent)
            parent[1] = '\0';
        else
            *slash = '\0';
        if (stat(parent, &sb) == 0)
            break;
        if (errno != ENOENT || !strcmp(parent, ".") || !strcmp(parent, "/"))
            return argo_err_set(err, ARGO_ECONFIG, "%s '%s': cannot create under '%s': %s", what,
                                path, parent, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return argo_err_set(err, ARGO_ECONFIG, "%s '%s': cannot create: '%s' is not a folder", what,
                            path, parent);
    if (access(parent, W_OK | X_OK) != 0)
        return argo_err_set(err, ARGO_ECONFIG, "%s '%s': cannot create in '%s': %s", what, path,
                            parent, strerror(errno));
    return ARGO_OK;
}

/* After a failure: removes the files this run wrote under dir (new
 * version numbers, so nothing older) and the day's folders it made, so
 * a failed backup leaves the folder as it was. */
static void undo_day(const char *dir, const out_file *files, size_t nw, int old_version,
                     int levels_made)
{
    char path[ARGO_PATH_MAX + 80];
    for (size_t i = 0; i < nw; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        unlink(path);
    }
    if (old_version > 0) {
        snprintf(path, sizeof path, "%s/manifest-v%d.json", dir, old_version);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s", dir);
    for (int k = 0; k < levels_made; k++) { /* DD, then MM, YYYY, the root */
        if (rmdir(path) != 0)
            break;
        char *slash = strrchr(path, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
}

/* How many of dir's last `levels` path components do not exist yet. */
static int levels_missing(const char *dir, int levels)
{
    char path[ARGO_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    struct stat sb;
    int k = 0;
    for (; k < levels && stat(path, &sb) != 0; k++) {
        char *slash = strrchr(path, '/');
        if (!slash)
            return k + 1;
        *slash = '\0';
    }
    return k;
}

int argo_backup_day(argo_store *st, int64_t day_ts, const argo_backup_options *opt_in,
                    argo_backup_result *res, argo_err *err)
{
    assert(st);
    argo_backup_options opt = *opt_in;
    if (!opt.root)
        opt.root = "backups";
    if (!opt.formats)
        opt.formats = ARGO_BACKUP_PARQUET | ARGO_BACKUP_CSV;
    *res = (argo_backup_result){0};
    int rc = argo_backup_dir_check("the backup folder", opt.root, true, err);
    if (rc)
        return rc;
    int64_t day = argo_time_day_start(day_ts);
    table t[KINDS] = {0};
    out_file files[4] = {0};
    size_t nf = 0;
    argo_manifest *old = malloc(sizeof *old);
    json_t *man = NULL;
    bool have_old = false;
    char dir[ARGO_PATH_MAX], path[ARGO_PATH_MAX + 80];
    if (!old)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    for (int k = 0; k < KINDS && !rc; k++)
        rc = table_load(st, k, day, &t[k], err);
    for (int k = 0; k < KINDS && !rc; k++)
        rc = render(&t[k], k, day, &opt, files, &nf, err);
    if (rc)
        goto out;
    res->signals = t[KIND_SIGNALS].n;
    res->outcomes = t[KIND_OUTCOMES].n;
    for (size_t i = 0; i < nf; i++)
        argo_sha256_hex(files[i].data, files[i].len, files[i].sha);
    day_dir(opt.root, day, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    rc = argo_manifest_load(path, old, err);
    if (rc && rc != ARGO_ENOENT)
        goto out;
    have_old = rc == 0;
    /* what an interrupted backup of this day left goes first, so that a
     * failure below leaves the folder as it was */
    if ((rc = argo_backup_orphans(opt.root, NULL, 0, day, true, NULL, NULL, NULL, err)))
        goto out;
    if (have_old && old->version >= ARGO_BACKUP_VERSIONS_MAX) {
        rc = argo_err_set(err, ARGO_ELIMIT, "%s: already %d versions, the limit", path,
                          old->version);
        goto out;
    }
    int version = have_old ? old->version + 1 : 1;
    if (have_old && same_content(old, files, nf)) {
        res->version = version - 1;
        res->unchanged = true;
        goto out;
    }
    int made = levels_missing(dir, 4); /* root/YYYY/MM/DD */
    size_t nw = 0;
    if ((rc = argo_mkdirs(dir, err)))
        goto undo;
    for (; nw < nf && !rc; nw++) {
        snprintf(files[nw].name, sizeof files[nw].name, "%s-v%d.%s", kind_name[files[nw].kind],
                 version, format_name[files[nw].format]);
        snprintf(path, sizeof path, "%s/%s", dir, files[nw].name);
        rc = argo_file_write_atomic(path, files[nw].data, files[nw].len, err);
    }
    if (rc)
        goto undo;
    if (have_old) { /* keep the previous version's manifest, as it is */
        char cur[ARGO_PATH_MAX + 80];
        uint8_t *text;
        size_t len;
        snprintf(cur, sizeof cur, "%s/manifest.json", dir);
        snprintf(path, sizeof path, "%s/manifest-v%d.json", dir, version - 1);
        rc = argo_file_read(cur, (size_t)ARGO_MANIFEST_MAX, &text, &len, err);
        if (!rc)
            rc = argo_file_write_atomic(path, text, len, err);
        free(text);
        if (rc)
            goto undo;
    }
    unsigned long jf = argo_json_failures();
    man = manifest_json(day, version, &opt, files, nf);
    char *text = json_dumps(man, JSON_INDENT(2));
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    if (!text || argo_json_failures() != jf) {
        free(text);
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory writing a manifest");
        goto undo;
    }
    /* the manifest last: once renamed into place the backup exists, so an
     * error after this point (syncing the folder) undoes nothing */
    rc = argo_file_write_atomic(path, text, strlen(text), err);
    free(text);
    if (rc)
        goto out;
    res->version = version;
    goto out;
undo:
    if (rc)
        undo_day(dir, files, nw, have_old ? version - 1 : 0, made);
out:
    free(old);
    json_decref(man);
    for (size_t i = 0; i < nf; i++)
        free(files[i].data);
    for (int k = 0; k < KINDS; k++)
        table_free(&t[k]);
    return rc;
}

typedef struct days_ctx {
    int64_t *v;
    size_t n, cap;
} days_ctx;

static int add_day(days_ctx *d, int64_t day)
{
    int64_t *v = argo_grow(d->v, &d->cap, d->n + 1, sizeof *v, 256);
    if (!v)
        return ARGO_ENOMEM;
    d->v = v;
    d->v[d->n++] = day;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void uniq(days_ctx *d)
{
    if (!d->n)
        return;
    qsort(d->v, d->n, sizeof *d->v, cmp_i64);
    size_t k = 1;
    for (size_t i = 1; i < d->n; i++)
        if (d->v[i] != d->v[k - 1])
            d->v[k++] = d->v[i];
    d->n = k;
}

int argo_backup_days(argo_store *st, int64_t **days, size_t *n, argo_err *err)
{
    assert(st && days && n);
    return argo_store_signal_days(st, INT64_MIN, days, n, err);
}

/* ---- verification ---- */

/* Counts CSV records (RFC 4180, via libcsv) after the header. */
typedef struct csv_count {
    size_t records;
} csv_count;

static void count_row(int c, void *u)
{
    (void)c;
    ((csv_count *)u)->records++;
}

static int csv_rows(const uint8_t *p, size_t n, size_t *rows)
{
    struct csv_parser cp;
    csv_count cc = {0};
    if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return ARGO_ENOMEM;
    int rc =
        csv_parse(&cp, p, n, NULL, count_row, &cc) != n || csv_fini(&cp, NULL, count_row, &cc) != 0
            ? ARGO_EPARSE
            : 0;
    csv_free(&cp);
    *rows = cc.records ? cc.records - 1 : 0;
    return rc;
}

/* The first line where two texts differ (1-based). */
static size_t first_diff_line(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    size_t line = 1;
    for (size_t i = 0; i < la && i < lb; i++) {
        if (a[i] != b[i])
            return line;
        line += a[i] == '\n';
    }
    return line;
}

/* Compares a decoded Parquet file with a table; names the first difference. */
static int compare_parquet(const char *name, argo_pq_file *f, const table *t, argo_err *err)
{
    if (argo_pq_num_columns(f) != t->ncols)
        return argo_err_set(err, ARGO_ECORRUPT, "%s: %zu columns, the schema has %zu", name,
                            argo_pq_num_columns(f), t->ncols);
    for (size_t c = 0; c < t->ncols; c++) {
        const argo_pq_column_def *d = argo_pq_column(f, c);
        if (strcmp(d->name, t->defs[c].name) || d->type != t->defs[c].type)
            return argo_err_set(err, ARGO_ECORRUPT, "%s: column %zu is %s %s, expected %s %s", name,
                                c, d->name, argo_pq_type_name(d->type), t->defs[c].name,
                                argo_pq_type_name(t->defs[c].type));
    }
    size_t row = 0;
    for (size_t g = 0; g < argo_pq_num_row_groups(f); g++) {
        size_t rows = (size_t)argo_pq_row_group_rows(f, g);
        for (size_t c = 0; c < t->ncols; c++) {
            argo_pq_values v;
            int rc = argo_pq_read(f, g, c, &v, err);
            if (rc)
                return argo_err_prefix(err, "%s: ", name);
            const argo_pq_column_data *e = &t->data[c];
            if (v.n > t->n || row > t->n - v.n) {
                argo_pq_values_cleanup(&v);
                return argo_err_set(err, ARGO_ECORRUPT,
                                    "%s: row group %zu holds more rows than the file says", name,
                                    g + 1);
            }
            for (size_t i = 0; i < v.n; i++) {
                size_t r = row + i;
                bool ev = !e->valid || e->valid[r];
                bool same = v.valid[i] == ev;
                if (same && ev) {
                    switch (v.type) {
                    case ARGO_PQ_BOOLEAN:
                        same = (v.b[i] != 0) == (e->b[r] != 0);
                        break;
                    case ARGO_PQ_INT32:
                        same = v.i32[i] == e->i32[r];
                        break;
                    case ARGO_PQ_DOUBLE:
                        same = memcmp(&v.f64[i], &e->f64[r], 8) == 0;
                        break;
                    case ARGO_PQ_STRING:
                    case ARGO_PQ_BYTES:
                        same = !strcmp(v.str[i], e->str[r]);
                        break;
                    default:
                        same = v.i64[i] == e->i64[r];
                    }
                }
                if (!same) {
                    argo_pq_values_cleanup(&v);
                    return argo_err_set(err, ARGO_ECORRUPT,
                                        "%s: row %zu, column %s differs from the store", name,
                                        r + 1, t->defs[c].name);
                }
            }
            argo_pq_values_cleanup(&v);
        }
        row += rows;
    }
    return ARGO_OK;
}

void argo_backup_file_path(const char *root, int64_t day, const char *location, const char *name,
                           char *out, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(out, n, "%s/%04d/%02d/%02d/%s", location && *location ? location : root, y, m, d,
             name);
}

/* Appends a manifest's entries (data files, then the manifest itself). */
static int files_of(const char *root, int64_t day, const char *mname, argo_backup_file **v,
                    size_t *n, size_t *cap, argo_err *err)
{
    char mpath[ARGO_PATH_MAX + 96];
    argo_backup_file_path(root, day, NULL, mname, mpath, sizeof mpath);
    argo_manifest *m = malloc(sizeof *m);
    if (!m)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    int rc = argo_manifest_load(mpath, m, err);
    if (!rc && m->day != argo_time_day_start(day))
        rc = argo_err_set(err, ARGO_ECORRUPT, "%s: the manifest is for %s", mpath, m->date);
    for (size_t i = 0; !rc && i <= m->nfiles; i++) {
        if (*n == *cap) {
            argo_backup_file *g = argo_grow(*v, cap, *n + 1, sizeof **v, 16);
            if (!g) {
                rc = argo_err_set(err, ARGO_ENOMEM, "out of memory listing backup files");
                break;
            }
            *v = g;
        }
        argo_backup_file *f = &(*v)[*n];
        memset(f, 0, sizeof *f);
        f->version = m->version;
        if (i == m->nfiles) { /* the manifest itself */
            uint8_t *data;
            size_t len;
            if ((rc = argo_file_read(mpath, (size_t)ARGO_MANIFEST_MAX, &data, &len, err)))
                break;
            argo_sha256_hex(data, len, f->sha256);
            free(data);
            f->bytes = (int64_t)len;
            f->manifest = true;
            snprintf(f->name, sizeof f->name, "%s", mname);
            snprintf(f->path, sizeof f->path, "%s", mpath);
            (*n)++;
            break;
        }
        const argo_manifest_file *e = &m->files[i];
        snprintf(f->name, sizeof f->name, "%s", e->name);
        snprintf(f->sha256, sizeof f->sha256, "%s", e->sha256);
        snprintf(f->location, sizeof f->location, "%s", e->location);
        snprintf(f->tier, sizeof f->tier, "%s", e->tier);
        f->bytes = e->bytes;
        argo_backup_file_path(root, day, e->location, e->name, f->path, sizeof f->path);
        (*n)++;
    }
    free(m);
    return rc;
}

int argo_backup_files(const char *root, int64_t day_ts, argo_backup_file **files, size_t *n,
                      argo_err *err)
{
    int64_t day = argo_time_day_start(day_ts);
    size_t cap = 0;
    *files = NULL;
    *n = 0;
    char date[32];
    argo_time_format(day, date, sizeof date);
    /* the current version first, to learn how many there are */
    int rc = files_of(root, day, "manifest.json", files, n, &cap, err);
    if (rc == ARGO_ENOENT)
        rc = argo_err_set(err, ARGO_ENOENT, "no backup of %s under %s", date, root);
    int current = rc ? 0 : (*files)[*n - 1].version;
    size_t ncur = *n;
    for (int k = 1; !rc && k < current; k++) {
        char mname[32];
        snprintf(mname, sizeof mname, "manifest-v%d.json", k);
        size_t before = *n;
        rc = files_of(root, day, mname, files, n, &cap, err);
        if (!rc && (*files)[*n - 1].version != k)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: says version %d", (*files)[*n - 1].path,
                              (*files)[*n - 1].version);
        (void)before;
    }
    if (rc) {
        free(*files);
        *files = NULL;
        *n = 0;
        return rc;
    }
    /* older versions first, the current manifest.json last */
    argo_backup_file *v = malloc((*n ? *n : 1) * sizeof *v);
    if (!v) {
        free(*files);
        *files = NULL;
        *n = 0;
        return argo_err_set(err, ARGO_ENOMEM, "out of memory listing backup files");
    }
    memcpy(v, *files + ncur, (*n - ncur) * sizeof *v);
    memcpy(v + (*n - ncur), *files, ncur * sizeof *v);
    free(*files);
    *files = v;
    return ARGO_OK;
}

/* A decoded Parquet file's schema against the expected one (not the
 * writer's tables) and its argo key/values against the manifest. */
static int check_parquet_schema(const char *fpath, argo_pq_file *pf, int kind, const char *date,
                                argo_err *err)
{
    const expect_col *ex = kind == KIND_SIGNALS ? expect_signals : expect_outcomes;
    size_t nex = kind == KIND_SIGNALS ? sizeof expect_signals / sizeof expect_signals[0]
                                      : sizeof expect_outcomes / sizeof expect_outcomes[0];
    if (argo_pq_num_columns(pf) != nex)
        return argo_err_set(err, ARGO_ECORRUPT, "%s: %zu columns, the %s schema has %zu", fpath,
                            argo_pq_num_columns(pf), kind_name[kind], nex);
    for (size_t c = 0; c < nex; c++) {
        const argo_pq_column_def *d = argo_pq_column(pf, c);
        const argo_pq_column_def *e = &ex[c].def;
        if (strcmp(d->name, e->name) || d->type != e->type || d->optional != e->optional)
            return argo_err_set(err, ARGO_ECORRUPT, "%s: column %zu is %s %s%s, expected %s %s%s",
                                fpath, c + 1, d->name, argo_pq_type_name(d->type),
                                d->optional ? " optional" : "", e->name, argo_pq_type_name(e->type),
                                e->optional ? " optional" : "");
    }
    const char *bd = argo_pq_kv_get(pf, "argo.backup_date");
    const char *kd = argo_pq_kv_get(pf, "argo.kind");
    const char *sv = argo_pq_kv_get(pf, "argo.schema_version");
    if (!bd || strcmp(bd, date))
        return argo_err_set(err, ARGO_ECORRUPT, "%s: backup date %s, not %s", fpath,
                            bd ? bd : "absent", date);
    if (!kd || strcmp(kd, kind_name[kind]))
        return argo_err_set(err, ARGO_ECORRUPT, "%s: kind %s, the manifest says %s", fpath,
                            kd ? kd : "absent", kind_name[kind]);
    if (!sv || strcmp(sv, "1"))
        return argo_err_set(err, ARGO_ECORRUPT, "%s: schema version %s, expected 1", fpath,
                            sv ? sv : "absent");
    return ARGO_OK;
}

static int check_csv_header(const char *fpath, const uint8_t *data, size_t len, int kind,
                            argo_err *err)
{
    const char *h = kind == KIND_SIGNALS ? expect_signals_csv : expect_outcomes_csv;
    size_t hl = strlen(h);
    if (len < hl || memcmp(data, h, hl))
        return argo_err_set(err, ARGO_ECORRUPT, "%s: the header is not the %s schema's", fpath,
                            kind_name[kind]);
    return ARGO_OK;
}

/* Verifies the files one manifest names against it; with t (the
 * current version), also against the store: both kinds' row counts and
 * content, whatever the manifest claims. */
static int verify_manifest(const char *mpath, const char *dir, const char *date, table *t,
                           argo_store *st, int64_t day, size_t *checked, int *version,
                           argo_err *err)
{
    argo_manifest *m = malloc(sizeof *m);
    if (!m)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    int rc = argo_manifest_load(mpath, m, err);
    if (!rc && strcmp(m->date, date))
        rc = argo_err_set(err, ARGO_ECORRUPT, "%s: manifest is for %s, not %s", mpath, m->date,
                          date);
    /* the store says what the day holds: both kinds, whatever the manifest lists */
    for (int k = 0; t && !rc && k < KINDS; k++) {
        if (!t[k].defs)
            rc = table_expect(st, k, day, &t[k], err);
        if (!rc && (int64_t)t[k].n != m->rows[k])
            rc = argo_err_set(err, ARGO_ECORRUPT,
                              "%s: says %lld %s, the store has %zu for %s: the backup is not "
                              "whole (run argo backup --date %s)",
                              mpath, (long long)m->rows[k], kind_name[k], t[k].n, date, date);
    }
    for (size_t i = 0; i < m->nfiles && !rc; i++) {
        const argo_manifest_file *f = &m->files[i];
        char fpath[ARGO_PATH_MAX + 160];
        if (f->location[0])
            argo_backup_file_path(NULL, day, f->location, f->name, fpath, sizeof fpath);
        else
            snprintf(fpath, sizeof fpath, "%s/%s", dir, f->name);
        uint8_t *data;
        size_t len;
        argo_err why;
        if (argo_file_read(fpath, (size_t)ARGO_BACKUP_FILE_MAX, &data, &len, &why)) {
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s", why.msg);
            break;
        }
        char got[65];
        argo_sha256_hex(data, len, got);
        int k = f->kind;
        size_t nrows = 0;
        if ((int64_t)len != f->bytes)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %zu bytes, the manifest says %lld", fpath,
                              len, (long long)f->bytes);
        else if (strcmp(got, f->sha256))
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: SHA-256 %s does not match the manifest's %s",
                              fpath, got, f->sha256);
        if (!rc && f->format == ARGO_BACKUP_PARQUET) {
            argo_pq_file *pf;
            if (argo_pq_open_buffer(data, len, &pf, &why))
                rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %s", fpath, why.msg);
            else {
                int64_t nr = argo_pq_num_rows(pf);
                nrows = nr < 0 ? 0 : (size_t)nr;
                rc = check_parquet_schema(fpath, pf, k, date, err);
                if (!rc && nr != f->rows)
                    rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %lld rows, the manifest says %lld",
                                      fpath, (long long)nr, (long long)f->rows);
                if (!rc && t)
                    rc = compare_parquet(fpath, pf, &t[k], err);
                argo_pq_close(pf);
            }
        } else if (!rc) {
            if (csv_rows(data, len, &nrows))
                rc = argo_err_set(err, ARGO_ECORRUPT, "%s: malformed CSV", fpath);
            else
                rc = check_csv_header(fpath, data, len, k, err);
            if (!rc && (int64_t)nrows != f->rows)
                rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %zu rows, the manifest says %lld", fpath,
                                  nrows, (long long)f->rows);
            if (!rc && t) {
                argo_tc_out o = {0};
                table_csv(&t[k], &o);
                if (o.bad)
                    rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
                else if (o.len != len || memcmp(o.p, data, len))
                    rc = argo_err_set(err, ARGO_ECORRUPT, "%s: line %zu differs from the store",
                                      fpath, first_diff_line(data, len, o.p, o.len));
                free(o.p);
            }
        }
        free(data);
        (*checked)++;
    }
    *version = rc ? 0 : m->version;
    free(m);
    return rc;
}

static void first_orphan(void *ctx, const char *path, const char *why)
{
    char *out = ctx;
    if (!out[0])
        snprintf(out, ARGO_PATH_MAX + 160, "%s: %s", path, why);
}

int argo_backup_verify(argo_store *st, const char *root, int64_t day_ts, size_t *nfiles,
                       argo_err *err)
{
    assert(st && root);
    int64_t day = argo_time_day_start(day_ts);
    char dir[ARGO_PATH_MAX], path[ARGO_PATH_MAX + 80], date[32];
    argo_time_format(day, date, sizeof date);
    root = root ? root : "backups";
    day_dir(root, day, dir, sizeof dir);
    table t[KINDS] = {0};
    size_t checked = 0;
    int current = 0, v;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = verify_manifest(path, dir, date, t, st, day, &checked, &current, err);
    if (rc == ARGO_ENOENT) {
        struct stat sb;
        if (stat(dir, &sb) == 0)
            rc = argo_err_set(err, ARGO_ECORRUPT,
                              "%s: no manifest.json: an interrupted backup (run argo backup "
                              "--date %s)",
                              dir, date);
        else
            rc = argo_err_set(err, ARGO_ENOENT, "no backup of %s (%s is missing)", date, path);
    }
    /* every earlier version keeps its manifest and files */
    for (int k = 1; !rc && k < current; k++) {
        snprintf(path, sizeof path, "%s/manifest-v%d.json", dir, k);
        rc = verify_manifest(path, dir, date, NULL, st, day, &checked, &v, err);
        if (rc == ARGO_ENOENT)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: missing (version %d of %d)", path, k,
                              current);
        else if (!rc && v != k)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: says version %d", path, v);
    }
    for (int k = 0; k < KINDS; k++)
        table_free(&t[k]);
    if (!rc) { /* nothing in the day's folder that no manifest lists */
        char first[ARGO_PATH_MAX + 160] = "";
        size_t norph;
        rc = argo_backup_orphans(root, NULL, 0, day, false, first_orphan, first, &norph, err);
        if (!rc && norph)
            rc = argo_err_set(err, ARGO_ECORRUPT,
                              "%s (%zu file%s no manifest lists; the next argo backup removes "
                              "argo's own)",
                              first, norph, norph == 1 ? "" : "s");
    }
    if (nfiles)
        *nfiles = checked;
    return rc;
}

/* ---- the day folders on disk ---- */

/* Every YYYY/MM/DD folder under root (with or without a manifest when
 * any), in order. A missing root is ARGO_ENOENT. */
static int day_folders(const char *root, bool any, days_ctx *d, argo_err *err)
{
    char p1[ARGO_PATH_MAX], p2[ARGO_PATH_MAX + 8], p3[ARGO_PATH_MAX + 16];
    DIR *dy = opendir(root);
    if (!dy)
        return argo_err_set(err, ARGO_ENOENT, "%s: no backups folder", root);
    struct dirent *ey, *em, *ed;
    int rc = 0;
    while (!rc && (ey = readdir(dy))) {
        int y, m, dd;
        if (strlen(ey->d_name) != 4 || strspn(ey->d_name, "0123456789") != 4)
            continue;
        y = (int)strtol(ey->d_name, NULL, 10);
        snprintf(p1, sizeof p1, "%s/%s", root, ey->d_name);
        DIR *dm = opendir(p1);
        while (dm && !rc && (em = readdir(dm))) {
            if (strlen(em->d_name) != 2 || strspn(em->d_name, "0123456789") != 2)
                continue;
            m = (int)strtol(em->d_name, NULL, 10);
            snprintf(p2, sizeof p2, "%s/%s", p1, em->d_name);
            DIR *dd2 = opendir(p2);
            while (dd2 && !rc && (ed = readdir(dd2))) {
                if (strlen(ed->d_name) != 2 || strspn(ed->d_name, "0123456789") != 2)
                    continue;
                dd = (int)strtol(ed->d_name, NULL, 10);
                if (m < 1 || m > 12 || dd < 1 || dd > 31)
                    continue;
                int64_t day = argo_days_from_civil(y, (unsigned)m, (unsigned)dd);
                int yy, mm, d3;
                argo_time_civil(day * ARGO_DAY_SECONDS, &yy, &mm, &d3);
                if (yy != y || mm != m || d3 != dd) /* 2001/02/31 is no day */
                    continue;
                snprintf(p3, sizeof p3, "%s/%s/manifest.json", p2, ed->d_name);
                struct stat sb;
                snprintf(p3 + strlen(p3) - strlen("manifest.json"), 16, "%s",
                         any ? "" : "manifest.json");
                if (stat(p3, &sb) != 0)
                    continue;
                if (add_day(d, day * ARGO_DAY_SECONDS))
                    rc = argo_err_set(err, ARGO_ENOMEM, "out of memory listing backups");
            }
            if (dd2)
                closedir(dd2);
        }
        if (dm)
            closedir(dm);
    }
    closedir(dy);
    return rc;
}

int argo_backup_list(const char *root, int64_t **days, size_t *n, argo_err *err)
{
    assert(root && days && n);
    days_ctx d = {0};
    *days = NULL;
    *n = 0;
    int rc = day_folders(root, false, &d, err);
    if (rc) {
        free(d.v);
        return rc;
    }
    uniq(&d);
    *days = d.v;
    *n = d.n;
    return ARGO_OK;
}

/* ---- orphans ---- */

/* Parses "KIND-vN.FORMAT" or "manifest-vN.json"; *version 0 when name
 * is neither. */
static int argo_name_version(const char *name, bool *manifest)
{
    static const char *const pre[] = {"signals-v", "outcomes-v", "manifest-v"};
    for (size_t i = 0; i < 3; i++) {
        size_t pl = strlen(pre[i]);
        if (strncmp(name, pre[i], pl))
            continue;
        const char *p = name + pl;
        size_t dl = strspn(p, "0123456789");
        if (!dl || dl > 6 || p[0] == '0')
            return 0;
        const char *ext = p + dl;
        bool ok = i == 2 ? !strcmp(ext, ".json") : !strcmp(ext, ".parquet") || !strcmp(ext, ".csv");
        if (!ok)
            return 0;
        *manifest = i == 2;
        return (int)strtol(p, NULL, 10);
    }
    return 0;
}

/* argo's temporary name: NAME.tmp.PID with NAME argo's (a data file or
 * a manifest); *pid gets PID. */
static bool argo_tmp_name(const char *name, long *pid)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || strspn(t + 5, "0123456789") != strlen(t + 5) || !t[5] || strlen(t + 5) > 9)
        return false;
    char base[96];
    size_t bl = (size_t)(t - name);
    if (bl >= sizeof base)
        return false;
    memcpy(base, name, bl);
    base[bl] = '\0';
    bool man;
    if (strcmp(base, "manifest.json") && !argo_name_version(base, &man))
        return false;
    *pid = strtol(t + 5, NULL, 10);
    return true;
}

typedef struct listed {
    char names[ARGO_MANIFEST_FILES * 64][64]; /* data files in this folder */
    size_t n;
    int current;     /* manifest.json's version; 0 when none */
    bool incomplete; /* a kept manifest is missing: nothing is deleted */
} listed;

/* Whether a process with that id is running (its temp file is in use). */
static bool alive(long pid)
{
    if (pid <= 0 || pid > 4194304)
        return false;
    return pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The orphans of one day folder (dir), given what the day's manifests list there. */
static int folder_orphans(const char *dir, const listed *ls, bool is_root, bool clean,
                          argo_orphan_fn fn, void *ctx, size_t *count, argo_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ARGO_OK;
    struct dirent *e;
    int rc = 0;
    size_t removed = 0, kept = 0;
    while (!rc && (e = readdir(d))) {
        const char *nm = e->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, ".."))
            continue;
        bool man = false, ours = false;
        long pid = 0;
        const char *why = NULL;
        int v = argo_name_version(nm, &man);
        if (is_root && !strcmp(nm, "manifest.json") && ls->current) {
            kept++;
            continue;
        }
        if (argo_tmp_name(nm, &pid)) {
            if (alive(pid)) {
                kept++;
                continue; /* being written now */
            }
            ours = true;
            why = "a temporary file of an interrupted write";
        } else if (v && man) {
            if (is_root && v < ls->current) {
                kept++;
                continue;
            }
            ours = true;
            why = is_root ? "a manifest of a version the current manifest does not follow"
                          : "a manifest outside the archive root";
        } else if (v) {
            bool found = false;
            for (size_t i = 0; i < ls->n && !found; i++)
                found = !strcmp(ls->names[i], nm);
            if (found) {
                kept++;
                continue;
            }
            ours = true;
            why = ls->current ? "a data file that no manifest lists"
                              : "a data file of a backup without a manifest";
        } else
            why = "not a backup file (no manifest lists it)";
        (*count)++;
        char path[ARGO_PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        if (fn)
            fn(ctx, path, why);
        if (clean && ours) {
            if (unlink(path) != 0 && errno != ENOENT)
                rc = argo_err_set(err, ARGO_EIO, "%s: cannot remove: %s", path, strerror(errno));
            else
                removed++;
        } else
            kept++;
    }
    closedir(d);
    if (!rc && removed)
        rc = argo_dir_sync(dir, err);
    if (!rc && clean && removed && !kept)
        rmdir(dir); /* an emptied day folder; its parents may stay */
    return rc;
}

static void listed_add(listed *ls, const argo_manifest *m, const char *location)
{
    for (size_t i = 0; i < m->nfiles; i++)
        if (!strcmp(m->files[i].location, location) &&
            ls->n < sizeof ls->names / sizeof ls->names[0])
            snprintf(ls->names[ls->n++], sizeof ls->names[0], "%s", m->files[i].name);
}

/* What the day's manifests list in folder location ("" = root). */
static int day_listed(const char *root, int64_t day, const char *location, listed *ls,
                      argo_manifest *m, argo_err *err)
{
    char path[ARGO_PATH_MAX + 96];
    memset(ls, 0, sizeof *ls);
    argo_backup_file_path(root, day, NULL, "manifest.json", path, sizeof path);
    int rc = argo_manifest_load(path, m, err);
    if (rc == ARGO_ENOENT)
        return ARGO_OK;
    if (rc)
        return rc;
    ls->current = m->version;
    listed_add(ls, m, location);
    for (int k = 1; k < ls->current; k++) {
        char name[40];
        snprintf(name, sizeof name, "manifest-v%d.json", k);
        argo_backup_file_path(root, day, NULL, name, path, sizeof path);
        rc = argo_manifest_load(path, m, err);
        if (rc == ARGO_ENOENT) { /* verify reports it; what it listed is unknown */
            ls->incomplete = true;
            continue;
        }
        if (rc)
            return rc;
        listed_add(ls, m, location);
    }
    return ARGO_OK;
}

static int day_orphans(const char *root, const char *const *dirs, size_t ndirs, int64_t day,
                       bool clean, argo_orphan_fn fn, void *ctx, size_t *count, argo_err *err)
{
    listed *ls = malloc(sizeof *ls);
    argo_manifest *m = malloc(sizeof *m);
    int rc = ls && m ? ARGO_OK : argo_err_set(err, ARGO_ENOMEM, "out of memory");
    char dir[ARGO_PATH_MAX + 96];
    if (!rc && !(rc = day_listed(root, day, "", ls, m, err))) {
        day_dir(root, day, dir, sizeof dir);
        if (ls->incomplete)
            clean = false;
        if (clean && !ls->current) {
            /* a version that never got its manifest: keep old versions safe */
            char p[ARGO_PATH_MAX + 128];
            snprintf(p, sizeof p, "%s/manifest-v1.json", dir);
            struct stat sb;
            if (stat(p, &sb) == 0)
                clean = false;
        }
        rc = folder_orphans(dir, ls, true, clean, fn, ctx, count, err);
    }
    for (size_t i = 0; i < ndirs && !rc; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        if (!(rc = day_listed(root, day, dirs[i], ls, m, err))) {
            day_dir(dirs[i], day, dir, sizeof dir);
            rc = folder_orphans(dir, ls, false, clean && !ls->incomplete, fn, ctx, count, err);
        }
    }
    free(ls);
    free(m);
    return rc;
}

int argo_backup_orphans(const char *root, const char *const *dirs, size_t ndirs, int64_t day,
                        bool clean, argo_orphan_fn fn, void *ctx, size_t *count, argo_err *err)
{
    size_t dummy = 0;
    if (!count)
        count = &dummy;
    *count = 0;
    if (day != INT64_MIN)
        return day_orphans(root, dirs, ndirs, argo_time_day_start(day), clean, fn, ctx, count, err);
    days_ctx d = {0};
    int rc = day_folders(root, true, &d, err);
    if (rc == ARGO_ENOENT)
        rc = ARGO_OK;
    for (size_t i = 0; i < ndirs && !rc; i++)
        if (dirs[i] && dirs[i][0]) {
            rc = day_folders(dirs[i], true, &d, err);
            if (rc == ARGO_ENOENT)
                rc = ARGO_OK;
        }
    uniq(&d);
    for (size_t i = 0; i < d.n && !rc; i++)
        rc = day_orphans(root, dirs, ndirs, d.v[i], clean, fn, ctx, count, err);
    free(d.v);
    return rc;
}
