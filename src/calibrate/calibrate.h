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
 * Every fit is stored as a new model version. Nothing trained at t uses
 * an outcome resolved at or after t, so there is no look-ahead.
 *
 * One calibrator is used from one thread.
 */
#ifndef ARGO_CALIBRATE_H
#define ARGO_CALIBRATE_H

#include "base/err.h"
#include "calibrate/isotonic.h"
#include "domain/config.h"
#include "store/store.h"

#include <stdint.h>

typedef struct argo_calibrator argo_calibrator;

/* A calibrator fed by the caller (replay): it starts with no model and
 * learns outcomes through argo_calibrator_add. nsymbols bounds symbol ids. */
int argo_calibrator_new(const argo_config *cfg, int64_t nsymbols, argo_calibrator **out,
                        argo_err *err);

/* A calibrator over the store at time t: the newest stored models
 * trained on outcomes before t (trained_through <= t); with counts,
 * also the number of outcomes resolved before t, which a refit needs
 * (the outcomes themselves are read only when a refit is due). */
int argo_calibrator_open(argo_store *st, const argo_config *cfg, int64_t t, bool counts,
                         argo_calibrator **out, argo_err *err);

void argo_calibrator_free(argo_calibrator *c);

/* Records an outcome (only for a calibrator from argo_calibrator_new);
 * outcomes must come in exit_ts order. */
int argo_calibrator_add(argo_calibrator *c, int64_t symbol_id, int64_t exit_ts, double raw,
                        int label, argo_err *err);

/* Refits what the policy asks for at time t (non-decreasing from call
 * to call) and stores each new model in st. With force, refits every
 * model that has new outcomes since its last fit (argo calibrate).
 * *fitted (may be NULL) receives the number of models stored. */
int argo_calibrator_advance(argo_calibrator *c, argo_store *st, int64_t t, bool force, int *fitted,
                            argo_err *err);

/* The calibrated confidence of raw for a symbol and the model version
 * used (0 = none). May read a model's points from st. */
int argo_calibrator_apply(argo_calibrator *c, argo_store *st, int64_t symbol_id, double raw,
                          double *confidence, int64_t *version, argo_err *err);

#endif
