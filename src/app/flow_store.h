/* SPDX-License-Identifier: MIT */
/*
 * app/flow_store.h - every store access of the flow (ingest, synth,
 * generate, track, replay, calibrate, coverage), in one place: small
 * load and save functions over the store contract (store/store.h), so a
 * change of that contract changes this file and nothing else of the flow.
 * None of them is called from inside a scan callback: a scan collects,
 * the caller acts afterwards. For app/ only.
 */
#ifndef ARGO_FLOW_STORE_H
#define ARGO_FLOW_STORE_H

#include "app/events.h"
#include "calibrate/calibrate.h"
#include "calibrate/report.h"
#include "market/market.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable array of signals (borrowed rows copied in). */
typedef struct argo_sig_vec {
    argo_signal *v;
    size_t n, cap;
} argo_sig_vec;

/* Appends a copy of g: ARGO_ENOMEM (err untouched) when it cannot grow. */
int argo_sig_vec_push(argo_sig_vec *s, const argo_signal *g);

/* Transactions: the flow's operations are each one, holding the named
 * lock (argo_store_lock) of what they serialise: "ingest" for storing
 * bars, "cycle" for generate, track, replay and calibrate. */
int argo_flow_begin(argo_store *st, const char *lock, argo_err *err);
int argo_flow_commit(argo_store *st, argo_err *err);
void argo_flow_rollback(argo_store *st);
/* After a committed operation op ("track", "replay") that changed
 * resolved signals: brings the store's aggregates (argo stats, the
 * dashboard; materialized views on PostgreSQL) up to date. Outside a
 * transaction. On failure err says op is committed and the aggregates
 * are as of their previous refresh. */
int argo_flow_refresh_aggregates(argo_store *st, const char *op, argo_err *err);

/* Every symbol, with its first and last bar. */
int argo_flow_load_symbols(argo_store *st, argo_symbol **list, size_t *n, argo_err *err);

/* The symbol's bars with after < ts <= to, in ts order, to fn (which
 * must not call the store). */
int argo_flow_scan_bars(argo_store *st, int64_t symbol_id, int64_t after, int64_t to,
                        argo_bar_fn fn, void *ctx, argo_err *err);
/* Every symbol's bars with after < ts <= to, in no particular order, to
 * fn (which must not call the store): one read of a window of time. */
int argo_flow_scan_window(argo_store *st, int64_t after, int64_t to, argo_bar_fn fn, void *ctx,
                          argo_err *err);
/* The number of bars with ts <= to. */
int argo_flow_count_bars(argo_store *st, int64_t to, int64_t *n, argo_err *err);

/* Stores rows[0..n) of one file as symbol's bars (creating the symbol):
 * inserted[i] tells whether row i was new. A conflicting or out-of-order
 * bar is "path:line: why" (ARGO_ECONFLICT, ARGO_EDATA) or, with
 * skip_invalid, counted as skipped in rep. */
int argo_flow_save_bars(argo_store *st, const char *path, const char *symbol,
                        const argo_bar_line *rows, size_t n, bool skip_invalid, bool *inserted,
                        argo_ingest_report *rep, argo_err *err);
/* Stores posted bars rows[0..n) as symbol's bars (creating the symbol),
 * all of them or an error: a conflicting or out-of-order bar is
 * "WHERE[series]: bar LINE: why" (LINE: the row's line, its index in the
 * request). inserted[i] tells whether row i was new. */
int argo_flow_save_posted(argo_store *st, const char *where, size_t series, const char *symbol,
                          const argo_bar_line *rows, size_t n, bool *inserted,
                          argo_ingest_report *rep, argo_err *err);
/* Stores a generated series (synth): *stored counts the new bars;
 * inserted (may be NULL) tells which were new. */
int argo_flow_save_series(argo_store *st, const char *symbol, const argo_bar *bars, size_t n,
                          bool *inserted, size_t *stored, argo_err *err);

/* The saved strategy state of a symbol (ARGO_ENOENT: none) and saving it. */
int argo_flow_load_state(argo_store *st, int64_t symbol_id, unsigned char **blob, size_t *len,
                         argo_err *err);
int argo_flow_save_state(argo_store *st, int64_t symbol_id, const void *blob, size_t len,
                         argo_err *err);

/* The open signals; every signal, to fn (which must not call the
 * store); and discarding them all (replay). */
int argo_flow_load_open_signals(argo_store *st, argo_sig_vec *out, argo_err *err);
int argo_flow_scan_signals(argo_store *st, argo_signal_fn fn, void *ctx, argo_err *err);
int argo_flow_reset_signals(argo_store *st, argo_err *err);
/* n new signals in one batch (sets each id, increasing in the order
 * given) and the tracking fields of n stored ones. */
int argo_flow_save_new_signals(argo_store *st, argo_signal *sigs, size_t n, argo_err *err);
int argo_flow_save_tracking(argo_store *st, const argo_signal *sigs, size_t n, argo_err *err);
/* A signal not made for lack of edge, counted for its symbol and day. */
int argo_flow_save_suppressed(argo_store *st, int64_t symbol_id, int64_t ts, argo_err *err);

/* The resolved signals as the calibration report reads them, in store
 * order; *v freed with free(). */
int argo_flow_load_report_items(argo_store *st, argo_calib_item **v, size_t *n, argo_err *err);

/* A calibrator at t for symbol ids up to max_symbol_id (the caller has
 * the symbols already) over the stored models (version order; points
 * not loaded) and, with counts, the outcome counts before t. */
int argo_flow_load_calibrator(argo_store *st, const argo_config *cfg, int64_t t,
                              int64_t max_symbol_id, bool counts, argo_calibrator **out,
                              argo_err *err);
/* Gives the calibrator the points of stored model version (0: nothing). */
int argo_flow_load_model_points(argo_store *st, argo_calibrator *cal, int64_t version,
                                argo_err *err);
/* Gives the calibrator (argo_calibrator_take) the outcomes resolved
 * before t, in (exit_ts, id) order. */
int argo_flow_load_outcomes(argo_store *st, int64_t before, argo_calibrator *cal, argo_err *err);
/* A calibrator's sink (calibrate.h): stores the model, sets its version.
 * ctx is the argo_store. */
int argo_flow_save_model(void *ctx, argo_model_row *m, argo_err *err);

/* The events one operation appends to the store's event log, inside its
 * transaction (app/events.h on_event): their numbers, contiguous (the
 * transaction holds the write lock), and a buffer reused for each
 * event's JSON. Zero-initialise; argo_flow_events_free after. */
typedef struct argo_flow_events {
    int64_t first; /* seq of the first event; 0: none yet */
    size_t n;      /* events appended */
    char *buf;     /* one event's data */
    size_t cap;
} argo_flow_events;

/* Logs a new signal ("signals") or a resolved one ("outcomes"): data is
 * argo_json_signal, compact; symbol, calibrated confidence and published
 * are the signal's. */
int argo_flow_log_signal(argo_store *st, argo_flow_events *fe, const argo_signal *g, bool outcome,
                         argo_err *err);
/* Logs a bar stored for symbol ("bars"): data {"symbol": ..., "bar": ...}. */
int argo_flow_log_bar(argo_store *st, argo_flow_events *fe, const char *symbol, const argo_bar *b,
                      argo_err *err);
/* Logs an event whose data is given (a JSON object, compact). */
int argo_flow_log_raw(argo_store *st, argo_flow_events *fe, const char *channel, const char *symbol,
                      double confidence, bool published, const char *data, argo_err *err);
/* After the commit: on_event (when ev has one) for each logged event, in
 * seq order, read back from the store so each is what a client resuming
 * from the log gets. A failure to read them is given to notice (may be
 * NULL) and the rest are not announced: the events are in the log, and
 * a client that resumes gets them. */
void argo_flow_events_announce(argo_store *st, const argo_flow_events *fe, const argo_events *ev,
                               void (*notice)(void *ctx, const char *line), void *notice_ctx);
void argo_flow_events_free(argo_flow_events *fe);

#endif
