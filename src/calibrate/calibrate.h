/* SPDX-License-Identifier: MIT */
/*
 * calibrate/calibrate.h - the calibrator: isotonic models that map a
 * signal's raw confidence to the win rate it has had, and the policy
 * that decides when they are refitted (docs/CALIBRATION.md).
 *
 * Policy, at each point in time t at which signals may be made:
 *   - outcomes: resolved signals with exit_ts < t, label as DESIGN.md;
 *   - global model: refitted on all of them once at least
 *     retrain_every outcomes arrived since its last fit (the first fit
 *     after the first retrain_every outcomes);
 *   - symbol model: once a symbol has symbol_min_outcomes outcomes, and
 *     then after every retrain_every new ones of its own, refitted on
 *     that symbol's outcomes only;
 *   - a signal's confidence comes from its symbol's model when there is
 *     one (there is one only once the symbol had symbol_min_outcomes
 *     outcomes), else from the global model, else it is the raw confidence
 *     and the model version is 0 (cold start); a fit with fewer than 2
 *     distinct raw confidences makes no model.
 * Every fit is handed to the caller's sink, which stores it as a new
 * model version. Nothing trained at t uses an outcome resolved at or
 * after t, so there is no look-ahead.
 *
 * The calibrator never reads or writes a store: it holds what it is
 * given (models, outcome counts, outcomes) and what it fits, and hands
 * each new model to a sink. The application layer (app/) loads and
 * saves. Two uses:
 *   replay  argo_calibrator_new, then argo_calibrator_add for every
 *           outcome in exit_ts order and argo_calibrator_advance as time
 *           passes: everything is in memory;
 *   live    argo_calibrator_at(t), then argo_calibrator_note for each
 *           stored model (version order, points optional),
 *           argo_calibrator_count, and, when argo_calibrator_due says a
 *           refit is due, argo_calibrator_refit with the outcomes
 *           resolved before t. Points of a stored model are loaded only
 *           when needed: argo_calibrator_wants names the version whose
 *           points argo_calibrator_apply (or a refit's blend) would
 *           use, and argo_calibrator_give hands them over.
 *
 * One calibrator is used from one thread.
 */
#ifndef ARGO_CALIBRATE_H
#define ARGO_CALIBRATE_H

#include "base/err.h"
#include "calibrate/isotonic.h"
#include "domain/config.h"
#include "domain/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_calibrator argo_calibrator;

/* Receives each model the calibrator fits, in the order fitted: it
 * stores m and sets m->version (a new, increasing version). m and its
 * points are borrowed for the call. A non-zero return stops the refit
 * and is returned (err filled by the sink). */
typedef int (*argo_model_sink)(void *ctx, argo_model_row *m, argo_err *err);

/* A calibrator fed by the caller (replay): it starts with no model and
 * learns outcomes through argo_calibrator_add. nsymbols bounds symbol ids. */
int argo_calibrator_new(const argo_config *cfg, int64_t nsymbols, argo_calibrator **out,
                        argo_err *err);

/* A calibrator at time t over stored models (live): symbol ids are
 * 1..nsymbols. It knows no model and no outcome until told through
 * argo_calibrator_note and argo_calibrator_count. */
int argo_calibrator_at(const argo_config *cfg, int64_t nsymbols, int64_t t, argo_calibrator **out,
                       argo_err *err);

void argo_calibrator_free(argo_calibrator *c);

/* Live: a stored model, given in version order (every stored model, or
 * at least the newest of each scope). Models trained on outcomes at or
 * after t (trained_through > t), of another scope or of a symbol out of
 * range are ignored. When m has points (m->n > 0) they are copied. */
int argo_calibrator_note(argo_calibrator *c, const argo_model_row *m, argo_err *err);

/* Live: the number of outcomes resolved before t, of symbol_id, or of
 * every symbol when symbol_id is 0 (what a refit needs to know whether
 * it is due). Symbols out of range are ignored. */
void argo_calibrator_count(argo_calibrator *c, int64_t symbol_id, int64_t count);

/* Live: true when argo_calibrator_refit would fit a model (with force:
 * every model with outcomes it was not trained on). */
bool argo_calibrator_due(const argo_calibrator *c, bool force);

/* The version of a noted model whose points the calibrator needs and
 * does not hold: for symbol_id > 0, the model argo_calibrator_apply
 * would use for it; for symbol_id == 0, the global model a refit
 * (force as for argo_calibrator_refit) blends symbol models with. 0:
 * nothing needed. */
int64_t argo_calibrator_wants(const argo_calibrator *c, int64_t symbol_id, bool force);

/* The points of a model named by argo_calibrator_wants (matched by
 * version; other versions are ignored). Points are copied. */
int argo_calibrator_give(argo_calibrator *c, const argo_model_row *m, argo_err *err);

/* Replay: records an outcome; outcomes must come in exit_ts order. */
int argo_calibrator_add(argo_calibrator *c, int64_t symbol_id, int64_t exit_ts, double raw,
                        int label, argo_err *err);

/* Replay: refits what the policy asks for at time t (non-decreasing from
 * call to call) and hands each new model to sink. *fitted (may be NULL)
 * receives the number of models fitted. */
int argo_calibrator_advance(argo_calibrator *c, int64_t t, bool force, argo_model_sink sink,
                            void *sink_ctx, int *fitted, argo_err *err);

/* Live: refits what the policy asks for at t on outs, the n outcomes
 * resolved before t in (exit_ts, id) order (their number must equal the
 * count of argo_calibrator_count(c, 0, ...): ARGO_ESTORE otherwise), and hands
 * each new model to sink. With force, refits every model that has new
 * outcomes since its last fit (argo calibrate). A blend needs the
 * global model's points: argo_calibrator_wants(c, 0, force). */
int argo_calibrator_refit(argo_calibrator *c, bool force, const argo_outcome *outs, size_t n,
                          argo_model_sink sink, void *sink_ctx, int *fitted, argo_err *err);

/* Live, the same without an array of outcomes: the caller gives them one
 * at a time with argo_calibrator_take (in (exit_ts, id) order; it may be
 * called from a store scan's callback: it touches no store, and returns
 * ARGO_ENOMEM or 0), then calls argo_calibrator_refit_taken, which uses
 * them up. The outcomes go straight into the calibrator's sample arrays,
 * so a refit over the whole history holds them once. */
int argo_calibrator_take(argo_calibrator *c, const argo_outcome *o);
int argo_calibrator_refit_taken(argo_calibrator *c, bool force, argo_model_sink sink,
                                void *sink_ctx, int *fitted, argo_err *err);

/* The calibrated confidence of raw for a symbol and the model version
 * used (0 = none). Uses only what the calibrator holds: a model chosen
 * whose points were not given (argo_calibrator_wants) is ARGO_ENOENT. */
int argo_calibrator_apply(argo_calibrator *c, int64_t symbol_id, double raw, double *confidence,
                          int64_t *version, argo_err *err);

#endif
