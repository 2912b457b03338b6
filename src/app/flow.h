/* SPDX-License-Identifier: MIT */
/*
 * app/flow.h - the operations of the flow of docs/DESIGN.md over an
 * argo_app: ingest and synth (bars in), generate (the live cycle), track,
 * replay (history walked bar by bar the way the live loop would),
 * calibrate (the refit of `argo calibrate`), coverage and the
 * calibration report. Generate, track and replay share the per-bar
 * functions of strategy/ and track/, so replay and live cannot disagree.
 *
 * Each operation that writes is one store transaction: it either
 * completes or leaves the store as it was. None prints. The event hooks
 * of the app (app/events.h, argo_app_set_events) are called after the
 * transaction commits, in the order the rows were stored: on_bar for
 * each bar ingest or synth stored, on_signal for each new signal
 * (generate, replay), on_outcome for each signal resolved (track,
 * replay), then on_cycle once; an operation that fails announces
 * nothing.
 */
#ifndef ARGO_FLOW_H
#define ARGO_FLOW_H

#include "app/app.h"
#include "base/err.h"
#include "calibrate/report.h"
#include "market/market.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Loads n CSV files (paths[i] as the bars of symbols[i]; each read as
 * argo_market_csv_read says) in one transaction: all of them or, on the
 * first error, none (the store is unchanged; err names the file and
 * line). Each file is read and stored before the next is read. reps
 * holds n reports. With skip_invalid, bars the store refuses
 * (conflicting or out of order) are skipped too. */
int argo_app_ingest(argo_app *app, size_t n, const char *const *paths, const char *const *symbols,
                    bool skip_invalid, argo_ingest_report *reps, argo_err *err);

/* The bars of n series given in memory (posted to argo serve as JSON):
 * series i is counts[i] bars of symbols[i], checked exactly as a CSV
 * file's rows are by argo_market_csv_read (argo_bar_validate, the symbol
 * rule, strictly increasing ts, a row equal to the one before it a
 * duplicate) and stored as argo_app_ingest stores them: all series or,
 * on the first error, none; err names where ("WHERE[i]: bar j: why",
 * where is the caller's name for the input, e.g. "request body").
 * reps holds n reports. */
int argo_app_ingest_bars(argo_app *app, size_t n, const char *const *symbols,
                         const argo_bar *const *bars, const size_t *counts, const char *where,
                         argo_ingest_report *reps, argo_err *err);

/* Generates the synthetic universe of opt (market.h) into the store, in
 * one transaction; *bars receives the number of new bars. */
int argo_app_synth(argo_app *app, const argo_synth_options *opt, size_t *bars, argo_err *err);

/* Writes the synthetic universe as one CSV per symbol (dir/SYMBOL.csv,
 * written to a temporary file, fsynced and renamed) into dir, creating
 * it when absent; no store is needed. *bars receives the bars written. */
int argo_app_synth_csv(argo_app *app, const argo_synth_options *opt, const char *dir, size_t *bars,
                       argo_err *err);

typedef struct argo_generate_report {
    size_t symbols;    /* symbols with bars */
    size_t bars_fed;   /* new bars pushed through the indicators */
    size_t signals;    /* signals made on the newest bars */
    size_t suppressed; /* signals not made: too little edge over costs */
    size_t rebuilt;    /* states rebuilt from all bars (none saved, or
                          saved under another config) */

} argo_generate_report;

/* The live cycle: for every symbol, pushes the bars not yet seen
 * through its saved strategy state, makes a signal when the consensus
 * turns to BUY or SELL on the newest bar (unless its target move does
 * not beat the round-trip cost by [signal] min_edge_bps: then it is
 * counted as suppressed in the store instead), and saves the state. Bars
 * between the previous cycle and the newest one update the indicators
 * but make no signals. rep may be NULL. */
int argo_app_generate(argo_app *app, argo_generate_report *rep, argo_err *err);

typedef struct argo_track_report {
    size_t open_before;
    size_t bars_scanned; /* (signal, bar) pairs examined */
    size_t resolved;
    size_t open_after;
    int models; /* calibration models refitted after resolving */
} argo_track_report;

/* Resolves open signals against the bars after what each has already
 * scanned; a second run with no new bars changes nothing. When it
 * resolved any and calibration is on, refits the calibration models
 * the policy asks for (calibrate/calibrate.h) on every outcome up to
 * the newest bar. rep may be NULL. */
int argo_app_track(argo_app *app, argo_track_report *rep, argo_err *err);

/* Refits every calibration model that has outcomes it was not trained
 * on, now (argo calibrate), and reports how many were stored. */
int argo_app_calibrate(argo_app *app, int *fitted, argo_err *err);

typedef void (*argo_progress_fn)(void *ctx, int64_t done, int64_t total);

typedef struct argo_replay_options {
    int64_t from;              /* signals only for bars at or after from (INT64_MIN: all) */
    int64_t to;                /* bars after to are not replayed (INT64_MAX: all) */
    int64_t chunk_bars;        /* bars read per time chunk; 0 = 32 a symbol */
    argo_progress_fn progress; /* may be NULL */
    void *progress_ctx;
} argo_replay_options;

typedef struct argo_replay_report {
    int64_t bars;
    size_t signals, resolved, open;
    size_t suppressed; /* signals not made: too little edge over costs */
    size_t models;     /* calibration models fitted */
} argo_replay_report;

/* Discards every stored signal and strategy state, then walks the
 * bars in (ts, symbol) order: each bar is pushed through its symbol's
 * strategies (a signal when the consensus turns), then the symbol's
 * open signals are tracked with it. Leaves the states saved at `to`,
 * so a later argo_app_generate carries on from there. rep may be NULL. */
int argo_app_replay(argo_app *app, const argo_replay_options *opt, argo_replay_report *rep,
                    argo_err *err);

/* The outcome coverage invariant of docs/DESIGN.md: a signal is
 * covered when resolved, or open with its expiry after its symbol's
 * last bar and every bar up to that last bar scanned. Reads only. */
typedef struct argo_coverage {
    size_t signals, covered;
} argo_coverage;
int argo_app_coverage(argo_app *app, argo_coverage *out, argo_err *err);

/* The calibration report (calibrate/report.h) over the stored resolved
 * signals. Reads only. *out is freed with free(). */
int argo_app_calibration_report(argo_app *app, double train_fraction, int folds,
                                argo_calib_report **out, argo_err *err);

/* The expected calibration error of the confidences as stored (each
 * signal's, from the model of its time, so out of sample) against the
 * outcomes, over every resolved signal: the "as stored" ECE of argo
 * calibrate report (ARGO_REPORT_BINS bins), into *ece; NAN when no
 * signal is resolved. */
int argo_app_calibration_ece(argo_app *app, double *ece, argo_err *err);

/* One live cycle of argo serve: generate, then track (each its own
 * transaction; its events announced after its commit). */
typedef struct argo_cycle_report {
    argo_generate_report gen;
    argo_track_report track;
} argo_cycle_report;
int argo_app_cycle(argo_app *app, argo_cycle_report *rep, argo_err *err);

#endif
