/* SPDX-License-Identifier: MIT */
/*
 * app/calibration.h - the calibration operations (argo calibrate):
 * refit the models, list them, fit an external model from a CSV file,
 * apply a stored model, and the out-of-sample report and its plot.
 * The math is in calibrate/ (isotonic.h, report.h); loading and saving
 * models is here.
 */
#ifndef ARGO_APP_CALIBRATION_H
#define ARGO_APP_CALIBRATION_H

#include "app/app.h"
#include "base/err.h"
#include "calibrate/report.h"
#include "domain/types.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The refit (argo calibrate) and the report over the store are
 * argo_app_calibrate and argo_app_calibration_report (app/flow.h). */

/* One stored model as listed: its row without points (n = 0, x = y =
 * NULL) and its symbol's name ("-" for a model of every symbol). */
typedef struct argo_model_info {
    argo_model_row row;
    char symbol[ARGO_SYMBOL_MAX];
} argo_model_info;

typedef struct argo_model_list {
    argo_model_info *v; /* in version order */
    size_t n;
} argo_model_list;

/* Every stored model (argo calibrate list), into *out (cleaned up with
 * argo_model_list_cleanup, also after a failure). */
int argo_app_models(argo_app *app, argo_model_list *out, argo_err *err);
void argo_model_list_cleanup(argo_model_list *l);

/* An external model fitted from a CSV file (argo calibrate fit). */
typedef struct argo_calib_fit_result {
    int64_t version;             /* as stored */
    size_t samples;              /* rows read */
    size_t n;                    /* fitted points */
    double *x, *y;               /* owned */
    double brier, log_loss, ece; /* in-sample */
} argo_calib_fit_result;

/* Reads csv (columns confidence,label[,weight]: argo_calib_csv_read),
 * fits an isotonic model and stores it with scope "external" (never
 * applied to signals). A fit with a non-finite value is not stored
 * (ARGO_EDATA). *out is cleaned up with argo_calib_fit_result_cleanup,
 * also after a failure. Needs a store opened read-write. */
int argo_app_calibrate_fit(argo_app *app, const char *csv, argo_calib_fit_result *out,
                           argo_err *err);
void argo_calib_fit_result_cleanup(argo_calib_fit_result *r);

/* Applies stored model version to the confidences in `in`, one a line
 * (blank lines skipped; a line of at most ARGO_LINE_MAX - 2 bytes, a
 * decimal in [0, 1]): fn sees each input value and its prediction, in
 * order, as soon as it is read. ARGO_ENOENT for an unknown version,
 * ARGO_ELIMIT / ARGO_EDATA / ARGO_EIO with "stdin:LINE: ..." (where
 * names the input) for the first bad line; the values before it have
 * been passed to fn. */
typedef void (*argo_predict_fn)(void *ctx, double confidence, double calibrated);
int argo_app_calibrate_predict(argo_app *app, int64_t version, FILE *in, const char *where,
                               argo_predict_fn fn, void *ctx, argo_err *err);

/* The report's reliability diagram as an SVG file at path (argo
 * calibrate plot). */
int argo_app_calibrate_plot(argo_app *app, double train_fraction, int folds, const char *path,
                            argo_err *err);

/* The report as text (the JSON document: argo_json_calib_report). */
int argo_app_calib_report_text(const argo_calib_report *r, FILE *f, argo_err *err);

#endif
