/* SPDX-License-Identifier: MIT */
/*
 * calibrate/report.h - measuring calibration honestly, out of sample
 * and in time order (docs/CALIBRATION.md):
 *   holdout       resolved signals ordered by the time they were made;
 *                 the split time is that of the signal at train_fraction;
 *                 a model is fitted on the outcomes resolved before the
 *                 split and evaluated on the signals made from it on
 *   walk-forward  the same evaluation period cut into `folds` parts;
 *                 each part is predicted by a model fitted on every
 *                 outcome resolved before the part starts
 *   as stored     the confidences the engine stored with each signal
 *                 (made with models trained before the signal)
 * For each: Brier, log loss, ECE and MCE (10 equal-width bins) of raw
 * and calibrated confidence, and the reliability table; and, on the
 * walk-forward predictions, the count and win rate of signals passing
 * publishing thresholds on raw vs calibrated confidence.
 * Also the auditing helpers: reading a (confidence, label, weight) CSV.
 */
#ifndef ARGO_CALIB_REPORT_H
#define ARGO_CALIB_REPORT_H

#include "base/err.h"
#include "calibrate/isotonic.h"
#include "domain/config.h"

#include <stdbool.h>
#include <stdio.h>

#define ARGO_REPORT_BINS 10
#define ARGO_REPORT_THRESHOLDS 7

typedef struct argo_calib_eval {
    argo_calib_metrics raw, cal;
    argo_reliability_bin rel_raw[ARGO_REPORT_BINS], rel_cal[ARGO_REPORT_BINS];
} argo_calib_eval;

typedef struct argo_calib_threshold {
    double threshold;
    size_t raw_n, raw_wins, cal_n, cal_wins;
} argo_calib_threshold;

typedef struct argo_calib_report {
    size_t outcomes; /* resolved signals */
    double train_fraction;
    int folds;
    int64_t split_ts;
    size_t train_n;
    argo_calib_eval holdout, walk, stored;
    argo_calib_threshold thresholds[ARGO_REPORT_THRESHOLDS];
    size_t nthresholds;
} argo_calib_report;

/* A resolved signal as the report sees it. */
typedef struct argo_calib_item {
    int64_t ts, exit_ts; /* made, resolved */
    double raw;          /* raw confidence */
    double stored;       /* the calibrated confidence stored with it */
    double label;        /* 1 win, 0 not (argo_track_label) */
} argo_calib_item;

/* ARGO_EINVAL unless train_fraction is in (0, 1) and folds in 1..100. */
int argo_calib_report_check(double train_fraction, int folds, argo_err *err);

/* Computes the report over v, the n resolved signals in the order the
 * store lists them ((ts, id)); v is not changed. The caller (app/)
 * loads them. ARGO_EINVAL as argo_calib_report_check; ARGO_EDATA with a
 * clear message when there are too few to evaluate (fewer than 10
 * training outcomes or 10 evaluation signals). *out is freed with
 * free(). */
int argo_calib_report_compute(const argo_calib_item *v, size_t n, const argo_config *cfg,
                              double train_fraction, int folds, argo_calib_report **out,
                              argo_err *err);

/* The report as text (its JSON document is app/json.h's). */
int argo_calib_report_write(const argo_calib_report *r, FILE *f, argo_err *err);

/* Writes a reliability diagram of the walk-forward evaluation as SVG
 * (temporary file, fsync, rename: never a partial file). */
int argo_calib_report_svg(const argo_calib_report *r, const char *path, argo_err *err);

/* Reads a CSV (base/csvread.h) with a header naming columns confidence
 * and label and, optionally, weight, once each, in any order. Every row
 * has the header's number of fields. Confidences are decimal numbers in
 * [0, 1], labels 0 or 1, weights 0 or in [ARGO_CALIB_WEIGHT_MIN,
 * ARGO_CALIB_WEIGHT_MAX] (base/limits.h) and not all 0; the first bad
 * row fails the read with "path:line: reason". w is NULL when there is
 * no weight column. The arrays are freed with free(). */
int argo_calib_csv_read(const char *path, double **x, double **y, double **w, size_t *n,
                        argo_err *err);

#endif
