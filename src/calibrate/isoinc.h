/* SPDX-License-Identifier: MIT */
/*
 * calibrate/isoinc.h - an isotonic training set that grows one sample
 * at a time and refits in time that depends on what changed, not on
 * its size: the samples sit, by x, in leaves of a few hundred distinct
 * x values, and each leaf caches the PAV blocks of its own samples;
 * groups of consecutive leaves cache the PAV blocks of their leaves'
 * blocks. A fit re-solves the leaves and groups that changed and runs
 * PAV over all groups' blocks, each block taken as one point. That is
 * the fit
 * argo_iso_fit_shrunk makes over all the samples (the same tie
 * pooling, the same blocks): with unit weights and labels in {0, 1}
 * the same bits, otherwise equal to rounding (sums are taken in
 * another order). It is not a model: it keeps the training set.
 * Not thread-safe: one set is used by one thread at a time.
 */
#ifndef ARGO_ISOINC_H
#define ARGO_ISOINC_H

#include "base/err.h"
#include "calibrate/isotonic.h"

#include <stddef.h>

/* Distinct x values a leaf holds before it splits, by default. */
#define ARGO_ISOINC_LEAF 256
/* Leaves a group holds before it splits, by default. */
#define ARGO_ISOINC_GROUP 32

typedef struct argo_isoinc argo_isoinc;

/* What a fit did (for benchmarks and tests). */
typedef struct argo_isoinc_info {
    size_t leaves;    /* leaves in the set */
    size_t resolved;  /* leaves whose blocks this fit recomputed */
    size_t groups;    /* groups of leaves in the set */
    size_t regrouped; /* groups whose blocks this fit recomputed */
    size_t blocks;    /* group blocks the final PAV pass went over */
} argo_isoinc_info;

/* A new, empty set whose leaves hold about `leaf` distinct x values
 * (0: ARGO_ISOINC_LEAF) and whose groups about `group` leaves (0:
 * ARGO_ISOINC_GROUP); both at least 2. Returns 0 or ARGO_ENOMEM; *out
 * is freed with argo_isoinc_free. */
int argo_isoinc_new(size_t leaf, size_t group, argo_isoinc **out, argo_err *err);

void argo_isoinc_free(argo_isoinc *t);

/* Adds sample (x, y) of weight w. A sample of weight 0 is dropped, as
 * the fit drops it. Returns 0, ARGO_EINVAL for a non-finite x or y or a
 * weight that is not a finite number >= 0, or ARGO_ENOMEM; on failure
 * the set is unchanged. */
int argo_isoinc_add(argo_isoinc *t, double x, double y, double w, argo_err *err);

/* Samples of weight > 0 added so far. */
size_t argo_isoinc_count(const argo_isoinc *t);

/* Fits the set as argo_iso_fit_shrunk(..., k = shrink, min_block) over
 * all the samples added so far would. *out is freed with
 * argo_iso_model_free; stats and info may be NULL. Returns 0,
 * ARGO_EDATA for an empty set, or ARGO_ENOMEM (*out NULL then). Costs
 * the leaves that changed since the last fit (about their number times
 * the leaf size), one PAV step per leaf block of every group that
 * changed, and one per block of every group. */
int argo_isoinc_fit(argo_isoinc *t, double shrink, double min_block, argo_iso_model **out,
                    argo_iso_fit_stats *stats, argo_isoinc_info *info, argo_err *err);

#endif
