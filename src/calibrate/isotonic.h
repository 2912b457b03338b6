/* SPDX-License-Identifier: MIT */
/*
 * calibrate/isotonic.h - isotonic regression (pool adjacent violators)
 * and the calibration metrics. The definition is scikit-learn's
 * IsotonicRegression(increasing=True, out_of_bounds="clip"):
 *   - samples of weight 0 are dropped;
 *   - samples are ordered by x, and samples whose x differ by less than
 *     1e-15 (numpy's float64 resolution) are pooled into one point: the
 *     weighted mean of their y and the sum of their weights;
 *   - PAV fits the non-decreasing sequence closest in weighted least
 *     squares (Barlow et al., "Statistical Inference under Order
 *     Restrictions", 1972; Best & Chakravarti, 1990);
 *   - interior points whose y equals both neighbours' are dropped;
 *   - a prediction clips x to [x_min, x_max] and interpolates linearly
 *     between the neighbouring fitted points.
 * Written here because no Debian package offers isotonic regression for
 * C. Pure computation: no I/O, no globals, thread-safe.
 */
#ifndef ARGO_ISOTONIC_H
#define ARGO_ISOTONIC_H

#include "base/err.h"
#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_iso_model {
    size_t n;        /* fitted points, >= 1 */
    double *x;       /* strictly increasing */
    double *y;       /* non-decreasing */
    size_t distinct; /* distinct x values seen in training */
    /* lookup table: lut[b] is the first knot >= the start of bucket b of
     * lut_n equal buckets over [x[0], x[n-1]] (speeds up predictions) */
    uint32_t *lut;
    size_t lut_n;
    double lut_scale;
} argo_iso_model;

/* In-sample metrics of a fit, computed from its blocks (no second
 * pass over the samples): weighted Brier score, log loss (predictions
 * clipped to [1e-15, 1-1e-15]) and 10-bin expected calibration error. */
typedef struct argo_iso_fit_stats {
    double weight, brier, log_loss, ece;
} argo_iso_fit_stats;

/* Fits x, y with weights w (NULL = all 1). Returns 0, or ARGO_EINVAL
 * naming the sample (1-based) for a non-finite value or a negative
 * weight, ARGO_EDATA for an empty training set (no sample with weight
 * > 0), ARGO_ENOMEM. *out is freed with argo_iso_model_free; stats may
 * be NULL. */
int argo_iso_fit(const double *x, const double *y, const double *w, size_t n, argo_iso_model **out,
                 argo_iso_fit_stats *stats, argo_err *err);

/* The same for input already ordered by x (ties in any order). */
int argo_iso_fit_sorted(const double *x, const double *y, const double *w, size_t n,
                        argo_iso_model **out, argo_iso_fit_stats *stats, argo_err *err);

/* Fits as argo_iso_fit (sorted: input already ordered by x), then
 * pools sparse blocks: in x order, a block whose weight is below
 * min_block is merged with the block after it (the weighted mean of
 * both, weights summed), repeatedly, until it reaches min_block; a
 * sparse last block is merged into the one before it. Merging two
 * neighbours of a strictly increasing sequence keeps it strictly
 * increasing, so the result is still isotonic; every block then holds
 * a weight >= min_block, or there is one block (total weight below
 * min_block). Then shrinks every block value toward the weighted mean
 * of y by k / (W + k), W the total weight:
 * y' = W/(W+k) y + k/(W+k) mean. Stats are computed from the final
 * blocks. k = 0 and min_block <= 1 with unit weights is argo_iso_fit. */
int argo_iso_fit_shrunk(const double *x, const double *y, const double *w, size_t n, bool sorted,
                        double k, double min_block, argo_iso_model **out, argo_iso_fit_stats *stats,
                        argo_err *err);

/* A model from stored points (x strictly increasing, n >= 1). */
int argo_iso_model_from_points(const double *x, const double *y, size_t n, argo_iso_model **out,
                               argo_err *err);

void argo_iso_model_free(argo_iso_model *m);

/* The model's value at x (clipped to the training range). */
double argo_iso_predict(const argo_iso_model *m, double x);

/* Sorts n finite keys ascending, stably: perm[i] receives the original
 * index of the i-th smallest key. A radix sort, O(n). */
int argo_iso_sort(const double *keys, size_t n, size_t *perm, argo_err *err);

/* Calibration metrics of predictions p (in [0,1]) against labels in
 * {0,1}: Brier score, log loss (p clipped to [1e-15, 1-1e-15]),
 * expected and maximum calibration error over `bins` equal-width bins
 * ([0, 1/bins), ..., [1 - 1/bins, 1]). */
typedef struct argo_calib_metrics {
    size_t n;
    double brier, log_loss, ece, mce;
} argo_calib_metrics;

typedef struct argo_reliability_bin {
    size_t count;
    double mean_pred, observed; /* NAN when count is 0 */
} argo_reliability_bin;

/* Fills *m and, when rel is not NULL, rel[0..bins-1]. */
void argo_calib_metrics_compute(const double *p, const double *label, size_t n, int bins,
                                argo_calib_metrics *m, argo_reliability_bin *rel);

#endif
