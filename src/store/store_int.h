/* SPDX-License-Identifier: MIT */
/*
 * store/store_int.h - the table a backend fills. Private to store/.
 * store.c checks what every backend shares (a handle is given, no call
 * from inside a scan callback, commit and lock only inside a
 * transaction) before it forwards a call, so a backend implements only
 * its own part.
 */
#ifndef ARGO_STORE_INT_H
#define ARGO_STORE_INT_H

#include "store/store.h"

/* The signal scans, one query each (store.h gives their orders). */
typedef enum argo_signal_scan {
    ARGO_SCAN_OPEN,     /* status open [of one symbol], (ts, id) */
    ARGO_SCAN_ALL,      /* every signal [of one symbol], (ts, id) */
    ARGO_SCAN_MADE,     /* from <= ts < to, (ts, id) */
    ARGO_SCAN_RESOLVED, /* resolved, from <= exit_ts < to, (exit_ts, id) */
} argo_signal_scan;

typedef struct argo_store_ops {
    const char *name;
    bool concurrent; /* argo_store_concurrent */
    void (*close)(argo_store *st);
    int (*begin)(argo_store *st, argo_err *err);
    int (*commit)(argo_store *st, argo_err *err);
    void (*rollback)(argo_store *st);
    /* name already validated; called inside a transaction */
    int (*lock)(argo_store *st, const char *name, argo_err *err);
    int (*symbol_id)(argo_store *st, const char *name, bool create, int64_t *id, argo_err *err);
    int (*symbols)(argo_store *st, argo_symbol **list, size_t *n, argo_err *err);
    int (*bars_put)(argo_store *st, int64_t sym, const argo_bar *bars, size_t n, bool *new_flags,
                    argo_bars_put_result *res, argo_err *err);
    int (*bars_scan)(argo_store *st, int64_t sym, int64_t after, int64_t to, argo_bar_fn fn,
                     void *ctx, argo_err *err);
    int (*bars_scan_all)(argo_store *st, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err);
    int (*bars_scan_window)(argo_store *st, int64_t after, int64_t to, argo_bar_fn fn, void *ctx,
                            argo_err *err);
    int (*bars_count)(argo_store *st, int64_t to, int64_t *n, argo_err *err);
    int (*signals_insert)(argo_store *st, argo_signal *sigs, size_t n, argo_err *err);
    int (*signals_update)(argo_store *st, const argo_signal *sigs, size_t n, argo_err *err);
    /* sym for OPEN and ALL (0 = every symbol); [from, to) for MADE and RESOLVED */
    int (*signals_scan)(argo_store *st, argo_signal_scan kind, int64_t sym, int64_t from,
                        int64_t to, argo_signal_fn fn, void *ctx, argo_err *err);
    /* *days NULL and *n 0 on entry */
    int (*signal_days)(argo_store *st, int64_t from, int64_t **days, size_t *n, argo_err *err);
    int (*resolved_scan)(argo_store *st, argo_resolved_fn fn, void *ctx, argo_err *err);
    int (*signals_reset)(argo_store *st, argo_err *err);
    int (*state_get)(argo_store *st, int64_t sym, unsigned char **blob, size_t *len, argo_err *err);
    int (*state_put)(argo_store *st, int64_t sym, const void *blob, size_t len, argo_err *err);
    int (*model_insert)(argo_store *st, argo_model_row *m, argo_err *err);
    int (*model_get)(argo_store *st, int64_t version, const char *scope, int64_t symbol_id,
                     argo_model_row *out, argo_err *err);
    int (*models_scan)(argo_store *st, argo_model_fn fn, void *ctx, argo_err *err);
    int (*outcome_counts)(argo_store *st, int64_t before, argo_symbol_count **list, size_t *n,
                          int64_t *total, argo_err *err);
    int (*outcomes_scan)(argo_store *st, int64_t before, argo_outcome_fn fn, void *ctx,
                         argo_err *err);
    int (*remote_put)(argo_store *st, const argo_remote_object *o, argo_err *err);
    int (*remote_get)(argo_store *st, const char *target, const char *key, argo_remote_object *o,
                      bool *found, argo_err *err);
    int (*remotes_scan)(argo_store *st, const char *target, argo_remote_fn fn, void *ctx,
                        argo_err *err);
    /* r->key and key checked: shorter than 2048 bytes */
    int (*cache_get)(argo_store *st, const char *key, argo_http_cache_row *out, bool *found,
                     argo_err *err);
    int (*cache_put)(argo_store *st, const argo_http_cache_row *r, argo_err *err);
    /* c checked: finite values, a source within its array */
    int (*correction_add)(argo_store *st, argo_correction *c, bool *added, argo_err *err);
    int (*corrections_scan)(argo_store *st, int64_t after_id, argo_correction_fn fn, void *ctx,
                            argo_err *err);
    /* n >= 0 */
    int (*calls_add)(argo_store *st, int64_t day, int64_t n, argo_err *err);
    int (*calls_get)(argo_store *st, int64_t day, int64_t *n, argo_err *err);
    int (*suppressed_add)(argo_store *st, int64_t sym, int64_t ts, int64_t n, argo_err *err);
    int (*suppressed_counts)(argo_store *st, argo_symbol_count **list, size_t *n, int64_t *total,
                             argo_err *err);
    /* ev checked: a known channel, symbol and data within their limits */
    int (*event_append)(argo_store *st, const argo_event *ev, int64_t *seq, argo_err *err);
    /* limit 0: all */
    int (*events_after)(argo_store *st, int64_t after, size_t limit, argo_event_fn fn, void *ctx,
                        argo_err *err);
    int (*event_last)(argo_store *st, int64_t *seq, argo_err *err);
    /* NULL: nothing to listen to (only wake_fd wakes events_wait) */
    int (*events_listen)(argo_store *st, argo_err *err);
    /* NULL: events_wait polls wake_fd alone; else waits for a notice or
     * wake_fd (-1: none), timeout_ms >= 0 */
    int (*events_wait)(argo_store *st, int wake_fd, int timeout_ms, bool *woken, argo_err *err);
    /* k checked: a known role, a name within its limit */
    int (*key_add)(argo_store *st, argo_key_row *k, argo_err *err);
    int (*keys)(argo_store *st, argo_key_row **v, size_t *n, argo_err *err);
    int (*key_revoke)(argo_store *st, int64_t id, int64_t when, argo_err *err);
    /* f checked; limit 1 .. INT64_MAX */
    int (*signals_page)(argo_store *st, const argo_signal_filter *f, size_t limit,
                        argo_signal_fn fn, void *ctx, argo_err *err);
    int (*signal_get)(argo_store *st, int64_t id, argo_signal *out, argo_err *err);
    /* name validated as a lock name */
    int (*hold)(argo_store *st, const char *name, long *holder, argo_err *err);
    int (*held)(argo_store *st, const char *name, bool *held, long *holder, argo_err *err);
    void (*release)(argo_store *st, const char *name);
    /* t is one of argo_store_tables() */
    int (*rows_scan)(argo_store *st, const argo_store_table *t, argo_row_fn fn, void *ctx,
                     argo_err *err);
    int (*rows_count)(argo_store *st, const argo_store_table *t, int64_t *n, argo_err *err);
    /* inside a transaction; values of the right count */
    int (*rows_put)(argo_store *st, const argo_store_table *t, const argo_value *rows, size_t nrows,
                    argo_err *err);
    int (*rows_clear)(argo_store *st, argo_err *err);
    /* by checked; in (group, exit_day) order */
    /* f is never NULL here (store.c passes a filter of "any" for NULL) */
    int (*outcome_cells)(argo_store *st, argo_agg_by by, const argo_agg_filter *f, argo_cell_fn fn,
                         void *ctx, argo_err *err);
    int (*trading_days)(argo_store *st, int64_t **days, size_t *n, argo_err *err);
    /* outside a transaction; NULL: nothing to refresh */
    int (*refresh_aggregates)(argo_store *st, argo_err *err);
} argo_store_ops;

/* The part of a handle every backend shares; a backend's own handle
 * starts with it. store.c alone reads and writes these fields. */
struct argo_store {
    const argo_store_ops *ops;
    int scanning; /* scans under way (a callback is running when > 0) */
    bool in_txn;  /* between a successful begin and commit/rollback */
};

/* Model points as every backend stores them: 16 n bytes, x[0..n) then
 * y[0..n), each an IEEE 754 binary64 in little-endian byte order, so
 * every double comes back bit for bit and a copy between backends keeps
 * the bytes. put writes the 16 n bytes at b; get reads them into x, y. */
void argo_store_points_put(unsigned char *b, const double *x, const double *y, size_t n);
void argo_store_points_get(const unsigned char *b, size_t n, double *x, double *y);

/* path: the part of the URL after "sqlite:" (or the whole plain path). */
int argo_store_sqlite_open(const char *path, const argo_store_options *opt, argo_store **out,
                           argo_err *err);
/* url: the whole postgresql:// or postgres:// URL (pg.c strips argo's
 * schema= parameter from it and masks its password in messages). */
int argo_store_pg_open(const char *url, const argo_store_options *opt, argo_store **out,
                       argo_err *err);

#endif
