/* SPDX-License-Identifier: MIT */
/*
 * strategy/strategy.h - the four voting strategies, the consensus that
 * turns their votes into an action with a raw confidence, and the
 * per-symbol state that carries the indicators from bar to bar.
 *
 * Strategies (each votes a direction and a strength in [0,1]; all
 * formulas are in docs/STRATEGIES.md):
 *   trend     SMA(fast) vs SMA(slow), strength |fast-slow| / (2 ATR)
 *   meanrev   RSI and Bollinger %B, votes only outside the RSI band
 *             or outside the bands
 *   macd      sign of the MACD histogram, strength |hist| / (0.5 ATR)
 *   breakout  close beyond the previous bar's Donchian channel
 * Consensus: score = sum(w_i d_i s_i) / sum(w_i); BUY when score >=
 * threshold and at least min_agree strategies vote BUY (SELL mirrors);
 * raw_confidence = |score|. A signal is made on the bar where the
 * action becomes BUY or SELL (it was something else on the bar before).
 *
 * Not here: storage, tracking or calibration.
 */
#ifndef ARGO_STRATEGY_H
#define ARGO_STRATEGY_H

#include "base/err.h"
#include "domain/config.h"
#include "domain/types.h"

#include <stddef.h>
#include <stdint.h>

typedef struct argo_strategy_state argo_strategy_state;

/* What the consensus says at one bar. */
typedef struct argo_decision {
    int64_t ts;
    int action;   /* ARGO_BUY, ARGO_SELL or ARGO_NONE */
    bool edge;    /* action is BUY/SELL and differs from the bar before */
    double score; /* weighted score in [-1, 1] */
    double raw_confidence;
    double atr; /* NAN until warm */
    argo_vote votes[ARGO_STRAT_COUNT];
} argo_decision;

/* Allocates a fresh state for cfg (which must be valid). Returns 0 or
 * ARGO_ENOMEM; the caller frees *out with argo_strategy_state_free. */
int argo_strategy_state_new(const argo_config *cfg, argo_strategy_state **out, argo_err *err);
void argo_strategy_state_free(argo_strategy_state *st);

/* Feeds the next bar (its ts must be after the last one fed) and fills
 * *out with the consensus at that bar, from bars up to it only. */
void argo_strategy_step(argo_strategy_state *st, const argo_bar *bar, argo_decision *out);

/* ts of the last bar fed, INT64_MIN when none. */
int64_t argo_strategy_state_last_ts(const argo_strategy_state *st);

/* Serializes st into a new buffer (*blob, freed with free()). */
int argo_strategy_state_save(argo_strategy_state *st, unsigned char **blob, size_t *len,
                             argo_err *err);

/* Rebuilds a state from a blob saved under the same configuration.
 * Returns ARGO_EVERSION when the blob was made by another version or
 * configuration (callers then rebuild from bars), ARGO_ECORRUPT when
 * it is malformed. *out is NULL on failure. */
int argo_strategy_state_load(const argo_config *cfg, const void *blob, size_t len,
                             argo_strategy_state **out, argo_err *err);

/* Fills *sig with a signal for a decision whose edge is set: entry at
 * the bar's close, target/stop at the configured ATR multiples,
 * expiry, confidence = raw (no model), published per min_confidence. */
void argo_strategy_signal(const argo_config *cfg, const argo_bar *bar, const argo_decision *d,
                          argo_signal *sig);

#endif
