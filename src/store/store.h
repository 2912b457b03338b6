/* SPDX-License-Identifier: MIT */
/*
 * store/store.h - the store interface every caller uses. A backend
 * (sqlite.c, pg.c) fills a table of functions behind it, so callers
 * never name the backend.
 *
 * Contract shared by every function below: returns 0 or a negative
 * ARGO_E* code with err filled; ARGO_EBUSY when the database is locked
 * by another process past the busy timeout, ARGO_ECORRUPT when the file
 * is damaged or not an argo database, ARGO_ESTORE for other backend
 * failures. A store handle is not thread-safe: use one per thread.
 * Every argo_store pointer given to a function below must be non-NULL
 * (assert), except argo_store_close's. The ordering each scan promises
 * is part of the contract: tests/unit/test_store.c checks every backend
 * for it, and for everything else below, through this header only.
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
#define ARGO_STORE_MMAP_DEFAULT ((int64_t)1 << 30)

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
    /* Bytes of the store a backend may memory-map for reading (SQLite's
     * mmap_size): 0 = ARGO_STORE_MMAP_DEFAULT; negative = none. Mapped
     * pages are the kernel's page cache but count in the process's RSS. */
    int64_t mmap_bytes;
} argo_store_options;

/* Opens (creating when absent, unless read-only) the store named by url
 * and migrates its schema to the current version. url is "sqlite:PATH"
 * or a plain PATH (SQLite, the embedded default; ":memory:" for a
 * private in-memory database); "postgresql://..." and "postgres://..."
 * name a PostgreSQL database (docs/POSTGRES.md: the URL as libpq
 * reads it, plus argo's schema=NAME, default "argo"; ARGO_ENET when the
 * server cannot be reached, ARGO_EINVAL for a malformed schema=). opt
 * may be NULL (read-write, the default busy timeout). Returns
 * ARGO_EVERSION when the database is newer than this argo, or
 * (read-only) older and in need of a migration; ARGO_ENOENT when a
 * read-only store does not exist; ARGO_ECORRUPT for a damaged or
 * foreign file or schema; ARGO_EBUSY when a writer holds the lock past
 * the busy timeout. On failure *out is NULL and nothing was changed. */
int argo_store_open(const char *url, const argo_store_options *opt, argo_store **out,
                    argo_err *err);

/* Copies url into buf (of n bytes, truncated) with every password
 * replaced by "***": the user-info password of a postgresql:// or
 * postgres:// URL and the value of a password= parameter. Every message
 * that names a store URL prints this form, never the URL itself. */
const char *argo_store_url_masked(const char *url, char *buf, size_t n);

/* Closes the store, rolling back an unfinished transaction. NULL is a
 * no-op. Not from inside a scan callback. */
void argo_store_close(argo_store *st);

/*
 * Transactions and scans (every backend keeps these rules):
 *
 * - A write outside argo_store_begin/argo_store_commit is a transaction
 *   of its own. Writes between begin and commit are all-or-nothing; a
 *   failed write leaves the transaction to be rolled back by the caller
 *   (PostgreSQL aborts a transaction at its first failed statement).
 * - No store call from inside a scan callback (argo_bar_fn,
 *   argo_signal_fn, argo_model_fn, argo_outcome_fn, argo_resolved_fn,
 *   argo_remote_fn, argo_correction_fn): a backend may be streaming the scan's rows over
 *   its one connection (libpq cannot run a second query meanwhile).
 *   Collect what the scan gives into memory, then act on it after the
 *   scan returns. Such a call returns ARGO_EINVAL ("store call from
 *   inside a scan callback") and changes nothing; argo_store_close and
 *   argo_store_rollback, which cannot report it, assert instead.
 * - A scan callback's non-zero return stops the scan and is returned as
 *   is (err is not filled then: the callback owns that message).
 */

/* Starts a write transaction (taking the write lock at once, waiting
 * up to the busy timeout for another writer). Also forgets what the
 * handle cached about the data, since another process may have
 * written since. ARGO_EINVAL on a read-only handle. Beginning twice
 * without commit or rollback is a programmer error (assert). */
int argo_store_begin(argo_store *st, argo_err *err);
/* Makes the transaction's writes durable. Only after argo_store_begin
 * (assert). On failure the transaction is still open: roll it back. */
int argo_store_commit(argo_store *st, argo_err *err);
/* Undoes everything since argo_store_begin; safe without one. */
void argo_store_rollback(argo_store *st);

/* Takes the named lock ("ingest", "cycle", "backup"...) until the
 * transaction ends: another handle, in this or another process, taking
 * the same name waits up to the busy timeout, then fails with
 * ARGO_EBUSY. Callers say with it what they serialise instead of relying
 * on how a backend begins a transaction. Only inside a transaction
 * (assert). name is 1 to ARGO_STORE_LOCK_NAME_MAX (base/limits.h) letters, digits, '_',
 * '-' or '.'; ARGO_EINVAL otherwise.
 * SQLite: argo_store_begin already holds the database's write lock,
 * which serialises every writer of the file; a named lock is therefore
 * already held, and at least as strongly (it excludes every other
 * writer, not only those of the same name). PostgreSQL:
 * pg_advisory_xact_lock on a hash of the name. */
int argo_store_lock(argo_store *st, const char *name, argo_err *err);

/* The id of symbol name; with create, adds it when absent. ARGO_ENOENT
 * when absent and !create. ARGO_EDATA for a malformed name. */
int argo_store_symbol_id(argo_store *st, const char *name, bool create, int64_t *id, argo_err *err);

/* All symbols, ordered by name, in a new array freed with free(). */
int argo_store_symbols(argo_store *st, argo_symbol **list, size_t *n, argo_err *err);

/* What argo_store_bars_put did. */
typedef struct argo_bars_put_result {
    size_t inserted; /* new bars stored */
    size_t repeats;  /* bars identical to the stored bar of their ts, ignored */
    size_t done;     /* bars handled: n on success; on ARGO_ECONFLICT or
                        ARGO_EDATA, the index of the bar refused */
} argo_bars_put_result;

/* Appends the n bars (in the order given) of symbol_id. A bar identical
 * to the stored one at its ts is a repeat and ignored; a different one
 * at a stored ts is ARGO_ECONFLICT; a new ts at or before the symbol's
 * last bar is ARGO_EDATA (bars are append-only). On those two errors
 * res->done is the index of the bar refused: the bars before it were
 * stored (inside the caller's transaction), it and those after it were
 * not, so a caller may skip it and call again with the rest. Bars must
 * already be valid (argo_bar_valid). res may be NULL. n = 0 is a no-op. */
int argo_store_bars_put(argo_store *st, int64_t symbol_id, const argo_bar *bars, size_t n,
                        argo_bars_put_result *res, argo_err *err);
/* The same, and new_flags[i] (an array of n) set to whether bar i was
 * new, for the first res->done bars (the events of app/ announce only
 * new bars). */
int argo_store_bars_put_flags(argo_store *st, int64_t symbol_id, const argo_bar *bars, size_t n,
                              bool *new_flags, argo_bars_put_result *res, argo_err *err);

/* Calls fn for the symbol's bars with after < ts <= to, in ts order.
 * A non-zero return of fn stops the scan and is returned. */
typedef int (*argo_bar_fn)(void *ctx, int64_t symbol_id, const argo_bar *bar);
int argo_store_bars_scan(argo_store *st, int64_t symbol_id, int64_t after, int64_t to,
                         argo_bar_fn fn, void *ctx, argo_err *err);

/* Calls fn for every bar with ts <= to, ordered by ts then symbol id. */
int argo_store_bars_scan_all(argo_store *st, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err);

/* Calls fn for every bar of every symbol with after < ts <= to, in an
 * order of the backend's choosing: the cheapest read of a window of
 * time (SQLite: symbol by symbol along its key; PostgreSQL: the window's
 * partitions). One query, whatever the number of symbols. */
int argo_store_bars_scan_window(argo_store *st, int64_t after, int64_t to, argo_bar_fn fn,
                                void *ctx, argo_err *err);

/* Number of bars with ts <= to. */
int argo_store_bars_count(argo_store *st, int64_t to, int64_t *n, argo_err *err);

/* Inserts n new signals (sigs[i].id is ignored) and sets each sigs[i].id,
 * increasing in the order given. On failure no id is to be trusted and
 * the caller rolls back. */
int argo_store_signals_insert(argo_store *st, argo_signal *sigs, size_t n, argo_err *err);
/* Rewrites the tracking fields (status, exit, pnl, excursions,
 * scanned_to, bars held) of the n stored signals sigs[i].id. ARGO_ENOENT
 * when one is not in the store. */
int argo_store_signals_update(argo_store *st, const argo_signal *sigs, size_t n, argo_err *err);

/* A signal scan calls fn for each matching signal in the order its
 * function names; sig is borrowed for the call only. A non-zero return
 * of fn stops the scan and is returned. A stored row that is not a valid
 * signal (edited outside argo) is ARGO_ECORRUPT. */
typedef int (*argo_signal_fn)(void *ctx, const argo_signal *sig);
/* Open signals of symbol_id (0: of every symbol), in (ts, id) order. */
int argo_store_signals_open(argo_store *st, int64_t symbol_id, argo_signal_fn fn, void *ctx,
                            argo_err *err);
/* Every signal of symbol_id (0: of every symbol), in (ts, id) order
 * (the `argo signals` listing). */
int argo_store_signals_all(argo_store *st, int64_t symbol_id, argo_signal_fn fn, void *ctx,
                           argo_err *err);
/* Signals made in [from, to) (from <= ts < to), in (ts, id) order. */
int argo_store_signals_made(argo_store *st, int64_t from, int64_t to, argo_signal_fn fn, void *ctx,
                            argo_err *err);
/* Resolved signals with from <= exit_ts < to, in (exit_ts, id) order;
 * "resolved before t" is [INT64_MIN, t). */
int argo_store_signals_resolved(argo_store *st, int64_t from, int64_t to, argo_signal_fn fn,
                                void *ctx, argo_err *err);

/* The UTC day starts (argo_time_day_start) on which a signal was made
 * (its ts) or resolved (the exit_ts of a resolved signal), ascending and
 * distinct, only the days >= from (INT64_MIN: all), in a new array freed
 * with free() (NULL and 0 when there is none). Reads only those two
 * columns (through indexes), never whole signal rows: the days a backup
 * covers (archive/) and the health check's backup age. */
int argo_store_signal_days(argo_store *st, int64_t from, int64_t **days, size_t *n, argo_err *err);

/* A resolved signal as the calibration report reads it: its label is
 * argo_track_label_of(status, pnl_pct). */
typedef struct argo_resolved_item {
    int64_t ts, exit_ts;
    double raw_confidence, confidence, pnl_pct;
    argo_status status; /* not ARGO_OPEN */
} argo_resolved_item;

/* Calls fn for each resolved signal (status != ARGO_OPEN) in (ts, id)
 * order, reading only those columns (no join to symbols); r is borrowed
 * for the call. A non-zero return of fn stops the scan and is returned.
 * A row with an unknown status or a confidence or pnl_pct that is not
 * finite is ARGO_ECORRUPT. */
typedef int (*argo_resolved_fn)(void *ctx, const argo_resolved_item *r);
int argo_store_resolved_scan(argo_store *st, argo_resolved_fn fn, void *ctx, argo_err *err);

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

/* Stores a model and sets m->version (increasing). Its points are
 * stored exactly (every double bit for bit). */
int argo_store_model_insert(argo_store *st, argo_model_row *m, argo_err *err);
/* Reads model version into *out (cleaned up by the caller). ARGO_ENOENT
 * when there is no such version; ARGO_ECORRUPT when its stored points
 * are malformed. */
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
 * array (freed with free()) of {symbol_id, count} in symbol id order,
 * and the total. */
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

/*
 * Market data from a provider (app/fetch.c, docs/PROVIDERS.md).
 */
/* The HTTP cache: the validators of the last answer to a request, keyed
 * by the request's URL (credentials are in headers, never in it). */
typedef struct argo_http_cache_row {
    char key[2048];
    char etag[256];          /* "" when the answer had none */
    char last_modified[256]; /* "" when none */
    int64_t stored_at;       /* UTC seconds */
} argo_http_cache_row;

/* The row of key; *found false when there is none. ARGO_ELIMIT for a
 * key of 2048 bytes or more (no row can have it). */
int argo_store_cache_get(argo_store *st, const char *key, argo_http_cache_row *out, bool *found,
                         argo_err *err);
/* Records (or replaces) the row of r->key. ARGO_ELIMIT for a key of
 * 2048 bytes or more (no NUL in r->key), or an etag or last_modified
 * without its NUL. */
int argo_store_cache_put(argo_store *st, const argo_http_cache_row *r, argo_err *err);

/* A provider's revised bar: the bar stored for (symbol, ts) and the
 * other values the provider later sent for it. The stored bar is kept;
 * the revision is recorded once (the same revised values for the same
 * bar again are not a new correction). */
typedef struct argo_correction {
    int64_t id;
    int64_t symbol_id;
    int64_t ts;
    argo_bar stored;  /* ts == the correction's ts */
    argo_bar revised; /* ts == the correction's ts */
    char source[64];  /* "alpaca", "csv", "stream" */
    int64_t seen_at;  /* UTC seconds */
} argo_correction;

/* Records c (setting c->id) unless a correction of the same symbol, ts
 * and revised values exists: then *added is false and c->id is that
 * one's (its stored values, source and seen_at are kept). c->ts is the
 * time stored (stored.ts and revised.ts are not read; a scan sets both
 * to it). Every double is kept bit for bit. added may be NULL.
 * ARGO_EDATA for a price or volume that is not finite, a source without
 * its NUL, or a symbol_id that is not in the store. */
int argo_store_correction_add(argo_store *st, argo_correction *c, bool *added, argo_err *err);
/* Calls fn for each correction with id > after_id, in id order. */
typedef int (*argo_correction_fn)(void *ctx, const argo_correction *c);
int argo_store_corrections_scan(argo_store *st, int64_t after_id, argo_correction_fn fn, void *ctx,
                                argo_err *err);

/* Provider calls made on a UTC day (the daily call budget): adds n to
 * the day's count. day is a key as given (by convention the day's start,
 * argo_time_day_start); ARGO_EINVAL when n < 0. */
int argo_store_calls_add(argo_store *st, int64_t day, int64_t n, argo_err *err);
/* The day's count (0 when none). */
int argo_store_calls_get(argo_store *st, int64_t day, int64_t *n, argo_err *err);

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

/*
 * Aggregates of resolved signals (argo stats and the dashboard,
 * docs/STATS.md): cells per group and UTC exit day, summed by the
 * store. SQLite groups the raw rows at each call; PostgreSQL reads
 * materialized views (pg_views.c) refreshed by
 * argo_store_refresh_aggregates, so there the cells are as of the last
 * refresh (argo refreshes after every track, replay and cycle).
 */
typedef enum argo_agg_by {
    ARGO_AGG_NONE,     /* one group, 0 */
    ARGO_AGG_SYMBOL,   /* the symbol id */
    ARGO_AGG_STRATEGY, /* each strategy (argo_strategy index) whose vote has the action's sign */
    ARGO_AGG_BUCKET,   /* floor(confidence * 10), clamped to 0..9 */
    ARGO_AGG_MONTH,    /* year * 100 + month (UTC) of the signal's ts */
    ARGO_AGG_EXIT      /* exit_reason & 3 (argo_exit_reason) */
} argo_agg_by;

/* Which resolved signals a cell read counts: all of them when every
 * field says "any" (argo_store_outcome_cells takes NULL for that). */
typedef struct argo_agg_filter {
    int64_t symbol_id;    /* 0: every symbol */
    int strategy;         /* -1: every strategy; else an argo_strategy index: the signals whose
                             stored vote of that strategy has the action's sign (the
                             ARGO_AGG_STRATEGY rule) */
    int64_t since, until; /* the exit day (argo_time_day_start(exit_ts)) in [since, until);
                             INT64_MIN / INT64_MAX: unbounded */
} argo_agg_filter;

/* The resolved signals (status != ARGO_OPEN) of one group that exited
 * on one UTC day. A win is label 1 (argo_track_label_of: status WIN,
 * LOSS or EXPIRED and pnl_pct > 0). */
typedef struct argo_outcome_cell {
    int64_t group;    /* as argo_agg_by says */
    int64_t exit_day; /* argo_time_day_start(exit_ts) */
    int64_t first_ts; /* the earliest ts (signal made) of the cell's signals */
    int64_t resolved, wins, losses, expired;
    int64_t by_exit[4];               /* indexed by exit_reason & 3 */
    int64_t npos, nneg;               /* signals with pnl_pct > 0, < 0 */
    double pnl_sum, pos_sum, neg_sum; /* sums of pnl_pct: all, > 0, < 0 */
} argo_outcome_cell;

/* Calls fn for each cell of grouping by over the resolved signals that
 * pass f (NULL: every one), in (group, exit_day) order; cell is
 * borrowed for the call. PostgreSQL reads the materialized view that
 * answers the question (the grouping's, bounded by exit_day; the
 * symbol's or the strategy's view with that group alone) and groups the
 * raw rows otherwise (docs/STATS.md): a cell is then current, not as of
 * the last refresh. Filter values are bound as parameters. */
typedef int (*argo_cell_fn)(void *ctx, const argo_outcome_cell *cell);
int argo_store_outcome_cells(argo_store *st, argo_agg_by by, const argo_agg_filter *f,
                             argo_cell_fn fn, void *ctx, argo_err *err);

/* The trading days: every UTC day start on which some symbol has a bar,
 * ascending, in a new array freed with free() (NULL and 0 when there is
 * no bar). */
int argo_store_trading_days(argo_store *st, int64_t **days, size_t *n, argo_err *err);

/* Brings the aggregates that argo_store_outcome_cells and
 * argo_store_trading_days read up to date with the committed rows.
 * Outside a transaction (assert). SQLite: nothing to do. PostgreSQL:
 * REFRESH MATERIALIZED VIEW CONCURRENTLY of each view (readers are not
 * blocked), serialised between processes by an advisory lock; ARGO_EBUSY
 * when another refresh holds it past the busy timeout. */
int argo_store_refresh_aggregates(argo_store *st, argo_err *err);

/*
 * The event log: one row per event a server publishes (domain/types.h
 * argo_event), numbered by the store. An event is appended in the
 * transaction that stores the rows it announces, so a committed row has
 * its event and a rolled-back one has none. Sequence numbers increase
 * with commit order for any one writer and are never reused.
 */

/* Appends ev (its seq and logged_at are ignored) and sets *seq to its
 * number. ARGO_EDATA for an unknown channel, a symbol longer than
 * ARGO_SYMBOL_MAX - 1 or data longer than ARGO_EVENT_DATA_MAX. */
int argo_store_event_append(argo_store *st, const argo_event *ev, int64_t *seq, argo_err *err);
typedef int (*argo_event_fn)(void *ctx, const argo_event *ev);
/* The events with seq > after, in seq order, at most limit (0: all). */
int argo_store_events_after(argo_store *st, int64_t after, size_t limit, argo_event_fn fn,
                            void *ctx, argo_err *err);
/* The newest event's seq; 0 when the log is empty. */
int argo_store_event_last(argo_store *st, int64_t *seq, argo_err *err);

/* Hearing of events other handles commit (argo serve publishes the log
 * in seq order, whoever wrote it). After argo_store_events_listen the
 * handle is told of each commit that appends events: PostgreSQL LISTENs
 * on the schema's channel (event_append NOTIFYs it, delivered at
 * commit); SQLite has one writer per file, so there is nothing to hear
 * and its writer wakes the listener itself (wake_fd below).
 * argo_store_events_wait waits at most timeout_ms for such a notice or
 * for wake_fd (-1: none) to be readable (it is not read); *woken says
 * whether either came. A notification lost with a connection costs
 * nothing: the caller reads the log after every wait, woken or not. */
int argo_store_events_listen(argo_store *st, argo_err *err);
int argo_store_events_wait(argo_store *st, int wake_fd, int timeout_ms, bool *woken, argo_err *err);

/*
 * API keys (app/keys.h): only a key's SHA-256 is stored.
 */
typedef struct argo_key_row {
    int64_t id;                   /* set when stored */
    char name[ARGO_KEY_NAME_MAX]; /* unique among keys; "" allowed for none */
    char role[16];                /* "read", "stream" or "admin" */
    unsigned char hash[32];       /* SHA-256 of the key */
    char prefix[16];              /* the key's first characters, to tell keys apart */
    int64_t created_at;           /* UTC seconds */
    int64_t revoked_at;           /* UTC seconds; 0 while the key is valid */
} argo_key_row;

/* Stores k and sets k->id. ARGO_ECONFLICT when a key with the same hash or
 * the same non-empty name exists. */
int argo_store_key_add(argo_store *st, argo_key_row *k, argo_err *err);
/* Every key, revoked ones included, in id order, in a new array freed
 * with free(). */
int argo_store_keys(argo_store *st, argo_key_row **v, size_t *n, argo_err *err);
/* Sets revoked_at of the key with this id to when. ARGO_ENOENT when no
 * such key; revoking a revoked key changes nothing and returns 0. */
int argo_store_key_revoke(argo_store *st, int64_t id, int64_t when, argo_err *err);

/*
 * A page of signals for an API: the filters of f, ordered by id (the
 * order of insertion, stable under new inserts), after the id
 * f->after_id (the cursor), at most limit.
 */
typedef struct argo_signal_filter {
    int64_t symbol_id;     /* 0: every symbol */
    int64_t since, until;  /* ts in [since, until); INT64_MIN / INT64_MAX: open */
    int status;            /* -1: any; -2: any resolved (not ARGO_OPEN); else an argo_status */
    int published;         /* -1: any; 0 or 1 */
    double min_confidence; /* calibrated confidence >= this; -1: any */
    int64_t after_id;      /* 0: from the first */
} argo_signal_filter;

int argo_store_signals_page(argo_store *st, const argo_signal_filter *f, size_t limit,
                            argo_signal_fn fn, void *ctx, argo_err *err);
/* One signal by id; ARGO_ENOENT when none. */
int argo_store_signal_get(argo_store *st, int64_t id, argo_signal *out, argo_err *err);

/*
 * Holding a store for a long-running process (argo serve): a lock held
 * from argo_store_hold until argo_store_release or the end of the
 * process (a crashed holder releases it), independent of transactions.
 * SQLite: an flock on the file PATH-NAME.lock beside the database (the
 * holder's pid is written in it); PostgreSQL: a session advisory lock.
 */
/* Takes the named hold without waiting. ARGO_EBUSY when another process
 * (or handle) holds it, with its pid in *holder when known (else 0). */
int argo_store_hold(argo_store *st, const char *name, long *holder, argo_err *err);
/* Whether another process holds the named hold (it is not taken);
 * *holder its pid when known, else 0. */
int argo_store_held(argo_store *st, const char *name, bool *held, long *holder, argo_err *err);
void argo_store_release(argo_store *st, const char *name);

/*
 * Rows, backend-neutral (argo store copy): every table of argo's schema
 * with its columns in one fixed order, the same names and meaning on
 * every backend. A value is NULL, a 64-bit integer, a double (kept bit
 * for bit), a text or a blob.
 */
typedef enum argo_value_type {
    ARGO_V_NULL,
    ARGO_V_INT,
    ARGO_V_REAL,
    ARGO_V_TEXT, /* p/len: UTF-8 bytes, no terminator counted */
    ARGO_V_BLOB  /* p/len */
} argo_value_type;

typedef struct argo_value {
    argo_value_type type;
    int64_t i;
    double r;
    const void *p;
    size_t len;
} argo_value;

typedef struct argo_store_table {
    const char *name;        /* "symbols", "bars", ... */
    const char *const *cols; /* the columns, in the order every row gives them */
    size_t ncols;
    const char *order; /* the key rows_scan orders by (texts in byte order) */
} argo_store_table;

/* argo's tables, parents before children (the order a copy loads them
 * in), and their number in *n. */
const argo_store_table *argo_store_tables(size_t *n);

/* Calls fn with each row of table (ncols values, borrowed for the call)
 * in the table's key order. ARGO_EINVAL for an unknown table. */
typedef int (*argo_row_fn)(void *ctx, const argo_value *row);
int argo_store_rows_scan(argo_store *st, const char *table, argo_row_fn fn, void *ctx,
                         argo_err *err);
/* The number of rows of table. */
int argo_store_rows_count(argo_store *st, const char *table, int64_t *n, argo_err *err);
/* Inserts nrows rows (nrows * ncols values, row after row) into table as
 * given, ids included; afterwards new ids continue above the largest
 * stored one. Only inside a transaction (assert). ARGO_ECONFLICT when a
 * key exists, ARGO_EDATA when a value does not fit its column. */
int argo_store_rows_put(argo_store *st, const char *table, const argo_value *rows, size_t nrows,
                        argo_err *err);
/* Deletes every row of every table (children first). Only inside a
 * transaction (assert). */
int argo_store_rows_clear(argo_store *st, argo_err *err);

/* The backend's name ("sqlite" or "postgresql"). */
const char *argo_store_backend(const argo_store *st);
/* Whether several processes may write the store at once, each cycle
 * serialised by argo_store_lock (PostgreSQL), rather than one writer
 * process holding it (SQLite: argo serve's hold). */
bool argo_store_concurrent(const argo_store *st);

#endif
