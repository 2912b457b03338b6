/* SPDX-License-Identifier: MIT */
/*
 * store/store.h - the store interface every caller uses. A backend
 * (sqlite.c now; a PostgreSQL one later) fills a table of functions
 * behind it, so callers never name the backend.
 *
 * Contract shared by every function below: returns 0 or a negative
 * ARGO_E* code with err filled; ARGO_EBUSY when the database is locked
 * by another process past the busy timeout, ARGO_ECORRUPT when the file
 * is damaged or not an argo database, ARGO_ESTORE for other backend
 * failures. Writes made between argo_store_begin and argo_store_commit
 * are all-or-nothing. A store handle is not thread-safe: use one per
 * thread.
 */
#ifndef ARGO_STORE_H
#define ARGO_STORE_H

#include "base/err.h"
#include "domain/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_store argo_store;

typedef struct argo_symbol {
    int64_t id;
    char name[ARGO_SYMBOL_MAX];
    int64_t first_ts, last_ts; /* INT64_MIN when it has no bars */
} argo_symbol;

#define ARGO_STORE_BUSY_DEFAULT_MS 5000

typedef struct argo_store_options {
    /* How long a write waits for another process's lock, in ms: 0 = fail
     * at once; negative = ARGO_STORE_BUSY_DEFAULT_MS. */
    int busy_timeout_ms;
    /* Read-only: the file must exist and be at the current schema
     * version (nothing is created or migrated); the handle never writes
     * and never waits for a writer (SQLite's WAL lets readers run
     * beside one). argo_store_begin then fails with ARGO_EINVAL. */
    bool read_only;
    /* Read-write, but only an existing store: ARGO_ENOENT when the file
     * does not exist (nothing is created). */
    bool must_exist;
} argo_store_options;

/* Opens (creating when absent, unless read-only) the store at path and
 * migrates its schema to the current version. opt may be NULL (read-write,
 * the default busy timeout). Returns ARGO_EVERSION when the database is
 * newer than this argo, or (read-only) older and in need of a migration;
 * ARGO_ENOENT when a read-only store does not exist; ARGO_ECORRUPT for a
 * damaged or foreign file; ARGO_EBUSY when a writer holds the lock past
 * the busy timeout. On failure *out is NULL and nothing was changed. */
int argo_store_open(const char *path, const argo_store_options *opt, argo_store **out,
                    argo_err *err);

/* Closes the store, rolling back an unfinished transaction. NULL is a no-op. */
void argo_store_close(argo_store *st);

/* Starts a write transaction (taking the write lock at once, waiting
 * up to the busy timeout for another writer). Also forgets what the
 * handle cached about the data, since another process may have
 * written since. ARGO_EINVAL on a read-only handle. */
int argo_store_begin(argo_store *st, argo_err *err);
int argo_store_commit(argo_store *st, argo_err *err);
/* Undoes everything since argo_store_begin; safe without one. */
void argo_store_rollback(argo_store *st);

/* The id of symbol name; with create, adds it when absent. ARGO_ENOENT
 * when absent and !create. ARGO_EDATA for a malformed name. */
int argo_store_symbol_id(argo_store *st, const char *name, bool create, int64_t *id, argo_err *err);

/* All symbols, ordered by name, in a new array freed with free(). */
int argo_store_symbols(argo_store *st, argo_symbol **list, size_t *n, argo_err *err);

/* Appends a bar. A bar identical to the stored one at the same ts is
 * ignored (*inserted = false); a different one at a stored ts is
 * ARGO_ECONFLICT; a new ts at or before the symbol's last bar is
 * ARGO_EDATA (bars are append-only). The bar must already be valid. */
int argo_store_bar_put(argo_store *st, int64_t symbol_id, const argo_bar *bar, bool *inserted,
                       argo_err *err);

/* Calls fn for the symbol's bars with after < ts <= to, in ts order.
 * A non-zero return of fn stops the scan and is returned. */
typedef int (*argo_bar_fn)(void *ctx, int64_t symbol_id, const argo_bar *bar);
int argo_store_bars_scan(argo_store *st, int64_t symbol_id, int64_t after, int64_t to,
                         argo_bar_fn fn, void *ctx, argo_err *err);

/* Calls fn for every bar with ts <= to, ordered by ts then symbol id. */
int argo_store_bars_scan_all(argo_store *st, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err);

/* Number of bars with ts <= to. */
int argo_store_bars_count(argo_store *st, int64_t to, int64_t *n, argo_err *err);

/* Inserts a new signal and sets sig->id. */
int argo_store_signal_insert(argo_store *st, argo_signal *sig, argo_err *err);
/* Rewrites the tracking fields (status, exit, pnl, excursions,
 * scanned_to, bars held) of the stored signal sig->id. */
int argo_store_signal_update(argo_store *st, const argo_signal *sig, argo_err *err);

typedef struct argo_signal_query {
    int64_t symbol_id; /* 0 = every symbol */
    bool open_only;
    int64_t resolved_before; /* non-zero: only resolved signals with exit_ts < it,
                            in (exit_ts, id) order */
    /* when from < to: only signals made in [made_from, made_to), in (ts, id)
     * order, or resolved in [resolved_from, resolved_to), in (exit_ts, id)
     * order (symbol_id and open_only are then ignored) */
    int64_t made_from, made_to, resolved_from, resolved_to;
} argo_signal_query;

/* Calls fn for each matching signal in (ts, id) order. sig is borrowed
 * for the call only. A non-zero return of fn stops and is returned. */
typedef int (*argo_signal_fn)(void *ctx, const argo_signal *sig);
int argo_store_signals_scan(argo_store *st, const argo_signal_query *q, argo_signal_fn fn,
                            void *ctx, argo_err *err);

/* Deletes every signal, every suppressed-signal count, every saved
 * strategy state and every calibration model fitted on signals (replay starts from scratch);
 * bars and models fitted from external files are kept. */
int argo_store_signals_reset(argo_store *st, argo_err *err);

/* The saved strategy state of a symbol, in a new buffer freed with
 * free(); ARGO_ENOENT when there is none. */
int argo_store_state_get(argo_store *st, int64_t symbol_id, unsigned char **blob, size_t *len,
                         argo_err *err);
int argo_store_state_put(argo_store *st, int64_t symbol_id, const void *blob, size_t len,
                         argo_err *err);

/* Stores a model and sets m->version. */
int argo_store_model_insert(argo_store *st, argo_model_row *m, argo_err *err);
/* Reads model version into *out (cleaned up by the caller). ARGO_ENOENT
 * when there is no such version. */
int argo_store_model_get(argo_store *st, int64_t version, argo_model_row *out, argo_err *err);
/* The newest model of scope (and symbol, for "symbol"); ARGO_ENOENT if none. */
int argo_store_model_latest(argo_store *st, const char *scope, int64_t symbol_id,
                            argo_model_row *out, argo_err *err);
/* Calls fn for every model in version order (points not loaded: n = 0). */
typedef int (*argo_model_fn)(void *ctx, const argo_model_row *m);
int argo_store_models_scan(argo_store *st, argo_model_fn fn, void *ctx, argo_err *err);

/* A count per symbol. */
typedef struct argo_symbol_count {
    int64_t symbol_id, count;
} argo_symbol_count;

/* Resolved signals with exit_ts < before, counted per symbol: a new
 * array (freed with free()) of {symbol_id, count}, and the total. */
int argo_store_outcome_counts(argo_store *st, int64_t before, argo_symbol_count **list, size_t *n,
                              int64_t *total, argo_err *err);

/* Calls fn for each resolved signal with exit_ts < before, in
 * (exit_ts, id) order, reading only an index (no signal rows). */
typedef int (*argo_outcome_fn)(void *ctx, const argo_outcome *o);
int argo_store_outcomes_scan(argo_store *st, int64_t before, argo_outcome_fn fn, void *ctx,
                             argo_err *err);

/* An archive object uploaded to remote storage (archive push): where,
 * what (the local file's SHA-256 and size) and what the server said. */
typedef struct argo_remote_object {
    char target[640]; /* "https://host/bucket" */
    char key[1024];
    int64_t day; /* the backup day */
    int64_t bytes;
    char sha256[65]; /* hex, of the file uploaded */
    char etag[80];
    char storage_class[24];
    char lock_mode[16];  /* "" when no Object Lock */
    int64_t lock_until;  /* 0 when no Object Lock */
    int64_t uploaded_at; /* UTC seconds */
} argo_remote_object;

/* Records (or replaces) an uploaded object. */
int argo_store_remote_put(argo_store *st, const argo_remote_object *o, argo_err *err);
/* The record of target/key; *found false when there is none. */
int argo_store_remote_get(argo_store *st, const char *target, const char *key,
                          argo_remote_object *o, bool *found, argo_err *err);
/* Calls fn for each object recorded for target, in key order. */
typedef int (*argo_remote_fn)(void *ctx, const argo_remote_object *o);
int argo_store_remotes_scan(argo_store *st, const char *target, argo_remote_fn fn, void *ctx,
                            argo_err *err);

/* Adds n to the signals suppressed for symbol_id on the UTC day of ts:
 * signals the consensus called for but not made, because their target
 * move does not clear the round-trip cost by [signal] min_edge_bps
 * (docs/STRATEGIES.md). argo_store_signals_reset clears them. */
int argo_store_suppressed_add(argo_store *st, int64_t symbol_id, int64_t ts, int64_t n,
                              argo_err *err);
/* The suppressed signals per symbol (a new array in symbol id order,
 * freed with free()), and their total. */
int argo_store_suppressed_counts(argo_store *st, argo_symbol_count **list, size_t *n,
                                 int64_t *total, argo_err *err);

/* The backend's name ("sqlite"). */
const char *argo_store_backend(const argo_store *st);

#endif
