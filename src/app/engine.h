/* SPDX-License-Identifier: MIT */
/*
 * app/engine.h - the flow of docs/DESIGN.md over a store: generate
 * (the live cycle), track, and replay (history walked bar by bar the
 * way the live loop would). All three share the per-bar functions of
 * strategy/ and track/, so replay and live cannot disagree.
 *
 * Each call is one store transaction: it either completes or leaves
 * the store as it was.
 */
#ifndef ARGO_ENGINE_H
#define ARGO_ENGINE_H

#include "base/err.h"
#include "domain/config.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

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
int argo_engine_generate(argo_store *st, const argo_config *cfg, argo_generate_report *rep,
                         argo_err *err);

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
 * the newest bar. */
int argo_engine_track(argo_store *st, const argo_config *cfg, argo_track_report *rep,
                      argo_err *err);

/* Refits every calibration model that has outcomes it was not trained
 * on, now (argo calibrate), and reports how many were stored. */
int argo_engine_calibrate(argo_store *st, const argo_config *cfg, int *fitted, argo_err *err);

typedef void (*argo_progress_fn)(void *ctx, int64_t done, int64_t total);

typedef struct argo_replay_options {
    int64_t from;              /* signals only for bars at or after from (INT64_MIN: all) */
    int64_t to;                /* bars after to are not replayed (INT64_MAX: all) */
    int64_t chunk_bars;        /* bars read per time chunk; 0 = 262144 */
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
 * so a later argo_engine_generate carries on from there. */
int argo_engine_replay(argo_store *st, const argo_config *cfg, const argo_replay_options *opt,
                       argo_replay_report *rep, argo_err *err);

/* The outcome coverage invariant of docs/DESIGN.md: a signal is
 * covered when resolved, or open with its expiry after its symbol's
 * last bar and every bar up to that last bar scanned. */
typedef struct argo_coverage {
    size_t signals, covered;
} argo_coverage;
int argo_engine_coverage(argo_store *st, argo_coverage *out, argo_err *err);

#endif
